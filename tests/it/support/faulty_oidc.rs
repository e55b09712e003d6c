//! A deliberately faulty OpenID Connect provider, in process (axum on a free port of
//! 127.0.0.1), for the relying-party checks of issue 4: a certified provider will not mint
//! broken tokens, this one does, one [`Fault`] at a time.
//!
//! It has PSC's shape: issuer `http://127.0.0.1:{port}/auth/realms/esante-wallet`, metadata at
//! `{issuer}/.well-known/wallet-openid-configuration` (and the standard path), the
//! authorization endpoint advertised on `localhost`, Keycloak-like endpoint paths, RS256 with
//! the test keys of `keys/`, `client_secret_basic` (`client_secret_post` also accepted, and
//! recorded as such), PKCE S256 required. `authorize` has no UI: it redirects straight back
//! with a code and the given `state`. Userinfo is JSON: the `pharma:<rpps>` identity of the PSC
//! simulator ([`super::psc::identity_claims`]).
//!
//! Everything the relying party sends is recorded ([`FaultyProvider::recorded`]).
//!
//! ```ignore
//! let op = FaultyProvider::start(Fault::WrongIss, &psc::unique_rpps()).await;
//! // app configured with op.discovery_url, op.client_id, op.client_secret …
//! let location = app.get("/psc/connexion").await.header("location").unwrap();
//! let callback = op.authorize(&location).await;            // …/psc/retour?code=…&state=…
//! app.get(&psc::path_and_query(&callback)).await;           // must be refused
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HOST, LOCATION};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::Url;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::task::AbortHandle;
use uuid::Uuid;

use super::psc::{self, REALM_PATH};

/// The one registered client.
pub const CLIENT_ID: &str = "mss-faulty";
const OIDC: &str = "/protocol/openid-connect";

/// What the provider gets wrong. The RP must refuse the sign-in for every fault but
/// [`Fault::None`], [`Fault::KidAbsentOneKey`] and [`Fault::KeyRotation`] (see
/// [`Fault::must_accept`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// A correct ID token.
    None,
    /// `iss` is another realm.
    WrongIss,
    /// No `sub`.
    MissingSub,
    /// `aud` is another client.
    WrongAud,
    /// No `aud`.
    MissingAud,
    /// No `iat`.
    MissingIat,
    /// `exp` half an hour ago (`iat` an hour ago).
    Expired,
    /// `nonce` is not the one of the authorization request.
    NonceMismatch,
    /// Signed by a key that is not in the JWKS, under the `kid` of the one that is.
    BadSignature,
    /// `alg: none`, empty signature.
    AlgNone,
    /// No `kid` in the header, one key in the JWKS: a correct RP accepts.
    KidAbsentOneKey,
    /// No `kid` in the header, two keys in the JWKS: refuse.
    KidAbsentSeveralKeys,
    /// Signed with a new key (`kid` `faulty-2`). The JWKS serves the old key alone until the
    /// RP has fetched it at least once, then the new and the old key: a correct RP re-fetches
    /// the JWKS once on the unknown `kid` and accepts.
    KeyRotation,
    /// Userinfo `sub` differs from the ID token's.
    UserinfoSubMismatch,
    /// `acr` is `eidas0`.
    AcrBelow,
    /// No `acr`.
    AcrMissing,
}

impl Fault {
    pub const ALL: [Fault; 16] = [
        Fault::None,
        Fault::WrongIss,
        Fault::MissingSub,
        Fault::WrongAud,
        Fault::MissingAud,
        Fault::MissingIat,
        Fault::Expired,
        Fault::NonceMismatch,
        Fault::BadSignature,
        Fault::AlgNone,
        Fault::KidAbsentOneKey,
        Fault::KidAbsentSeveralKeys,
        Fault::KeyRotation,
        Fault::UserinfoSubMismatch,
        Fault::AcrBelow,
        Fault::AcrMissing,
    ];

    /// Whether a correct relying party signs the user in despite (or without) this fault.
    pub fn must_accept(self) -> bool {
        matches!(
            self,
            Fault::None | Fault::KidAbsentOneKey | Fault::KeyRotation
        )
    }
}

/// How the client authenticated at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic …` (`client_secret_basic`).
    Basic,
    /// `client_id` + `client_secret` in the form (`client_secret_post`).
    Post,
    None,
}

/// A request to the authorization endpoint.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// `Host` header (the advertised endpoint is on `localhost`).
    pub host: Option<String>,
    pub params: Vec<(String, String)>,
}

impl AuthorizationRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        param(&self.params, name)
    }
}

/// A request to the token endpoint and the answer.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub client_auth: ClientAuth,
    /// The client id the request authenticated as (or claimed).
    pub client_id: Option<String>,
    /// The form fields (`client_secret` included when posted).
    pub params: Vec<(String, String)>,
    /// Whether `code_verifier` matched the authorization request's `code_challenge`.
    pub pkce_verified: bool,
    pub status: u16,
    /// OAuth error code when refused.
    pub error: Option<String>,
    /// The ID token minted, when the request succeeded.
    pub id_token: Option<String>,
}

impl TokenRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        param(&self.params, name)
    }
}

/// A call to the userinfo endpoint.
#[derive(Debug, Clone)]
pub struct UserinfoCall {
    pub method: String,
    /// The bearer token sent, if any.
    pub access_token: Option<String>,
    pub status: u16,
}

/// Everything the relying party sent so far.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    pub discovery_fetches: usize,
    pub jwks_fetches: usize,
    pub authorization_requests: Vec<AuthorizationRequest>,
    pub token_requests: Vec<TokenRequest>,
    pub userinfo_calls: Vec<UserinfoCall>,
    /// Query parameters of each request to the end-session endpoint.
    pub end_session_requests: Vec<Vec<(String, String)>>,
}

/// One running faulty provider; the server task stops when it is dropped.
pub struct FaultyProvider {
    pub port: u16,
    /// `http://127.0.0.1:{port}/auth/realms/esante-wallet`.
    pub issuer: String,
    /// `{issuer}/.well-known/wallet-openid-configuration`.
    pub discovery_url: String,
    /// `{issuer}/.well-known/openid-configuration`.
    pub standard_discovery_url: String,
    /// On `localhost`, as advertised.
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub jwks_uri: String,
    pub end_session_endpoint: String,
    pub client_id: String,
    pub client_secret: String,
    /// The RPPS of the identity it signs in.
    pub rpps: String,
    /// The `sub` of that identity (`f:<uuid>:8<rpps>`).
    pub sub: String,
    shared: Arc<Shared>,
    server: AbortHandle,
}

struct Shared {
    issuer: String,
    port: u16,
    client_id: String,
    client_secret: String,
    rpps: String,
    sub: String,
    state: Mutex<ProviderState>,
}

struct ProviderState {
    fault: Fault,
    codes: HashMap<String, PendingCode>,
    /// Access token → `sub` of the ID token minted with it.
    access_tokens: HashMap<String, String>,
    /// A token signed with the new key exists (KeyRotation).
    rotated: bool,
    /// The JWKS has been served with the old key alone at least once.
    served_old_jwks: bool,
    recorded: Recorded,
}

struct PendingCode {
    redirect_uri: String,
    nonce: Option<String>,
    code_challenge: String,
}

impl FaultyProvider {
    /// Starts the provider with `fault`, signing in the `pharma:<rpps>` identity.
    pub async fn start(fault: Fault, rpps: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the faulty provider");
        let port = listener.local_addr().expect("local address").port();
        let issuer = format!("http://127.0.0.1:{port}{REALM_PATH}");
        let shared = Arc::new(Shared {
            issuer: issuer.clone(),
            port,
            client_id: CLIENT_ID.into(),
            client_secret: format!("faulty-{}", Uuid::new_v4().simple()),
            rpps: rpps.to_owned(),
            sub: psc::sub_for(&psc::id_nat_ps(rpps)),
            state: Mutex::new(ProviderState {
                fault,
                codes: HashMap::new(),
                access_tokens: HashMap::new(),
                rotated: false,
                served_old_jwks: false,
                recorded: Recorded::default(),
            }),
        });
        let realm = |path: &str| format!("{REALM_PATH}{path}");
        let app = Router::new()
            .route(&realm("/.well-known/openid-configuration"), get(discovery))
            .route(
                &realm("/.well-known/wallet-openid-configuration"),
                get(discovery),
            )
            .route(&realm(&format!("{OIDC}/certs")), get(jwks))
            .route(&realm(&format!("{OIDC}/auth")), get(authorize))
            .route(&realm(&format!("{OIDC}/token")), axum::routing::post(token))
            .route(
                &realm(&format!("{OIDC}/userinfo")),
                get(userinfo).post(userinfo),
            )
            .route(&realm(&format!("{OIDC}/logout")), get(end_session))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        })
        .abort_handle();
        Self {
            port,
            discovery_url: format!("{issuer}/.well-known/wallet-openid-configuration"),
            standard_discovery_url: format!("{issuer}/.well-known/openid-configuration"),
            authorization_endpoint: format!("http://localhost:{port}{REALM_PATH}{OIDC}/auth"),
            token_endpoint: format!("{issuer}{OIDC}/token"),
            userinfo_endpoint: format!("{issuer}{OIDC}/userinfo"),
            jwks_uri: format!("{issuer}{OIDC}/certs"),
            end_session_endpoint: format!("{issuer}{OIDC}/logout"),
            client_id: shared.client_id.clone(),
            client_secret: shared.client_secret.clone(),
            rpps: rpps.to_owned(),
            sub: shared.sub.clone(),
            issuer,
            shared,
            server,
        }
    }

    /// The fault of the next tokens and userinfo answers.
    pub fn set_fault(&self, fault: Fault) {
        self.shared.lock().fault = fault;
    }

    pub fn fault(&self) -> Fault {
        self.shared.lock().fault
    }

    /// Everything the RP sent so far.
    pub fn recorded(&self) -> Recorded {
        self.shared.lock().recorded.clone()
    }

    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.recorded().token_requests
    }

    pub fn userinfo_calls(&self) -> Vec<UserinfoCall> {
        self.recorded().userinfo_calls
    }

    pub fn authorization_requests(&self) -> Vec<AuthorizationRequest> {
        self.recorded().authorization_requests
    }

    pub fn jwks_fetches(&self) -> usize {
        self.recorded().jwks_fetches
    }

    /// Every ID token minted so far, oldest first.
    pub fn issued_id_tokens(&self) -> Vec<String> {
        self.recorded()
            .token_requests
            .into_iter()
            .filter_map(|t| t.id_token)
            .collect()
    }

    /// The userinfo claims of the identity (with the right `sub`).
    pub fn userinfo_claims(&self) -> Value {
        self.shared.userinfo_claims(Fault::None)
    }

    /// `http://127.0.0.1:{port}` and `http://localhost:{port}`.
    pub fn origins(&self) -> Vec<String> {
        vec![
            format!("http://127.0.0.1:{}", self.port),
            format!("http://localhost:{}", self.port),
        ]
    }

    /// What a browser does with the app's authorization redirect here: GET it and return the
    /// provider's redirect back to the app (`…/psc/retour?code=…&state=…`, or `?error=…`).
    pub async fn authorize(&self, authorization_url: &str) -> String {
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("build the HTTP client")
            .get(authorization_url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {authorization_url}: {e}"));
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match location {
            Some(location) if status.is_redirection() => location,
            _ => panic!(
                "the faulty provider did not redirect ({status}): {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }
}

impl Drop for FaultyProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, ProviderState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn userinfo_claims(&self, fault: Fault) -> Value {
        let mut claims = psc::identity_claims(&format!("pharma:{}", self.rpps));
        if fault == Fault::UserinfoSubMismatch {
            claims["sub"] = Value::from(psc::sub_for(&psc::id_nat_ps(&psc::unique_rpps())));
        }
        claims
    }

    /// The ID token for a code, with the current fault applied.
    fn mint_id_token(&self, state: &mut ProviderState, pending: &PendingCode) -> String {
        let now = unix_now();
        let mut claims = json!({
            "iss": self.issuer,
            "sub": self.sub,
            "aud": self.client_id,
            "exp": now + 300,
            "iat": now,
            "auth_time": now,
            "acr": "eidas1",
        });
        if let Some(nonce) = &pending.nonce {
            claims["nonce"] = Value::from(nonce.as_str());
        }
        let keys = test_keys();
        let mut header = json!({ "alg": "RS256", "typ": "JWT", "kid": keys[0].kid });
        let mut signer = &keys[0];
        let payload = claims.as_object_mut().expect("claims object");
        match state.fault {
            Fault::None => {}
            Fault::WrongIss => {
                payload.insert(
                    "iss".into(),
                    format!("http://127.0.0.1:{}/auth/realms/autre-realm", self.port).into(),
                );
            }
            Fault::MissingSub => {
                payload.remove("sub");
            }
            Fault::WrongAud => {
                payload.insert("aud".into(), "un-autre-client".into());
            }
            Fault::MissingAud => {
                payload.remove("aud");
            }
            Fault::MissingIat => {
                payload.remove("iat");
            }
            Fault::Expired => {
                payload.insert("iat".into(), (now - 3600).into());
                payload.insert("auth_time".into(), (now - 3600).into());
                payload.insert("exp".into(), (now - 1800).into());
            }
            Fault::NonceMismatch => {
                payload.insert("nonce".into(), Uuid::new_v4().simple().to_string().into());
            }
            Fault::BadSignature => signer = &keys[2],
            Fault::AlgNone => {
                let header = json!({ "alg": "none", "typ": "JWT" });
                return format!("{}.{}.", b64_json(&header), b64_json(&claims));
            }
            Fault::KidAbsentOneKey | Fault::KidAbsentSeveralKeys => {
                header.as_object_mut().expect("header").remove("kid");
            }
            Fault::KeyRotation => {
                signer = &keys[1];
                header["kid"] = Value::from(keys[1].kid.as_str());
                state.rotated = true;
            }
            Fault::UserinfoSubMismatch => {}
            Fault::AcrBelow => {
                payload.insert("acr".into(), "eidas0".into());
            }
            Fault::AcrMissing => {
                payload.remove("acr");
            }
        }
        sign_rs256(&header, &claims, signer)
    }

    fn jwks(&self, state: &mut ProviderState) -> Value {
        let keys = test_keys();
        let served: Vec<&TestKey> = match state.fault {
            Fault::KidAbsentSeveralKeys => vec![&keys[0], &keys[1]],
            Fault::KeyRotation if state.rotated && state.served_old_jwks => {
                vec![&keys[1], &keys[0]]
            }
            _ => vec![&keys[0]],
        };
        if served.len() == 1 {
            state.served_old_jwks = true;
        }
        json!({ "keys": served.iter().map(|k| k.public_jwk.clone()).collect::<Vec<_>>() })
    }

    fn metadata(&self) -> Value {
        let issuer = &self.issuer;
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("http://localhost:{}{REALM_PATH}{OIDC}/auth", self.port),
            "token_endpoint": format!("{issuer}{OIDC}/token"),
            "userinfo_endpoint": format!("{issuer}{OIDC}/userinfo"),
            "jwks_uri": format!("{issuer}{OIDC}/certs"),
            "end_session_endpoint": format!("{issuer}{OIDC}/logout"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "userinfo_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "scope_all"],
            "acr_values_supported": ["eidas1"],
            "claims_supported": ["sub", "iss", "aud", "acr", "auth_time", "preferred_username",
                "given_name", "family_name", "SubjectNameID", "SubjectRefPro", "otherIds"],
        })
    }
}

// ---- handlers -------------------------------------------------------------------------------

type AppState = State<Arc<Shared>>;

async fn discovery(State(s): AppState) -> Response {
    s.lock().recorded.discovery_fetches += 1;
    json_response(StatusCode::OK, &s.metadata())
}

async fn jwks(State(s): AppState) -> Response {
    let mut state = s.lock();
    state.recorded.jwks_fetches += 1;
    let body = s.jwks(&mut state);
    json_response(StatusCode::OK, &body)
}

async fn authorize(State(s): AppState, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let params = form_pairs(query.as_deref().unwrap_or("").as_bytes());
    s.lock()
        .recorded
        .authorization_requests
        .push(AuthorizationRequest {
            host: header(&headers, HOST.as_str()),
            params: params.clone(),
        });
    let Some(redirect_uri) = param(&params, "redirect_uri").map(str::to_owned) else {
        return text_response(StatusCode::BAD_REQUEST, "missing redirect_uri");
    };
    if param(&params, "client_id") != Some(s.client_id.as_str()) {
        return text_response(StatusCode::BAD_REQUEST, "unknown client_id");
    }
    let state = param(&params, "state").map(str::to_owned);
    let back = |pairs: &[(&str, &str)]| {
        let mut url = match Url::parse(&redirect_uri) {
            Ok(url) => url,
            Err(_) => return text_response(StatusCode::BAD_REQUEST, "invalid redirect_uri"),
        };
        {
            let mut query = url.query_pairs_mut();
            for (k, v) in pairs {
                query.append_pair(k, v);
            }
            if let Some(state) = &state {
                query.append_pair("state", state);
            }
        }
        (StatusCode::FOUND, [(LOCATION, url.to_string())]).into_response()
    };
    if param(&params, "response_type") != Some("code") {
        return back(&[("error", "unsupported_response_type")]);
    }
    let scope_has_openid =
        param(&params, "scope").is_some_and(|scope| scope.split(' ').any(|s| s == "openid"));
    if !scope_has_openid {
        return back(&[("error", "invalid_scope")]);
    }
    let challenge = param(&params, "code_challenge").map(str::to_owned);
    let (Some(code_challenge), Some("S256")) = (challenge, param(&params, "code_challenge_method"))
    else {
        return back(&[
            ("error", "invalid_request"),
            ("error_description", "PKCE S256 is required"),
        ]);
    };
    let code = Uuid::new_v4().simple().to_string();
    s.lock().codes.insert(
        code.clone(),
        PendingCode {
            redirect_uri: redirect_uri.clone(),
            nonce: param(&params, "nonce").map(str::to_owned),
            code_challenge,
        },
    );
    back(&[("code", &code)])
}

async fn token(State(s): AppState, headers: HeaderMap, body: Bytes) -> Response {
    let params = form_pairs(&body);
    let basic = header(&headers, AUTHORIZATION.as_str())
        .and_then(|h| h.strip_prefix("Basic ").map(str::to_owned))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|b| {
            b.split_once(':')
                .map(|(id, secret)| (form_decode(id), form_decode(secret)))
        });
    let (client_auth, credentials) = match basic {
        Some(pair) => (ClientAuth::Basic, Some(pair)),
        None => match (param(&params, "client_id"), param(&params, "client_secret")) {
            (Some(id), Some(secret)) => {
                (ClientAuth::Post, Some((id.to_owned(), secret.to_owned())))
            }
            _ => (ClientAuth::None, None),
        },
    };
    let mut request = TokenRequest {
        client_auth,
        client_id: credentials
            .as_ref()
            .map(|(id, _)| id.clone())
            .or_else(|| param(&params, "client_id").map(str::to_owned)),
        params: params.clone(),
        pkce_verified: false,
        status: 200,
        error: None,
        id_token: None,
    };
    let mut state = s.lock();
    let outcome = (|| {
        let authenticated = credentials
            .as_ref()
            .is_some_and(|(id, secret)| *id == s.client_id && *secret == s.client_secret);
        if !authenticated {
            return Err((StatusCode::UNAUTHORIZED, "invalid_client"));
        }
        if param(&params, "grant_type") != Some("authorization_code") {
            return Err((StatusCode::BAD_REQUEST, "unsupported_grant_type"));
        }
        // Single use: a code is gone once presented, valid or not.
        let pending = param(&params, "code")
            .and_then(|code| state.codes.remove(code))
            .ok_or((StatusCode::BAD_REQUEST, "invalid_grant"))?;
        if param(&params, "redirect_uri") != Some(pending.redirect_uri.as_str()) {
            return Err((StatusCode::BAD_REQUEST, "invalid_grant"));
        }
        let verifier = param(&params, "code_verifier").unwrap_or_default();
        request.pkce_verified = !verifier.is_empty()
            && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
                == pending.code_challenge;
        if !request.pkce_verified {
            return Err((StatusCode::BAD_REQUEST, "invalid_grant"));
        }
        let id_token = s.mint_id_token(&mut state, &pending);
        let access_token = Uuid::new_v4().simple().to_string();
        state
            .access_tokens
            .insert(access_token.clone(), s.sub.clone());
        Ok((id_token, access_token))
    })();
    let response = match outcome {
        Ok((id_token, access_token)) => {
            request.id_token = Some(id_token.clone());
            json_response(
                StatusCode::OK,
                &json!({
                    "access_token": access_token,
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "scope": "openid scope_all",
                    "id_token": id_token,
                }),
            )
        }
        Err((status, error)) => {
            request.status = status.as_u16();
            request.error = Some(error.to_owned());
            let mut response = json_response(status, &json!({ "error": error }));
            if status == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(
                    "www-authenticate",
                    "Basic realm=\"esante-wallet\""
                        .parse()
                        .expect("header value"),
                );
            }
            response
        }
    };
    state.recorded.token_requests.push(request);
    response
}

async fn userinfo(State(s): AppState, method: Method, headers: HeaderMap) -> Response {
    let access_token = header(&headers, AUTHORIZATION.as_str())
        .and_then(|h| h.strip_prefix("Bearer ").map(|t| t.trim().to_owned()));
    let mut state = s.lock();
    let known = access_token
        .as_ref()
        .is_some_and(|t| state.access_tokens.contains_key(t));
    let fault = state.fault;
    state.recorded.userinfo_calls.push(UserinfoCall {
        method: method.to_string(),
        access_token: access_token.clone(),
        status: if known { 200 } else { 401 },
    });
    drop(state);
    if !known {
        let mut response = json_response(
            StatusCode::UNAUTHORIZED,
            &json!({ "error": "invalid_token" }),
        );
        response.headers_mut().insert(
            "www-authenticate",
            "Bearer error=\"invalid_token\""
                .parse()
                .expect("header value"),
        );
        return response;
    }
    json_response(StatusCode::OK, &s.userinfo_claims(fault))
}

async fn end_session(State(s): AppState, RawQuery(query): RawQuery) -> Response {
    let params = form_pairs(query.as_deref().unwrap_or("").as_bytes());
    s.lock().recorded.end_session_requests.push(params.clone());
    match param(&params, "post_logout_redirect_uri").and_then(|u| Url::parse(u).ok()) {
        Some(mut url) => {
            if let Some(state) = param(&params, "state") {
                url.query_pairs_mut().append_pair("state", state);
            }
            (StatusCode::FOUND, [(LOCATION, url.to_string())]).into_response()
        }
        None => text_response(StatusCode::OK, "Vous êtes déconnecté."),
    }
}

// ---- JWT ------------------------------------------------------------------------------------

/// A test key of `keys/`: `kid` `faulty-1`, `faulty-2`, `faulty-3`.
pub struct TestKey {
    pub kid: String,
    signing: SigningKey<Sha256>,
    /// Public JWK (`kty`, `kid`, `use`, `alg`, `n`, `e`).
    pub public_jwk: Value,
}

/// The three test keys, parsed once.
pub fn test_keys() -> &'static [TestKey] {
    static KEYS: OnceLock<Vec<TestKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        (1..=3)
            .map(|i| {
                let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(format!("tests/it/support/keys/rsa-{i}.pem"));
                let pem = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
                let key = RsaPrivateKey::from_pkcs8_pem(&pem)
                    .unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
                let kid = format!("faulty-{i}");
                let public_jwk = json!({
                    "kty": "RSA",
                    "kid": kid,
                    "use": "sig",
                    "alg": "RS256",
                    "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
                    "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
                });
                TestKey {
                    kid,
                    signing: SigningKey::<Sha256>::new(key),
                    public_jwk,
                }
            })
            .collect()
    })
}

fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("JSON"))
}

/// `header.payload.signature`, RS256 (PKCS#1 v1.5, SHA-256) with `key`, whatever the header
/// says.
pub fn sign_rs256(header: &Value, claims: &Value, key: &TestKey) -> String {
    let input = format!("{}.{}", b64_json(header), b64_json(claims));
    let signature = key.signing.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// Header and payload of a compact JWS, unverified.
pub fn decode_jwt(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut part = |what: &str| -> Value {
        let segment = parts
            .next()
            .unwrap_or_else(|| panic!("JWT without {what}: {token}"));
        let bytes = URL_SAFE_NO_PAD
            .decode(segment)
            .unwrap_or_else(|e| panic!("JWT {what} is not base64url ({e}): {token}"));
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("JWT {what} is not JSON ({e}): {token}"))
    };
    let header = part("header");
    let payload = part("payload");
    (header, payload)
}

/// Whether `token` is a valid RS256 JWS under a key of `jwks` (`{"keys": [...]}`): the key of
/// its `kid`, or the only key when it has none.
pub fn verify_rs256(token: &str, jwks: &Value) -> bool {
    let (header, _) = decode_jwt(token);
    if header["alg"] != "RS256" {
        return false;
    }
    let keys = jwks["keys"].as_array().cloned().unwrap_or_default();
    let key = match header["kid"].as_str() {
        Some(kid) => keys.iter().find(|k| k["kid"] == kid),
        None if keys.len() == 1 => keys.first(),
        None => None,
    };
    let Some(key) = key else { return false };
    let number = |name: &str| {
        key[name]
            .as_str()
            .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
            .map(|b| BigUint::from_bytes_be(&b))
    };
    let (Some(n), Some(e)) = (number("n"), number("e")) else {
        return false;
    };
    let Ok(public) = RsaPublicKey::new(n, e) else {
        return false;
    };
    let Some((input, signature)) = token.rsplit_once('.') else {
        return false;
    };
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let Ok(signature) = Signature::try_from(signature.as_slice()) else {
        return false;
    };
    VerifyingKey::<Sha256>::new(public)
        .verify(input.as_bytes(), &signature)
        .is_ok()
}

// ---- small helpers --------------------------------------------------------------------------

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(bytes).unwrap_or_default()
}

/// `application/x-www-form-urlencoded` decoding of one Basic credential (RFC 6749 §2.3.1).
fn form_decode(value: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={value}"))
        .ok()
        .and_then(|mut v| v.pop())
        .map(|(_, v)| v)
        .unwrap_or_else(|| value.to_owned())
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [
            (CONTENT_TYPE, "application/json"),
            (CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

fn text_response(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.to_owned(),
    )
        .into_response()
}
