//! Step 3: `/confirmation/{token}`. GET only shows a button; the POST confirms. Mail scanners
//! and link previews fetch links, so a GET must not use the token up.

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use templates::views::{ConfirmView, LinkInvalidView, Step as ViewStep};

use super::context::Ctx;
use crate::{
    error::Result,
    services::registration::{self, TokenState},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route(
        urls::CONFIRMATION,
        get(confirmation_get).post(confirmation_post),
    )
}

async fn confirmation_get(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ctx: Ctx,
) -> Result<Response> {
    let ctx = ctx.anonymous(Some(ViewStep::Confirmation));
    Ok(match registration::check_link(&state, &token).await? {
        TokenState::Valid { .. } => {
            let view = ConfirmView {
                action: urls::confirmation(&token),
            };
            templates::pages::confirm(&ctx, &view).into_response()
        }
        other => invalid(&ctx, &other),
    })
}

async fn confirmation_post(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ctx: Ctx,
) -> Result<Response> {
    Ok(match registration::confirm(&state, &token).await? {
        // Confirming proves the mailbox, not the password: the user signs in next.
        TokenState::Valid { .. } => {
            Redirect::to(&format!("{}?confirme=1", urls::LOGIN)).into_response()
        }
        other => invalid(&ctx.anonymous(Some(ViewStep::Confirmation)), &other),
    })
}

/// 410 Gone for an expired link, 404 for a used or unknown one.
fn invalid(ctx: &templates::views::PageContext, state: &TokenState) -> Response {
    let expired = *state == TokenState::Expired;
    let status = if expired {
        StatusCode::GONE
    } else {
        StatusCode::NOT_FOUND
    };
    (
        status,
        templates::pages::link_invalid(ctx, &LinkInvalidView { expired }),
    )
        .into_response()
}
