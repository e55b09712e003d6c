//! Turns [`AppError`] responses into French HTML pages and logs each error once, with the
//! request id the page shows.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{HeaderName, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use maud::Markup;
use templates::views::{ErrorView, PageContext};

use crate::{
    error::{AppError, ErrorExtension},
    state::AppState,
};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub async fn render(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let method = req.method().clone();
    let path = loggable_path(req.uri().path());
    let response = next.run(req).await;
    if let Some(DeferredPage(body)) = response.extensions().get::<DeferredPage>() {
        let ctx = super::context::base(&state, String::new());
        let page = (response.status(), body(&ctx)).into_response();
        return keep_headers(page, &response);
    }
    let error = match response.extensions().get::<ErrorExtension>() {
        Some(ErrorExtension(error)) => error.clone(),
        None if is_plain_rejection(&response) => match AppError::from_status(response.status()) {
            Some(error) => Arc::new(error),
            None => return response,
        },
        None => return response,
    };
    if error.is_internal() {
        tracing::error!(request_id, %method, %path, error = ?error, "request failed");
    } else {
        tracing::info!(request_id, %method, %path, error = %error, "request refused");
    }
    let (title, message) = error.page_text();
    let view = ErrorView {
        status: error.status().as_u16(),
        title: title.to_owned(),
        message: message.to_owned(),
        request_id: error.is_internal().then(|| request_id.unwrap_or_default()),
    };
    let ctx = super::context::base(&state, String::new());
    let page = (error.status(), templates::pages::error(&ctx, &view)).into_response();
    keep_headers(page, &response)
}

/// A page whose body needs the page context, which only [`render`] can build (it needs the
/// state): a response carrying one is rendered here, with the response's own status. This is
/// how an error enum with its own pages (`psc::PscRefusal`) implements `IntoResponse`.
#[derive(Clone)]
pub struct DeferredPage(pub Arc<dyn Fn(&PageContext) -> Markup + Send + Sync>);

/// Keeps what the failed response set (cookies), except its now-wrong body headers.
fn keep_headers(mut page: Response, failed: &Response) -> Response {
    for (name, value) in failed.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            page.headers_mut().append(name.clone(), value.clone());
        }
    }
    page
}

/// axum's own extractor rejections (a malformed `{id}` or query string) are short plain-text
/// 4xx bodies; they get our HTML page too.
fn is_plain_rejection(response: &Response) -> bool {
    response.status().is_client_error()
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain"))
}

/// The path as logs may show it: the token of a mailed link (email confirmation, password
/// reset, new-address confirmation) is a credential, so it is cut off.
pub fn loggable_path(path: &str) -> String {
    const WITH_TOKEN: [&str; 3] = [
        urls::CONFIRMATION,
        urls::PASSWORD_RESET,
        urls::ACCOUNT_EMAIL_CONFIRMATION,
    ];
    for pattern in WITH_TOKEN {
        let prefix = pattern.trim_end_matches("{token}");
        if path.starts_with(prefix) && path.len() > prefix.len() {
            return format!("{prefix}…");
        }
    }
    path.to_owned()
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

pub async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

/// A panic in a handler becomes an opaque 500 page, never a dropped connection.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::Unexpected(anyhow::anyhow!("handler panicked")).into_response()
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn tokens_of_mailed_links_never_reach_the_logs() {
        assert_eq!(loggable_path("/confirmation/abcDEF123"), "/confirmation/…");
        assert_eq!(
            loggable_path("/mot-de-passe/reinitialisation/abcDEF123"),
            "/mot-de-passe/reinitialisation/…"
        );
        assert_eq!(
            loggable_path("/compte/email/confirmation/abcDEF123"),
            "/compte/email/confirmation/…"
        );
        assert_eq!(loggable_path("/compte"), "/compte");
    }
}
