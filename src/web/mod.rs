//! HTTP. One router per feature (each `pub fn router() -> Router<AppState>`), merged here with
//! the layers every request goes through.

pub mod context;
pub mod errors;
pub mod form;

mod account;
mod account_profile;
mod admin;
mod admin_dashboard;
mod admin_export;
mod admin_mfa;
mod admin_org;
mod assets;
mod cgu;
mod confirmation;
mod email_change;
mod health;
mod home;
mod identification;
mod login;
mod org;
mod password;
mod prerender;
mod profile;
mod psc;
mod settings;
mod signup;
mod timeout;

use std::sync::Arc;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, HeaderValue, header},
    middleware,
    response::Response,
};
use tower::{ServiceBuilder, util::MapResponseLayer};
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::state::AppState;

/// Content Security Policy: no script at all, styles from our own stylesheet only, forms post
/// only to us, and no framing (clickjacking). With Pro Santé Connect, `form-action` also allows
/// PSC's issuer origin: signing out of a PSC session redirects the sign-out form there
/// (end_session_endpoint), and browsers apply `form-action` to redirects.
fn content_security_policy(state: &AppState) -> String {
    let psc_origin = if state.psc.is_some() {
        let origin = state.settings.psc.discovery_url.origin();
        format!(" {}", origin.ascii_serialization())
    } else {
        String::new()
    };
    format!(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'{psc_origin}; \
         frame-ancestors 'none'; base-uri 'none'"
    )
}

pub fn router(state: AppState) -> Router {
    let limit = state.settings.server.body_limit_bytes;
    let https = state.public_url.is_https();
    let features = Router::new()
        .merge(home::router())
        .merge(health::router())
        .merge(assets::router())
        .merge(signup::router(&state))
        .merge(confirmation::router())
        .merge(login::router(&state))
        .merge(password::router())
        .merge(cgu::router())
        .merge(identification::router())
        .merge(profile::router())
        .merge(account::router())
        .merge(account_profile::router())
        .merge(email_change::router())
        .merge(settings::router())
        .merge(admin::router())
        .merge(admin_mfa::router())
        .merge(admin_org::router())
        .merge(admin_dashboard::router())
        .merge(admin_export::router())
        .merge(org::router())
        .merge(psc::router())
        .fallback(errors::not_found)
        .method_not_allowed_fallback(errors::method_not_allowed);

    let csp = HeaderValue::from_str(&content_security_policy(&state))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
    let mut security = vec![
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    if https {
        security.push((
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        ));
    }
    let mut router = features
        .layer(CatchPanicLayer::custom(errors::panic_response))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            timeout::limit,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::csrf::protect,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            errors::render,
        ));
    let mut security: Vec<(HeaderName, HeaderValue)> = security
        .into_iter()
        .map(|(name, value)| (name, HeaderValue::from_static(value)))
        .collect();
    security.push((header::CONTENT_SECURITY_POLICY, csp));
    // One layer sets them all (a header a handler set itself is kept): every layer is cloned
    // with the route on each request, so seven one-header layers cost seven times as much.
    let security: Arc<[(HeaderName, HeaderValue)]> = security.into();
    router = router.layer(MapResponseLayer::new(move |mut response: Response| {
        let headers = response.headers_mut();
        for (name, value) in security.iter() {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        response
    }));
    router
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::http::record,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(errors::REQUEST_ID, FastRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(
                    |req: &axum::http::Request<axum::body::Body>| {
                        let id = req
                            .headers()
                            .get(&errors::REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        let path = errors::loggable_path(req.uri().path());
                        // `account_id` is filled in when a session is resolved
                        // (`auth::session::MaybeUser`); the path never shows a token.
                        tracing::info_span!(
                            "http",
                            method = %req.method(),
                            path = %path,
                            request_id = %id,
                            account_id = tracing::field::Empty,
                        )
                    },
                ))
                .layer(PropagateRequestIdLayer::new(errors::REQUEST_ID)),
        )
        .with_state(state)
}

/// The `/metrics` listener's router (`metrics.bind`): that one route, nothing else.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(crate::metrics::http::scrape))
        .with_state(state)
}

/// Request ids as random UUIDs (v4) drawn from rand's thread-local generator: tower-http's
/// `MakeRequestUuid` makes a `getrandom` system call for every request. The id only links a
/// page to its log line; it protects nothing.
#[derive(Clone, Copy)]
struct FastRequestUuid;

impl MakeRequestId for FastRequestUuid {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        HeaderValue::from_str(id.hyphenated().encode_lower(&mut text))
            .ok()
            .map(RequestId::new)
    }
}

/// A form's field errors as the templates' view of them.
fn view_errors(errors: &crate::domain::FieldErrors) -> templates::views::FieldErrors {
    let mut view = templates::views::FieldErrors::new();
    for (field, message) in errors {
        view.add(field, message.clone());
    }
    view
}
