//! Password reset (`/mot-de-passe/oubli`, `/mot-de-passe/reinitialisation/{token}`) and change
//! (`/compte/mot-de-passe`).

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use templates::views::{
    ChangePasswordView, FieldErrors, ForgotPasswordView, LinkInvalidView, PageContext,
    ResetPasswordView,
};

use super::{context::Ctx, form::AppForm, view_errors};
use crate::auth::{client::ClientIp, session::MaybeUser};
use crate::{
    error::{AppError, Result},
    services::password::{self, ResetError, SetPasswordError, TokenState},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::PASSWORD_FORGOT, get(forgot_get).post(forgot_post))
        .route(urls::PASSWORD_RESET, get(reset_get).post(reset_post))
        .route(urls::ACCOUNT_PASSWORD, get(change_get).post(change_post))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ForgotQuery {
    envoye: Option<String>,
}

async fn forgot_get(
    State(state): State<AppState>,
    Query(query): Query<ForgotQuery>,
    ctx: Ctx,
) -> Response {
    let view = ForgotPasswordView {
        sent: query.envoye.is_some(),
        valid_minutes: valid_minutes(&state),
        ..ForgotPasswordView::default()
    };
    templates::pages::forgot_password(&ctx.anonymous(None), &view).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ForgotForm {
    email: String,
}

/// Every well-formed request gets the same 303 to the same page, whether or not an account
/// exists (the service does the same work too).
async fn forgot_post(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ctx: Ctx,
    AppForm(form): AppForm<ForgotForm>,
) -> Result<Response> {
    if form.email.trim().is_empty() {
        let mut errors = FieldErrors::new();
        errors.add("email", "L'adresse mail est obligatoire.");
        let view = ForgotPasswordView {
            valid_minutes: valid_minutes(&state),
            errors,
            ..ForgotPasswordView::default()
        };
        let page = templates::pages::forgot_password(&ctx.anonymous(None), &view);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    match password::request_reset(&state, client, &form.email).await {
        Ok(()) => {}
        Err(ResetError::Throttled(t)) => {
            return Err(AppError::TooManyRequests {
                retry_after_secs: t.retry_after_secs,
            });
        }
        Err(ResetError::Unexpected(e)) => return Err(e.into()),
    }
    let sent = format!("{}?envoye=1", urls::PASSWORD_FORGOT);
    Ok(Redirect::to(&sent).into_response())
}

/// The GET only shows the form: mail scanners open links, and must not use the token up.
async fn reset_get(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ctx: Ctx,
) -> Result<Response> {
    let ctx = ctx.anonymous(None);
    Ok(match password::check_link(&state, &token).await? {
        TokenState::Valid { .. } => reset_form(&ctx, &token, FieldErrors::new(), StatusCode::OK),
        other => invalid(&ctx, &other),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewPasswordForm {
    mot_de_passe_actuel: String,
    mot_de_passe: String,
    confirmation_mot_de_passe: String,
}

/// Success ends every session, this browser's included: the user signs in again with the new
/// password.
async fn reset_post(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ctx: Ctx,
    AppForm(form): AppForm<NewPasswordForm>,
) -> Result<Response> {
    let ctx = ctx.anonymous(None);
    let outcome = password::reset(
        &state,
        &token,
        &form.mot_de_passe,
        &form.confirmation_mot_de_passe,
    )
    .await;
    Ok(match outcome {
        Ok(()) => {
            let mut response =
                Redirect::to(&format!("{}?reinitialise=1", urls::LOGIN)).into_response();
            super::login::clear_session_cookie(&state, &mut response);
            response
        }
        Err(SetPasswordError::Link(state)) => invalid(&ctx, &state),
        Err(SetPasswordError::Invalid(errors)) => reset_form(
            &ctx,
            &token,
            view_errors(&errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(SetPasswordError::Throttled(t)) => {
            return Err(AppError::TooManyRequests {
                retry_after_secs: t.retry_after_secs,
            });
        }
        Err(SetPasswordError::Unexpected(e)) => return Err(e.into()),
    })
}

fn reset_form(ctx: &PageContext, token: &str, errors: FieldErrors, status: StatusCode) -> Response {
    let view = ResetPasswordView {
        action: urls::password_reset(token),
        errors,
    };
    (status, templates::pages::reset_password(ctx, &view)).into_response()
}

/// 410 Gone for an expired link, 404 for a used, voided or unknown one.
fn invalid(ctx: &PageContext, state: &TokenState) -> Response {
    let expired = *state == TokenState::Expired;
    let status = if expired {
        StatusCode::GONE
    } else {
        StatusCode::NOT_FOUND
    };
    let page = templates::pages::reset_link_invalid(ctx, &LinkInvalidView { expired });
    (status, page).into_response()
}

async fn change_get(MaybeUser(user): MaybeUser, ctx: Ctx) -> Response {
    let Some(user) = user else {
        return Redirect::to(urls::LOGIN).into_response();
    };
    let view = ChangePasswordView {
        has_password: user.account.password_hash.is_some(),
        errors: FieldErrors::new(),
    };
    templates::pages::change_password(&ctx.for_user(None), &view).into_response()
}

/// Success keeps this session and ends the others, then back to `/compte` with a notice.
async fn change_post(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ClientIp(client): ClientIp,
    ctx: Ctx,
    AppForm(form): AppForm<NewPasswordForm>,
) -> Result<Response> {
    let Some(user) = user else {
        return Ok(Redirect::to(urls::LOGIN).into_response());
    };
    // No password yet (Pro Santé Connect only): the page says to use the reset link.
    if user.account.password_hash.is_none() {
        return Ok(Redirect::to(urls::ACCOUNT_PASSWORD).into_response());
    }
    let outcome = password::change(
        &state,
        client,
        &user.account,
        &user.session_hash,
        &form.mot_de_passe_actuel,
        &form.mot_de_passe,
        &form.confirmation_mot_de_passe,
    )
    .await;
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("{}?mot_de_passe=modifie", urls::ACCOUNT)).into_response())
        }
        Err(SetPasswordError::Invalid(errors)) => {
            let view = ChangePasswordView {
                has_password: true,
                errors: view_errors(&errors),
            };
            let page = templates::pages::change_password(&ctx.for_user(None), &view);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(SetPasswordError::Throttled(t)) => Err(AppError::TooManyRequests {
            retry_after_secs: t.retry_after_secs,
        }),
        Err(SetPasswordError::Link(_)) => Err(AppError::NotFound),
        Err(SetPasswordError::Unexpected(e)) => Err(e.into()),
    }
}

fn valid_minutes(state: &AppState) -> u32 {
    u32::try_from(state.settings.auth.reset_validity_minutes).unwrap_or(60)
}
