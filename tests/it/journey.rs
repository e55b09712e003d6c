//! The whole registration journey, as the operator's guide describes it.

use crate::support::html;
use crate::support::{Form, MAIL_FROM_ADDRESS, TestUser, db, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_new_user_goes_from_sign_up_to_the_pending_page_with_the_mail_delivered_over_smtp() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();

    // Act + Assert, step by step
    let landing = app.get("/").await;
    landing.assert_status(200);
    let links = html::attrs(&landing.body, "a", "href");
    assert!(
        links.iter().any(|l| l == "/inscription"),
        "links: {links:?}"
    );
    assert!(links.iter().any(|l| l == "/connexion"), "links: {links:?}");

    // 1. sign-up
    app.signup(&user)
        .await
        .assert_redirect_to("/inscription/email-envoye");
    app.get("/inscription/email-envoye")
        .await
        .assert_status(200);

    // 2. the mail, really delivered over SMTP
    let mail = app.wait_for_mail_to(&user.email).await;
    assert_eq!(mail.from_address, MAIL_FROM_ADDRESS);
    let confirmation = app.confirmation_path(&mail);

    // 3. confirmation: a page with a button, then the button
    let page = app.get(&confirmation).await;
    page.assert_status(200);
    assert!(
        html::exists(
            &page.body,
            &format!(
                "form[action=\"{confirmation}\"] button, form[action=\"{confirmation}\"] input[type=submit]"
            )
        ),
        "the confirmation page has no button posting to {confirmation}:\n{}",
        page.body
    );
    app.post_form(&confirmation, &Form::new())
        .await
        .assert_redirect_to("/connexion?confirme=1");
    app.get("/connexion?confirme=1").await.assert_status(200);

    // sign-in resumes at the CGU
    app.login_user(&user).await.assert_redirect_to("/cgu");

    // 4. CGU
    app.accept_cgu().await.assert_redirect_to("/identification");

    // 5a. identifier question
    app.answer_identification("oui")
        .await
        .assert_redirect_to("/profil");

    // 5b. profile
    app.submit_profile(&user.profile_form())
        .await
        .assert_redirect_to("/compte");

    // pending
    let pending = app.get("/compte").await;
    pending.assert_status(200);
    assert!(
        pending
            .text()
            .contains("Votre compte est en attente de validation"),
        "{}",
        pending.body
    );
    let account = db::account(&app.db, &user.email).await;
    assert!(account.email_confirmed_at.is_some());
    assert!(account.profile_submitted_at.is_some());
    assert_eq!(account.bal_type.as_deref(), Some("PER"));
    let profile = db::profile(&app.db, &user.email).await;
    assert_eq!(profile.profession, "21");
    assert_eq!(profile.type_identifiant.as_deref(), Some("RPPS"));
    assert_eq!(profile.identifiant.as_deref(), Some(user.rpps.as_str()));
}

#[tokio::test]
async fn a_user_without_national_identifier_registers_a_med_mailbox_without_identifier() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();
    app.signed_in_at_profile(&user, "non").await;
    let form = user
        .profile_form()
        .with("type_identifiant", "")
        .with("identifiant", "");

    // Act
    let response = app.post_form("/profil", &form).await;

    // Assert
    response.assert_redirect_to("/compte");
    app.get("/compte").await.assert_status(200);
    let account = db::account(&app.db, &user.email).await;
    assert_eq!(account.bal_type.as_deref(), Some("MED"));
    let profile = db::profile(&app.db, &user.email).await;
    assert_eq!(profile.identifiant, None);
}

#[tokio::test]
async fn the_journey_writes_an_audit_event_for_every_state_change() {
    // Arrange
    let app = spawn_app().await;
    let user = TestUser::generate();

    // Act
    app.complete_journey(&user).await;
    app.logout().await.assert_redirect_to("/");

    // Assert
    let events = db::audit_events(&app.db, &user.email).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "account_created",
        "email_confirmed",
        "signed_in",
        "cgu_accepted",
        "identifier_answered",
        "profile_submitted",
        "signed_out",
    ] {
        assert!(actions.contains(&expected), "no {expected} in {actions:?}");
    }
    let position = |action: &str| actions.iter().position(|a| *a == action).unwrap();
    assert!(position("account_created") < position("email_confirmed"));
    assert!(position("email_confirmed") < position("cgu_accepted"));
    assert!(position("cgu_accepted") < position("identifier_answered"));
    assert!(position("identifier_answered") < position("profile_submitted"));
    let detail = |action: &str| {
        events
            .iter()
            .find(|e| e.action == action)
            .and_then(|e| e.detail.clone())
    };
    assert_eq!(detail("cgu_accepted").as_deref(), Some("2026-01"));
    assert_eq!(detail("identifier_answered").as_deref(), Some("oui"));
    assert!(events.iter().all(|e| !e.actor.is_empty()));
}

#[tokio::test]
async fn sign_up_and_sign_in_work_with_the_production_argon2_parameters() {
    // Arrange
    let app = spawn_app_with(|s| {
        s.auth.argon2_memory_kib = 19456;
        s.auth.argon2_iterations = 2;
        s.auth.argon2_parallelism = 1;
    })
    .await;
    let user = TestUser::generate();

    // Act
    app.register_confirmed(&user).await;
    let login = app.login_user(&user).await;

    // Assert
    login.assert_redirect_to("/cgu");
    let hash = db::account(&app.db, &user.email)
        .await
        .password_hash
        .expect("a password hash is stored");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "stored hash: {hash}"
    );
    assert!(!hash.contains(&user.password));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_people_registering_at_the_same_time_all_succeed() {
    // Arrange: eight browsers on one app; the mail worker writes to the database meanwhile
    let app = spawn_app().await;
    let mut registrations = tokio::task::JoinSet::new();

    // Act
    for _ in 0..8 {
        let browser = app.another_visitor();
        registrations.spawn(async move {
            let user = TestUser::generate();
            browser.signed_in_at_identification(&user).await;
            user.email
        });
    }

    // Assert: every journey reached the identifier question (no 500 on the way)
    let mut done = 0;
    while let Some(outcome) = registrations.join_next().await {
        let email = outcome.unwrap_or_else(|e| match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("registration task failed: {e}"),
        });
        assert!(
            db::account(&app.db, &email)
                .await
                .email_confirmed_at
                .is_some()
        );
        done += 1;
    }
    assert_eq!(done, 8);
}
