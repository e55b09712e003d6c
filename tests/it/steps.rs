//! Each state sends the user to the right step: other steps' URLs redirect to the current one,
//! and signing in resumes where the user stopped.

use crate::support::html;
use crate::support::{TestApp, TestUser, spawn_app};

const STEP_PAGES: [&str; 4] = ["/cgu", "/identification", "/profil", "/compte"];

/// Asserts every step page other than `current` answers `303 current`, and `current` is 200.
async fn assert_current_step(app: &TestApp, current: &str) {
    for page in STEP_PAGES {
        if page == current {
            app.get(page).await.assert_status(200);
        } else {
            app.get(page).await.assert_redirect_to(current);
        }
    }
}

#[tokio::test]
async fn the_landing_page_links_to_sign_up_and_sign_in() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let page = app.get("/").await;

    // Assert
    page.assert_status(200);
    assert!(page.is_html());
    let links = html::attrs(&page.body, "a", "href");
    assert!(links.iter().any(|l| l == "/inscription"), "{links:?}");
    assert!(links.iter().any(|l| l == "/connexion"), "{links:?}");
    app.get("/inscription").await.assert_status(200);
    app.get("/connexion").await.assert_status(200);
}

#[tokio::test]
async fn anonymous_visits_to_step_pages_are_sent_to_sign_in() {
    // Arrange
    let app = spawn_app().await;

    // Act + Assert
    for page in STEP_PAGES {
        app.get(page).await.assert_redirect_to("/connexion");
    }
}

#[tokio::test]
async fn a_user_with_an_unconfirmed_email_is_kept_on_the_mail_sent_page() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signup(&user)
        .await
        .assert_redirect_to("/inscription/email-envoye");
    app.login_user(&user)
        .await
        .assert_redirect_to("/inscription/email-envoye");

    // Act + Assert
    for page in STEP_PAGES {
        app.get(page)
            .await
            .assert_redirect_to("/inscription/email-envoye");
    }
}

#[tokio::test]
async fn a_user_who_has_not_accepted_the_cgu_is_sent_to_the_cgu() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_cgu(&user).await;
    assert_current_step(&app, "/cgu").await;
}

#[tokio::test]
async fn a_user_who_has_not_answered_the_identifier_question_is_sent_to_it() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_identification(&user).await;
    assert_current_step(&app, "/identification").await;
}

#[tokio::test]
async fn a_user_who_has_not_submitted_the_profile_is_sent_to_it() {
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_profile(&user, "non").await;
    assert_current_step(&app, "/profil").await;
}

#[tokio::test]
async fn a_user_who_finished_the_journey_is_sent_to_the_pending_page() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.complete_journey(&user).await;

    // Act + Assert
    assert_current_step(&app, "/compte").await;
    let page = app.get("/compte").await;
    assert!(
        page.text()
            .contains("Votre compte est en attente de validation")
    );
}

#[tokio::test]
async fn signing_in_again_resumes_after_the_cgu() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_identification(&user).await;
    app.logout().await.assert_redirect_to("/");

    // Act
    let response = app.login_user(&user).await;

    // Assert
    response.assert_redirect_to("/identification");
    assert_current_step(&app, "/identification").await;
}

#[tokio::test]
async fn signing_in_again_resumes_at_the_profile() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_profile(&user, "oui").await;
    app.logout().await.assert_redirect_to("/");

    // Act
    let response = app.login_user(&user).await;

    // Assert
    response.assert_redirect_to("/profil");
    assert_current_step(&app, "/profil").await;
}

#[tokio::test]
async fn signing_in_again_after_the_journey_shows_the_pending_page() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.complete_journey(&user).await;
    app.logout().await.assert_redirect_to("/");

    // Act
    let response = app.login_user(&user).await;

    // Assert
    response.assert_redirect_to("/compte");
    app.get("/compte").await.assert_status(200);
}

#[tokio::test]
async fn the_identifier_answer_is_kept_when_coming_back() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_profile(&user, "non").await;
    app.logout().await.assert_redirect_to("/");

    // Act
    app.login_user(&user).await.assert_redirect_to("/profil");
    let response = app
        .submit_profile(
            &user
                .profile_form()
                .with("type_identifiant", "")
                .with("identifiant", ""),
        )
        .await;

    // Assert: "non" still holds, so no identifier is required
    response.assert_redirect_to("/compte");
}

#[tokio::test]
async fn the_identifier_question_refuses_an_answer_other_than_oui_or_non() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_identification(&user).await;

    // Act
    let response = app.answer_identification("peut-etre").await;

    // Assert
    response.assert_status(422);
    app.get("/profil")
        .await
        .assert_redirect_to("/identification");
}
