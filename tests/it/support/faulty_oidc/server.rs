//! The provider's HTTP side: its state, the discovery document, and the endpoint handlers,
//! which record every request ([`super::Recorded`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

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
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{AuthorizationRequest, ClientAuth, Fault, Recorded, TokenRequest, UserinfoCall};
use crate::support::psc::REALM_PATH;

pub(super) const OIDC: &str = "/protocol/openid-connect";

pub(super) struct Shared {
    pub(super) issuer: String,
    pub(super) port: u16,
    pub(super) client_id: String,
    pub(super) client_secret: String,
    pub(super) rpps: String,
    pub(super) sub: String,
    pub(super) state: Mutex<ProviderState>,
}

pub(super) struct ProviderState {
    pub(super) fault: Fault,
    pub(super) codes: HashMap<String, PendingCode>,
    /// Access token → `sub` of the ID token minted with it.
    pub(super) access_tokens: HashMap<String, String>,
    /// A token signed with the new key exists (KeyRotation).
    pub(super) rotated: bool,
    /// The JWKS has been served with the old key alone at least once.
    pub(super) served_old_jwks: bool,
    pub(super) recorded: Recorded,
}

pub(super) struct PendingCode {
    pub(super) redirect_uri: String,
    pub(super) nonce: Option<String>,
    pub(super) code_challenge: String,
}

/// The endpoints, at PSC's (Keycloak's) paths under the realm.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    let realm = |path: &str| format!("{REALM_PATH}{path}");
    Router::new()
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
        .with_state(shared)
}

impl Shared {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, ProviderState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn metadata(&self) -> Value {
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

pub(super) type AppState = State<Arc<Shared>>;

pub(super) async fn discovery(State(s): AppState) -> Response {
    s.lock().recorded.discovery_fetches += 1;
    json_response(StatusCode::OK, &s.metadata())
}

pub(super) async fn jwks(State(s): AppState) -> Response {
    let mut state = s.lock();
    state.recorded.jwks_fetches += 1;
    let body = s.jwks(&mut state);
    json_response(StatusCode::OK, &body)
}

pub(super) async fn authorize(
    State(s): AppState,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
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

pub(super) async fn token(State(s): AppState, headers: HeaderMap, body: Bytes) -> Response {
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

pub(super) async fn userinfo(State(s): AppState, method: Method, headers: HeaderMap) -> Response {
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

pub(super) async fn end_session(State(s): AppState, RawQuery(query): RawQuery) -> Response {
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

// ---- small helpers --------------------------------------------------------------------------

pub(super) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

pub(super) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(super) fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(bytes).unwrap_or_default()
}

/// `application/x-www-form-urlencoded` decoding of one Basic credential (RFC 6749 §2.3.1).
pub(super) fn form_decode(value: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={value}"))
        .ok()
        .and_then(|mut v| v.pop())
        .map(|(_, v)| v)
        .unwrap_or_else(|| value.to_owned())
}

pub(super) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub(super) fn json_response(status: StatusCode, body: &Value) -> Response {
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

pub(super) fn text_response(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.to_owned(),
    )
        .into_response()
}
