//! Prometheus metrics (issue 11), exposed by `GET /metrics` on `metrics.bind`: a listener of its
//! own, never the public port.
//!
//! One [`Metrics`] per app, with its own registry (`prometheus-client`): no global recorder, so
//! several apps in one process (the tests) keep their own counts. Counters and histograms are
//! updated where things happen (HTTP layer, sign-in handlers, hashing threads, outbox worker);
//! the gauges that describe stored state (outbox, validation queue, directory lag) are read from
//! the database at each scrape, so every instance reports the shared truth.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use sea_orm::{DatabaseConnection, DbErr};

use crate::auth::password::PasswordHasher;
use crate::clock::Timestamp;
use crate::domain::QueueFilter;
use crate::domain::Scope;
use crate::outbox::JobKind;
use crate::psc::PscRefusal;
use crate::repo;

/// `http_requests_total` / `http_request_duration_seconds` labels: the route template (never
/// the raw path, which holds tokens and ids), the method and the status. Static strings, so
/// recording a request allocates nothing (see [`http::route_label`]).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub route: &'static str,
    pub method: &'static str,
    pub status: u16,
}

/// How a sign-in or sign-up ended.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(
    non_camel_case_types,
    reason = "label values are snake_case in Prometheus"
)]
pub enum Outcome {
    success,
    wrong_password,
    throttled,
    overloaded,
    invalid_form,
    error,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: Outcome,
}

/// How an account was created: the sign-up form, or Pro Santé Connect's email step.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(
    non_camel_case_types,
    reason = "label values are snake_case in Prometheus"
)]
pub enum SignUpMethod {
    password,
    psc,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SignUpLabels {
    pub outcome: Outcome,
    pub method: SignUpMethod,
}

/// How a Pro Santé Connect sign-in ended: at its callback, or at its start when PSC cannot be
/// reached. A fixed set (never the provider's own error text), so the series stay bounded.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(
    non_camel_case_types,
    reason = "label values are snake_case in Prometheus"
)]
pub enum PscOutcome {
    /// Signed in to a linked account.
    success,
    /// The e-CPS was linked to the signed-in account (`/psc/associer`).
    linked,
    /// A new user: the email step follows (its end is counted in `sign_ups_total`).
    needs_email,
    /// An unlinked password account matched: its password is asked before linking.
    needs_password,
    /// The user cancelled at PSC (`access_denied`).
    cancelled,
    /// PSC answered with another error code.
    provider_error,
    /// PSC could not be reached or answered nonsense.
    unavailable,
    /// The token exchange, the ID token or userinfo failed a check, or lacks a usable name.
    refused_token,
    /// No live attempt for the browser, a replay, a forged `state`, a wrong `iss`, no code.
    refused_callback,
    /// The e-CPS or the account is linked elsewhere (or disabled), or the identifiers differ.
    identity_conflict,
    /// A database or other internal failure.
    error,
}

impl PscOutcome {
    /// The label of a refused PSC step. Exhaustive, so a new refusal must be classified.
    pub fn of_refusal(refusal: &PscRefusal) -> Self {
        match refusal {
            PscRefusal::Cancelled => Self::cancelled,
            PscRefusal::ProviderError(_) => Self::provider_error,
            PscRefusal::Unavailable(_) => Self::unavailable,
            // PSC's answer lacks what an account needs (a name): refused like a bad token.
            PscRefusal::TokenRefused(_) | PscRefusal::IncompleteIdentity => Self::refused_token,
            PscRefusal::UnknownAttempt
            | PscRefusal::Replayed
            | PscRefusal::ForgedState
            | PscRefusal::WrongIssuer
            | PscRefusal::NoCode
            | PscRefusal::Expired => Self::refused_callback,
            PscRefusal::AlreadyLinked
            | PscRefusal::AccountDisabled
            | PscRefusal::IdentifierMismatch => Self::identity_conflict,
            PscRefusal::NotEnabled | PscRefusal::Unexpected(_) => Self::error,
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PscLabels {
    pub outcome: PscOutcome,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueueLabels {
    pub region: String,
    pub bal_type: String,
}

type Seconds = Gauge<f64, AtomicU64>;

fn duration_histogram() -> Histogram {
    // 1 ms … about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<HttpLabels, Counter>,
    pub http_duration: Family<HttpLabels, Histogram, fn() -> Histogram>,
    pub sign_ins: Family<OutcomeLabels, Counter>,
    pub sign_ups: Family<SignUpLabels, Counter>,
    pub psc_sign_ins: Family<PscLabels, Counter>,
    hash_depth: Gauge,
    pub outbox_delivered: Family<KindLabels, Counter>,
    pub outbox_failures: Family<KindLabels, Counter>,
    pub outbox_abandoned: Family<KindLabels, Counter>,
    outbox_enabled: Family<KindLabels, Gauge>,
    outbox_pending: Family<KindLabels, Gauge>,
    outbox_oldest: Family<KindLabels, Seconds>,
    validation_pending: Family<QueueLabels, Gauge>,
    validation_over_24h: Family<QueueLabels, Gauge>,
    validation_over_48h: Family<QueueLabels, Gauge>,
    validation_oldest: Seconds,
    directory_lag: Seconds,
    hasher: PasswordHasher,
    /// Held by [`Metrics::render`] from clearing the database gauges to encoding them (see
    /// there).
    render_lock: tokio::sync::Mutex<()>,
}

impl Metrics {
    /// Registers every series; the hasher's own counters are shared, not copied.
    pub fn new(hasher: &PasswordHasher) -> Self {
        let mut registry = Registry::default();
        let m = Self {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(duration_histogram),
            sign_ins: Family::default(),
            sign_ups: Family::default(),
            psc_sign_ins: Family::default(),
            hash_depth: Gauge::default(),
            outbox_delivered: Family::default(),
            outbox_failures: Family::default(),
            outbox_abandoned: Family::default(),
            outbox_enabled: Family::default(),
            outbox_pending: Family::default(),
            outbox_oldest: Family::default(),
            validation_pending: Family::default(),
            validation_over_24h: Family::default(),
            validation_over_48h: Family::default(),
            validation_oldest: Seconds::default(),
            directory_lag: Seconds::default(),
            hasher: hasher.clone(),
            render_lock: tokio::sync::Mutex::default(),
            registry: Registry::default(),
        };
        // (`_total` is added to counters by the encoder.)
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            m.http_requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request",
            Unit::Seconds,
            m.http_duration.clone(),
        );
        registry.register(
            "sign_ins",
            "Password sign-ins by outcome",
            m.sign_ins.clone(),
        );
        registry.register(
            "sign_ups",
            "Sign-ups by outcome and method (the form, or Pro Santé Connect)",
            m.sign_ups.clone(),
        );
        registry.register(
            "psc_sign_ins",
            "Pro Santé Connect sign-ins by outcome",
            m.psc_sign_ins.clone(),
        );
        registry.register(
            "password_hash_queue_depth",
            "Password hashes running or waiting for a hashing thread",
            m.hash_depth.clone(),
        );
        let stats = hasher.stats();
        registry.register_with_unit(
            "password_hash_wait",
            "Time a password hash waited for a hashing thread",
            Unit::Seconds,
            stats.wait.clone(),
        );
        registry.register(
            "password_hash_rejections",
            "Sign-ins and sign-ups refused at once because the hash queue was full (503)",
            stats.rejections.clone(),
        );
        registry.register(
            "outbox_deliveries",
            "Outbox items delivered, by kind",
            m.outbox_delivered.clone(),
        );
        registry.register(
            "outbox_failures",
            "Outbox delivery attempts that failed and will be retried, by kind",
            m.outbox_failures.clone(),
        );
        registry.register(
            "outbox_abandoned",
            "Outbox items abandoned (permanent failure), by kind",
            m.outbox_abandoned.clone(),
        );
        registry.register(
            "outbox_enabled",
            "1 when this instance delivers outbox items of this kind; 0 when the kind is switched \
             off and its items wait, parked (directory.enabled = false)",
            m.outbox_enabled.clone(),
        );
        registry.register(
            "outbox_pending",
            "Outbox items not delivered yet, by kind",
            m.outbox_pending.clone(),
        );
        registry.register_with_unit(
            "outbox_oldest_pending_age",
            "Age of the oldest outbox item not delivered yet, by kind (0 when none)",
            Unit::Seconds,
            m.outbox_oldest.clone(),
        );
        registry.register("validation_queue_pending", "Registrations (and BAL ORG requests) waiting for an administrator, by région and BAL type", m.validation_pending.clone());
        registry.register(
            "validation_queue_over_24h",
            "Waiting registrations older than 24 h, by région and BAL type",
            m.validation_over_24h.clone(),
        );
        registry.register(
            "validation_queue_over_48h",
            "Waiting registrations older than 48 h (the guide's promise), by région and BAL type",
            m.validation_over_48h.clone(),
        );
        registry.register_with_unit(
            "validation_queue_oldest_age",
            "Age of the oldest waiting registration (0 when none)",
            Unit::Seconds,
            m.validation_oldest.clone(),
        );
        registry.register_with_unit(
            "directory_publication_lag",
            "Age of the oldest directory change not published yet (0 when none)",
            Unit::Seconds,
            m.directory_lag.clone(),
        );
        Self { registry, ..m }
    }

    /// Refreshes the gauges read from the database, then encodes everything in the Prometheus
    /// text format.
    ///
    /// # Errors
    /// Database failures (the scrape then fails with 500: the target is down for Prometheus).
    pub async fn render(&self, db: &DatabaseConnection, now: Timestamp) -> Result<String, DbErr> {
        // The gauges read from the database are shared by every scrape and rebuilt in place
        // (cleared, then incremented per row, across awaits). Two concurrent scrapes (two
        // Prometheus servers, a retry) would interleave: one could encode the other's
        // half-built families, or both add their rows to the same series and double them.
        // One render at a time; a tokio lock, because it is held across the queries.
        let _rendering = self.render_lock.lock().await;
        let age = |t: Option<Timestamp>| {
            t.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0)
        };
        self.hash_depth
            .set(i64::try_from(self.hasher.queued()).unwrap_or(i64::MAX));
        self.outbox_pending.clear();
        self.outbox_oldest.clear();
        for kind in JobKind::ALL {
            let status = repo::outbox::status(db, kind).await?;
            let labels = KindLabels {
                kind: kind.as_str().to_owned(),
            };
            self.outbox_pending
                .get_or_create(&labels)
                .set(i64::try_from(status.pending).unwrap_or(i64::MAX));
            self.outbox_oldest
                .get_or_create(&labels)
                .set(age(status.oldest));
            if kind == JobKind::Directory {
                self.directory_lag.set(age(status.oldest));
            }
        }
        self.validation_pending.clear();
        self.validation_over_24h.clear();
        self.validation_over_48h.clear();
        let filter = QueueFilter {
            scopes: vec![Scope::National],
            ..QueueFilter::default()
        };
        let mut waiting: Vec<(String, String, Timestamp)> = repo::queue::pending(db, &filter)
            .await?
            .into_iter()
            .filter_map(|(account, profile)| {
                let bal = account
                    .bal_type
                    .map_or("MED", crate::domain::BalType::as_str)
                    .to_owned();
                Some((profile.region, bal, account.profile_submitted_at?))
            })
            .collect();
        waiting.extend(
            repo::orgs::pending(db)
                .await?
                .into_iter()
                .map(|o| (o.region, "ORG".to_owned(), o.requested_at)),
        );
        let mut oldest = None;
        for (region, bal_type, since) in waiting {
            let labels = QueueLabels { region, bal_type };
            let hours = (now - since).num_hours();
            self.validation_pending.get_or_create(&labels).inc();
            // Present (at 0) for every région and type that has waiting accounts, so an alert
            // on it has a series to read.
            let over_24 = self.validation_over_24h.get_or_create(&labels);
            if hours >= 24 {
                over_24.inc();
            }
            drop(over_24);
            let over_48 = self.validation_over_48h.get_or_create(&labels);
            if hours >= 48 {
                over_48.inc();
            }
            drop(over_48);
            oldest = Some(oldest.map_or(since, |o: Timestamp| o.min(since)));
        }
        self.validation_oldest.set(age(oldest));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(|e| DbErr::Custom(format!("encoding metrics: {e}")))?;
        Ok(text)
    }
}

impl Metrics {
    pub fn sign_in(&self, outcome: Outcome) {
        self.sign_ins
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    pub fn sign_up(&self, method: SignUpMethod, outcome: Outcome) {
        self.sign_ups
            .get_or_create(&SignUpLabels { outcome, method })
            .inc();
    }

    /// Whether this instance's worker delivers `kind`: set once, when the worker is built.
    pub fn outbox_enabled(&self, kind: JobKind, enabled: bool) {
        self.outbox_enabled
            .get_or_create(&KindLabels {
                kind: kind.as_str().to_owned(),
            })
            .set(i64::from(enabled));
    }

    pub fn psc_sign_in(&self, outcome: PscOutcome) {
        self.psc_sign_ins
            .get_or_create(&PscLabels { outcome })
            .inc();
    }
}

impl Outcome {
    /// An unexpected error, or the hash queue refusing it (503).
    pub fn of_error(e: &anyhow::Error) -> Self {
        if e.is::<crate::error::Overloaded>() {
            Self::overloaded
        } else {
            Self::error
        }
    }
}

/// The HTTP side: the layer that counts every request, and the scrape handler.
pub mod http {
    use std::collections::HashSet;
    use std::sync::{LazyLock, PoisonError, RwLock};
    use std::time::Instant;

    use axum::{
        extract::{MatchedPath, Request, State},
        http::{Method, StatusCode, header},
        middleware::Next,
        response::{IntoResponse, Response},
    };

    use super::HttpLabels;
    use crate::state::AppState;

    /// Counts the request and its duration by route template (`/bal-org/{id}`, never the path
    /// itself: it may hold a token), method and status.
    pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
        let started = Instant::now();
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", |path| route_label(path.as_str()));
        let method = method_label(request.method());
        let response = next.run(request).await;
        let labels = HttpLabels {
            route,
            method,
            status: response.status().as_u16(),
        };
        let metrics = &state.metrics;
        metrics.http_requests.get_or_create(&labels).inc();
        metrics
            .http_duration
            .get_or_create(&labels)
            .observe(started.elapsed().as_secs_f64());
        response
    }

    /// The route template as a `&'static str`. Templates come from the router, so there are as
    /// many as there are routes (about a hundred): each is copied once into a process-wide set
    /// and leaked, which bounds the memory and spares an allocation on every request. Raw paths
    /// never get here: an unmatched request is labelled "unmatched".
    pub(crate) fn route_label(template: &str) -> &'static str {
        static ROUTES: LazyLock<RwLock<HashSet<&'static str>>> = LazyLock::new(Default::default);
        let read = ROUTES.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(route) = read.get(template) {
            return route;
        }
        drop(read);
        let mut write = ROUTES.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(route) = write.get(template) {
            return route;
        }
        let route: &'static str = Box::leak(template.to_owned().into_boxed_str());
        write.insert(route);
        route
    }

    /// The method's name; the service answers the standard ones only, anything else is "other".
    fn method_label(method: &Method) -> &'static str {
        match *method {
            Method::GET => "GET",
            Method::POST => "POST",
            Method::HEAD => "HEAD",
            Method::PUT => "PUT",
            Method::DELETE => "DELETE",
            Method::PATCH => "PATCH",
            Method::OPTIONS => "OPTIONS",
            _ => "other",
        }
    }

    /// `GET /metrics`.
    pub async fn scrape(State(state): State<AppState>) -> Response {
        match state.metrics.render(&state.db, state.clock.now()).await {
            Ok(text) => (
                [(
                    header::CONTENT_TYPE,
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                )],
                text,
            )
                .into_response(),
            Err(error) => {
                tracing::error!(%error, "metrics scrape failed");
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_route_template_is_copied_once_and_shared_by_every_request() {
        let first = super::http::route_label("/bal-org/{id}");
        let again = super::http::route_label(&String::from("/bal-org/{id}"));
        assert_eq!(first, "/bal-org/{id}");
        assert!(std::ptr::eq(first, again), "one copy per template");
        assert_eq!(super::http::route_label("/compte"), "/compte");
    }
}
