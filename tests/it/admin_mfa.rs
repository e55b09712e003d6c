//! The administrators' second factor (issue 11): every `/admin` route asks for it; enrolment
//! of a TOTP (RFC 6238) shown as an inline SVG QR code and as text, confirmed by a code the
//! test computes with totp-rs from the secret on the page; replay and wrong codes refused, the
//! latter throttled across instances; single-use recovery codes; a Pro Santé Connect sign-in
//! standing for the factor; and support's `admin reset-mfa`.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::app::{CODE_PATH, ENROL_PATH, enrolment_secret, totp_code};
use crate::support::psc::{self, PscSimulator, pharma_login, spawn_app_with_psc};
use crate::support::{Form, TestApp, TestUser, db, html, spawn_app, spawn_app_with};

/// A new browser where `user` (an administrator) signed in with the password only: the
/// sign-in lands on `/admin`, and nothing more is done.
async fn password_only(app: &TestApp, user: &TestUser) -> TestApp {
    let browser = app.another_visitor();
    browser
        .login_only(&user.email, &user.password)
        .await
        .assert_redirect_to("/admin");
    browser
}

/// An administrator who enrolled on a first browser (since signed out of nothing: that
/// browser is dropped): `(user, account id, recovery codes, the enrolment's secret)`.
async fn enrolled_admin(app: &TestApp) -> (TestUser, i32, Vec<String>, String) {
    let user = TestUser::generate();
    let id = app.make_admin(&user, "national").await;
    let browser = password_only(app, &user).await;
    let page = browser.get(ENROL_PATH).await;
    page.assert_status(200);
    let secret = enrolment_secret(&page);
    let codes = browser
        .post_form(
            ENROL_PATH,
            &[("code", totp_code(&secret, app.now().timestamp()))],
        )
        .await;
    codes.assert_status(200);
    let codes = html::texts(&codes.body, "ul.recovery-codes code");
    (user, id, codes, secret)
}

/// A six-digit code valid for none of the steps the app accepts now.
fn wrong_code(secret: &str, now: i64) -> String {
    let valid: Vec<String> = (-1..=1).map(|k| totp_code(secret, now + k * 30)).collect();
    ["000000", "111111", "222222"]
        .into_iter()
        .find(|c| !valid.iter().any(|v| v == c))
        .expect("three codes cannot all be valid")
        .to_owned()
}

async fn totp_row(app: &TestApp, id: i32) -> Option<entities::admin_totp::Model> {
    entities::admin_totp::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("read admin_totp")
}

async fn recovery_rows(app: &TestApp, id: i32) -> Vec<entities::admin_recovery_code::Model> {
    entities::admin_recovery_code::Entity::find()
        .filter(entities::admin_recovery_code::Column::AccountId.eq(id))
        .all(&app.db)
        .await
        .expect("read admin_recovery_codes")
}

#[tokio::test]
async fn an_administrator_without_a_second_factor_is_sent_to_enrolment_from_every_admin_route() {
    // Arrange: a pending account the administrator could validate.
    let app = spawn_app().await;
    let applicant = TestUser::generate();
    let (_, pending) = app
        .pending_user(&applicant, "oui", &applicant.profile_form())
        .await;
    let user = TestUser::generate();
    app.make_admin(&user, "national").await;
    let browser = password_only(&app, &user).await;

    // Act & Assert: every console route, pages and forms, sends to enrolment.
    for path in [
        "/admin".to_owned(),
        format!("/admin/comptes/{pending}"),
        "/admin/bal-org/1".to_owned(),
        "/admin/tableau-de-bord".to_owned(),
        "/admin/comptes.csv".to_owned(),
    ] {
        browser.get(&path).await.assert_redirect_to(ENROL_PATH);
    }
    let validate = browser
        .post_form(&format!("/admin/comptes/{pending}/valider"), &Form::new())
        .await;
    validate.assert_redirect_to(ENROL_PATH);
    assert!(
        db::account_by_id(&app.db, pending)
            .await
            .validated_at
            .is_none(),
        "the POST must not have validated the account"
    );
    // The code page too sends to enrolment while there is nothing to type a code for.
    browser.get(CODE_PATH).await.assert_redirect_to(ENROL_PATH);
    // A signed-in non-administrator is refused the enrolment page.
    let outsider = app.another_visitor();
    let someone = TestUser::generate();
    outsider.register_confirmed(&someone).await;
    outsider
        .login_user(&someone)
        .await
        .assert_redirect_to("/cgu");
    outsider.get(ENROL_PATH).await.assert_status(403);
    outsider.get(CODE_PATH).await.assert_status(403);
}

#[tokio::test]
async fn enrolment_with_a_valid_totp_opens_the_console_and_shows_ten_recovery_codes_once() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let id = app.make_admin(&user, "national").await;
    let browser = password_only(&app, &user).await;

    // Act: the enrolment page, then the code the authenticator app would show.
    let page = browser.get(ENROL_PATH).await;
    page.assert_status(200);
    let secret = enrolment_secret(&page);
    let code = totp_code(&secret, app.now().timestamp());
    let done = browser
        .post_form(ENROL_PATH, &[("code", code.as_str())])
        .await;

    // Assert: the QR code is inline SVG (the CSP forbids data: images), the secret is shown
    // as base32 text.
    assert!(
        html::exists(&page.body, "figure.qr-code svg path"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("data:image"));
    assert_eq!(secret.len(), 32, "{secret}");
    assert!(
        secret
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
    );
    // …ten recovery codes, then the console opens.
    done.assert_status(200);
    let codes = html::texts(&done.body, "ul.recovery-codes code");
    assert_eq!(codes.len(), 10, "{}", done.body);
    browser.get("/admin").await.assert_status(200);
    browser.get(ENROL_PATH).await.assert_redirect_to("/admin");
    // Stored: the secret encrypted (not in base32 nor raw), the codes hashed, the step used.
    let row = totp_row(&app, id).await.expect("a TOTP row");
    assert!(row.enrolled_at.is_some());
    assert!(!row.secret_encrypted.contains(&secret));
    assert_eq!(row.last_used_step, Some(app.now().timestamp() / 30));
    let stored = recovery_rows(&app, id).await;
    assert_eq!(stored.len(), 10);
    for code in &codes {
        assert!(stored.iter().all(|r| !r.code_hash.contains(code.as_str())));
    }
    assert_eq!(
        db::audit_actions(&app.db, id, "second_factor_enrolled")
            .await
            .len(),
        1
    );
    // The codes are never shown again: a new sign-in asks for a code, not an enrolment.
    let again = password_only(&app, &user).await;
    again.get("/admin").await.assert_redirect_to(CODE_PATH);
    again.get(ENROL_PATH).await.assert_redirect_to(CODE_PATH);
}

#[tokio::test]
async fn a_wrong_enrolment_code_shows_the_same_secret_again() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    let id = app.make_admin(&user, "national").await;
    let browser = password_only(&app, &user).await;
    let page = browser.get(ENROL_PATH).await;
    let secret = enrolment_secret(&page);

    // Act
    let wrong = wrong_code(&secret, app.now().timestamp());
    let answer = browser
        .post_form(ENROL_PATH, &[("code", wrong.as_str())])
        .await;

    // Assert
    answer.assert_field_error("code");
    assert_eq!(enrolment_secret(&answer), secret);
    assert!(totp_row(&app, id).await.unwrap().enrolled_at.is_none());
    browser.get("/admin").await.assert_redirect_to(ENROL_PATH);
}

#[tokio::test]
async fn a_replayed_code_is_refused() {
    // Arrange: enrolment used the code of the current step.
    let app = spawn_app().await;
    let (user, id, _, secret) = enrolled_admin(&app).await;
    let used = totp_code(&secret, app.now().timestamp());
    let browser = password_only(&app, &user).await;
    browser.get(CODE_PATH).await.assert_status(200);

    // Act
    let replay = browser
        .post_form(CODE_PATH, &[("code", used.as_str())])
        .await;

    // Assert
    replay.assert_field_error("code");
    assert!(
        replay.text().contains("déjà été utilisé"),
        "{}",
        replay.text()
    );
    browser.get("/admin").await.assert_redirect_to(CODE_PATH);
    // The next step's code works once, and then it too is a replay.
    app.advance_clock(chrono::Duration::seconds(30));
    let next = totp_code(&secret, app.now().timestamp());
    browser.get(CODE_PATH).await;
    browser
        .post_form(CODE_PATH, &[("code", next.as_str())])
        .await
        .assert_redirect_to("/admin");
    browser.get("/admin").await.assert_status(200);
    let third = password_only(&app, &user).await;
    third.get(CODE_PATH).await;
    third
        .post_form(CODE_PATH, &[("code", next.as_str())])
        .await
        .assert_field_error("code");
    let failures = db::audit_actions(&app.db, id, "second_factor_failed").await;
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(
        failures
            .iter()
            .all(|f| f.detail.as_deref() == Some("code déjà utilisé (rejeu)"))
    );
    assert_eq!(
        db::audit_actions(&app.db, id, "second_factor_passed")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn wrong_codes_are_refused_then_throttled_across_instances() {
    // Arrange: three wrong codes per window, and a second instance on the same database.
    let app = spawn_app_with(|s| s.auth.max_failed_second_factor_codes = 3).await;
    let sibling = app
        .spawn_sibling_with(|s| s.auth.max_failed_second_factor_codes = 3)
        .await;
    let (user, id, _, secret) = enrolled_admin(&app).await;
    app.advance_clock(chrono::Duration::seconds(60));
    let wrong = wrong_code(&secret, app.now().timestamp());
    let on_first = password_only(&app, &user).await;
    let on_second = password_only(&sibling, &user).await;

    // Act: two wrong codes on one instance, two on the other.
    on_first.get(CODE_PATH).await;
    on_second.get(CODE_PATH).await;
    let mut answers = Vec::new();
    for browser in [&on_first, &on_first, &on_second, &on_second] {
        answers.push(
            browser
                .post_form(CODE_PATH, &[("code", wrong.as_str())])
                .await,
        );
    }
    // …then the right code, still within the window.
    let right = totp_code(&secret, app.now().timestamp());
    let refused_right = on_second
        .post_form(CODE_PATH, &[("code", right.as_str())])
        .await;

    // Assert
    for answer in &answers[..3] {
        answer.assert_field_error("code");
    }
    answers[3].assert_status(429);
    assert!(answers[3].header("retry-after").is_some());
    refused_right.assert_status(429);
    on_second.get("/admin").await.assert_redirect_to(CODE_PATH);
    let failures = db::audit_actions(&app.db, id, "second_factor_failed").await;
    assert_eq!(
        failures.len(),
        4,
        "three wrong codes and one lock: {failures:?}"
    );
    // Once the window is over, the right code opens the console.
    app.advance_clock(chrono::Duration::minutes(
        app.settings.auth.throttle_window_minutes,
    ));
    let right = totp_code(&secret, app.now().timestamp());
    on_second.get(CODE_PATH).await;
    on_second
        .post_form(CODE_PATH, &[("code", right.as_str())])
        .await
        .assert_redirect_to("/admin");
    on_second.get("/admin").await.assert_status(200);
}

#[tokio::test]
async fn a_recovery_code_works_once() {
    // Arrange
    let app = spawn_app().await;
    let (user, id, codes, _) = enrolled_admin(&app).await;
    let first = password_only(&app, &user).await;
    first.get(CODE_PATH).await.assert_status(200);

    // Act: typed the way a person might, in capitals with spaces for dashes.
    let typed = codes[0].to_uppercase().replace('-', " ");
    let used = first
        .post_form(CODE_PATH, &[("code", typed.as_str())])
        .await;

    // Assert
    used.assert_redirect_to("/admin");
    first.get("/admin").await.assert_status(200);
    let second = password_only(&app, &user).await;
    second.get(CODE_PATH).await;
    second
        .post_form(CODE_PATH, &[("code", codes[0].as_str())])
        .await
        .assert_field_error("code");
    second.get("/admin").await.assert_redirect_to(CODE_PATH);
    second
        .post_form(CODE_PATH, &[("code", codes[1].as_str())])
        .await
        .assert_redirect_to("/admin");
    let spent = recovery_rows(&app, id)
        .await
        .into_iter()
        .filter(|r| r.used_at.is_some())
        .count();
    assert_eq!(spent, 2);
    let passed = db::audit_actions(&app.db, id, "second_factor_passed").await;
    let details: Vec<_> = passed.iter().filter_map(|e| e.detail.as_deref()).collect();
    assert_eq!(
        details,
        [
            "code de secours (9 restants)",
            "code de secours (8 restants)"
        ]
    );
}

#[tokio::test]
async fn one_code_sent_by_several_browsers_at_once_lets_exactly_one_in() {
    // Arrange: five sessions of one administrator at the code page, a fresh step.
    let app = spawn_app_with(|s| s.auth.max_failed_second_factor_codes = 20).await;
    let (user, id, codes, secret) = enrolled_admin(&app).await;
    app.advance_clock(chrono::Duration::seconds(30));
    let mut browsers = Vec::new();
    for _ in 0..5 {
        let browser = password_only(&app, &user).await;
        browser.get(CODE_PATH).await.assert_status(200);
        browsers.push(browser);
    }
    let code = totp_code(&secret, app.now().timestamp());
    let totp_form = [("code", code.as_str())];
    let recovery_form = [("code", codes[0].as_str())];

    // Act: the same TOTP code, then the same recovery code, from all of them at once.
    let totp =
        futures_util::future::join_all(browsers.iter().map(|b| b.post_form(CODE_PATH, &totp_form)))
            .await;
    let recovery = futures_util::future::join_all(
        browsers
            .iter()
            .map(|b| b.post_form(CODE_PATH, &recovery_form)),
    )
    .await;

    // Assert: one session in with the TOTP code, one more with the recovery code.
    let statuses = |answers: &[crate::support::TestResponse]| {
        let mut s: Vec<u16> = answers.iter().map(|a| a.status).collect();
        s.sort_unstable();
        s
    };
    assert_eq!(statuses(&totp), [303, 422, 422, 422, 422]);
    // The session that got in is sent to the console by the second round.
    assert_eq!(statuses(&recovery), [303, 303, 422, 422, 422]);
    let spent = recovery_rows(&app, id)
        .await
        .into_iter()
        .filter(|r| r.used_at.is_some())
        .count();
    assert_eq!(spent, 1);
    assert_eq!(
        db::audit_actions(&app.db, id, "second_factor_passed")
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn a_code_without_its_csrf_token_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let (user, _, _, secret) = enrolled_admin(&app).await;
    app.advance_clock(chrono::Duration::seconds(30));
    let browser = password_only(&app, &user).await;
    browser.get(CODE_PATH).await;
    let code = totp_code(&secret, app.now().timestamp());

    // Act
    let forged = browser
        .post_form_with_csrf(CODE_PATH, &[("code", code.as_str())], None)
        .await;

    // Assert
    forged.assert_status(403);
    browser.get("/admin").await.assert_redirect_to(CODE_PATH);
}

#[tokio::test]
async fn a_pro_sante_connect_sign_in_stands_for_the_second_factor() {
    // Arrange: an administrator whose account signs in with PSC (e-CPS, strong authentication).
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let psc_browser = sim.browser();
    let login = pharma_login(&psc::unique_rpps());
    let email = psc::unique_email();
    let id = app
        .psc_register_confirmed(&psc_browser, &login, &email)
        .await;
    app.grant_admin(id, "national").await;

    // Act
    app.psc_sign_in(&psc_browser, &login)
        .await
        .assert_status(303);
    let console = app.get("/admin").await;

    // Assert: no enrolment, no code, and nothing stored.
    console.assert_status(200);
    assert!(totp_row(&app, id).await.is_none());
    assert!(
        db::audit_actions(&app.db, id, "second_factor_passed")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn admin_reset_mfa_removes_the_factor_and_the_administrator_enrols_again() {
    // Arrange: an enrolled administrator whose session passed the factor.
    let app = spawn_app().await;
    let user = TestUser::generate();
    let id = app.make_admin(&user, "national").await;
    let browser = password_only(&app, &user).await;
    let codes = browser.enrol_second_factor().await;
    assert_eq!(codes.len(), 10);
    browser.get("/admin").await.assert_status(200);

    // Act
    let output = app
        .run_cli(&["admin", "reset-mfa", "--email", &user.email], None)
        .await;

    // Assert
    output.assert_success();
    assert!(output.stdout.contains("removed"), "{}", output.stdout);
    assert!(totp_row(&app, id).await.is_none());
    assert!(recovery_rows(&app, id).await.is_empty());
    let reset = db::audit_actions(&app.db, id, "second_factor_reset").await;
    assert_eq!(reset.len(), 1);
    assert_eq!(reset[0].actor, "system");
    // The open session lost the factor too: back to enrolment, and a new one works.
    browser.get("/admin").await.assert_redirect_to(ENROL_PATH);
    let codes_again = browser.enrol_second_factor().await;
    assert!(codes_again.iter().all(|c| !codes.contains(c)));
    browser.get("/admin").await.assert_status(200);
    // An unknown address is an error.
    let unknown = app
        .run_cli(
            &["admin", "reset-mfa", "--email", "personne@example.fr"],
            None,
        )
        .await;
    assert!(!unknown.success);
}

#[tokio::test]
async fn without_an_encryption_key_the_enrolment_page_says_it_is_unavailable() {
    // Arrange
    let app = spawn_app_with(|s| s.mfa.encryption_key = None).await;
    let user = TestUser::generate();
    let id = app.make_admin(&user, "national").await;
    let browser = password_only(&app, &user).await;

    // Act
    let page = browser.get(ENROL_PATH).await;

    // Assert
    page.assert_status(503);
    assert!(
        page.text().contains("n'est pas encore configurée"),
        "{}",
        page.text()
    );
    assert!(totp_row(&app, id).await.is_none());
    browser.get("/admin").await.assert_redirect_to(ENROL_PATH);
}
