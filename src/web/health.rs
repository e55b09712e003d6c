//! `GET /healthz`: 200 when the database answers, 503 otherwise (for load balancers).

use axum::{Router, extract::State, http::StatusCode, routing::get};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(urls::HEALTHZ, get(healthz_get))
}

async fn healthz_get(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}
