//! Password reset by mail (`/mot-de-passe/oubli`, `/mot-de-passe/reinitialisation/{token}`),
//! password change (`/compte/mot-de-passe`) and the reset link an administrator sends
//! (`/admin/comptes/{id}/reinitialisation`), issue 9.

use crate::support::psc::{PscSimulator, pharma_login, spawn_app_with_psc, unique_email};
use crate::support::smtp::CapturedMail;
use crate::support::{
    Form, TestApp, TestResponse, TestUser, db, html, spawn_app, spawn_app_with, strong_password,
};

const FORGOT: &str = "/mot-de-passe/oubli";
const SENT: &str = "/mot-de-passe/oubli?envoye=1";
const RESET_SUBJECT: &str = "Réinitialisation de votre mot de passe";
const CHANGED_SUBJECT: &str = "Votre mot de passe a été modifié";

/// `GET /mot-de-passe/oubli`, then posts `email`.
async fn request_reset(browser: &TestApp, email: &str) -> TestResponse {
    browser.get(FORGOT).await.assert_status(200);
    browser.post_form(FORGOT, &[("email", email)]).await
}

/// Delivers the outbox, then the path of the latest reset link mailed to `email`.
async fn reset_path(app: &TestApp, email: &str) -> String {
    app.drain_outbox().await;
    let mail = app.wait_for_mail_with_subject(email, RESET_SUBJECT).await;
    path_of_link(app, &mail)
}

#[track_caller]
fn path_of_link(app: &TestApp, mail: &CapturedMail) -> String {
    let link = mail
        .text_links()
        .into_iter()
        .find(|l| l.contains("/mot-de-passe/reinitialisation/"))
        .unwrap_or_else(|| panic!("no reset link in the mail:\n{}", mail.text()));
    link.strip_prefix(&app.address)
        .unwrap_or_else(|| panic!("link {link} does not point at the app"))
        .to_owned()
}

/// Opens the link's page (200, for its CSRF token) and posts `password` twice.
async fn set_password(browser: &TestApp, path: &str, password: &str) -> TestResponse {
    browser.get(path).await.assert_status(200);
    browser
        .post_form(
            path,
            &[
                ("mot_de_passe", password),
                ("confirmation_mot_de_passe", password),
            ],
        )
        .await
}

/// Opens `/compte/mot-de-passe` and posts the change form.
async fn change_password(browser: &TestApp, current: &str, new: &str) -> TestResponse {
    browser.get("/compte/mot-de-passe").await.assert_status(200);
    browser
        .post_form(
            "/compte/mot-de-passe",
            &[
                ("mot_de_passe_actuel", current),
                ("mot_de_passe", new),
                ("confirmation_mot_de_passe", new),
            ],
        )
        .await
}

fn mails_with_subject(app: &TestApp, email: &str, subject: &str) -> usize {
    app.smtp
        .messages_to(email)
        .iter()
        .filter(|m| m.subject.contains(subject))
        .count()
}

/// The page without its CSRF token, to compare two answers.
fn without_csrf(body: &str) -> String {
    let tokens = html::csrf_tokens(body);
    tokens.iter().fold(body.to_owned(), |b, (_, token)| {
        b.replace(token.as_str(), "")
    })
}

// ---- the reset ------------------------------------------------------------------------------

#[tokio::test]
async fn a_known_and_an_unknown_address_get_the_same_answer_and_only_the_known_one_a_mail() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    let stranger = TestUser::generate();
    let login = app.get("/connexion").await;

    // Act
    let known = request_reset(&app, &user.email).await;
    let known_page = app.get(SENT).await;
    let unknown = request_reset(&app, &stranger.email).await;
    let unknown_page = app.get(SENT).await;
    app.drain_outbox().await;

    // Assert
    assert!(
        html::exists(&login.body, "a[href=\"/mot-de-passe/oubli\"]"),
        "/connexion links to the reset form"
    );
    assert!(login.text().contains("Mot de passe oublié ?"));
    known.assert_redirect_to(SENT);
    unknown.assert_redirect_to(SENT);
    known_page.assert_status(200);
    unknown_page.assert_status(200);
    assert_eq!(
        without_csrf(&known_page.body),
        without_csrf(&unknown_page.body)
    );
    assert_eq!(mails_with_subject(&app, &user.email, RESET_SUBJECT), 1);
    assert!(app.smtp.messages_to(&stranger.email).is_empty());
}

#[tokio::test]
async fn the_mailed_link_sets_a_new_password_that_signs_in_and_a_notice_follows() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    let new_password = strong_password();

    // Act
    request_reset(&app, &user.email)
        .await
        .assert_redirect_to(SENT);
    let path = reset_path(&app, &user.email).await;
    let form = app.get(&path).await;
    let done = set_password(&app, &path, &new_password).await;
    let notice_page = app.get("/connexion?reinitialise=1").await;
    let old = app.login(&user.email, &user.password).await;
    let new = app.login(&user.email, &new_password).await;
    app.drain_outbox().await;

    // Assert
    form.assert_status(200);
    assert!(html::exists(&form.body, "input[name=\"mot_de_passe\"]"));
    assert!(html::exists(
        &form.body,
        "input[name=\"confirmation_mot_de_passe\"]"
    ));
    done.assert_redirect_to("/connexion?reinitialise=1");
    assert!(
        notice_page
            .text()
            .contains("Votre mot de passe a été modifié")
    );
    old.assert_status(422);
    new.assert_redirect_to("/cgu");
    let notice = app
        .wait_for_mail_with_subject(&user.email, CHANGED_SUBJECT)
        .await;
    assert!(notice.text().contains("Le mot de passe de votre compte"));
    assert!(
        notice.text().contains(&app.settings.support.phone),
        "the notice says how to reach support:\n{}",
        notice.text()
    );
    let id = db::account(&app.db, &user.email).await.id;
    assert_eq!(
        db::audit_actions(&app.db, id, "password_reset_requested")
            .await
            .len(),
        1
    );
    assert_eq!(
        db::audit_actions(&app.db, id, "password_reset").await.len(),
        1
    );
}

#[tokio::test]
async fn a_used_link_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    request_reset(&app, &user.email).await;
    let path = reset_path(&app, &user.email).await;
    let first = strong_password();
    set_password(&app, &path, &first)
        .await
        .assert_redirect_to("/connexion?reinitialise=1");

    // Act
    let again_get = app.get(&path).await;
    let second = strong_password();
    let again_post = app
        .post_form(
            &path,
            &[
                ("mot_de_passe", second.as_str()),
                ("confirmation_mot_de_passe", second.as_str()),
            ],
        )
        .await;

    // Assert
    again_get.assert_status(404);
    again_post.assert_status(404);
    app.login(&user.email, &second).await.assert_status(422);
    app.login(&user.email, &first)
        .await
        .assert_redirect_to("/cgu");
}

#[tokio::test]
async fn a_link_expires_after_reset_validity_minutes() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    request_reset(&app, &user.email).await;
    let path = reset_path(&app, &user.email).await;
    app.get(&path).await.assert_status(200);
    let minutes = app.settings.auth.reset_validity_minutes;

    // Act
    app.advance_clock(chrono::Duration::minutes(minutes) + chrono::Duration::seconds(1));
    let expired_get = app.get(&path).await;
    let password = strong_password();
    let expired_post = app
        .post_form(
            &path,
            &[
                ("mot_de_passe", password.as_str()),
                ("confirmation_mot_de_passe", password.as_str()),
            ],
        )
        .await;

    // Assert
    assert_eq!(minutes, 60, "the documented default");
    expired_get.assert_status(410);
    expired_post.assert_status(410);
    assert!(expired_get.text().contains("a expiré"));
    app.login(&user.email, &user.password)
        .await
        .assert_redirect_to("/cgu");
}

#[tokio::test]
async fn a_second_request_voids_the_first_link() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    request_reset(&app, &user.email).await;
    let first = reset_path(&app, &user.email).await;

    // Act
    request_reset(&app, &user.email).await;
    let second = reset_path(&app, &user.email).await;

    // Assert
    assert_ne!(first, second);
    app.get(&first).await.assert_status(404);
    app.get(&second).await.assert_status(200);
}

#[tokio::test]
async fn a_reset_signs_out_every_browser_of_the_account() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    let old_browser = app.sign_in_as(&user, "/cgu").await;
    old_browser.get("/cgu").await.assert_status(200);
    let other = app.another_visitor();

    // Act
    request_reset(&other, &user.email).await;
    let path = reset_path(&app, &user.email).await;
    set_password(&other, &path, &strong_password())
        .await
        .assert_redirect_to("/connexion?reinitialise=1");

    // Assert
    old_browser
        .get("/cgu")
        .await
        .assert_redirect_to("/connexion");
    let id = db::account(&app.db, &user.email).await.id;
    let sessions = db::scalar_i64(
        &app.db,
        &format!("SELECT COUNT(*) FROM sessions WHERE account_id = {id}"),
    )
    .await;
    assert_eq!(sessions, 0);
}

#[tokio::test]
async fn policy_errors_are_422_next_to_the_fields_and_never_echo_the_passwords() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    request_reset(&app, &user.email).await;
    let path = reset_path(&app, &user.email).await;
    app.get(&path).await.assert_status(200);
    let weak = "motdepasse";
    let mismatch = "Xq7!zw-Different-Valeur";

    // Act
    let response = app
        .post_form(
            &path,
            &[
                ("mot_de_passe", weak),
                ("confirmation_mot_de_passe", mismatch),
            ],
        )
        .await;
    let with_name = format!("{}-Vx9!-2026", user.nom);
    let personal = app
        .post_form(
            &path,
            &[
                ("mot_de_passe", with_name.as_str()),
                ("confirmation_mot_de_passe", with_name.as_str()),
            ],
        )
        .await;

    // Assert
    response.assert_field_error("mot_de_passe");
    response.assert_field_error("confirmation_mot_de_passe");
    assert!(response.text().contains("au moins une lettre majuscule"));
    assert!(response.text().contains("ne correspondent pas"));
    assert!(!response.body.contains(weak), "the password came back");
    assert!(
        !response.body.contains(mismatch),
        "the confirmation came back"
    );
    personal.assert_field_error("mot_de_passe");
    assert!(personal.text().contains("ni votre nom"));
    assert!(!personal.body.contains(&with_name));
    // The link still works: an invalid form does not use it up.
    app.get(&path).await.assert_status(200);
    app.login(&user.email, &user.password)
        .await
        .assert_redirect_to("/cgu");
}

#[tokio::test]
async fn an_unconfirmed_account_is_confirmed_by_a_reset() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signup(&user)
        .await
        .assert_redirect_to("/inscription/email-envoye");
    let new_password = strong_password();

    // Act
    request_reset(&app, &user.email).await;
    let path = reset_path(&app, &user.email).await;
    set_password(&app, &path, &new_password)
        .await
        .assert_redirect_to("/connexion?reinitialise=1");
    let signed_in = app.login(&user.email, &new_password).await;

    // Assert
    let account = db::account(&app.db, &user.email).await;
    assert!(
        account.email_confirmed_at.is_some(),
        "the link proved the mailbox"
    );
    signed_in.assert_redirect_to("/cgu");
    assert_eq!(
        db::audit_actions(&app.db, account.id, "email_confirmed")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn a_disabled_account_gets_the_same_answer_and_no_mail() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    let id = db::account(&app.db, &user.email).await.id;
    db::disable(&app.db, id, app.now()).await;
    app.drain_outbox().await;
    let before = app.smtp.messages_to(&user.email).len();

    // Act
    let response = request_reset(&app, &user.email).await;
    app.drain_outbox().await;

    // Assert
    response.assert_redirect_to(SENT);
    assert_eq!(app.smtp.messages_to(&user.email).len(), before);
    assert!(
        db::audit_actions(&app.db, id, "password_reset_requested")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_psc_only_account_sets_a_password_through_the_reset_link() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let psc_browser = sim.browser();
    let email = unique_email();
    let login = pharma_login(&crate::support::psc::unique_rpps());
    app.psc_register_confirmed(&psc_browser, &login, &email)
        .await;
    app.psc_sign_in(&psc_browser, &login)
        .await
        .assert_redirect_to("/cgu");
    assert!(db::account(&app.db, &email).await.password_hash.is_none());
    let password = strong_password();

    // Act
    let change_page = app.get("/compte/mot-de-passe").await;
    let anonymous = app.another_visitor();
    request_reset(&anonymous, &email)
        .await
        .assert_redirect_to(SENT);
    let path = reset_path(&app, &email).await;
    let done = set_password(&anonymous, &path, &password).await;
    let signed_in = anonymous.login(&email, &password).await;

    // Assert
    change_page.assert_status(200);
    assert!(
        change_page.text().contains("Mot de passe oublié"),
        "{}",
        change_page.text()
    );
    assert!(!html::exists(
        &change_page.body,
        "input[name=\"mot_de_passe_actuel\"]"
    ));
    done.assert_redirect_to("/connexion?reinitialise=1");
    signed_in.assert_redirect_to("/cgu");
    assert!(db::account(&app.db, &email).await.password_hash.is_some());
}

// ---- the change -----------------------------------------------------------------------------

#[tokio::test]
async fn a_change_keeps_this_session_ends_the_others_and_mails_a_notice() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let other_browser = app.sign_in_as(&user, "/compte").await;
    let new_password = strong_password();

    // Act
    let account_page = browser.get("/compte").await;
    let changed = change_password(&browser, &user.password, &new_password).await;
    let after = browser.get("/compte?mot_de_passe=modifie").await;
    let other_after = other_browser.get("/compte").await;
    app.drain_outbox().await;

    // Assert
    assert!(html::exists(
        &account_page.body,
        "a[href=\"/compte/mot-de-passe\"]"
    ));
    changed.assert_redirect_to("/compte?mot_de_passe=modifie");
    after.assert_status(200);
    assert!(after.text().contains("Votre mot de passe a été modifié"));
    other_after.assert_redirect_to("/connexion");
    app.wait_for_mail_with_subject(&user.email, CHANGED_SUBJECT)
        .await;
    assert_eq!(
        db::audit_actions(&app.db, id, "password_changed")
            .await
            .len(),
        1
    );
    let fresh = app.another_visitor();
    fresh
        .login(&user.email, &user.password)
        .await
        .assert_status(422);
    fresh
        .login(&user.email, &new_password)
        .await
        .assert_redirect_to("/compte");
}

#[tokio::test]
async fn a_wrong_current_password_is_422_and_counts_as_a_failed_sign_in() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let new_password = strong_password();
    let wrong = strong_password();

    // Act
    let response = change_password(&browser, &wrong, &new_password).await;
    let weak = change_password(&browser, &user.password, "court").await;

    // Assert
    response.assert_field_error("mot_de_passe_actuel");
    assert!(
        response
            .text()
            .contains("Le mot de passe actuel est incorrect")
    );
    assert!(!response.body.contains(&wrong));
    assert!(!response.body.contains(&new_password));
    assert_eq!(
        db::audit_actions(&app.db, id, "sign_in_failed").await.len(),
        1
    );
    weak.assert_field_error("mot_de_passe");
    assert!(!weak.body.contains(&user.password));
    assert!(
        db::audit_actions(&app.db, id, "password_changed")
            .await
            .is_empty()
    );
    app.another_visitor()
        .login(&user.email, &user.password)
        .await
        .assert_redirect_to("/compte");
}

// ---- administrators ---------------------------------------------------------------------------

#[tokio::test]
async fn an_administrator_mails_a_reset_link_without_seeing_it() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (_, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let (admin, admin_id) = app.national_admin().await;
    let detail = admin.get(&format!("/admin/comptes/{id}")).await;

    // Act
    let sent = admin
        .post_form(
            &format!("/admin/comptes/{id}/reinitialisation"),
            &Form::new(),
        )
        .await;
    let back = admin
        .get(&format!("/admin/comptes/{id}?reinitialisation=envoyee"))
        .await;
    let path = reset_path(&app, &user.email).await;
    let visitor = app.another_visitor();
    let password = strong_password();
    let done = set_password(&visitor, &path, &password).await;

    // Assert
    assert!(html::exists(
        &detail.body,
        &format!("form[action=\"/admin/comptes/{id}/reinitialisation\"]")
    ));
    sent.assert_redirect_to(&format!("/admin/comptes/{id}?reinitialisation=envoyee"));
    back.assert_status(200);
    assert!(
        back.text()
            .contains("Un lien de réinitialisation du mot de passe a été envoyé")
    );
    assert!(
        back.text()
            .contains("Lien de réinitialisation du mot de passe envoyé par un administrateur"),
        "the history shows the act in French"
    );
    let token = path.rsplit('/').next().expect("token");
    assert!(!back.body.contains(token), "the admin never sees the link");
    let audited = db::audit_actions(&app.db, id, "password_reset_sent_by_admin").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].actor, format!("admin:{admin_id}"));
    done.assert_redirect_to("/connexion?reinitialise=1");
    visitor
        .login(&user.email, &password)
        .await
        .assert_redirect_to("/compte");
}

#[tokio::test]
async fn an_administrator_out_of_scope_gets_403_and_no_mail_goes() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (_, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let (in_scope, _) = app.national_admin().await;
    in_scope
        .get(&format!("/admin/comptes/{id}"))
        .await
        .assert_status(200);
    let (admin, _) = app.admin_with_scope("region:11").await;
    admin.get("/admin").await.assert_status(200);
    let token = admin.csrf_token_for("/admin").expect("a CSRF token");
    app.drain_outbox().await;
    let before = app.smtp.messages_to(&user.email).len();

    // Act
    let response = admin
        .post_form_with_csrf(
            &format!("/admin/comptes/{id}/reinitialisation"),
            &Form::new(),
            Some(&token),
        )
        .await;
    app.drain_outbox().await;

    // Assert
    response.assert_status(403);
    assert_eq!(app.smtp.messages_to(&user.email).len(), before);
    assert!(
        db::audit_actions(&app.db, id, "password_reset_sent_by_admin")
            .await
            .is_empty()
    );
}

// ---- CSRF and throttling -------------------------------------------------------------------

#[tokio::test]
async fn every_new_form_posted_without_a_csrf_token_is_forbidden() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    request_reset(&app, &user.email).await;
    let path = reset_path(&app, &user.email).await;
    let (admin, _) = app.national_admin().await;
    let password = strong_password();
    let new_password = [
        ("mot_de_passe", password.as_str()),
        ("confirmation_mot_de_passe", password.as_str()),
    ];

    // Act
    let forgot = app
        .post_form_with_csrf(FORGOT, &[("email", user.email.as_str())], None)
        .await;
    let reset = app.post_form_with_csrf(&path, &new_password, None).await;
    let change = browser
        .post_form_with_csrf(
            "/compte/mot-de-passe",
            &[
                ("mot_de_passe_actuel", user.password.as_str()),
                ("mot_de_passe", password.as_str()),
                ("confirmation_mot_de_passe", password.as_str()),
            ],
            None,
        )
        .await;
    let by_admin = admin
        .post_form_with_csrf(
            &format!("/admin/comptes/{id}/reinitialisation"),
            &Form::new(),
            None,
        )
        .await;

    // Assert
    for response in [&forgot, &reset, &change, &by_admin] {
        response.assert_status(403);
    }
    app.get(&path).await.assert_status(200);
    assert!(
        db::audit_actions(&app.db, id, "password_changed")
            .await
            .is_empty()
    );
    assert!(
        db::audit_actions(&app.db, id, "password_reset_sent_by_admin")
            .await
            .is_empty()
    );
    assert_eq!(
        db::audit_actions(&app.db, id, "password_reset_requested")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn reset_requests_are_throttled_per_client_with_retry_after() {
    // Arrange
    let app = spawn_app_with(|s| s.auth.max_resets_per_client = 2).await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;

    // Act
    let first = request_reset(&app, &user.email).await;
    let second = request_reset(&app, &TestUser::generate().email).await;
    let third = request_reset(&app, &user.email).await;

    // Assert
    first.assert_redirect_to(SENT);
    second.assert_redirect_to(SENT);
    third.assert_status(429);
    let retry_after: u64 = third
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a numeric Retry-After");
    assert!(retry_after >= 1);
    assert!(third.body.contains("Trop de tentatives"), "{}", third.body);
    app.drain_outbox().await;
    assert_eq!(mails_with_subject(&app, &user.email, RESET_SUBJECT), 1);
}

#[tokio::test]
async fn reset_mails_count_in_the_daily_cap_of_the_address() {
    // Arrange: the confirmation mail of the sign-up is the first of three.
    let app = spawn_app_with(|s| s.auth.max_mails_per_address_per_day = 3).await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;

    // Act
    let answers = [
        request_reset(&app, &user.email).await,
        request_reset(&app, &user.email).await,
        request_reset(&app, &user.email).await,
    ];
    app.drain_outbox().await;

    // Assert: the same answer each time, two reset mails only.
    for answer in &answers {
        answer.assert_redirect_to(SENT);
    }
    assert_eq!(mails_with_subject(&app, &user.email, RESET_SUBJECT), 2);
}
