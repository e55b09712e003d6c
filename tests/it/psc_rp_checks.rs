//! Relying-party checks of the Pro Santé Connect sign-in (issue 4; the OpenID Foundation's RP
//! certification list), one test each, against the deliberately faulty provider
//! (`support::faulty_oidc`). Every broken answer must end the sign-in on a French page with a
//! retry, an audit record `psc_refused`, and no session, account or linked identity; the three
//! correct variants (no `kid` with a single key, signing-key rotation, and a correct token) must
//! reach the email step of a new user.

use crate::support::db;
use crate::support::faulty_oidc::{ClientAuth, Fault, FaultyProvider};
use crate::support::psc::{self, PSC_IDENTITIES};
use mss_onboarding::config::TokenAuthMethod;

use crate::support::{TestApp, TestResponse, html, spawn_app_with};

/// A faulty provider with `fault`, and an app signing in with it.
async fn app_with(fault: Fault) -> (TestApp, FaultyProvider) {
    app_with_auth(fault, TokenAuthMethod::ClientSecretBasic).await
}

async fn app_with_auth(
    fault: Fault,
    token_auth_method: TokenAuthMethod,
) -> (TestApp, FaultyProvider) {
    let op = FaultyProvider::start(fault, &psc::unique_rpps()).await;
    let app = spawn_app_with(|s| {
        s.psc.enabled = true;
        s.psc.discovery_url = op.discovery_url.parse().expect("URL");
        s.psc.client_id = op.client_id.clone();
        s.psc.client_secret = secrecy::SecretString::from(op.client_secret.clone());
        s.psc.token_auth_method = token_auth_method;
    })
    .await;
    (app, op)
}

/// `GET /psc/connexion`, the provider's redirect back, and the app's answer to it.
async fn sign_in(app: &TestApp, op: &FaultyProvider) -> TestResponse {
    let authorization = app.psc_authorization_url().await;
    let callback = op.authorize(&authorization).await;
    app.psc_callback(&callback).await
}

/// The sign-in was refused: a French error page with a retry link, one audit record, and
/// nothing created.
async fn assert_refused(app: &TestApp, response: &TestResponse) {
    assert!(
        (400..500).contains(&response.status),
        "expected a refusal, got {} (Location {:?}): {}",
        response.status,
        response.location(),
        response.text()
    );
    assert!(response.is_html());
    assert_eq!(
        html::attr(&response.body, "html", "lang").as_deref(),
        Some("fr")
    );
    assert!(
        html::attrs(&response.body, "a", "href").contains(&"/psc/connexion".to_owned()),
        "no retry link: {}",
        response.text()
    );
    assert!(
        response.text().contains("Réessayer avec Pro Santé Connect"),
        "{}",
        response.text()
    );
    assert!(
        !response
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("mss_session=") && !c.starts_with("mss_session=;")),
        "a session cookie was set: {:?}",
        response.set_cookies()
    );
    assert_eq!(db::count_rows(&app.db, "sessions").await, 0, "no session");
    assert_eq!(db::count_rows(&app.db, "accounts").await, 0, "no account");
    assert_eq!(
        db::count_rows(&app.db, PSC_IDENTITIES).await,
        0,
        "no identity"
    );
    let refusals = app.psc_refusals().await;
    assert_eq!(refusals.len(), 1, "one audit record: {refusals:?}");
    assert_eq!(refusals[0].account_id, None);
    assert_eq!(refusals[0].actor, "system");
    // Nothing to go on with: the email step knows no identity for this browser.
    let email_step = app.get("/inscription/email").await;
    assert!(
        email_step.status >= 400 && email_step.field_value("email").is_none(),
        "the email step is open after a refusal: {}",
        email_step.status
    );
    app.get("/compte").await.assert_redirect_to("/connexion");
}

/// Refused because of the ID token (or userinfo): the code was exchanged once, and the audit
/// record's detail contains `reason`.
async fn assert_refused_after_exchange(
    app: &TestApp,
    op: &FaultyProvider,
    response: &TestResponse,
    reason: &str,
) {
    assert_refused(app, response).await;
    let detail = app.psc_refusals().await[0]
        .detail
        .clone()
        .unwrap_or_default();
    assert!(
        detail.contains(reason),
        "refused for another reason than {reason:?}: {detail}"
    );
    let tokens = op.token_requests();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0].status, 200, "the provider answered: {tokens:?}");
    assert!(tokens[0].pkce_verified, "PKCE verifier sent");
    assert_eq!(response.status, 403, "{}", response.text());
    assert!(
        response.text().contains("Connexion refusée"),
        "{}",
        response.text()
    );
}

/// The sign-in went through: a new user, asked for an email.
async fn assert_accepted(app: &TestApp, op: &FaultyProvider, response: &TestResponse) {
    response.assert_redirect_to("/inscription/email");
    let page = app.get("/inscription/email").await;
    page.assert_status(200);
    assert_eq!(
        page.field_value("email").as_deref(),
        Some(psc::pharma::EMAIL)
    );
    assert!(app.psc_refusals().await.is_empty());
    assert_eq!(op.token_requests().len(), 1);
    assert_eq!(op.userinfo_calls().len(), 1);
}

#[tokio::test]
async fn a_correct_id_token_is_accepted() {
    // Arrange
    let (app, op) = app_with(Fault::None).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_accepted(&app, &op, &response).await;
    let tokens = op.token_requests();
    assert_eq!(tokens[0].client_auth, ClientAuth::Basic);
    assert_eq!(tokens[0].param("client_secret"), None);
}

#[tokio::test]
async fn an_id_token_from_another_issuer_is_refused() {
    // Arrange
    let (app, op) = app_with(Fault::WrongIss).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_refused_after_exchange(&app, &op, &response, "Invalid issuer").await;
    assert!(op.userinfo_calls().is_empty(), "userinfo is not asked");
}

#[tokio::test]
async fn an_id_token_without_sub_is_refused() {
    // Arrange
    let (app, op) = app_with(Fault::MissingSub).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_refused_after_exchange(&app, &op, &response, "token request failed").await;
    assert!(op.userinfo_calls().is_empty());
}

#[tokio::test]
async fn an_id_token_for_another_audience_is_refused() {
    // Arrange
    let (app, op) = app_with(Fault::WrongAud).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_refused_after_exchange(&app, &op, &response, "Invalid audiences").await;
    assert!(op.userinfo_calls().is_empty());
}

#[tokio::test]
async fn an_id_token_without_aud_is_refused() {
    // Arrange
    let (app, op) = app_with(Fault::MissingAud).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_refused_after_exchange(&app, &op, &response, "Invalid audiences").await;
    assert!(op.userinfo_calls().is_empty());
}

#[tokio::test]
async fn an_id_token_without_iat_is_refused() {
    // Arrange
    let (app, op) = app_with(Fault::MissingIat).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_refused_after_exchange(&app, &op, &response, "token request failed").await;
    assert!(op.userinfo_calls().is_empty());
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    // Arrange
    let (app, op) = app_with(Fault::Expired).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_refused_after_exchange(&app, &op, &response, "Expired").await;
    assert!(op.userinfo_calls().is_empty());
}

#[tokio::test]
async fn an_id_token_with_another_nonce_is_refused() {
    // Arrange
    let (app, op) = app_with(Fault::NonceMismatch).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_refused_after_exchange(&app, &op, &response, "nonce").await;
    assert!(op.userinfo_calls().is_empty());
}

#[tokio::test]
async fn an_id_token_with_an_invalid_rs256_signature_is_refused() {
    // Arrange
    let (app, op) = app_with(Fault::BadSignature).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_refused_after_exchange(&app, &op, &response, "Signature verification failed").await;
    assert!(op.userinfo_calls().is_empty());
}

#[tokio::test]
async fn an_unsigned_alg_none_id_token_is_refused() {
    // Arrange
    let (app, op) = app_with(Fault::AlgNone).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_refused_after_exchange(&app, &op, &response, "Signature verification failed").await;
    assert!(op.userinfo_calls().is_empty());
}

#[tokio::test]
async fn an_id_token_without_kid_is_accepted_when_the_jwks_has_one_key() {
    // Arrange
    let (app, op) = app_with(Fault::KidAbsentOneKey).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_accepted(&app, &op, &response).await;
}

#[tokio::test]
async fn an_id_token_without_kid_is_refused_when_the_jwks_has_several_keys() {
    // Arrange
    let (app, op) = app_with(Fault::KidAbsentSeveralKeys).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_refused_after_exchange(&app, &op, &response, "Signature verification failed").await;
    assert!(op.userinfo_calls().is_empty());
}

#[tokio::test]
async fn a_signing_key_rotation_is_accepted_after_fetching_the_jwks_again() {
    // Arrange
    let (app, op) = app_with(Fault::KeyRotation).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_accepted(&app, &op, &response).await;
    assert!(
        op.jwks_fetches() >= 2,
        "the JWKS was fetched {} time(s)",
        op.jwks_fetches()
    );
}

#[tokio::test]
async fn a_userinfo_sub_different_from_the_id_token_sub_is_refused() {
    // Arrange
    let (app, op) = app_with(Fault::UserinfoSubMismatch).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_refused_after_exchange(&app, &op, &response, "userinfo").await;
    assert_eq!(op.userinfo_calls().len(), 1);
}

#[tokio::test]
async fn an_acr_below_eidas1_is_refused() {
    // Arrange
    let (app, op) = app_with(Fault::AcrBelow).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_refused_after_exchange(&app, &op, &response, "acr Some(\"eidas0\") is below eidas1")
        .await;
    assert!(op.userinfo_calls().is_empty());
}

#[tokio::test]
async fn an_id_token_without_acr_is_refused() {
    // Arrange
    let (app, op) = app_with(Fault::AcrMissing).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_refused_after_exchange(&app, &op, &response, "acr None is below eidas1").await;
    assert!(op.userinfo_calls().is_empty());
}

#[tokio::test]
async fn a_callback_whose_state_was_tampered_with_is_refused_before_the_code_is_exchanged() {
    // Arrange
    let (app, op) = app_with(Fault::None).await;
    let authorization = app.psc_authorization_url().await;
    let callback = op.authorize(&authorization).await;
    let state = psc::query_param(&callback, "state").expect("state");
    let tampered = callback.replace(&format!("state={state}"), "state=etat-contrefait");
    assert_ne!(tampered, callback);

    // Act
    let response = app.psc_callback(&tampered).await;

    // Assert
    assert_refused(&app, &response).await;
    assert!(op.token_requests().is_empty(), "the code was not exchanged");
    let detail = app.psc_refusals().await[0]
        .detail
        .clone()
        .unwrap_or_default();
    assert!(detail.contains("state"), "{detail}");
}

#[tokio::test]
async fn a_callback_replayed_in_the_same_browser_is_refused_and_creates_nothing() {
    // Arrange: the first callback went through (a new user, asked for an email).
    let (app, op) = app_with(Fault::None).await;
    let authorization = app.psc_authorization_url().await;
    let callback = op.authorize(&authorization).await;
    app.psc_callback(&callback)
        .await
        .assert_redirect_to("/inscription/email");

    // Act
    let replayed = app.psc_callback(&callback).await;

    // Assert
    assert_eq!(replayed.status, 400, "{}", replayed.text());
    assert!(html::attrs(&replayed.body, "a", "href").contains(&"/psc/connexion".to_owned()));
    assert_eq!(
        op.token_requests().len(),
        1,
        "the code was not presented again"
    );
    assert_eq!(db::count_rows(&app.db, "accounts").await, 0);
    assert_eq!(db::count_rows(&app.db, PSC_IDENTITIES).await, 0);
    assert_eq!(db::count_rows(&app.db, "sessions").await, 0);
    let refusals = app.psc_refusals().await;
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert!(
        refusals[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("replayed")),
        "{refusals:?}"
    );
}

#[tokio::test]
async fn a_callback_replayed_after_a_sign_in_is_refused_and_creates_nothing() {
    // Arrange: a user signs up and is signed in; the callback URL is then presented again.
    let (app, op) = app_with(Fault::None).await;
    let email = format!(
        "{}@exemple.fr",
        crate::support::fixtures::random_letters(12)
    );
    sign_in(&app, &op)
        .await
        .assert_redirect_to("/inscription/email");
    app.get("/inscription/email").await;
    app.post_form("/inscription/email", &[("email", email.as_str())])
        .await
        .assert_redirect_to("/inscription/email-envoye");
    let authorization = app.psc_authorization_url().await;
    let callback = op.authorize(&authorization).await;
    app.psc_callback(&callback)
        .await
        .assert_redirect_to("/inscription/email-envoye");
    let sessions = db::count_rows(&app.db, "sessions").await;

    // Act: the same URL, in this browser and in another one.
    let replayed = app.psc_callback(&callback).await;
    let elsewhere = app.another_visitor();
    let stolen = elsewhere.psc_callback(&callback).await;

    // Assert
    for response in [&replayed, &stolen] {
        assert_eq!(response.status, 400, "{}", response.text());
        assert!(html::attrs(&response.body, "a", "href").contains(&"/psc/connexion".to_owned()));
    }
    assert_eq!(elsewhere.signed_in_account().await, None);
    assert_eq!(
        op.token_requests().len(),
        2,
        "the code was not presented again"
    );
    assert_eq!(db::count_rows(&app.db, "sessions").await, sessions);
    assert_eq!(db::count_rows(&app.db, "accounts").await, 1);
    assert_eq!(db::count_rows(&app.db, PSC_IDENTITIES).await, 1);
    // The attempt cookie ended with the sign-in, so neither browser holds an attempt: both
    // replays are anonymous requests, which write nothing (issue 8: only a log line).
    assert!(app.psc_refusals().await.is_empty());
}

#[tokio::test]
async fn client_secret_post_sends_the_secret_in_the_form_when_configured() {
    // Arrange
    let (app, op) = app_with_auth(Fault::None, TokenAuthMethod::ClientSecretPost).await;

    // Act
    let response = sign_in(&app, &op).await;

    // Assert
    assert_accepted(&app, &op, &response).await;
    let tokens = op.token_requests();
    assert_eq!(tokens[0].client_auth, ClientAuth::Post);
    assert_eq!(
        tokens[0].param("client_secret"),
        Some(op.client_secret.as_str())
    );
}
