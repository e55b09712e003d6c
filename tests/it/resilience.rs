//! Overload and outages (issue 8): a bounded hash queue, request and header-read timeouts,
//! and a database that stops and comes back. Every refusal is a French 503 page with
//! `Retry-After`, answered without waiting on the thing that is saturated or down.

use std::{
    net::TcpListener as StdListener,
    path::PathBuf,
    process::Command,
    time::{Duration, Instant},
};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{LOGIN_ERROR, TestApp, TestResponse, TestUser, spawn_app_with};

/// The title of the 503 page.
const UNAVAILABLE: &str = "Service momentanément indisponible";

#[track_caller]
fn assert_unavailable_page(response: &TestResponse) {
    response.assert_status(503);
    assert!(response.is_html(), "the 503 is not a page");
    assert!(
        response.text().contains(UNAVAILABLE),
        "the 503 page is not the French one: {}",
        response.text()
    );
    let retry: u32 = response
        .header("retry-after")
        .expect("a 503 carries Retry-After")
        .parse()
        .expect("Retry-After in seconds");
    assert!(retry > 0);
}

#[tokio::test]
async fn sign_ins_beyond_the_hash_queue_get_a_503_at_once_and_the_others_are_served() {
    // Arrange: one hashing thread, two places in the queue, and a hash slow enough (~0.5 s)
    // that twelve simultaneous sign-ins all arrive while the first is still being verified.
    let app = spawn_app_with(|s| {
        s.auth.argon2_memory_kib = 19456;
        s.auth.argon2_iterations = 24;
        s.auth.max_concurrent_hashes = 1;
        s.auth.max_queued_hashes = 2;
        // Twelve sign-ins in flight for one email would otherwise meet the per-email limit
        // (each reserves its verification before hashing); this test is about the queue.
        s.auth.max_failed_signins = 100;
    })
    .await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    let mut visitors = Vec::new();
    for _ in 0..12 {
        let visitor = app.another_visitor();
        visitor.get("/connexion").await.assert_status(200);
        visitors.push(visitor);
    }

    let hits_before = signin_client_hits(&app).await;

    // Act
    let started = Instant::now();
    let tasks: Vec<_> = visitors
        .into_iter()
        .map(|visitor| {
            let (email, password) = (user.email.clone(), user.password.clone());
            tokio::spawn(async move {
                let response = visitor
                    .post_form(
                        "/connexion",
                        &[("email", email.as_str()), ("mot_de_passe", &password)],
                    )
                    .await;
                (response, started.elapsed())
            })
        })
        .collect();
    let mut served = Vec::new();
    let mut refused = Vec::new();
    for task in tasks {
        let (response, took) = task.await.unwrap();
        match response.status {
            303 => served.push(took),
            _ => {
                assert_unavailable_page(&response);
                refused.push(took);
            }
        }
    }

    // Assert: at most the running hash and the two queued ones are served; the rest are
    // refused, and sooner than the first hash could finish (they never waited for a slot).
    assert!(
        (1..=3).contains(&served.len()),
        "served {} of 12",
        served.len()
    );
    assert_eq!(refused.len(), 12 - served.len());
    // The refused ones were refused before any database work: only the served sign-ins took
    // a place in the per-client rate limit.
    let counted = signin_client_hits(&app).await - hits_before;
    assert_eq!(
        counted,
        served.len() as i64,
        "refused sign-ins touched the database"
    );
    let fastest_served = served.iter().min().unwrap();
    let slowest_refused = refused.iter().max().unwrap();
    assert!(
        slowest_refused < fastest_served,
        "a refusal ({slowest_refused:?}) waited longer than a served sign-in ({fastest_served:?})"
    );
}

/// Sign-in attempts counted against the (one) test client.
async fn signin_client_hits(app: &TestApp) -> i64 {
    crate::support::db::scalar_i64(
        &app.db,
        "SELECT CAST(hits AS BIGINT) FROM rate_limits WHERE key LIKE 'signin-client:%'",
    )
    .await
}

#[tokio::test]
async fn a_request_that_runs_out_of_time_gets_the_503_page() {
    // Arrange: a hash takes seconds, a request may take one. (150 passes was about 1 s on a
    // fast core, too close to the timeout: 600 is several seconds anywhere.)
    let app = spawn_app_with(|s| {
        s.auth.argon2_memory_kib = 19456;
        s.auth.argon2_iterations = 600;
        s.auth.max_concurrent_hashes = 1;
        s.server.request_timeout_secs = 1;
    })
    .await;

    // Act
    let started = Instant::now();
    let response = app.login("personne@example.fr", "Peu-importe-42").await;

    // Assert
    assert_unavailable_page(&response);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_client_that_stalls_in_its_headers_is_disconnected_after_the_header_timeout() {
    // Arrange
    let app = spawn_app_with(|s| s.server.header_read_timeout_secs = 1).await;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();

    // Act: half a request (line and one header, never the blank line), then nothing.
    stream
        .write_all(b"GET /connexion HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: lent")
        .await
        .unwrap();
    let started = Instant::now();
    let mut sink = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut sink)).await;

    // Assert: the server closed the connection (EOF, or a reset) after about a second.
    assert!(
        closed.is_ok(),
        "the stalled connection is still open after 10 s"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "closed after {took:?}"
    );
    // A well-behaved client is still served.
    app.get("/connexion").await.assert_status(200);
}

/// A PostgreSQL cluster of our own (in a temp dir, on a free port), which the test may stop and
/// start. The shared server on 5432 is never touched.
struct PrivatePostgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    /// Run the server binaries as this user (PostgreSQL refuses to run as root).
    run_as: Option<&'static str>,
}

impl PrivatePostgres {
    /// None when no PostgreSQL server binaries are installed.
    fn init() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
            .max()?;
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        let run_as = root.then_some("postgres");
        let dir = tempfile::Builder::new()
            .prefix("pg-outage-")
            .tempdir()
            .unwrap();
        if let Some(user) = run_as {
            let status = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "chown of the cluster folder");
        }
        let port = StdListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self {
            bin,
            dir,
            port,
            run_as,
        };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    #[track_caller]
    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let output = match self.run_as {
            Some(user) => Command::new("runuser")
                .args(["-u", user, "--"])
                .arg(&program)
                .args(args)
                .output(),
            None => Command::new(&program).args(args).output(),
        }
        .unwrap();
        assert!(
            output.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn start(&self) {
        let data = self.data();
        let log = self.dir.path().join("server.log").display().to_string();
        let socket_dir = self.dir.path().display().to_string();
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {socket_dir} -c fsync=off",
            self.port
        );
        self.run(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
        );
    }

    fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", self.run_as.unwrap_or("root"), "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

/// `GET /healthz` and how long it took.
async fn health(app: &TestApp) -> (u16, Duration) {
    let started = Instant::now();
    let response = app.get("/healthz").await;
    (response.status, started.elapsed())
}

#[tokio::test]
async fn with_the_database_down_requests_get_a_503_within_the_timeout_and_service_resumes() {
    let Some(pg) = PrivatePostgres::init() else {
        eprintln!(
            "SKIPPED: no PostgreSQL server binaries under /usr/lib/postgresql (initdb, pg_ctl); \
             the outage test needs a private cluster it can stop"
        );
        return;
    };
    pg.start();
    let url = pg.url();
    let app = spawn_app_with(|s| {
        s.database.url = url;
        s.database.acquire_timeout_secs = 2;
    })
    .await;
    assert_eq!(health(&app).await.0, 200);
    app.login("personne@example.fr", "Peu-importe-42")
        .await
        .assert_status(422);

    // Act: the database goes away.
    pg.stop();

    // Assert: the load balancer learns it within a second…
    let (status, took) = health(&app).await;
    assert_eq!(status, 503);
    assert!(took < Duration::from_secs(1), "/healthz took {took:?}");
    // …while the liveness probe, which does not ask the database, keeps the instance alive.
    app.get("/livez").await.assert_status(200);
    // …and a request that needs the database gets the French 503 page within the acquire
    // timeout (plus the round trip), not sqlx's default 30 s.
    let visitor = app.another_visitor();
    visitor.get("/connexion").await.assert_status(200);
    let started = Instant::now();
    let response = visitor
        .post_form(
            "/connexion",
            &[
                ("email", "personne@example.fr"),
                ("mot_de_passe", "Peu-importe-42"),
            ],
        )
        .await;
    let took = started.elapsed();
    assert_unavailable_page(&response);
    assert!(took < Duration::from_secs(4), "the refusal took {took:?}");

    // Act: the database comes back; nothing restarts the app.
    pg.start();

    // Assert: the pool reconnects by itself (polled, not slept on).
    let deadline = Instant::now() + Duration::from_secs(20);
    while health(&app).await.0 != 200 {
        assert!(
            Instant::now() < deadline,
            "/healthz still 503 after the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let response = app.login("personne@example.fr", "Peu-importe-42").await;
    response.assert_status(422);
    assert!(response.text().contains(LOGIN_ERROR));
}
