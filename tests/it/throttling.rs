//! Rate limits (issue 8, defect 1): reserved in the database before the work they protect, so
//! neither concurrency nor a second instance gets past them; a French 429 page with
//! `Retry-After` for whoever is refused.

use crate::support::smtp::MAIL_TIMEOUT;
use crate::support::{TestApp, TestResponse, TestUser, db, spawn_app, spawn_app_with};

/// Failed verifications recorded for the account (one audit row per wrong password checked).
async fn verifications_failed(app: &TestApp, email: &str) -> usize {
    let id = db::account(&app.db, email).await.id;
    db::audit_actions(&app.db, id, "sign_in_failed").await.len()
}

#[track_caller]
fn assert_throttled(response: &TestResponse) {
    response.assert_status(429);
    let retry_after: u64 = response
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no numeric Retry-After on a 429: {:?}", response.headers));
    assert!(retry_after >= 1, "Retry-After: {retry_after}");
    assert!(response.is_html(), "{}", response.content_type());
    assert!(
        response.body.contains("Trop de tentatives"),
        "{}",
        response.body
    );
}

#[tokio::test]
async fn two_hundred_concurrent_wrong_passwords_lead_to_at_most_ten_verifications() {
    // Arrange: a hash queue long enough for all 200, so that each reaches the throttle (beyond
    // the queue a sign-in gets its 503 before the throttle: `resilience`), and a connection
    // wait long enough for 200 requests queueing on SQLite's one connection on a loaded CI
    // machine (seen: a 503 after the default 2 s; the outage behaviour is `resilience`'s).
    let app = spawn_app_with(|s| {
        s.auth.max_queued_hashes = 256;
        s.database.acquire_timeout_secs = 30;
    })
    .await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;
    let mut attempts = tokio::task::JoinSet::new();

    // Act: 200 browsers at once, each with a wrong password.
    for _ in 0..200 {
        let browser = app.another_visitor();
        let email = user.email.clone();
        attempts.spawn(async move { browser.login(&email, "Mauvais-mot-2-passe!").await });
    }
    let mut refused = 0;
    let mut throttled = 0;
    while let Some(outcome) = attempts.join_next().await {
        let response = outcome.expect("sign-in task");
        match response.status {
            422 => refused += 1,
            429 => {
                assert_throttled(&response);
                throttled += 1;
            }
            other => panic!("unexpected status {other}: {}", response.body),
        }
    }

    // Assert: exactly the allowance was verified, whatever the concurrency.
    assert_eq!(refused, 10, "{throttled} throttled");
    assert_eq!(throttled, 190);
    assert_eq!(verifications_failed(&app, &user.email).await, 10);
    let id = db::account(&app.db, &user.email).await.id;
    assert_eq!(
        db::audit_actions(&app.db, id, "sign_in_locked").await.len(),
        1
    );

    // The right password is refused too until the window ends…
    assert_throttled(&app.login_user(&user).await);
    // …and then it works.
    app.advance_clock(chrono::Duration::minutes(15));
    app.login_user(&user).await.assert_status(303);
}

#[tokio::test]
async fn two_instances_on_one_database_share_the_limit() {
    // Arrange
    let app = spawn_app().await;
    let sibling = app.spawn_sibling_with(|_| {}).await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;

    // Act: five wrong passwords on each instance.
    for _ in 0..5 {
        app.login(&user.email, "Mauvais-mot-2-passe!")
            .await
            .assert_status(422);
        sibling
            .login(&user.email, "Mauvais-mot-2-passe!")
            .await
            .assert_status(422);
    }

    // Assert: the eleventh is refused on either.
    assert_throttled(&app.login_user(&user).await);
    assert_throttled(&sibling.login_user(&user).await);
}

#[tokio::test]
async fn a_successful_sign_in_gives_its_attempt_back() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.register_confirmed(&user).await;

    // Act: nine wrong passwords, then twenty right ones.
    for _ in 0..9 {
        app.login(&user.email, "Mauvais-mot-2-passe!").await;
    }
    for _ in 0..20 {
        app.another_visitor()
            .login_user(&user)
            .await
            .assert_status(303);
    }

    // Assert: the tenth wrong password is still verified.
    app.login(&user.email, "Mauvais-mot-2-passe!")
        .await
        .assert_status(422);
    assert_throttled(&app.login(&user.email, "Mauvais-mot-2-passe!").await);
}

#[tokio::test]
async fn sign_ups_from_one_client_are_limited_with_a_french_429() {
    // Arrange
    let app = spawn_app_with(|s| s.auth.max_signups_per_client = 2).await;

    // Act
    for _ in 0..2 {
        app.another_visitor()
            .signup(&TestUser::generate())
            .await
            .assert_redirect_to("/inscription/email-envoye");
    }
    let third = TestUser::generate();
    let response = app.signup(&third).await;

    // Assert: refused before anything was written.
    assert_throttled(&response);
    assert_eq!(db::count_rows(&app.db, "accounts").await, 2);
}

#[tokio::test]
async fn resend_requests_from_one_client_are_limited() {
    // Arrange
    let app = spawn_app_with(|s| s.auth.max_resends_per_client = 1).await;
    app.get("/inscription/email-envoye").await;
    let form = [("email", "personne@example.fr")];

    // Act
    let first = app.post_form("/inscription/renvoyer", &form).await;
    let second = app.post_form("/inscription/renvoyer", &form).await;

    // Assert
    first.assert_redirect_to("/inscription/email-envoye?renvoye=1");
    assert_throttled(&second);
}

/// `POST /inscription` from `app`'s browser, as if relayed for `forwarded_for`.
async fn signup_via_proxy(app: &TestApp, forwarded_for: &str) -> u16 {
    app.get("/inscription").await;
    let user = TestUser::generate();
    let mut pairs = vec![
        ("nom".to_owned(), user.nom.clone()),
        ("prenom".to_owned(), user.prenom.clone()),
        ("email".to_owned(), user.email.clone()),
        ("mot_de_passe".to_owned(), user.password.clone()),
        (
            "confirmation_mot_de_passe".to_owned(),
            user.password.clone(),
        ),
    ];
    pairs.push((
        "csrf_token".to_owned(),
        app.csrf_token_for("/inscription").expect("csrf token"),
    ));
    app.client
        .post(app.url("/inscription"))
        .header("x-forwarded-for", forwarded_for)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(&pairs).expect("form"))
        .send()
        .await
        .expect("POST /inscription")
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance() {
    // Arrange: the test client is the proxy.
    let app = spawn_app_with(|s| {
        s.auth.max_signups_per_client = 1;
        s.server.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
    })
    .await;

    // Act + Assert
    assert_eq!(signup_via_proxy(&app, "203.0.113.1").await, 303);
    assert_eq!(signup_via_proxy(&app, "203.0.113.2").await, 303);
    assert_eq!(signup_via_proxy(&app, "203.0.113.1").await, 429);
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_for_header_changes_nothing() {
    // Arrange
    let app = spawn_app_with(|s| s.auth.max_signups_per_client = 1).await;

    // Act + Assert: a client cannot reset its allowance by making up addresses.
    assert_eq!(signup_via_proxy(&app, "203.0.113.1").await, 303);
    assert_eq!(signup_via_proxy(&app, "203.0.113.2").await, 429);
}

#[tokio::test]
async fn one_address_gets_at_most_the_daily_number_of_registration_mails() {
    // Arrange: no minimum interval, two mails a day.
    let app = spawn_app_with(|s| {
        s.auth.mail_interval_secs = 0;
        s.auth.max_mails_per_address_per_day = 2;
    })
    .await;
    let user = TestUser::generate();
    app.signup(&user).await;

    // Act: the sign-up mail, then three resends and a second sign-up ("account exists").
    app.get("/inscription/email-envoye").await;
    for _ in 0..3 {
        app.post_form("/inscription/renvoyer", &[("email", user.email.as_str())])
            .await
            .assert_redirect_to("/inscription/email-envoye?renvoye=1");
    }
    app.another_visitor().signup(&user).await;

    // Assert: every request queued its mail (if any) before answering; once the outbox has
    // delivered everything, the capture holds what the address received.
    crate::support::app::eventually("the outbox to deliver", MAIL_TIMEOUT, || async {
        db::pending_outbox(&app.db).await.is_empty().then_some(())
    })
    .await;
    assert_eq!(app.smtp.messages_to(&user.email).len(), 2);
}
