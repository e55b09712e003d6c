//! CSRF protection for every state-changing request, applied as one middleware so no POST
//! route can forget it.
//!
//! OWASP CSRF Prevention Cheat Sheet, "signed double-submit cookie": a random value lives in a
//! cookie (HttpOnly, SameSite=Lax, `__Host-` prefixed under https), and forms carry
//! HMAC-SHA256(key, value). An attacker can neither read the cookie nor forge the HMAC. Using a
//! cookie rather than the server-side session keeps anonymous GETs free of database writes.

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::extract::CookieJar;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use std::sync::Arc;
use subtle::ConstantTimeEq;

use super::cookies::{self, CookieNames};
use crate::{auth::secrets, config::ServerSettings, error::AppError, state::AppState};

/// The form field every POST must carry.
pub const FIELD: &str = "csrf_token";

/// The token to embed in this response's forms (set by [`protect`] for every request).
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// The HMAC keyed once: every token then costs the hash of the seed only, not the key's two
/// extra compression blocks as well.
#[derive(Clone)]
pub struct CsrfKey(Arc<Hmac<Sha256>>);

impl CsrfKey {
    /// # Errors
    /// A configured key shorter than 32 bytes.
    pub fn from_settings(settings: &ServerSettings) -> anyhow::Result<Self> {
        let configured = settings.secret_key.expose_secret();
        if configured.is_empty() {
            tracing::warn!(
                "server.secret_key is empty: using a random key; forms break across restarts and \
                 instances — set one in production"
            );
            return Self::keyed(secrets::random_token().as_bytes());
        }
        anyhow::ensure!(
            configured.len() >= 32,
            "server.secret_key must be at least 32 bytes"
        );
        Self::keyed(configured.as_bytes())
    }

    fn keyed(key: &[u8]) -> anyhow::Result<Self> {
        let mac =
            Hmac::<Sha256>::new_from_slice(key).map_err(|e| anyhow::anyhow!("CSRF key: {e}"))?;
        Ok(Self(Arc::new(mac)))
    }

    fn token_for(&self, seed: &str) -> String {
        let mut mac = Hmac::clone(&self.0);
        mac.update(b"csrf|");
        mac.update(seed.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

pub async fn protect(
    State(state): State<AppState>,
    jar: CookieJar,
    mut req: Request,
    next: Next,
) -> Response {
    let names = CookieNames::new(state.public_url.is_https());
    let existing = jar
        .get(names.csrf)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 43);
    let fresh = existing.is_none();
    let seed = existing.unwrap_or_else(secrets::random_token);
    let token = state.csrf_key.token_for(&seed);

    let mut response = if is_state_changing(req.method()) {
        match verify(req, &token, state.settings.server.body_limit_bytes, fresh).await {
            Ok(mut checked) => {
                checked.extensions_mut().insert(CsrfToken(token));
                next.run(checked).await
            }
            Err(e) => e.into_response(),
        }
    } else {
        req.extensions_mut().insert(CsrfToken(token));
        next.run(req).await
    };
    if fresh {
        cookies::set(
            &mut response,
            &cookies::build(names.csrf, &seed, names.secure),
        );
    }
    response
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Buffers the body (bounded), checks it is a well-formed urlencoded form carrying the right
/// token, and hands the request on with the body restored.
async fn verify(
    req: Request,
    expected: &str,
    limit: usize,
    fresh: bool,
) -> Result<Request, AppError> {
    let (parts, body) = req.into_parts();
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::UnsupportedMediaType);
    }
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let pairs = crate::web::form::strict_pairs(&bytes)
        .map_err(|_| AppError::BadRequest("malformed form body".into()))?;
    let presented = pairs
        .iter()
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if fresh || !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(AppError::Csrf);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}
