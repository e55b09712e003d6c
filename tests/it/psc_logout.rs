//! Signing out of a Pro Santé Connect session (issue 4): RP-initiated logout at the
//! oidc-provider simulator (`support::psc`), and a password session that stays in the app.

use crate::support::TestUser;
use crate::support::psc::{self, PscSimulator, pharma_login, spawn_app_with_psc, unique_email};

#[tokio::test]
async fn signing_out_of_a_psc_session_also_ends_the_psc_session() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let psc_browser = sim.browser();
    let rpps = psc::unique_rpps();
    let login = pharma_login(&rpps);
    app.psc_register_confirmed(&psc_browser, &login, &unique_email())
        .await;
    app.psc_sign_in(&psc_browser, &login)
        .await
        .assert_redirect_to("/cgu");
    let logins_before = sim.events_of("login").await.len();

    // Act
    let logout = app.logout().await;
    let end_session = logout.location().unwrap_or_default();
    let back = psc_browser.confirm_logout(&end_session).await;
    let next = app.psc_sign_in(&psc_browser, &login).await;

    // Assert
    logout.assert_status(303);
    assert!(
        end_session.starts_with(&format!("{}?", sim.end_session_endpoint)),
        "{end_session}"
    );
    let hint = psc::query_param(&end_session, "id_token_hint").expect("id_token_hint");
    let (_, claims) = crate::support::faulty_oidc::decode_jwt(&hint);
    assert_eq!(claims["sub"], psc::sub_for(&psc::id_nat_ps(&rpps)));
    assert_eq!(
        psc::query_param(&end_session, "post_logout_redirect_uri"),
        Some(app.url("/"))
    );
    assert!(back.starts_with(&app.url("/")), "{back}");
    let ends = sim.events_of("end_session").await;
    assert_eq!(ends.len(), 1, "{ends:?}");
    assert_eq!(ends[0]["id_token_hint_sub"], claims["sub"]);
    assert_eq!(logins_before, 1);
    next.assert_redirect_to("/cgu");
    assert_eq!(
        sim.events_of("login").await.len(),
        2,
        "the login form was shown again"
    );
}

#[tokio::test]
async fn signing_out_of_a_password_session_stays_in_the_app() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let user = TestUser::generate();
    app.signed_in_at_cgu(&user).await;

    // Act
    let logout = app.logout().await;

    // Assert
    logout.assert_redirect_to("/");
    assert!(sim.events_of("end_session").await.is_empty());
}
