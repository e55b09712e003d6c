//! `/compte/email` (change the contact address) and `/compte/email/confirmation/{token}` (the
//! link mailed to the new address: GET shows a button, POST uses it, as for sign-up links).

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use templates::views::{EmailChangeView, LinkInvalidView};

use super::{context::Ctx, form::AppForm, view_errors};
use crate::auth::{client::ClientIp, session::SignedIn};
use crate::{
    error::{AppError, Result},
    services::{
        email_change::{self, Confirmed, EmailChangeError, TokenState},
        journey::Step,
    },
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::ACCOUNT_EMAIL, get(change_get).post(change_post))
        .route(
            urls::ACCOUNT_EMAIL_CONFIRMATION,
            get(confirmation_get).post(confirmation_post),
        )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SentQuery {
    envoye: Option<String>,
}

async fn change_get(
    State(state): State<AppState>,
    user: SignedIn,
    Query(query): Query<SentQuery>,
    ctx: Ctx,
) -> Response {
    if let Err(redirect) = user.require(Step::Pending) {
        return redirect.into_response();
    }
    let account = user.account();
    let view = EmailChangeView {
        current_email: account.email.clone(),
        has_password: account.password_hash.is_some(),
        psc_reauthenticated: user.user.psc_reauthenticated(&state),
        sent: query.envoye.is_some(),
        ..EmailChangeView::default()
    };
    templates::pages::email_change(&ctx.for_user(None), &view).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChangeForm {
    nouvel_email: String,
    mot_de_passe_actuel: String,
}

async fn change_post(
    State(state): State<AppState>,
    user: SignedIn,
    ClientIp(client): ClientIp,
    ctx: Ctx,
    AppForm(form): AppForm<ChangeForm>,
) -> Result<Response> {
    if let Err(redirect) = user.require(Step::Pending) {
        return Ok(redirect.into_response());
    }
    let account = user.account();
    // No password and no recent Pro Santé Connect sign-in: the page says to sign in again.
    let Some(proof) = user.user.proof(&form.mot_de_passe_actuel, &state) else {
        return Ok(Redirect::to(urls::ACCOUNT_EMAIL).into_response());
    };
    let outcome = email_change::request(&state, client, account, &form.nouvel_email, proof).await;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("{}?envoye=1", urls::ACCOUNT_EMAIL)).into_response()),
        Err(EmailChangeError::Invalid(errors)) => {
            let view = EmailChangeView {
                current_email: account.email.clone(),
                has_password: account.password_hash.is_some(),
                psc_reauthenticated: account.password_hash.is_none(),
                sent: false,
                nouvel_email: form.nouvel_email,
                errors: view_errors(&errors),
            };
            let page = templates::pages::email_change(&ctx.for_user(None), &view);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(EmailChangeError::Throttled(t)) => Err(AppError::TooManyRequests {
            retry_after_secs: t.retry_after_secs,
        }),
        Err(EmailChangeError::Unexpected(e)) => Err(e.into()),
    }
}

async fn confirmation_get(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ctx: Ctx,
) -> Result<Response> {
    let ctx = ctx.anonymous(None);
    Ok(match email_change::check_link(&state, &token).await? {
        TokenState::Valid { .. } => {
            templates::pages::email_change_confirm(&ctx, &urls::email_change_confirmation(&token))
                .into_response()
        }
        other => invalid(&ctx, &other),
    })
}

async fn confirmation_post(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ctx: Ctx,
) -> Result<Response> {
    let ctx = ctx.anonymous(None);
    Ok(match email_change::confirm(&state, &token).await? {
        Confirmed::Changed(email) => templates::pages::email_changed(&ctx, &email).into_response(),
        Confirmed::Invalid(other) => invalid(&ctx, &other),
    })
}

/// 410 Gone for an expired link, 404 for a used, voided or unknown one.
fn invalid(ctx: &templates::views::PageContext, state: &TokenState) -> Response {
    let expired = *state == TokenState::Expired;
    let status = if expired {
        StatusCode::GONE
    } else {
        StatusCode::NOT_FOUND
    };
    let view = LinkInvalidView { expired };
    (status, templates::pages::link_invalid(ctx, &view)).into_response()
}
