//! Linking an e-CPS and a password account (issue 4), both ways, against the oidc-provider
//! simulator (`support::psc`): from `/compte` (`/psc/associer`), and a PSC sign-in matching a
//! password account by RPPS or email, whose password `/psc/lier` asks first with the sign-in
//! check and throttle of `/connexion`. Never a silent merge, never two accounts per e-CPS.

use crate::support::psc::{
    self, PSC_IDENTITIES, PscSimulator, pharma_login, spawn_app_with_psc, unique_email,
};
use crate::support::{TestUser, db, html};

#[tokio::test]
async fn a_signed_in_password_user_links_their_ecps_from_compte_and_then_signs_in_either_way() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let rpps = psc::unique_rpps();
    let user = TestUser::generate();
    // The profile declares the RPPS that PSC then vouches for (a different one is refused:
    // `linking_an_ecps_whose_rpps_differs_from_the_declared_one_is_refused`).
    let form = user.profile_form().with("identifiant", &rpps);
    let (browser, id) = app.pending_user(&user, "oui", &form).await;
    let login = pharma_login(&rpps);
    let account_page = browser.get("/compte").await;

    // Act
    let authorization = browser.psc_start("/psc/associer").await;
    let callback = sim.browser().sign_in(&authorization, &login).await;
    let linked = browser.psc_callback(&callback).await;
    let after = browser.get("/compte").await;
    browser.logout().await;
    let with_psc = app.another_visitor();
    let psc_sign_in = with_psc.psc_sign_in(&sim.browser(), &login).await;
    let with_password = app.another_visitor();
    let password_sign_in = with_password.login_user(&user).await;

    // Assert
    assert!(
        html::attrs(&account_page.body, "a", "href").contains(&"/psc/associer".to_owned()),
        "/compte offers to link an e-CPS"
    );
    assert!(authorization.starts_with(&sim.authorization_endpoint));
    linked.assert_redirect_to("/compte");
    assert!(
        after
            .text()
            .contains("Votre compte est associé à Pro Santé Connect"),
        "{}",
        after.text()
    );
    assert!(!html::exists(&after.body, "a[href=\"/psc/associer\"]"));
    assert!(app.psc_identity_of(id).await.is_some());
    assert_eq!(db::audit_actions(&app.db, id, "psc_linked").await.len(), 1);
    psc_sign_in.assert_redirect_to("/compte");
    assert_eq!(with_psc.signed_in_account().await, Some(id));
    password_sign_in.assert_redirect_to("/compte");
    assert_eq!(with_password.signed_in_account().await, Some(id));
    assert_eq!(db::count_rows(&app.db, "accounts").await, 1);
    // The holder is told, with what to do if it was not them.
    app.drain_outbox().await;
    let notice = app
        .wait_for_mail_with_subject(&user.email, "Carte e-CPS associée")
        .await;
    assert!(notice.text().contains("Mot de passe oublié"));
}

#[tokio::test]
async fn a_psc_sign_in_matching_a_validated_password_account_by_rpps_asks_its_password_before_linking()
 {
    // Arrange: a password user who typed their RPPS in the profile, and an administrator
    // validated it (an unvalidated one is no proof: `psc_squatting`).
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let rpps = psc::unique_rpps();
    let user = TestUser::generate();
    let form = user.profile_form().with("identifiant", &rpps);
    let (_, id) = app.pending_user(&user, "oui", &form).await;
    let (admin, _) = app.national_admin().await;
    admin
        .validate_account(id)
        .await
        .assert_redirect_to(&format!("/admin/comptes/{id}"));
    let accounts_before = db::count_rows(&app.db, "accounts").await;
    let visitor = app.another_visitor();

    // Act
    let callback = visitor
        .psc_sign_in(&sim.browser(), &pharma_login(&rpps))
        .await;
    let link_page = visitor.get("/psc/lier").await;
    let wrong = visitor
        .post_form(
            "/psc/lier",
            &[("mot_de_passe", "Pas-le-bon-mot-de-passe-2026!")],
        )
        .await;
    let linked_after_wrong = db::count_rows(&app.db, PSC_IDENTITIES).await;
    let right = visitor
        .post_form("/psc/lier", &[("mot_de_passe", user.password.as_str())])
        .await;

    // Assert
    callback.assert_redirect_to("/psc/lier");
    link_page.assert_status(200);
    let text = link_page.text();
    assert!(text.contains("RPPS"), "{text}");
    assert!(!text.contains(&user.email), "the address is masked: {text}");
    assert!(html::exists(
        &link_page.body,
        "input[name=\"mot_de_passe\"]"
    ));
    wrong.assert_field_error("mot_de_passe");
    assert_eq!(linked_after_wrong, 0, "no link on a wrong password");
    right.assert_redirect_to("/compte");
    assert_eq!(visitor.signed_in_account().await, Some(id));
    let identity = app.psc_identity_of(id).await.expect("linked");
    assert_eq!(identity.rpps.as_deref(), Some(rpps.as_str()));
    assert_eq!(db::count_rows(&app.db, "accounts").await, accounts_before);
    // From now on, PSC signs this account straight in.
    let later = app.another_visitor();
    later
        .psc_sign_in(&sim.browser(), &pharma_login(&rpps))
        .await
        .assert_redirect_to("/compte");
    assert_eq!(later.signed_in_account().await, Some(id));
}

#[tokio::test]
async fn a_psc_sign_in_matching_a_password_account_by_email_asks_its_password_before_linking() {
    // Arrange: PSC knows the address of a password account (the activity's adresseEMail).
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let rpps = psc::unique_rpps();
    let user = TestUser::generate();
    let form = user.profile_form().with("identifiant", &rpps);
    let (_, id) = app.pending_user(&user, "oui", &form).await;
    let login = format!("pharma:{rpps}?email={}", user.email);
    let visitor = app.another_visitor();

    // Act
    let callback = visitor.psc_sign_in(&sim.browser(), &login).await;
    let link_page = visitor.get("/psc/lier").await;
    let right = visitor
        .post_form("/psc/lier", &[("mot_de_passe", user.password.as_str())])
        .await;

    // Assert
    callback.assert_redirect_to("/psc/lier");
    assert!(
        link_page.text().contains("adresse mail"),
        "{}",
        link_page.text()
    );
    right.assert_redirect_to("/compte");
    assert_eq!(visitor.signed_in_account().await, Some(id));
    assert!(app.psc_identity_of(id).await.is_some());
    assert_eq!(db::count_rows(&app.db, "accounts").await, 1);
}

#[tokio::test]
async fn a_new_psc_user_giving_the_email_of_a_password_account_is_asked_its_password() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let user = TestUser::generate();
    let (_, id) = app.pending_user(&user, "oui", &user.profile_form()).await;
    let visitor = app.another_visitor();
    visitor
        .psc_sign_in(&sim.browser(), &pharma_login(&psc::unique_rpps()))
        .await
        .assert_redirect_to("/inscription/email");
    visitor.get("/inscription/email").await.assert_status(200);

    // Act
    let given = visitor
        .post_form("/inscription/email", &[("email", user.email.as_str())])
        .await;
    let wrong = visitor
        .post_form(
            "/psc/lier",
            &[("mot_de_passe", "Pas-le-bon-mot-de-passe-2026!")],
        )
        .await;

    // Assert
    given.assert_redirect_to("/psc/lier");
    wrong.assert_field_error("mot_de_passe");
    assert_eq!(
        db::count_rows(&app.db, "accounts").await,
        1,
        "no second account"
    );
    assert!(
        app.psc_identity_of(id).await.is_none(),
        "never a silent merge"
    );
    assert_eq!(visitor.signed_in_account().await, None);
}

#[tokio::test]
async fn an_rpps_already_linked_cannot_be_linked_to_a_second_account() {
    // Arrange: the RPPS belongs to a PSC account; a password user tries to link it too.
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let rpps = psc::unique_rpps();
    let login = pharma_login(&rpps);
    let owner = app
        .another_visitor()
        .psc_register_confirmed(&sim.browser(), &login, &unique_email())
        .await;
    let user = TestUser::generate();
    let (browser, other) = app.pending_user(&user, "oui", &user.profile_form()).await;

    // Act
    let authorization = browser.psc_start("/psc/associer").await;
    let callback = sim.browser().sign_in(&authorization, &login).await;
    let response = browser.psc_callback(&callback).await;

    // Assert
    response.assert_status(409);
    assert!(
        response.text().contains("e-CPS déjà associée"),
        "{}",
        response.text()
    );
    assert_eq!(db::count_rows(&app.db, PSC_IDENTITIES).await, 1);
    assert!(app.psc_identity_of(other).await.is_none());
    let identity = app.psc_identity_of(owner).await.expect("still linked");
    assert_eq!(identity.rpps.as_deref(), Some(rpps.as_str()));
    assert_eq!(app.psc_refusals().await.len(), 1);
    assert_eq!(browser.signed_in_account().await, Some(other));
}

#[tokio::test]
async fn the_password_asked_before_linking_shares_the_sign_in_throttle_of_connexion() {
    // Arrange: a PSC sign-in matched a password account by email, and `/psc/lier` asks its
    // password.
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let rpps = psc::unique_rpps();
    let user = TestUser::generate();
    let form = user.profile_form().with("identifiant", &rpps);
    let (_, id) = app.pending_user(&user, "oui", &form).await;
    let visitor = app.another_visitor();
    let login = format!("pharma:{rpps}?email={}", user.email);
    visitor
        .psc_sign_in(&sim.browser(), &login)
        .await
        .assert_redirect_to("/psc/lier");
    visitor.get("/psc/lier").await.assert_status(200);

    // Act: every wrong guess allowed per email, made at `/psc/lier`…
    for _ in 0..app.settings.auth.max_failed_signins {
        visitor
            .post_form(
                "/psc/lier",
                &[("mot_de_passe", "Pas-le-bon-mot-de-passe-2026!")],
            )
            .await
            .assert_field_error("mot_de_passe");
    }
    // …then the right password, at `/connexion` and at `/psc/lier`.
    let connexion = app
        .another_visitor()
        .login(&user.email, &user.password)
        .await;
    let lier = visitor
        .post_form("/psc/lier", &[("mot_de_passe", user.password.as_str())])
        .await;

    // Assert: the guesses at `/psc/lier` count at `/connexion`, and `/psc/lier` obeys the
    // throttle too.
    connexion.assert_status(429);
    lier.assert_status(429);
    assert!(lier.header("retry-after").is_some());
    assert!(
        lier.text().contains("Trop de tentatives"),
        "{}",
        lier.text()
    );
    assert!(app.psc_identity_of(id).await.is_none(), "not linked");
    assert_eq!(visitor.signed_in_account().await, None);
}
