//! Step 3: the confirmation link (single use, expiry, mail scanners) and the resend form.

use crate::support::html;
use crate::support::smtp::MAIL_TIMEOUT;
use crate::support::{
    DrainReportExt, Form, TestApp, TestResponse, TestUser, db, spawn_app, spawn_app_with,
};

/// Asserts the "link no longer valid" page, with a way to get a new link.
#[track_caller]
fn assert_invalid_link_page(response: &TestResponse, status: u16) {
    response.assert_status(status);
    assert!(
        response.is_html(),
        "content-type: {}",
        response.content_type()
    );
    assert!(
        response.text().contains("Ce lien n'est plus valide")
            || response.text().contains("Ce lien n’est plus valide"),
        "{}",
        response.body
    );
    assert!(
        html::exists(
            &response.body,
            "form[action=\"/inscription/renvoyer\"] input[name=email]"
        ),
        "no resend form on the invalid-link page:\n{}",
        response.body
    );
}

/// Signs `user` up and returns the confirmation path from the mail.
async fn signed_up(app: &TestApp, user: &TestUser) -> String {
    app.signup(user)
        .await
        .assert_redirect_to("/inscription/email-envoye");
    let mail = app.wait_for_mail_to(&user.email).await;
    app.confirmation_path(&mail)
}

#[tokio::test]
async fn opening_the_link_shows_a_button_and_only_pressing_it_confirms() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let confirmation = signed_up(&app, &user).await;

    // Act: a mail scanner follows the link
    let page = app.get(&confirmation).await;

    // Assert
    page.assert_status(200);
    assert!(
        db::account(&app.db, &user.email)
            .await
            .email_confirmed_at
            .is_none()
    );

    // Act: the user presses the button
    let confirmed = app.post_form(&confirmation, &Form::new()).await;

    // Assert
    confirmed.assert_redirect_to("/connexion?confirme=1");
    assert!(
        db::account(&app.db, &user.email)
            .await
            .email_confirmed_at
            .is_some()
    );
    app.get("/connexion?confirme=1").await.assert_status(200);
}

#[tokio::test]
async fn confirming_the_address_does_not_sign_anybody_in() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let confirmation = signed_up(&app, &user).await;
    app.get(&confirmation).await.assert_status(200);

    // Act
    app.post_form(&confirmation, &Form::new())
        .await
        .assert_redirect_to("/connexion?confirme=1");

    // Assert
    app.get("/cgu").await.assert_redirect_to("/connexion");
    app.get("/compte").await.assert_redirect_to("/connexion");
    assert_eq!(db::count_rows(&app.db, "sessions").await, 0);
}

#[tokio::test]
async fn a_confirmation_link_works_only_once() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let confirmation = signed_up(&app, &user).await;
    app.get(&confirmation).await.assert_status(200);
    let token = app.csrf_token_for(&confirmation);
    app.post_form(&confirmation, &Form::new())
        .await
        .assert_redirect_to("/connexion?confirme=1");

    // Act
    let second_post = app
        .post_form_with_csrf(&confirmation, &Form::new(), token.as_deref())
        .await;
    let second_get = app.get(&confirmation).await;

    // Assert
    assert_invalid_link_page(&second_post, 404);
    assert_invalid_link_page(&second_get, 404);
}

#[tokio::test]
async fn an_expired_link_shows_the_invalid_link_page_with_status_410() {
    // Arrange: links expire as soon as they are created
    let app = spawn_app_with(|s| s.auth.token_validity_hours = 0).await;
    let user = TestUser::generate();
    let confirmation = signed_up(&app, &user).await;

    // Act
    let page = app.get(&confirmation).await;
    let post = app.post_form(&confirmation, &Form::new()).await;

    // Assert
    assert_invalid_link_page(&page, 410);
    assert_invalid_link_page(&post, 410);
    assert!(
        db::account(&app.db, &user.email)
            .await
            .email_confirmed_at
            .is_none()
    );
}

#[tokio::test]
async fn a_link_works_until_its_validity_ends_and_not_after() {
    // Arrange: the production validity (24 h); the app's clock moves, nothing sleeps
    let app = spawn_app().await;
    let validity = chrono::Duration::hours(app.settings.auth.token_validity_hours);
    let user = TestUser::generate();
    let confirmation = signed_up(&app, &user).await;
    app.advance_clock(validity - chrono::Duration::minutes(1));
    app.get(&confirmation).await.assert_status(200);

    // Act
    app.advance_clock(chrono::Duration::minutes(1));
    let page = app.get(&confirmation).await;
    let post = app.post_form(&confirmation, &Form::new()).await;

    // Assert
    assert_invalid_link_page(&page, 410);
    assert_invalid_link_page(&post, 410);
    assert!(
        db::account(&app.db, &user.email)
            .await
            .email_confirmed_at
            .is_none()
    );
}

#[tokio::test]
async fn an_unknown_link_shows_the_invalid_link_page_with_status_404() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response = app
        .get("/confirmation/Zm9vYmFyYmF6cXV4LW5vdC1hLXJlYWwtdG9rZW4tYXQtYWxs")
        .await;

    // Assert
    assert_invalid_link_page(&response, 404);
}

#[tokio::test]
async fn the_confirmation_token_is_stored_hashed() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();

    // Act
    let confirmation = signed_up(&app, &user).await;

    // Assert
    let token = confirmation.trim_start_matches("/confirmation/");
    let stored = db::email_tokens(&app.db, &user.email).await;
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, token);
    assert!(!stored[0].token_hash.contains(token));
}

#[tokio::test]
async fn resending_sends_a_new_link_to_an_unconfirmed_account() {
    // Arrange: no minimum interval between two mails
    let app = spawn_app_with(|s| s.auth.mail_interval_secs = 0).await;
    let user = TestUser::generate();
    signed_up(&app, &user).await;
    app.get("/inscription/email-envoye")
        .await
        .assert_status(200);

    // Act
    let response = app
        .post_form("/inscription/renvoyer", &[("email", user.email.as_str())])
        .await;

    // Assert
    response.assert_redirect_to("/inscription/email-envoye?renvoye=1");
    app.get("/inscription/email-envoye?renvoye=1")
        .await
        .assert_status(200);
    let mails = app
        .smtp
        .wait_for_mails_to(&user.email, 2, MAIL_TIMEOUT)
        .await;
    let newest = app.confirmation_path(&mails[1]);
    app.get(&newest).await.assert_status(200);
    app.post_form(&newest, &Form::new())
        .await
        .assert_redirect_to("/connexion?confirme=1");
}

#[tokio::test]
async fn resending_is_limited_to_one_mail_per_interval() {
    // Arrange: the test configuration asks for 60 s between two mails
    let app = spawn_app().await;
    assert_eq!(app.settings.auth.mail_interval_secs, 60);
    let user = TestUser::generate();
    signed_up(&app, &user).await;
    app.get("/inscription/email-envoye")
        .await
        .assert_status(200);

    // Act
    let response = app
        .post_form("/inscription/renvoyer", &[("email", user.email.as_str())])
        .await;

    // Assert: the same answer, but no second mail
    response.assert_redirect_to("/inscription/email-envoye?renvoye=1");
    app.drain_outbox().await.assert_delivered();
    assert_eq!(app.smtp.messages_to(&user.email).len(), 1);
}

#[tokio::test]
async fn resending_to_an_unknown_address_answers_the_same_and_sends_nothing() {
    // Arrange
    let app = spawn_app_with(|s| s.auth.mail_interval_secs = 0).await;
    let known = TestUser::generate();
    signed_up(&app, &known).await;
    let unknown = TestUser::generate();
    app.get("/inscription/email-envoye")
        .await
        .assert_status(200);

    // Act
    let for_known = app
        .post_form("/inscription/renvoyer", &[("email", known.email.as_str())])
        .await;
    let known_page = app.get("/inscription/email-envoye?renvoye=1").await;
    let for_unknown = app
        .post_form(
            "/inscription/renvoyer",
            &[("email", unknown.email.as_str())],
        )
        .await;
    let unknown_page = app.get("/inscription/email-envoye?renvoye=1").await;

    // Assert
    for_known.assert_redirect_to("/inscription/email-envoye?renvoye=1");
    for_unknown.assert_redirect_to("/inscription/email-envoye?renvoye=1");
    assert_eq!(
        html::without_csrf_tokens(&known_page.body).replace(&known.email, "EMAIL"),
        html::without_csrf_tokens(&unknown_page.body).replace(&unknown.email, "EMAIL"),
    );
    app.drain_outbox().await.assert_delivered();
    assert_eq!(app.smtp.messages_to(&known.email).len(), 2);
    assert!(app.smtp.messages_to(&unknown.email).is_empty());
    assert!(db::find_account(&app.db, &unknown.email).await.is_none());
}

#[tokio::test]
async fn resending_to_a_confirmed_account_sends_nothing() {
    // Arrange
    let app = spawn_app_with(|s| s.auth.mail_interval_secs = 0).await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    app.get("/inscription/email-envoye")
        .await
        .assert_status(200);

    // Act
    let response = app
        .post_form("/inscription/renvoyer", &[("email", user.email.as_str())])
        .await;

    // Assert
    response.assert_redirect_to("/inscription/email-envoye?renvoye=1");
    app.drain_outbox().await.assert_delivered();
    assert_eq!(app.smtp.messages_to(&user.email).len(), 1);
}

#[tokio::test]
async fn the_confirmation_mail_carries_nothing_the_requester_typed() {
    // Arrange: whoever signs up may type any "name", e.g. a phishing line, for a stranger's
    // address.
    let app = spawn_app().await;
    let user = TestUser::named("Appelez", "Lenumero");

    // Act
    app.signup(&user).await;
    let mail = app.wait_for_mail_to(&user.email).await;

    // Assert
    assert!(mail.text().starts_with("Bonjour,"), "{}", mail.text());
    for typed in ["Appelez", "Lenumero", "LENUMERO"] {
        assert!(!mail.text().contains(typed), "{typed} in:\n{}", mail.text());
        assert!(!mail.html().contains(typed), "{typed} in:\n{}", mail.html());
    }
}

#[tokio::test]
async fn an_unconfirmed_account_is_purged_after_its_days_and_frees_the_address() {
    // Arrange: a squatter signs up with someone else's address and never confirms it.
    let app = spawn_app().await;
    let squatter = TestUser::generate();
    app.signup(&squatter).await;
    let squatted = db::account(&app.db, &squatter.email).await;
    app.advance_clock(chrono::Duration::days(6));
    let recent = app.another_visitor();
    let other = TestUser::generate();
    recent.signup(&other).await;
    app.advance_clock(chrono::Duration::days(2));

    // Act
    let purged = mss_onboarding::services::registration::purge_unconfirmed(
        &app.db,
        &app.settings.auth,
        app.now(),
    )
    .await
    .expect("purge");

    // Assert: only the old one went, with its token; the deletion is in the audit trail.
    assert_eq!(purged, 1);
    assert!(db::find_account(&app.db, &squatter.email).await.is_none());
    assert!(db::find_account(&app.db, &other.email).await.is_some());
    assert_eq!(db::count_rows(&app.db, "email_tokens").await, 1);
    assert_eq!(
        db::audit_actions(&app.db, squatted.id, "account_purged")
            .await
            .len(),
        1
    );

    // The owner of the address can now sign up and confirm it.
    let owner = TestUser {
        email: squatter.email.clone(),
        ..TestUser::generate()
    };
    let owner_browser = app.another_visitor();
    owner_browser.signup(&owner).await;
    let mail = app
        .smtp
        .wait_for_mails_to(&owner.email, 2, MAIL_TIMEOUT)
        .await
        .pop()
        .expect("a second mail");
    assert!(mail.confirmation_link().is_some(), "{}", mail.text());
    owner_browser
        .get(&app.confirmation_path(&mail))
        .await
        .assert_status(200);
}
