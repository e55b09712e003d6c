//! Changing the contact address (`/compte/email`, issue 9): confirmed by the new address only,
//! the current one told, a taken address given the same answer, the link single use and
//! expiring.

use crate::support::smtp::CapturedMail;
use crate::support::{TestApp, TestResponse, TestUser, db, fixtures::random_letters, spawn_app};

const EMAIL: &str = "/compte/email";
const LINK_SUBJECT: &str = "Confirmez votre nouvelle adresse mail";
const REQUEST_NOTICE: &str = "Demande de changement d'adresse mail";
const DONE_NOTICE: &str = "Votre adresse mail a été modifiée";

fn new_address() -> String {
    format!("{}@nouveau.example.fr", random_letters(10))
}

/// Opens the page (for its CSRF token) and asks for `new_email` with `password`.
async fn ask(browser: &TestApp, new_email: &str, password: &str) -> TestResponse {
    browser.get(EMAIL).await.assert_status(200);
    browser
        .post_form(
            EMAIL,
            &[
                ("nouvel_email", new_email),
                ("mot_de_passe_actuel", password),
            ],
        )
        .await
}

#[track_caller]
fn link_path(app: &TestApp, mail: &CapturedMail) -> String {
    let link = mail
        .text_links()
        .into_iter()
        .find(|l| l.contains("/compte/email/confirmation/"))
        .unwrap_or_else(|| panic!("no confirmation link in the mail:\n{}", mail.text()));
    link.strip_prefix(&app.address)
        .unwrap_or_else(|| panic!("link {link} does not point at the app"))
        .to_owned()
}

#[tokio::test]
async fn the_new_address_is_confirmed_by_its_own_link_and_both_addresses_are_told() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let new_email = new_address();

    // Act 1: the request.
    let asked = ask(&browser, &new_email, &user.password).await;
    app.drain_outbox().await;
    let link_mail = app
        .wait_for_mail_with_subject(&new_email, LINK_SUBJECT)
        .await;
    let notice = app
        .wait_for_mail_with_subject(&user.email, REQUEST_NOTICE)
        .await;
    let path = link_path(&app, &link_mail);

    // Assert 1: nothing changed yet; the current address knows.
    asked.assert_redirect_to("/compte/email?envoye=1");
    assert_eq!(db::account_by_id(&app.db, id).await.email, user.email);
    assert!(notice.text().contains(&new_email), "{}", notice.text());
    assert!(notice.text().contains("Mot de passe oublié"));

    // Act 2: the link, opened in another browser (a GET shows a button, the POST confirms).
    let elsewhere = app.another_visitor();
    let page = elsewhere.get(&path).await;
    let still = db::account_by_id(&app.db, id).await.email;
    let confirmed = elsewhere.post_form(&path, &[("", "")][..0]).await;
    app.drain_outbox().await;

    // Assert 2
    page.assert_status(200);
    assert_eq!(still, user.email, "a GET must not use the link");
    confirmed.assert_status(200);
    assert!(confirmed.text().contains("Adresse mail modifiée"));
    assert_eq!(db::account_by_id(&app.db, id).await.email, new_email);
    app.wait_for_mail_with_subject(&user.email, DONE_NOTICE)
        .await;
    app.wait_for_mail_with_subject(&new_email, DONE_NOTICE)
        .await;
    app.another_visitor()
        .login(&new_email, &user.password)
        .await
        .assert_status(303);
    app.another_visitor()
        .login(&user.email, &user.password)
        .await
        .assert_status(422);
    assert_eq!(
        db::audit_actions(&app.db, id, "email_changed").await.len(),
        1
    );
    // The link is single use.
    elsewhere.get(&path).await.assert_status(404);
}

#[tokio::test]
async fn a_taken_address_gets_the_same_answer_and_its_owner_the_account_exists_mail() {
    // Arrange
    let app = spawn_app().await;
    let owner = TestUser::generate();
    app.register_confirmed(&owner).await;
    let user = TestUser::generate();
    let (browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let free = ask(&browser, &new_address(), &user.password).await;

    // Act
    let taken = ask(&browser, &owner.email, &user.password).await;
    app.drain_outbox().await;

    // Assert: the same answer; the owner learns an attempt was made, no link goes out.
    assert_eq!(taken.status, free.status);
    assert_eq!(taken.location(), free.location());
    let to_owner = app.smtp.messages_to(&owner.email);
    assert!(
        to_owner
            .iter()
            .any(|m| m.subject.starts_with("Votre compte")),
        "{:?}",
        to_owner.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(!to_owner.iter().any(|m| m.subject.starts_with(LINK_SUBJECT)));
    assert_eq!(db::account_by_id(&app.db, id).await.email, user.email);
    assert_eq!(
        db::account(&app.db, &owner.email).await.email,
        owner.email,
        "the owner keeps their address"
    );
}

#[tokio::test]
async fn a_wrong_password_or_a_bad_address_is_422_next_to_the_field_and_changes_nothing() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let new_email = new_address();

    // Act
    let wrong = ask(&browser, &new_email, "Pas-le-bon-mot-2-passe!").await;
    let malformed = ask(&browser, "pas-une-adresse", &user.password).await;
    let same = ask(&browser, &user.email, &user.password).await;
    app.drain_outbox().await;

    // Assert
    wrong.assert_field_error("mot_de_passe_actuel");
    assert_eq!(
        wrong.field_value("nouvel_email").as_deref(),
        Some(new_email.as_str())
    );
    assert!(
        !wrong.body.contains("Pas-le-bon-mot-2-passe!"),
        "the password is never echoed"
    );
    malformed.assert_field_error("nouvel_email");
    same.assert_field_error("nouvel_email");
    assert!(app.smtp.messages_to(&new_email).is_empty());
    assert_eq!(db::account_by_id(&app.db, id).await.email, user.email);
    assert_eq!(
        db::audit_actions(&app.db, id, "sign_in_failed").await.len(),
        1,
        "a wrong password counts like a failed sign-in"
    );
}

#[tokio::test]
async fn the_link_expires_and_every_new_post_needs_csrf() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let new_email = new_address();
    ask(&browser, &new_email, &user.password)
        .await
        .assert_redirect_to("/compte/email?envoye=1");
    app.drain_outbox().await;
    let path = link_path(
        &app,
        &app.wait_for_mail_with_subject(&new_email, LINK_SUBJECT)
            .await,
    );

    // Act
    let forged_request = browser
        .post_form_with_csrf(
            EMAIL,
            &[
                ("nouvel_email", new_email.as_str()),
                ("mot_de_passe_actuel", user.password.as_str()),
            ],
            None,
        )
        .await;
    let forged_confirm = app
        .another_visitor()
        .post_form_with_csrf(&path, &[("", "")][..0], None)
        .await;
    app.advance_clock(chrono::Duration::hours(
        app.settings.auth.token_validity_hours + 1,
    ));
    let expired = app.another_visitor().get(&path).await;

    // Assert
    forged_request.assert_status(403);
    forged_confirm.assert_status(403);
    expired.assert_status(410);
    assert_eq!(db::account_by_id(&app.db, id).await.email, user.email);
}

#[tokio::test]
async fn an_account_without_a_password_changes_its_address_after_a_recent_psc_sign_in() {
    // Arrange: a PSC-only account at the end of its registration.
    use crate::support::psc::{self, PscSimulator, pharma_login, spawn_app_with_psc, unique_email};
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let login = pharma_login(&psc::unique_rpps());
    let email = unique_email();
    let id = app
        .psc_signed_in_at_profile(&sim.browser(), &login, &email)
        .await;
    let profile = app.get("/profil").await;
    app.post_form(
        "/profil",
        &crate::support::psc::form_as_submitted(&profile.body, "/profil"),
    )
    .await
    .assert_redirect_to("/compte");
    let new_email = new_address();

    // Act 1: too long after the PSC sign-in, the page asks for a new one.
    app.advance_clock(chrono::Duration::minutes(
        app.settings.auth.reauth_minutes + 1,
    ));
    let stale = app.get(EMAIL).await;
    let refused = app
        .post_form(EMAIL, &[("nouvel_email", new_email.as_str())])
        .await;
    // Act 2: signed in again with PSC.
    app.psc_sign_in(&sim.browser(), &login).await;
    let fresh = app.get(EMAIL).await;
    let asked = app
        .post_form(EMAIL, &[("nouvel_email", new_email.as_str())])
        .await;
    app.drain_outbox().await;
    let path = link_path(
        &app,
        &app.wait_for_mail_with_subject(&new_email, LINK_SUBJECT)
            .await,
    );
    let elsewhere = app.another_visitor();
    elsewhere.get(&path).await.assert_status(200);
    let confirmed = elsewhere.post_form(&path, &[("", "")][..0]).await;

    // Assert
    assert!(stale.body.contains("href=\"/psc/connexion\""));
    assert!(!stale.body.contains("name=\"nouvel_email\""));
    refused.assert_redirect_to(EMAIL);
    assert!(fresh.body.contains("name=\"nouvel_email\""));
    assert!(!fresh.body.contains("name=\"mot_de_passe_actuel\""));
    asked.assert_redirect_to("/compte/email?envoye=1");
    confirmed.assert_status(200);
    assert_eq!(db::account_by_id(&app.db, id).await.email, new_email);
}
