//! Every request gets `server.request_timeout_secs` to be answered. Past that, the handler is
//! dropped (a transaction in progress rolls back, a queued hash is skipped) and the client gets
//! the French 503 page with `Retry-After` instead of waiting on: a bounded wait is what keeps
//! one slow dependency from holding every connection (OWASP ASVS 11.1.4).

use std::time::Duration;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{error::AppError, state::AppState};

pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = Duration::from_secs(state.settings.server.request_timeout_secs);
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => AppError::Unavailable("request timed out").into_response(),
    }
}
