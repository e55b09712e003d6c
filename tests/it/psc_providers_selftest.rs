//! Self-tests of the PSC test support: the oidc-provider simulator (`support::psc`) and the
//! deliberately faulty provider (`support::faulty_oidc`), driven by a bare relying party
//! written here with plain reqwest, independent of the app's own PSC client.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::support::faulty_oidc::{self, ClientAuth, Fault, FaultyProvider};
use crate::support::psc::{self, PscBrowser, PscSimulator};

/// A made-up app callback: the simulator's default registration accepts any port.
const REDIRECT_URI: &str = "http://127.0.0.1:9/psc/retour";
const POST_LOGOUT_REDIRECT_URI: &str = "http://127.0.0.1:9/";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

async fn get_json(url: &str) -> Value {
    http()
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
}

/// The relying-party side of one authorization-code + PKCE flow.
struct Flow {
    client_id: String,
    client_secret: String,
    state: String,
    nonce: String,
    verifier: String,
}

impl Flow {
    fn new(client_id: &str, client_secret: &str) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            state: Uuid::new_v4().simple().to_string(),
            nonce: Uuid::new_v4().simple().to_string(),
            verifier: format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple()),
        }
    }

    fn authorization_url(&self, authorization_endpoint: &str) -> String {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()));
        let mut url = Url::parse(authorization_endpoint).expect("authorization endpoint");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("scope", "openid scope_all")
            .append_pair("acr_values", "eidas1")
            .append_pair("state", &self.state)
            .append_pair("nonce", &self.nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        url.to_string()
    }

    /// The code of the callback, after checking its `state`.
    fn code_of(&self, callback: &str) -> String {
        assert!(
            callback.starts_with(REDIRECT_URI),
            "callback elsewhere: {callback}"
        );
        assert_eq!(
            psc::query_param(callback, "state").as_deref(),
            Some(self.state.as_str())
        );
        psc::query_param(callback, "code")
            .unwrap_or_else(|| panic!("callback without code: {callback}"))
    }

    /// POST to the token endpoint with client_secret_basic.
    async fn token_response(
        &self,
        token_endpoint: &str,
        code: &str,
        secret: &str,
        verifier: &str,
    ) -> reqwest::Response {
        http()
            .post(token_endpoint)
            .basic_auth(&self.client_id, Some(secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .expect("token request")
    }

    /// `(id_token, access_token)`.
    async fn exchange(&self, token_endpoint: &str, code: &str) -> (String, String) {
        let response = self
            .token_response(token_endpoint, code, &self.client_secret, &self.verifier)
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("token response is JSON");
        assert_eq!(status, 200, "token endpoint: {body}");
        (
            body["id_token"].as_str().expect("id_token").to_owned(),
            body["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
        )
    }
}

/// `(content type, body)` of the userinfo endpoint.
async fn userinfo(userinfo_endpoint: &str, access_token: &str) -> (String, String) {
    let response = http()
        .get(userinfo_endpoint)
        .bearer_auth(access_token)
        .send()
        .await
        .expect("userinfo request");
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (content_type, response.text().await.expect("userinfo body"))
}

/// A full sign-in at the simulator; returns the ID token and the userinfo answer.
async fn sign_in_at_simulator(
    sim: &PscSimulator,
    browser: &PscBrowser,
    client_id: &str,
    login: &str,
) -> (Flow, String, (String, String)) {
    let client = sim.client(client_id);
    let flow = Flow::new(&client.client_id, &client.client_secret);
    let callback = browser
        .sign_in(&flow.authorization_url(&sim.authorization_endpoint), login)
        .await;
    assert_eq!(
        psc::query_param(&callback, "iss").as_deref(),
        Some(sim.issuer.as_str()),
        "RFC 9207 iss in the callback"
    );
    let code = flow.code_of(&callback);
    let (id_token, access_token) = flow.exchange(&sim.token_endpoint, &code).await;
    let userinfo = userinfo(&sim.userinfo_endpoint, &access_token).await;
    (flow, id_token, userinfo)
}

fn assert_psc_id_token(id_token: &str, jwks: &Value, flow: &Flow, issuer: &str, sub: &str) {
    let (header, claims) = faulty_oidc::decode_jwt(id_token);
    assert_eq!(header["alg"], "RS256");
    assert!(
        faulty_oidc::verify_rs256(id_token, jwks),
        "ID token signature"
    );
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["aud"], flow.client_id.as_str());
    assert_eq!(claims["sub"], sub);
    assert_eq!(claims["nonce"], flow.nonce.as_str());
    assert_eq!(claims["acr"], "eidas1");
    assert!(claims["iat"].is_i64() && claims["exp"].is_i64());
    assert!(
        claims.get("SubjectRefPro").is_none(),
        "PSC claims come from userinfo"
    );
}

#[tokio::test]
async fn simulator_serves_the_same_metadata_at_psc_and_standard_paths() {
    let sim = PscSimulator::start_default().await;

    let wallet = get_json(&sim.discovery_url).await;
    let standard = get_json(&sim.standard_discovery_url).await;

    assert!(
        sim.discovery_url
            .ends_with("/auth/realms/esante-wallet/.well-known/wallet-openid-configuration")
    );
    assert_eq!(wallet, standard);
    assert_eq!(wallet["issuer"], sim.issuer.as_str());
    assert_eq!(
        sim.issuer,
        format!("http://127.0.0.1:{}/auth/realms/esante-wallet", sim.port)
    );
    let authorization = Url::parse(wallet["authorization_endpoint"].as_str().unwrap()).unwrap();
    let issuer = Url::parse(&sim.issuer).unwrap();
    assert_eq!(authorization.host_str(), Some("localhost"));
    assert_ne!(authorization.host_str(), issuer.host_str());
    for endpoint in [
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
    ] {
        let url = Url::parse(wallet[endpoint].as_str().unwrap()).unwrap();
        assert_eq!(url.host_str(), Some("127.0.0.1"), "{endpoint}");
    }
    assert_eq!(
        wallet["acr_values_supported"],
        serde_json::json!(["eidas1"])
    );
    assert_eq!(
        wallet["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        wallet["response_types_supported"],
        serde_json::json!(["code"])
    );
    let scopes = wallet["scopes_supported"].as_array().unwrap();
    assert!(scopes.contains(&"scope_all".into()));
    let jwks = get_json(&sim.jwks_uri).await;
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
}

#[tokio::test]
async fn simulator_code_flow_with_pkce_gives_eidas1_and_json_userinfo() {
    let sim = PscSimulator::start_default().await;
    let rpps = psc::unique_rpps();
    let login = format!("pharma:{rpps}");

    let (flow, id_token, (content_type, body)) =
        sign_in_at_simulator(&sim, &sim.browser(), psc::JSON_CLIENT_ID, &login).await;

    let sub = psc::sub_for(&psc::id_nat_ps(&rpps));
    assert!(sub.starts_with("f:") && sub.ends_with(&format!(":8{rpps}")));
    let jwks = get_json(&sim.jwks_uri).await;
    assert_psc_id_token(&id_token, &jwks, &flow, &sim.issuer, &sub);

    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let claims: Value = serde_json::from_str(&body).unwrap();
    // The Rust side fills the same templates the same way.
    assert_eq!(claims, psc::identity_claims(&login));
    assert_eq!(claims["SubjectNameID"], format!("8{rpps}"));
    assert_eq!(claims["preferred_username"], format!("8{rpps}"));
    let activity = &claims["SubjectRefPro"]["exercices"][0]["activities"][0];
    assert_eq!(activity["raisonSocialeSite"], psc::pharma::RAISON_SOCIALE);
    assert_eq!(activity["codeModeExercice"], "L");
    assert_eq!(activity["codePostal"], psc::pharma::CODE_POSTAL);
    assert_eq!(activity["adresseEMail"], psc::pharma::EMAIL);
    assert_eq!(activity["codeCommune"], "", "empty values are sent as \"\"");
    assert_eq!(
        claims["SubjectRefPro"]["exercices"][0]["codeProfession"],
        psc::pharma::CODE_PROFESSION
    );

    let tokens = sim.events_of("token").await;
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["basic_auth"], true);
    assert_eq!(tokens[0]["status"], 200);
}

#[tokio::test]
async fn simulator_gives_userinfo_as_a_signed_jwt_to_the_jwt_client() {
    let sim = PscSimulator::start_default().await;
    let rpps = psc::unique_rpps();
    let login = format!("pharma:{rpps}");

    let (flow, id_token, (content_type, body)) =
        sign_in_at_simulator(&sim, &sim.browser(), psc::JWT_CLIENT_ID, &login).await;

    let jwks = get_json(&sim.jwks_uri).await;
    let sub = psc::sub_for(&psc::id_nat_ps(&rpps));
    assert_psc_id_token(&id_token, &jwks, &flow, &sim.issuer, &sub);
    assert!(
        content_type.starts_with("application/jwt"),
        "{content_type}"
    );
    assert!(
        faulty_oidc::verify_rs256(&body, &jwks),
        "userinfo signature"
    );
    let (_, claims) = faulty_oidc::decode_jwt(&body);
    assert_eq!(claims["sub"], sub.as_str());
    assert_eq!(claims["iss"], sim.issuer.as_str());
    assert_eq!(claims["aud"], psc::JWT_CLIENT_ID);
    assert_eq!(
        claims["SubjectRefPro"],
        psc::identity_claims(&login)["SubjectRefPro"]
    );
}

#[tokio::test]
async fn simulator_kit_and_edit_identities_and_overrides() {
    let sim = PscSimulator::start_default().await;
    let rpps = psc::unique_rpps();
    let kit = format!("kit:{rpps}?email=kit@example.fr");
    let (_, _, (_, body)) =
        sign_in_at_simulator(&sim, &sim.browser(), psc::JSON_CLIENT_ID, &kit).await;
    let claims: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(claims, psc::identity_claims(&kit));
    let exercice = &claims["SubjectRefPro"]["exercices"][0];
    assert_eq!(exercice["codeSavoirFaire"], psc::kit::CODE_SAVOIR_FAIRE);
    assert_eq!(exercice["codeTypeSavoirFaire"], "S");
    assert_eq!(exercice["nomDexercice"], psc::kit::family_name(&rpps));
    let activities = exercice["activities"].as_array().unwrap();
    assert_eq!(activities.len(), 2);
    assert_eq!(activities[0]["codeModeExercice"], "L");
    assert_eq!(activities[1]["numeroFinessSite"], psc::kit::HOPITAL_FINESS);
    assert_eq!(activities[1]["adresseEMail"], "kit@example.fr");

    let edit_id = psc::unique_edit_id();
    let edit = format!("edit:{edit_id}");
    let (_, id_token, (_, body)) =
        sign_in_at_simulator(&sim, &sim.browser(), psc::JSON_CLIENT_ID, &edit).await;
    let claims: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(claims["SubjectNameID"], edit_id.as_str());
    assert_eq!(claims["otherIds"][0]["origine"], "EDIT");
    assert_eq!(
        claims["SubjectRefPro"]["exercices"][0]["codeProfession"],
        psc::edit::CODE_PROFESSION
    );
    let (_, id_claims) = faulty_oidc::decode_jwt(&id_token);
    assert_eq!(id_claims["sub"], psc::sub_for(&edit_id));
}

#[tokio::test]
async fn simulator_returning_user_skips_the_login_form_and_logout_returns_to_the_app() {
    let sim = PscSimulator::start_default().await;
    let browser = sim.browser();
    let login = format!("pharma:{}", psc::unique_rpps());

    sign_in_at_simulator(&sim, &browser, psc::JSON_CLIENT_ID, &login).await;
    // Same browser: the PSC session is still there, no login form (the login is not used).
    let (_, id_token, _) =
        sign_in_at_simulator(&sim, &browser, psc::JSON_CLIENT_ID, "ignored").await;
    assert_eq!(sim.events_of("login").await.len(), 1);

    let mut end_session = Url::parse(&sim.end_session_endpoint).unwrap();
    end_session
        .query_pairs_mut()
        .append_pair("id_token_hint", &id_token)
        .append_pair("post_logout_redirect_uri", POST_LOGOUT_REDIRECT_URI)
        .append_pair("state", "etat-de-sortie");
    let back = browser.confirm_logout(end_session.as_str()).await;
    assert_eq!(
        back,
        format!("{POST_LOGOUT_REDIRECT_URI}?state=etat-de-sortie")
    );
    let ends = sim.events_of("end_session").await;
    assert_eq!(ends.len(), 1);
    assert_eq!(ends[0]["client_id"], psc::JSON_CLIENT_ID);
    assert_eq!(
        ends[0]["post_logout_redirect_uri"],
        POST_LOGOUT_REDIRECT_URI
    );
    assert_eq!(
        ends[0]["id_token_hint_sub"],
        faulty_oidc::decode_jwt(&id_token).1["sub"]
    );

    // The PSC session is over: the next sign-in goes through the login form again.
    sign_in_at_simulator(&sim, &browser, psc::JSON_CLIENT_ID, &login).await;
    assert_eq!(sim.events_of("login").await.len(), 2);
}

#[tokio::test]
async fn simulator_exact_registration_cancel_and_pkce() {
    let sim = PscSimulator::start(&[REDIRECT_URI], &[POST_LOGOUT_REDIRECT_URI]).await;
    let client = sim.json_client.clone();

    // Cancel on the login form: back to the app with access_denied.
    let flow = Flow::new(&client.client_id, &client.client_secret);
    let back = sim
        .browser()
        .cancel(&flow.authorization_url(&sim.authorization_endpoint))
        .await;
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    assert_eq!(
        psc::query_param(&back, "error").as_deref(),
        Some("access_denied")
    );

    // Another port is not registered: an error page, no redirect.
    let other = flow
        .authorization_url(&sim.authorization_endpoint)
        .replace("127.0.0.1%3A9%2F", "127.0.0.1%3A10%2F");
    let response = http().get(&other).send().await.unwrap();
    assert_eq!(response.status(), 400);

    // Wrong PKCE verifier: invalid_grant.
    let callback = sim
        .browser()
        .sign_in(
            &flow.authorization_url(&sim.authorization_endpoint),
            &format!("pharma:{}", psc::unique_rpps()),
        )
        .await;
    let code = flow.code_of(&callback);
    let response = flow
        .token_response(
            &sim.token_endpoint,
            &code,
            &client.client_secret,
            "x".repeat(43).as_str(),
        )
        .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

/// One flow at the faulty provider: the ID token and what the userinfo answered.
async fn faulty_flow(op: &FaultyProvider) -> (Flow, String, Value) {
    let flow = Flow::new(&op.client_id, &op.client_secret);
    let callback = op
        .authorize(&flow.authorization_url(&op.authorization_endpoint))
        .await;
    let code = flow.code_of(&callback);
    let (id_token, access_token) = flow.exchange(&op.token_endpoint, &code).await;
    let (content_type, body) = userinfo(&op.userinfo_endpoint, &access_token).await;
    assert!(content_type.starts_with("application/json"));
    (flow, id_token, serde_json::from_str(&body).unwrap())
}

#[tokio::test]
async fn faulty_provider_mints_the_intended_breakage() {
    let rpps = psc::unique_rpps();
    for fault in Fault::ALL {
        let op = FaultyProvider::start(fault, &rpps).await;
        let metadata = get_json(&op.discovery_url).await;
        assert_eq!(metadata, get_json(&op.standard_discovery_url).await);
        assert_eq!(metadata["issuer"], op.issuer.as_str());
        assert_eq!(
            Url::parse(metadata["authorization_endpoint"].as_str().unwrap())
                .unwrap()
                .host_str(),
            Some("localhost")
        );
        let jwks_first = get_json(&op.jwks_uri).await;

        let (flow, id_token, userinfo) = faulty_flow(&op).await;
        let (header, claims) = faulty_oidc::decode_jwt(&id_token);
        let jwks_now = get_json(&op.jwks_uri).await;
        let verifies = faulty_oidc::verify_rs256(&id_token, &jwks_first);
        let ctx = format!("{fault:?}: header {header}, claims {claims}");

        let correct_except = |skip: &[&str]| {
            let expected = [
                ("iss", Value::from(op.issuer.as_str())),
                ("sub", Value::from(op.sub.as_str())),
                ("aud", Value::from(op.client_id.as_str())),
                ("nonce", Value::from(flow.nonce.as_str())),
                ("acr", Value::from("eidas1")),
            ];
            for (name, value) in expected {
                if !skip.contains(&name) {
                    assert_eq!(claims[name], value, "{ctx}");
                }
            }
            if !skip.contains(&"iat") {
                assert!(claims["iat"].is_i64(), "{ctx}");
            }
        };

        match fault {
            Fault::None => {
                correct_except(&[]);
                assert!(verifies, "{ctx}");
                assert_eq!(header["kid"], "faulty-1");
            }
            Fault::WrongIss => {
                correct_except(&["iss"]);
                assert_ne!(claims["iss"], op.issuer.as_str(), "{ctx}");
                assert!(verifies);
            }
            Fault::MissingSub => {
                correct_except(&["sub"]);
                assert!(claims.get("sub").is_none(), "{ctx}");
            }
            Fault::WrongAud => {
                correct_except(&["aud"]);
                assert_eq!(claims["aud"], "un-autre-client");
            }
            Fault::MissingAud => {
                correct_except(&["aud"]);
                assert!(claims.get("aud").is_none(), "{ctx}");
            }
            Fault::MissingIat => {
                correct_except(&["iat"]);
                assert!(claims.get("iat").is_none(), "{ctx}");
            }
            Fault::Expired => {
                correct_except(&[]);
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs() as i64;
                assert!(claims["exp"].as_i64().unwrap() < now - 600, "{ctx}");
            }
            Fault::NonceMismatch => {
                correct_except(&["nonce"]);
                assert_ne!(claims["nonce"], flow.nonce.as_str());
            }
            Fault::BadSignature => {
                correct_except(&[]);
                assert_eq!(header["kid"], "faulty-1");
                assert!(!verifies, "{ctx}");
            }
            Fault::AlgNone => {
                correct_except(&[]);
                assert_eq!(header["alg"], "none", "{ctx}");
                assert!(id_token.ends_with('.'), "empty signature: {id_token}");
                assert!(!verifies);
            }
            Fault::KidAbsentOneKey => {
                correct_except(&[]);
                assert!(header.get("kid").is_none(), "{ctx}");
                assert_eq!(jwks_first["keys"].as_array().unwrap().len(), 1);
                assert!(verifies, "one key, no kid: verifiable");
            }
            Fault::KidAbsentSeveralKeys => {
                correct_except(&[]);
                assert!(header.get("kid").is_none(), "{ctx}");
                assert_eq!(jwks_first["keys"].as_array().unwrap().len(), 2);
                assert!(!verifies, "ambiguous key");
            }
            Fault::KeyRotation => {
                correct_except(&[]);
                assert_eq!(header["kid"], "faulty-2");
                assert!(!verifies, "not under the JWKS fetched first");
                assert!(
                    faulty_oidc::verify_rs256(&id_token, &jwks_now),
                    "under the re-fetched JWKS: {jwks_now}"
                );
                assert_eq!(op.jwks_fetches(), 2);
            }
            Fault::UserinfoSubMismatch => {
                correct_except(&[]);
                assert!(verifies);
                assert_ne!(userinfo["sub"], claims["sub"], "{ctx}");
            }
            Fault::AcrBelow => {
                correct_except(&["acr"]);
                assert_eq!(claims["acr"], "eidas0");
            }
            Fault::AcrMissing => {
                correct_except(&["acr"]);
                assert!(claims.get("acr").is_none(), "{ctx}");
            }
        }
        if fault != Fault::UserinfoSubMismatch {
            assert_eq!(userinfo, op.userinfo_claims(), "{fault:?}");
            assert_eq!(userinfo["sub"], op.sub.as_str());
        }
        assert_eq!(
            fault.must_accept(),
            matches!(
                fault,
                Fault::None | Fault::KidAbsentOneKey | Fault::KeyRotation
            )
        );
    }
}

#[tokio::test]
async fn faulty_provider_key_rotation_serves_the_old_key_first_to_a_lazy_rp() {
    let op = FaultyProvider::start(Fault::KeyRotation, &psc::unique_rpps()).await;
    let (_, id_token, _) = faulty_flow(&op).await;
    // The RP had not fetched the JWKS before the token: its first fetch still lacks the new key.
    let first = get_json(&op.jwks_uri).await;
    assert!(!faulty_oidc::verify_rs256(&id_token, &first));
    let second = get_json(&op.jwks_uri).await;
    assert!(faulty_oidc::verify_rs256(&id_token, &second));
}

#[tokio::test]
async fn faulty_provider_checks_client_auth_pkce_and_single_use_codes_and_records_them() {
    let op = FaultyProvider::start(Fault::None, &psc::unique_rpps()).await;
    let flow = Flow::new(&op.client_id, &op.client_secret);

    let code = flow.code_of(
        &op.authorize(&flow.authorization_url(&op.authorization_endpoint))
            .await,
    );
    let wrong_secret = flow
        .token_response(&op.token_endpoint, &code, "pas-le-secret", &flow.verifier)
        .await;
    assert_eq!(wrong_secret.status(), 401);

    let code = flow.code_of(
        &op.authorize(&flow.authorization_url(&op.authorization_endpoint))
            .await,
    );
    let wrong_verifier = flow
        .token_response(
            &op.token_endpoint,
            &code,
            &op.client_secret,
            "mauvais-verifier",
        )
        .await;
    assert_eq!(wrong_verifier.status(), 400);
    // The code is gone after one attempt.
    let replay = flow
        .token_response(&op.token_endpoint, &code, &op.client_secret, &flow.verifier)
        .await;
    assert_eq!(replay.status(), 400);

    // Missing PKCE: error redirect at the authorization endpoint.
    let no_pkce = flow
        .authorization_url(&op.authorization_endpoint)
        .replace("code_challenge_method=S256", "");
    let back = op.authorize(&no_pkce).await;
    assert_eq!(
        psc::query_param(&back, "error").as_deref(),
        Some("invalid_request")
    );

    // client_secret_post is accepted and recorded as such.
    let code = flow.code_of(
        &op.authorize(&flow.authorization_url(&op.authorization_endpoint))
            .await,
    );
    let posted = http()
        .post(&op.token_endpoint)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", flow.verifier.as_str()),
            ("client_id", op.client_id.as_str()),
            ("client_secret", op.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);

    let requests = op.token_requests();
    let summary: Vec<(ClientAuth, u16, Option<String>, bool)> = requests
        .iter()
        .map(|r| (r.client_auth, r.status, r.error.clone(), r.pkce_verified))
        .collect();
    assert_eq!(
        summary,
        vec![
            (ClientAuth::Basic, 401, Some("invalid_client".into()), false),
            (ClientAuth::Basic, 400, Some("invalid_grant".into()), false),
            (ClientAuth::Basic, 400, Some("invalid_grant".into()), false),
            (ClientAuth::Post, 200, None, true),
        ]
    );
    let authorizations = op.authorization_requests();
    assert_eq!(authorizations.len(), 4);
    assert_eq!(authorizations[0].param("acr_values"), Some("eidas1"));
    assert!(
        authorizations[0]
            .host
            .as_deref()
            .is_some_and(|h| h.starts_with("localhost:"))
    );
    assert_eq!(op.issued_id_tokens().len(), 1);
}

#[tokio::test]
#[should_panic(expected = "unknown test identity")]
async fn simulator_refuses_a_login_that_names_no_test_identity() {
    let sim = PscSimulator::start_default().await;
    let client = sim.json_client.clone();
    let flow = Flow::new(&client.client_id, &client.client_secret);
    sim.browser()
        .sign_in(
            &flow.authorization_url(&sim.authorization_endpoint),
            "dr.house",
        )
        .await;
}
