//! `GET /metrics` (issue 11): served on `metrics.bind` only, in the Prometheus text format, with
//! the series the README documents.

use crate::support::fixtures::SeedAccount;
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
        value(&before_delivery, r#"sign_ups_total{outcome="success"}"#),
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
    // Not on the public port.
    app.get("/metrics").await.assert_status(404);
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
