//! Sign-in and sign-out (`/connexion`, `/deconnexion`).

use crate::support::html;
use crate::support::{LOGIN_ERROR, TestResponse, TestUser, db, spawn_app, strong_password};

/// The generic error of a refused sign-in: 422, the one message, the email kept.
#[track_caller]
fn assert_login_refused(response: &TestResponse) -> String {
    response.assert_status(422);
    let summary = html::text(&response.body, "#error-summary").unwrap_or_else(|| {
        panic!(
            "no #error-summary in the refused sign-in page:\n{}",
            response.body
        )
    });
    assert!(summary.contains(LOGIN_ERROR), "error summary: {summary:?}");
    summary
}

#[tokio::test]
async fn a_confirmed_user_signing_in_is_sent_to_the_cgu() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;

    // Act
    let response = app.login_user(&user).await;

    // Assert
    response.assert_redirect_to("/cgu");
    app.get("/cgu").await.assert_status(200);
}

#[tokio::test]
async fn the_email_is_matched_whatever_its_case() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;

    // Act
    let response = app.login(&user.email.to_uppercase(), &user.password).await;

    // Assert
    response.assert_redirect_to("/cgu");
}

#[tokio::test]
async fn an_unconfirmed_user_signing_in_is_sent_to_the_mail_sent_page() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signup(&user)
        .await
        .assert_redirect_to("/inscription/email-envoye");

    // Act
    let response = app.login_user(&user).await;

    // Assert
    response.assert_redirect_to("/inscription/email-envoye");
    app.get("/inscription/email-envoye")
        .await
        .assert_status(200);
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_get_the_same_answer() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    let stranger = TestUser::generate();

    // Act
    let wrong_password = app.login(&user.email, &strong_password()).await;
    let unknown_email = app.login(&stranger.email, &stranger.password).await;

    // Assert
    let wrong_password_message = assert_login_refused(&wrong_password);
    let unknown_email_message = assert_login_refused(&unknown_email);
    assert_eq!(wrong_password.status, unknown_email.status);
    assert_eq!(wrong_password_message, unknown_email_message);
    assert_eq!(
        html::without_csrf_tokens(&wrong_password.body).replace(&user.email, "EMAIL"),
        html::without_csrf_tokens(&unknown_email.body).replace(&stranger.email, "EMAIL"),
        "the two refusals differ"
    );
}

#[tokio::test]
async fn a_refused_sign_in_keeps_the_email_but_never_the_password() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    let wrong = strong_password();

    // Act
    let response = app.login(&user.email, &wrong).await;

    // Assert
    assert_login_refused(&response);
    assert_eq!(
        response.field_value("email").as_deref(),
        Some(user.email.as_str())
    );
    assert!(!response.body.contains(&wrong));
    for value in html::attrs(&response.body, "input[type=password]", "value") {
        assert!(value.is_empty(), "the password input has a value");
    }
    app.get("/cgu").await.assert_redirect_to("/connexion");
}

#[tokio::test]
async fn signing_out_ends_the_session_and_returns_to_the_landing_page() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_cgu(&user).await;
    let signed_in_cookies = app.cookie_header();

    // Act
    let response = app.logout().await;

    // Assert
    response.assert_redirect_to("/");
    app.get("/").await.assert_status(200);
    app.get("/cgu").await.assert_redirect_to("/connexion");
    // The old cookie is dead on the server too.
    app.get_with_cookie("/cgu", &signed_in_cookies)
        .await
        .assert_redirect_to("/connexion");
    let actions: Vec<String> = db::audit_events(&app.db, &user.email)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.iter().any(|a| a == "signed_out"), "{actions:?}");
}

#[tokio::test]
async fn a_disabled_account_can_neither_sign_in_nor_keep_its_session() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    app.login_user(&user).await.assert_redirect_to("/cgu");

    // Act
    app.run_cli(&["account", "disable", "--email", &user.email], None)
        .await
        .assert_success();

    // Assert
    app.get("/cgu").await.assert_redirect_to("/connexion");
    assert_login_refused(&app.login_user(&user).await);
}

// ---- time: the app's clock is moved forward, no test sleeps ---------------------------------

#[tokio::test]
async fn a_session_idle_for_longer_than_the_idle_timeout_is_over() {
    // Arrange: signed in, then a page view inside the idle timeout
    let app = spawn_app().await;
    let idle = chrono::Duration::minutes(app.settings.auth.session_idle_minutes);
    let user = TestUser::generate();
    app.signed_in_at_cgu(&user).await;
    app.advance_clock(idle - chrono::Duration::minutes(1));
    app.get("/cgu").await.assert_status(200);

    // Act: the page view slid the timeout; then nothing for longer than it
    app.advance_clock(idle - chrono::Duration::minutes(1));
    let still_in = app.get("/cgu").await;
    app.advance_clock(idle + chrono::Duration::seconds(1));
    let after = app.get("/cgu").await;

    // Assert
    still_in.assert_status(200);
    after.assert_redirect_to("/connexion");
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_timeout_however_active() {
    // Arrange: signed in, and active every few minutes
    let app = spawn_app().await;
    let absolute = chrono::Duration::hours(app.settings.auth.session_absolute_hours);
    let step = chrono::Duration::minutes(app.settings.auth.session_idle_minutes / 2);
    let user = TestUser::generate();
    app.signed_in_at_cgu(&user).await;
    let mut elapsed = chrono::Duration::zero();
    while elapsed + step < absolute {
        app.advance_clock(step);
        elapsed += step;
        app.get("/cgu").await.assert_status(200);
    }

    // Act
    app.advance_clock(absolute - elapsed);
    let response = app.get("/cgu").await;

    // Assert
    response.assert_redirect_to("/connexion");
}

#[tokio::test]
async fn a_throttled_email_can_sign_in_again_once_the_window_is_over() {
    // Arrange: ten wrong passwords block the email (OWASP ASVS 2.2.1)
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    for _ in 0..10 {
        assert_login_refused(&app.login(&user.email, "Mauvais-mot-de-passe-42").await);
    }
    app.login_user(&user).await.assert_status(429);

    // Act: 15 minutes later (the throttle window)
    app.advance_clock(chrono::Duration::minutes(15));
    let response = app.login_user(&user).await;

    // Assert
    response.assert_redirect_to("/cgu");
}
