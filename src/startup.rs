//! Builds the application from its settings: database, shared state, router, outbox worker.
//! `App::build` binds the listener (port 0 in tests) and `run_until_stopped` serves until
//! Ctrl-C / SIGTERM, then shuts down within `server.shutdown_timeout_secs`: no new
//! connection, requests in flight finish, the outbox worker stops and hands back its leases.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use axum::Router;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use tokio::{net::TcpListener, sync::watch};

use crate::{
    auth::password::PasswordHasher,
    clock::{SharedClock, SystemClock},
    config::{DatabaseSettings, Settings},
    directory::{Directory, LdapDirectory},
    domain::{mailbox::AddressPattern, nomenclature::Nomenclatures},
    mail::Mailer,
    psc::PscClient,
    services::cgu::CguCatalog,
    state::{AppState, OutboxSignal, PublicUrl, Shared},
    web, worker,
};

pub struct App {
    listener: TcpListener,
    /// `metrics.bind`'s listener, when set.
    metrics_listener: Option<TcpListener>,
    router: Router,
    state: AppState,
    worker: Arc<worker::Worker>,
}

impl App {
    /// # Errors
    /// Unreadable data files (CGU, nomenclatures), database or SMTP misconfiguration, bind failure.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// [`App::build`], reading the time from `clock` (tests pass a `MockClock`).
    ///
    /// # Errors
    /// As [`App::build`].
    pub async fn build_with_clock(settings: Settings, clock: SharedClock) -> anyhow::Result<Self> {
        let db = connect(&settings.database).await?;
        if settings.database.migrate_on_start {
            migrate(&db).await?;
        }
        let listener = TcpListener::bind(&settings.server.bind)
            .await
            .with_context(|| format!("binding {}", settings.server.bind))?;
        let local = listener.local_addr()?;
        let public_url = match &settings.server.public_url {
            None => format!("http://{local}"),
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        };
        let cgu = CguCatalog::load(&settings.cgu).context("loading the CGU")?;
        let nomenclatures = Nomenclatures::load(&settings.nomenclatures.dir)
            .context("loading the nomenclatures")?;
        // A bad address pattern would only surface at the first validation: refuse to start.
        for pattern in [
            &settings.addresses.per_pattern,
            &settings.addresses.med_pattern,
        ] {
            AddressPattern::parse(pattern)
                .map_err(|e| anyhow::anyhow!("addresses pattern {pattern:?}: {e}"))?;
        }
        let org_pattern = &settings.addresses.org_pattern;
        AddressPattern::parse_org(org_pattern)
            .map_err(|e| anyhow::anyhow!("addresses.org_pattern {org_pattern:?}: {e}"))?;
        let hasher = PasswordHasher::new(&settings.auth)?;
        let metrics = Arc::new(crate::metrics::Metrics::new(&hasher));
        let metrics_listener = match settings.metrics.bind.trim() {
            "" => None,
            bind => Some(
                TcpListener::bind(bind)
                    .await
                    .with_context(|| format!("binding metrics.bind {bind}"))?,
            ),
        };
        let mailer = Mailer::from_settings(&settings.mail)?;
        let psc = if settings.psc.enabled {
            Some(Arc::new(PscClient::new(&settings.psc, &public_url)?))
        } else {
            None
        };
        let state = AppState::new(Shared {
            db,
            psc,
            public_url: PublicUrl(public_url.into()),
            hasher,
            cgu: Arc::new(cgu),
            nomenclatures: Arc::new(nomenclatures),
            csrf_key: crate::auth::csrf::CsrfKey::from_settings(&settings.server)?,
            outbox: OutboxSignal::default(),
            settings: Arc::new(settings),
            clock: clock.clone(),
            metrics: metrics.clone(),
        });
        let router = web::router(state.clone());
        let worker = Arc::new(worker::Worker::new(
            state.db.clone(),
            mailer,
            directory_from(&state.settings),
            annuaire_from(&state.settings)?,
            state.settings.clone(),
            clock,
            metrics,
            state.public_url.0.to_string(),
        ));
        Ok(Self {
            metrics_listener,
            listener,
            router,
            state,
            worker,
        })
    }

    /// The port of the `/metrics` listener, when `metrics.bind` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn public_url(&self) -> &str {
        &self.state.public_url.0
    }

    pub fn db(&self) -> DatabaseConnection {
        self.state.db.clone()
    }

    /// The outbox worker, for [`worker::Worker::drain`] (tests deliver the outbox with it
    /// instead of waiting for the background loops).
    pub fn outbox_worker(&self) -> Arc<worker::Worker> {
        self.worker.clone()
    }

    /// Serves HTTP and runs the outbox worker until a shutdown signal (Ctrl-C, SIGTERM).
    ///
    /// # Errors
    /// The server failing to accept connections.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes, then shuts down gracefully: the listener closes at once
    /// (a load balancer's next connection goes to another instance), requests in flight and
    /// the outbox worker's delivery in hand get `server.shutdown_timeout_secs` to finish, and
    /// whatever the worker still held is handed back to the outbox (due at once, for another
    /// instance or the next start).
    ///
    /// # Errors
    /// The server failing to accept connections.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let settings = self.state.settings.clone();
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut worker = tokio::spawn(worker::run(
            self.worker.clone(),
            self.state.outbox.clone(),
            stop_rx,
        ));
        let metrics = self.metrics_listener.map(|listener| {
            let router = web::metrics_router(self.state.clone());
            tokio::spawn(async move {
                if let Err(error) = axum::serve(listener, router).await {
                    tracing::error!(%error, "the metrics listener stopped");
                }
            })
        });
        // The peer address (for the per-client rate limits, `auth::client`) is put in each
        // request's extensions by `serve`.
        let connections = serve(
            self.listener,
            self.router,
            Duration::from_secs(settings.server.header_read_timeout_secs),
            stop,
        )
        .await;
        let grace = Duration::from_secs(settings.server.shutdown_timeout_secs);
        tracing::info!(
            timeout_secs = grace.as_secs(),
            "shutting down: no new connections; waiting for requests in flight and the outbox worker"
        );
        self.worker.stop();
        let _ = stop_tx.send(true);
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        let deadline = tokio::time::Instant::now() + grace;
        let (requests, delivery) = tokio::join!(
            tokio::time::timeout_at(deadline, connections.shutdown()),
            tokio::time::timeout_at(deadline, &mut worker),
        );
        if requests.is_err() {
            tracing::warn!("requests still in flight at the shutdown timeout were cut off");
        }
        if delivery.is_err() {
            worker.abort();
            let _ = worker.await;
            tracing::warn!("an outbox delivery in flight at the shutdown timeout was cut off");
        }
        let released = self.worker.release_leases().await;
        tracing::info!(released_leases = released, "stopped");
        Ok(())
    }
}

/// Serves `router` on `listener` until `stop`, then closes the listener and returns the
/// open connections, for the caller to wait on (bounded) while their requests finish.
///
/// This is `axum::serve` with one addition it cannot be configured for: hyper's
/// `header_read_timeout`, which closes a connection whose request line and headers do not
/// arrive in time. Without it one client can hold thousands of connections open by sending a
/// header byte now and then (slowloris, OWASP ASVS 11.1.4). Each request also carries the peer
/// address as `ConnectInfo<SocketAddr>`, as `into_make_service_with_connect_info` would.
async fn serve(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    stop: impl Future<Output = ()>,
) -> hyper_util::server::graceful::GracefulShutdown {
    use hyper_util::{
        rt::{TokioExecutor, TokioIo, TokioTimer},
        server::{conn::auto, graceful::GracefulShutdown},
    };
    use tower::ServiceExt as _;

    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: the same pause as axum::serve, so a
                // full table does not turn into a busy loop.
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<_>| {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            router.clone().oneshot(req.map(axum::body::Body::new))
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Closed by the peer, timed out reading headers, or a protocol error: nothing to
            // answer any more, and hyper already replied where HTTP allows it.
            let _ = connection.await;
        });
    }
    drop(listener);
    graceful
}

/// The LDAP publisher, when `directory.enabled`. Off, directory rows wait in the outbox.
pub fn directory_from(settings: &Settings) -> Option<Arc<dyn Directory>> {
    settings
        .directory
        .enabled
        .then(|| Arc::new(LdapDirectory::new(&settings.directory)) as Arc<dyn Directory>)
}

/// The Annuaire Santé client, when `annuaire_sante.enabled`. Off, no lookup is queued.
///
/// # Errors
/// The HTTP client failing to build.
pub fn annuaire_from(
    settings: &Settings,
) -> anyhow::Result<Option<Arc<dyn crate::annuaire_sante::PractitionerDirectory>>> {
    if !settings.annuaire_sante.enabled {
        return Ok(None);
    }
    let client = crate::annuaire_sante::FhirClient::new(&settings.annuaire_sante)?;
    Ok(Some(Arc::new(client)))
}

/// Opens the one connection pool.
///
/// # Errors
/// Unreachable database or invalid URL.
pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_file(&settings.url)
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // SQLite has one writer at a time, and a transaction that reads before it writes fails at
    // once with "database is locked" when another writer got in first. One connection
    // serialises the embedded database's work, which is plenty for local runs; PostgreSQL (the
    // production database) gets the configured pool.
    let is_sqlite = settings.url.starts_with("sqlite:");
    let max_connections = if is_sqlite {
        1
    } else {
        settings.max_connections
    };
    let mut options = ConnectOptions::new(settings.url.clone());
    options
        .max_connections(max_connections)
        // A database that is down must not hold requests for sqlx's default 30 s: after this
        // long the request gets a 503 page (`AppError::is_unavailable`), and the pool keeps
        // trying with the next request, so service resumes by itself when the database does.
        .acquire_timeout(Duration::from_secs(settings.acquire_timeout_secs))
        .connect_timeout(Duration::from_secs(settings.acquire_timeout_secs))
        .sqlx_logging(false)
        // WAL and a busy timeout let other processes (the CLI) share the file safely.
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    Database::connect(options)
        .await
        .with_context(|| format!("connecting to {}", redact(&settings.url)))
}

/// # Errors
/// A migration failing.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("running migrations")
}

fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://")?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.starts_with(':')).then_some(path)
}

/// The URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_redacted_in_logs() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/mss"),
            "postgres://app:***@db:5432/mss"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn sqlite_file_paths_are_found_in_urls() {
        assert_eq!(
            sqlite_file("sqlite://data/x.db?mode=rwc"),
            Some("data/x.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x"), None);
    }
}
