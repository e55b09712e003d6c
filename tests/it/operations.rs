//! Running it like a production service (issue 11): the probes, a graceful shutdown
//! on SIGTERM (the real binary, as a process), and structured logs that name the request and
//! the account but never a token.

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;

use crate::support::app::eventually;
use crate::support::serve::{SilentSmtp, one_at_a_time};
use crate::support::{Form, LOGIN_ERROR, TestUser, db, spawn_app, spawn_app_with};

#[tokio::test]
async fn readyz_answers_200_only_when_every_migration_is_applied() {
    // Arrange
    let app = spawn_app().await;
    let ready = app.get("/readyz").await;
    ready.assert_status(200);

    // Act: the database lacks the latest migration (a new version started before `migrate`).
    let latest = db::scalar_text(
        &app.db,
        "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1",
    )
    .await
    .expect("a migration is recorded");
    app.db
        .execute_unprepared(&format!(
            "DELETE FROM seaql_migrations WHERE version = '{latest}'"
        ))
        .await
        .expect("forget the latest migration");

    // Assert: not ready, and it says which; health and liveness are unaffected.
    let response = app.get("/readyz").await;
    response.assert_status(503);
    assert!(response.body.contains(&latest), "{}", response.body);
    app.get("/healthz").await.assert_status(200);
    app.get("/livez").await.assert_status(200);
}

#[tokio::test]
async fn livez_answers_ok_without_the_database() {
    // Arrange
    let app = spawn_app().await;
    let live = app.get("/livez").await;
    live.assert_status(200);
    assert_eq!(live.body, "ok");

    // Act: the pool is closed, so any query fails at once.
    app.db.clone().close().await.expect("close the pool");

    // Assert: the process still answers; the health probe, which asks the database, does not.
    let live = app.get("/livez").await;
    live.assert_status(200);
    assert_eq!(live.body, "ok");
    app.get("/healthz").await.assert_status(503);
}

/// The per-client sign-in counter: it is reserved before the password is hashed, so a value of
/// 1 means the sign-in is in its (slow) hash.
async fn signins_counted(app: &crate::support::TestApp) -> i64 {
    db::scalar_i64(
        &app.db,
        "SELECT CAST(hits AS BIGINT) FROM rate_limits WHERE key LIKE 'signin-client:%'",
    )
    .await
}

#[tokio::test]
async fn sigterm_during_a_slow_request_lets_it_finish_and_refuses_new_connections() {
    let _serial = one_at_a_time().await;
    // Arrange: a process whose sign-in spends seconds in argon2.
    let app = spawn_app().await;
    let server = app
        .spawn_process(&[
            ("MSS__AUTH__ARGON2_MEMORY_KIB", "19456"),
            ("MSS__AUTH__ARGON2_ITERATIONS", "120"),
            ("MSS__AUTH__MAX_CONCURRENT_HASHES", "1"),
            ("MSS__SERVER__REQUEST_TIMEOUT_SECS", "60"),
            ("MSS__SERVER__SHUTDOWN_TIMEOUT_SECS", "60"),
        ])
        .await;
    let browser = app.browser_at(&server);
    browser.get("/connexion").await.assert_status(200);
    let slow = tokio::spawn(async move {
        let response = browser
            .post_form(
                "/connexion",
                &[
                    ("email", "personne@example.fr"),
                    ("mot_de_passe", "Peu-importe-42"),
                ],
            )
            .await;
        (response, Instant::now())
    });
    eventually(
        "the sign-in to reach its hash",
        Duration::from_secs(10),
        || async { (signins_counted(&app).await == 1).then_some(()) },
    )
    .await;

    // Act
    let terminated_at = Instant::now();
    server.signal("TERM");

    // Assert: the listener closes at once…
    eventually("the listener to close", Duration::from_secs(5), || async {
        tokio::net::TcpStream::connect(("127.0.0.1", server.port))
            .await
            .is_err()
            .then_some(())
    })
    .await;
    // …while the request in flight gets its full answer…
    let (response, answered_at) = slow.await.expect("the sign-in task");
    response.assert_status(422);
    assert!(response.text().contains(LOGIN_ERROR), "{}", response.body);
    assert!(
        answered_at > terminated_at,
        "the request was answered before the signal"
    );
    // …and then the process exits cleanly.
    let status = server
        .wait_exit(Duration::from_secs(30))
        .await
        .unwrap_or_else(|| panic!("still running after SIGTERM:\n{}", server.log()));
    assert!(status.success(), "exit {status}:\n{}", server.log());
}

#[tokio::test]
async fn sigterm_hands_back_the_outbox_row_in_delivery_so_another_instance_sends_it() {
    let _serial = one_at_a_time().await;
    // Arrange: this process's relay never answers, so its worker is stuck in a delivery
    // holding the row's lease (10 × the 60 s SMTP timeout). The test app's own worker
    // stays idle until the drain below (it polls once an hour).
    let app = spawn_app_with(|s| s.mail.worker_poll_ms = 3_600_000).await;
    let silent = SilentSmtp::start();
    let port = silent.port.to_string();
    let server = app
        .spawn_process(&[
            ("MSS__MAIL__SMTP_PORT", port.as_str()),
            ("MSS__MAIL__SMTP_TIMEOUT_SECS", "60"),
            ("MSS__SERVER__SHUTDOWN_TIMEOUT_SECS", "1"),
        ])
        .await;
    let user = TestUser::generate();
    app.browser_at(&server)
        .signup(&user)
        .await
        .assert_redirect_to("/inscription/email-envoye");
    eventually("the row to be leased", Duration::from_secs(10), || async {
        let rows = db::pending_outbox(&app.db).await;
        rows.first()
            .filter(|row| row.next_attempt_at > chrono::Utc::now() + chrono::Duration::minutes(5))
            .map(|_| ())
    })
    .await;

    // Act
    server.signal("TERM");
    let status = server
        .wait_exit(Duration::from_secs(10))
        .await
        .unwrap_or_else(|| panic!("still running after SIGTERM:\n{}", server.log()));

    // Assert: out within the shutdown timeout, the row due again at once, not lost…
    assert!(status.success(), "exit {status}:\n{}", server.log());
    let rows = db::pending_outbox(&app.db).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert!(
        rows[0].next_attempt_at <= chrono::Utc::now(),
        "the lease was not handed back: {rows:#?}\n{}",
        server.log()
    );
    // …so another instance (this test's app) delivers it now, not in ten minutes.
    app.drain_outbox().await;
    app.wait_for_mail_to(&user.email).await;
}

#[tokio::test]
async fn json_logs_name_the_request_and_the_account_and_never_a_token() {
    let _serial = one_at_a_time().await;
    // Arrange
    let app = spawn_app_with(|s| s.mail.worker_poll_ms = 3_600_000).await;
    let server = app
        .spawn_process(&[
            ("MSS__LOG__FORMAT", "json"),
            ("MSS__LOG__LEVEL", "debug,sqlx=warn,hyper=info,h2=info"),
        ])
        .await;
    let user = TestUser::generate();
    let browser = app.browser_at(&server);

    // Act: sign up, follow the mailed link, sign in, and open a page refused to non-admins;
    // then links with made-up tokens.
    browser.register_confirmed(&user).await;
    let mail = app.wait_for_mail_to(&user.email).await;
    let token = mail
        .confirmation_link()
        .and_then(|link| link.rsplit('/').next().map(str::to_owned))
        .expect("a token in the link");
    browser.login_user(&user).await.assert_status(303);
    let refused = browser.get("/admin").await;
    refused.assert_status(403);
    for path in [
        "/mot-de-passe/reinitialisation/JETON-de-reinitialisation-secret",
        "/compte/email/confirmation/JETON-de-changement-secret",
    ] {
        browser.get(path).await;
    }
    let _ = browser.post_form("/connexion", &Form::new()).await;

    // Assert: the refusal's line carries its request id and the account id, as JSON.
    let request_id = refused.header("x-request-id").expect("a request id");
    let account_id = i64::from(db::account(&app.db, &user.email).await.id);
    let log = server.log();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let line = lines
        .iter()
        .find(|line| {
            line["message"] == "request refused" && line["span"]["request_id"] == *request_id
        })
        .unwrap_or_else(|| panic!("no log line for request {request_id}:\n{log}"));
    assert_eq!(line["span"]["account_id"], account_id, "{line}");
    assert_eq!(line["span"]["path"], "/admin", "{line}");
    // No credential anywhere in the output.
    for secret in [
        token.as_str(),
        "JETON-de-reinitialisation-secret",
        "JETON-de-changement-secret",
        user.password.as_str(),
    ] {
        assert!(!log.contains(secret), "{secret} is in the logs:\n{log}");
    }
    assert!(
        log.contains("/confirmation/…"),
        "the redacted path is not logged at all (the check above would be vacuous):\n{log}"
    );
}
