//! Step 4: `/cgu` (accept or refuse the terms of use) and `/cgu/document` (download).

use axum::{
    Router,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use templates::views::{CguView, FieldErrors};

use super::{context::Ctx, form::AppForm, login::clear_session_cookie};
use crate::auth::session::SignedIn;
use crate::{
    error::Result,
    services::{cgu, journey::Step},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::CGU, get(cgu_get).post(cgu_post))
        .route(urls::CGU_DOCUMENT, get(cgu_document_get))
}

async fn cgu_get(State(state): State<AppState>, user: SignedIn, ctx: Ctx) -> Result<Response> {
    if let Err(redirect) = user.require(Step::Cgu) {
        return Ok(redirect.into_response());
    }
    let view = view(&state, user.account().id, FieldErrors::new()).await?;
    Ok(templates::pages::cgu(&ctx.for_user(Some(Step::Cgu)), &view).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CguForm {
    decision: String,
}

async fn cgu_post(
    State(state): State<AppState>,
    user: SignedIn,
    ctx: Ctx,
    AppForm(form): AppForm<CguForm>,
) -> Result<Response> {
    if let Err(redirect) = user.require(Step::Cgu) {
        return Ok(redirect.into_response());
    }
    let account_id = user.account().id;
    match form.decision.as_str() {
        "accepter" => {
            cgu::accept(&state.db, &state.cgu, account_id, state.clock.now()).await?;
            let next = crate::services::journey::current_step(
                &state.db,
                user.account(),
                &state.cgu.version,
            )
            .await?;
            Ok(Redirect::to(next.url()).into_response())
        }
        "refuser" => {
            cgu::refuse(&state.db, &state.cgu, account_id, state.clock.now()).await?;
            crate::auth::sign_in::end_session(&state, &user.user.session_hash, account_id).await?;
            let mut response = templates::pages::cgu_refused(&ctx.anonymous(None)).into_response();
            clear_session_cookie(&state, &mut response);
            Ok(response)
        }
        _ => {
            let mut errors = FieldErrors::new();
            errors.add("decision", "Choisissez « Accepter » ou « Refuser ».");
            let view = view(&state, account_id, errors).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                templates::pages::cgu(&ctx.for_user(Some(Step::Cgu)), &view),
            )
                .into_response())
        }
    }
}

async fn view(state: &AppState, account_id: i32, errors: FieldErrors) -> Result<CguView> {
    Ok(CguView {
        version: state.cgu.version.clone(),
        paragraphs: state.cgu.paragraphs(),
        new_version: cgu::has_accepted_any(&state.db, account_id).await?,
        errors,
    })
}

/// The current version as a text file, for anyone (the terms are public).
async fn cgu_document_get(State(state): State<AppState>) -> Response {
    let disposition = format!("attachment; filename=\"cgu-{}.txt\"", state.cgu.version);
    let mut response = (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        state.cgu.text.clone(),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
