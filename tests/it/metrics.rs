//! `GET /metrics` (issue 11): served on `metrics.bind` only, in the Prometheus text format, with
//! the series the README documents.

use crate::support::fixtures::SeedAccount;
use crate::support::psc::{self, PscSimulator, pharma_login, spawn_app_with_psc, unique_email};
use crate::support::{TestApp, TestUser, spawn_app_with};

async fn app_with_metrics() -> TestApp {
    spawn_app_with(|s| s.metrics.bind = "127.0.0.1:0".into()).await
}

/// The scrape, as Prometheus would fetch it.
async fn scrape(app: &TestApp) -> String {
    let port = app.metrics_port.expect("metrics.bind is set");
    let response = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("scrape");
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    response.text().await.expect("body")
}

/// The value of the series `name{labels}` (labels as written in the exposition), if present.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

#[tokio::test]
async fn metrics_count_a_sign_up_a_sign_in_and_report_the_outbox() {
    // Arrange
    let app = app_with_metrics().await;
    let user = TestUser::generate();

    // Act: a sign-up while the relay is down (its confirmation mail waits in the outbox: the
    // count cannot race the worker), then the relay back, the mail delivered, the journey's
    // sign-in and one wrong password.
    app.smtp.stop();
    app.signup(&user).await.assert_status(303);
    let before_delivery = scrape(&app).await;
    app.smtp.start().await;
    app.advance_clock(chrono::Duration::seconds(
        i64::try_from(app.settings.mail.retry_max_secs).expect("small") + 1,
    ));
    // The drain also waits for a pass the background worker may have started: the counter is
    // recorded after the delivery, so it is up to date once the drain returns.
    app.drain_outbox().await;
    app.confirm_email_from_mail(&user.email).await;
    app.login_user(&user).await;
    app.another_visitor()
        .login(&user.email, "Pas-le-bon-1!")
        .await;
    let after = scrape(&app).await;

    // Assert
    assert_eq!(
        value(
            &before_delivery,
            r#"sign_ups_total{outcome="success",method="password"}"#
        ),
        Some(1.0),
        "{before_delivery}"
    );
    assert!(
        value(&before_delivery, r#"outbox_pending{kind="mail"}"#).is_some_and(|n| n >= 1.0),
        "{before_delivery}"
    );
    assert_eq!(
        value(&after, r#"sign_ins_total{outcome="success"}"#),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        value(&after, r#"sign_ins_total{outcome="wrong_password"}"#),
        Some(1.0),
        "{after}"
    );
    assert!(
        value(&after, r#"outbox_deliveries_total{kind="mail"}"#).is_some_and(|n| n >= 1.0),
        "{after}"
    );
    assert_eq!(
        value(
            &after,
            r#"http_requests_total{route="/inscription",method="POST",status="303"}"#
        ),
        Some(1.0),
        "{after}"
    );
    // The confirmation link's token never becomes a label: its route template does.
    assert!(
        after.contains(r#"route="/confirmation/{token}""#),
        "{after}"
    );
    assert!(
        after.contains("http_request_duration_seconds_bucket"),
        "{after}"
    );
    assert!(
        after.contains("password_hash_wait_seconds_count"),
        "{after}"
    );
    assert!(
        after.contains("password_hash_rejections_total 0"),
        "{after}"
    );
    // Mail is always delivered; the directory only when it is enabled (otherwise its rows
    // wait, parked, and the README's OutboxStuck alert leaves them out).
    assert_eq!(
        value(&after, r#"outbox_enabled{kind="mail"}"#),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        value(&after, r#"outbox_enabled{kind="directory"}"#),
        Some(f64::from(u8::from(app.settings.directory.enabled))),
        "{after}"
    );
    // Not on the public port.
    app.get("/metrics").await.assert_status(404);
}

#[tokio::test]
async fn metrics_count_psc_sign_ins_by_outcome_and_a_psc_sign_up() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |s| s.metrics.bind = "127.0.0.1:0".into()).await;
    let psc_browser = sim.browser();
    let login = pharma_login(&psc::unique_rpps());

    // Act: a new professional signs up through PSC (the callback asks for an email, the email
    // step creates the account), signs in again; another visitor cancels at PSC, then replays
    // that callback.
    app.psc_register_confirmed(&psc_browser, &login, &unique_email())
        .await;
    app.psc_sign_in(&psc_browser, &login)
        .await
        .assert_redirect_to("/cgu");
    let visitor = app.another_visitor();
    let authorization = visitor.psc_authorization_url().await;
    let cancelled = sim.browser().cancel(&authorization).await;
    visitor.psc_callback(&cancelled).await;
    visitor.psc_callback(&cancelled).await;
    let text = scrape(&app).await;

    // Assert: each outcome under its own label, none as a refused token.
    for (outcome, count) in [
        ("needs_email", 1.0),
        ("success", 1.0),
        ("cancelled", 1.0),
        ("refused_callback", 1.0),
    ] {
        assert_eq!(
            value(
                &text,
                &format!(r#"psc_sign_ins_total{{outcome="{outcome}"}}"#)
            ),
            Some(count),
            "{outcome}: {text}"
        );
    }
    assert!(!text.contains(r#"outcome="refused_token""#), "{text}");
    assert_eq!(
        value(&text, r#"sign_ups_total{outcome="success",method="psc"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            r#"sign_ups_total{outcome="success",method="password"}"#
        ),
        None,
        "{text}"
    );
}

#[tokio::test]
async fn concurrent_scrapes_each_report_the_queue_once() {
    // Arrange: three pending accounts.
    let app = app_with_metrics().await;
    for i in 0..3 {
        let seed = SeedAccount::pharmacist("Jeanne", &format!("Concurrente{i}")).waiting_hours(30);
        app.seed_pending(&seed).await;
    }

    // Act: scrapes at once (two Prometheus servers, a retry…), each rebuilding the gauges.
    let texts = futures_util::future::join_all((0..8).map(|_| scrape(&app))).await;

    // Assert: none saw another's half-built or doubled gauges.
    let series = r#"validation_queue_pending{region="76",bal_type="PER"}"#;
    for text in texts {
        assert_eq!(value(&text, series), Some(3.0), "{text}");
    }
}

#[tokio::test]
async fn the_validation_queue_is_reported_by_region_type_and_age() {
    // Arrange: three pending accounts in Occitanie, waiting 2 h, 30 h and 50 h.
    let app = app_with_metrics().await;
    for (i, hours) in [2, 30, 50].into_iter().enumerate() {
        let seed = SeedAccount::pharmacist("Jeanne", &format!("Attente{i}")).waiting_hours(hours);
        app.seed_pending(&seed).await;
    }

    // Act
    let text = scrape(&app).await;

    // Assert
    let labels = r#"{region="76",bal_type="PER"}"#;
    assert_eq!(
        value(&text, &format!("validation_queue_pending{labels}")),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        value(&text, &format!("validation_queue_over_24h{labels}")),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        value(&text, &format!("validation_queue_over_48h{labels}")),
        Some(1.0),
        "{text}"
    );
    let oldest = value(&text, "validation_queue_oldest_age_seconds").expect("oldest age");
    assert!((oldest - 50.0 * 3600.0).abs() < 60.0, "{oldest}");
}
