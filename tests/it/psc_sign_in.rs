//! Signing in with Pro Santé Connect (issue 4), driven over HTTP against the oidc-provider
//! simulator (`support::psc`): the button, the authorization request, signed userinfo, client
//! authentication at the token endpoint, cancelling at PSC and PSC being down.

use crate::support::psc::{
    self, JSON_CLIENT_ID, JWT_CLIENT_ID, PSC_IDENTITIES, PscSimulator, REALM_PATH, pharma_login,
    spawn_app_with_psc,
};
use crate::support::{TestApp, TestResponse, db, html, spawn_app, spawn_app_with};

/// The retry button of the PSC error page.
const RETRY: &str = "Réessayer avec Pro Santé Connect";

/// A French page (`lang="fr"`) offering to start a PSC sign-in again.
fn assert_french_retry_page(response: &TestResponse) {
    assert!(response.is_html(), "{response:?}");
    assert_eq!(
        html::attr(&response.body, "html", "lang").as_deref(),
        Some("fr")
    );
    let retry = html::attrs(&response.body, "a", "href");
    assert!(
        retry.iter().any(|href| href == "/psc/connexion"),
        "no link to /psc/connexion: {}",
        response.text()
    );
    assert!(response.text().contains(RETRY), "{}", response.text());
}

// ---- the button -----------------------------------------------------------------------------

#[tokio::test]
async fn the_landing_page_connexion_and_inscription_offer_pro_sante_connect_when_enabled() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;

    for path in ["/", "/connexion", "/inscription"] {
        // Act
        let page = app.get(path).await;

        // Assert
        page.assert_status(200);
        assert!(
            html::attrs(&page.body, "a.psc-button", "href").contains(&"/psc/connexion".to_owned()),
            "{path} has no PSC button"
        );
        assert!(
            page.text().contains("Pro Santé Connect"),
            "{path}: {}",
            page.text()
        );
    }
}

#[tokio::test]
async fn the_pro_sante_connect_button_and_routes_are_absent_when_disabled() {
    // Arrange
    let app = spawn_app().await;

    for path in ["/", "/connexion", "/inscription"] {
        // Act
        let page = app.get(path).await;

        // Assert
        page.assert_status(200);
        assert!(
            !html::exists(&page.body, "a[href^=\"/psc/\"]"),
            "{path} links to PSC while it is disabled"
        );
        assert!(!page.text().contains("Pro Santé Connect"), "{path}");
    }
    app.get("/psc/connexion").await.assert_status(404);
}

// ---- the authorization request ---------------------------------------------------------------

#[tokio::test]
async fn psc_connexion_redirects_to_the_authorization_endpoint_with_pkce_state_nonce_and_eidas1() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;

    // Act
    let first = app.get("/psc/connexion").await;
    let second = app.another_visitor().get("/psc/connexion").await;

    // Assert
    first.assert_status(303);
    let location = first.location().expect("Location");
    let url = reqwest::Url::parse(&location).expect("absolute Location");
    assert_eq!(url.host_str(), Some("localhost"), "{location}");
    assert_eq!(url.port(), Some(sim.port));
    assert_eq!(
        url.path(),
        format!("{REALM_PATH}/protocol/openid-connect/auth")
    );
    assert_eq!(
        location.split('?').next(),
        Some(sim.authorization_endpoint.as_str())
    );
    let param = |name: &str| psc::query_param(&location, name);
    assert_eq!(param("response_type").as_deref(), Some("code"));
    assert_eq!(param("client_id").as_deref(), Some(JSON_CLIENT_ID));
    assert_eq!(
        param("redirect_uri"),
        Some(app.url("/psc/retour")),
        "redirect_url defaults to {{public_url}}/psc/retour"
    );
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    let challenge = param("code_challenge").expect("code_challenge");
    assert_eq!(challenge.len(), 43, "base64url SHA-256: {challenge}");
    let scope = param("scope").expect("scope");
    let scopes: Vec<&str> = scope.split(' ').collect();
    assert!(scopes.contains(&"openid"), "{scope}");
    assert!(scopes.contains(&"scope_all"), "{scope}");
    assert_eq!(param("acr_values").as_deref(), Some("eidas1"));
    let state = param("state").expect("state");
    let nonce = param("nonce").expect("nonce");
    assert!(state.len() >= 16 && nonce.len() >= 16, "{state} {nonce}");
    assert!(
        first
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("mss_psc=") && c.contains("HttpOnly")),
        "the attempt is bound to the browser: {:?}",
        first.set_cookies()
    );
    let other = second.location().expect("Location");
    assert_ne!(psc::query_param(&other, "state"), Some(state));
    assert_ne!(psc::query_param(&other, "nonce"), Some(nonce));
    assert_ne!(psc::query_param(&other, "code_challenge"), Some(challenge));
}

// ---- userinfo and client authentication ------------------------------------------------------

#[tokio::test]
async fn userinfo_as_a_signed_jwt_is_accepted() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with(|s| sim.configure(s, JWT_CLIENT_ID)).await;

    // Act
    let response = app
        .psc_sign_in(&sim.browser(), &pharma_login(&psc::unique_rpps()))
        .await;

    // Assert
    response.assert_redirect_to("/inscription/email");
    let page = app.get("/inscription/email").await;
    assert_eq!(
        page.field_value("email").as_deref(),
        Some(psc::pharma::EMAIL)
    );
    assert!(page.text().contains("CLAIRE MARTIN"), "{}", page.text());
    let userinfo = sim.events_of("userinfo").await;
    assert_eq!(userinfo.len(), 1, "{userinfo:?}");
    assert_eq!(userinfo[0]["client_id"], JWT_CLIENT_ID);
    assert_eq!(userinfo[0]["status"], 200);
    assert!(
        userinfo[0]["content_type"]
            .as_str()
            .is_some_and(|t| t.starts_with("application/jwt")),
        "{userinfo:?}"
    );
}

#[tokio::test]
async fn the_code_is_exchanged_with_client_secret_basic_by_default() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;

    // Act
    let response = app
        .psc_sign_in(&sim.browser(), &pharma_login(&psc::unique_rpps()))
        .await;

    // Assert
    response.assert_redirect_to("/inscription/email");
    let tokens = sim.events_of("token").await;
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0]["basic_auth"], true);
    assert_eq!(tokens[0]["client_id"], JSON_CLIENT_ID);
    assert_eq!(tokens[0]["grant_type"], "authorization_code");
    assert_eq!(tokens[0]["status"], 200);
}

#[tokio::test]
async fn with_client_secret_post_the_secret_goes_in_the_request_body() {
    // Arrange: oidc-provider accepts client_secret_post from a client registered for
    // client_secret_basic (it treats the two alike), so the option signs in.
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |s| {
        s.psc.token_auth_method = mss_onboarding::config::TokenAuthMethod::ClientSecretPost;
    })
    .await;

    // Act
    let response = app
        .psc_sign_in(&sim.browser(), &pharma_login(&psc::unique_rpps()))
        .await;

    // Assert
    response.assert_redirect_to("/inscription/email");
    let tokens = sim.events_of("token").await;
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0]["basic_auth"], false, "no Authorization: Basic");
    assert_eq!(tokens[0]["client_id"], JSON_CLIENT_ID);
    assert_eq!(tokens[0]["status"], 200);
}

// ---- failures -----------------------------------------------------------------------------------

#[tokio::test]
async fn cancelling_at_psc_shows_a_french_page_with_a_retry_and_creates_no_account() {
    // Arrange
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let authorization = app.psc_authorization_url().await;

    // Act
    let callback = sim.browser().cancel(&authorization).await;
    let response = app.psc_callback(&callback).await;

    // Assert
    assert_eq!(
        psc::query_param(&callback, "error").as_deref(),
        Some("access_denied")
    );
    assert_ne!(response.status, 500);
    assert_french_retry_page(&response);
    assert!(
        response.text().contains("Connexion annulée"),
        "{}",
        response.text()
    );
    let refusals = app.psc_refusals().await;
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0].account_id, None);
    assert!(
        refusals[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("access_denied")),
        "{refusals:?}"
    );
    assert_eq!(db::count_rows(&app.db, "accounts").await, 0);
    assert_eq!(db::count_rows(&app.db, PSC_IDENTITIES).await, 0);
    assert_eq!(db::count_rows(&app.db, "sessions").await, 0);
    assert!(sim.events_of("token").await.is_empty());
}

#[tokio::test]
async fn an_anonymous_callback_writes_nothing() {
    // Arrange: no attempt cookie, as any visitor or script can send.
    let app = app_with_psc_down().await;
    let before = db::table_counts(&app.db).await;

    // Act
    let bare = app.get("/psc/retour").await;
    let forged = app.get("/psc/retour?code=abc&state=xyz").await;
    let with_error = app.get("/psc/retour?error=access_denied&state=xyz").await;

    // Assert: a French page each time, and not one row written.
    for response in [&bare, &forged, &with_error] {
        assert!(
            response.status >= 400 && response.status < 500,
            "{}",
            response.status
        );
        assert!(response.is_html(), "{}", response.content_type());
    }
    assert_eq!(db::table_counts(&app.db).await, before);
}

/// An app whose `psc.discovery_url` points at a closed port.
async fn app_with_psc_down() -> TestApp {
    let port = crate::support::smtp::free_port();
    spawn_app_with(|s| {
        s.psc.enabled = true;
        s.psc.discovery_url =
            format!("http://127.0.0.1:{port}{REALM_PATH}/.well-known/wallet-openid-configuration")
                .parse()
                .expect("URL");
        s.psc.client_id = JSON_CLIENT_ID.into();
        s.psc.client_secret = secrecy::SecretString::from("secret".to_owned());
    })
    .await
}

#[tokio::test]
async fn psc_unreachable_gives_a_502_french_page_with_a_retry() {
    // Arrange
    let app = app_with_psc_down().await;

    // Act
    let response = app.get("/psc/connexion").await;

    // Assert
    response.assert_status(502);
    assert_french_retry_page(&response);
    assert!(
        response
            .text()
            .contains("Pro Santé Connect est indisponible"),
        "{}",
        response.text()
    );
    assert_eq!(db::count_rows(&app.db, "accounts").await, 0);
}

#[tokio::test]
async fn psc_unreachable_is_recorded_in_the_audit_trail() {
    // Arrange
    let app = app_with_psc_down().await;

    // Act
    let response = app.get("/psc/connexion").await;

    // Assert
    response.assert_status(502);
    let refusals = app.psc_refusals().await;
    assert_eq!(
        refusals.len(),
        1,
        "issue 4: PSC unreachable → an audit record; got {refusals:?}"
    );
}

#[tokio::test]
async fn psc_going_down_during_the_sign_in_gives_a_french_page_and_no_account() {
    // Arrange: the sign-in starts, then PSC stops before the code is exchanged.
    let sim = PscSimulator::start_default().await;
    let app = spawn_app_with_psc(&sim, |_| {}).await;
    let authorization = app.psc_authorization_url().await;
    let callback = sim
        .browser()
        .sign_in(&authorization, &pharma_login(&psc::unique_rpps()))
        .await;
    sim.stop();

    // Act
    let response = app.psc_callback(&callback).await;

    // Assert
    // PSC down is "unavailable" (502), not a refused token.
    response.assert_status(502);
    assert_french_retry_page(&response);
    assert_eq!(app.psc_refusals().await.len(), 1);
    assert_eq!(db::count_rows(&app.db, "accounts").await, 0);
    assert_eq!(db::count_rows(&app.db, PSC_IDENTITIES).await, 0);
    assert_eq!(db::count_rows(&app.db, "sessions").await, 0);
}
