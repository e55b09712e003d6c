//! `GET /healthz`: 200 when the database answers, 503 otherwise (for load balancers). A load
//! balancer needs the answer fast, whatever the pool's acquire timeout: one second at most.

use std::time::Duration;

use axum::{Router, extract::State, http::StatusCode, routing::get};

use crate::state::AppState;

/// Under the one second load balancers are promised, with room for the HTTP round trip.
const PING_TIMEOUT: Duration = Duration::from_millis(800);

pub fn router() -> Router<AppState> {
    Router::new().route(urls::HEALTHZ, get(healthz_get))
}

async fn healthz_get(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(PING_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(_)) | Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}
