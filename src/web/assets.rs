//! The stylesheet, compiled into the binary (no static folder to deploy).

use axum::{Router, http::header, response::IntoResponse, routing::get};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(urls::STYLESHEET, get(stylesheet_get))
}

async fn stylesheet_get() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        templates::STYLESHEET_CSS,
    )
}
