//! Step 1: `/inscription` (sign-up form), `/inscription/email-envoye` ("check your mail"),
//! `/inscription/renvoyer` (resend the confirmation link).

use std::sync::Arc;

use axum::{
    Extension, Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use templates::views::{EmailSentView, SignupView, Step as ViewStep};

use super::{
    context::{self, Ctx},
    form::AppForm,
    prerender::TokenPage,
    view_errors,
};
use crate::auth::{client::ClientIp, csrf::CsrfToken, session::MaybeUser};
use crate::metrics::{Outcome, SignUpMethod};
use crate::{
    domain::signup::{SignupInput, parse_signup},
    error::{AppError, Result},
    services::{
        journey,
        registration::{self, SignUpError},
    },
    state::AppState,
};

pub fn router(state: &AppState) -> Router<AppState> {
    let page = Arc::new(TokenPage::render(|token| {
        let ctx =
            Ctx(context::base(state, token.to_owned())).anonymous(Some(ViewStep::Inscription));
        templates::pages::signup(&ctx, &SignupView::default())
    }));
    Router::new()
        .route(
            urls::SIGNUP,
            get(signup_get).layer(Extension(page)).post(signup_post),
        )
        .route(urls::SIGNUP_EMAIL_SENT, get(email_sent_get))
        .route(urls::SIGNUP_RESEND, post(resend_post))
}

/// Anonymous visitors get the page rendered at start-up with their CSRF token spliced in
/// (`prerender`): the form is the same for all of them.
async fn signup_get(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Extension(page): Extension<Arc<TokenPage>>,
    Extension(CsrfToken(token)): Extension<CsrfToken>,
) -> Result<Response> {
    if let Some(user) = user {
        let url = journey::landing_url(&state.db, &user.account, &state.cgu.version).await?;
        return Ok(Redirect::to(url).into_response());
    }
    Ok(page.with_token(&token))
}

async fn signup_post(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ctx: Ctx,
    AppForm(input): AppForm<SignupInput>,
) -> Result<Response> {
    match parse_signup(&input, state.settings.auth.password_min_score) {
        Ok(new_account) => {
            match registration::sign_up(&state, client, new_account).await {
                Ok(()) => state
                    .metrics
                    .sign_up(SignUpMethod::password, Outcome::success),
                Err(SignUpError::Throttled(t)) => {
                    state
                        .metrics
                        .sign_up(SignUpMethod::password, Outcome::throttled);
                    return Err(AppError::TooManyRequests {
                        retry_after_secs: t.retry_after_secs,
                    });
                }
                Err(SignUpError::Unexpected(e)) => {
                    state
                        .metrics
                        .sign_up(SignUpMethod::password, Outcome::of_error(&e));
                    return Err(e.into());
                }
            }
            Ok(Redirect::to(urls::SIGNUP_EMAIL_SENT).into_response())
        }
        Err(errors) => {
            state
                .metrics
                .sign_up(SignUpMethod::password, Outcome::invalid_form);
            // Values are kept for correction; the passwords never come back.
            let view = SignupView {
                nom: input.nom,
                prenom: input.prenom,
                email: input.email,
                errors: view_errors(&errors),
            };
            let ctx = ctx.anonymous(Some(ViewStep::Inscription));
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                templates::pages::signup(&ctx, &view),
            )
                .into_response())
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EmailSentQuery {
    renvoye: Option<String>,
}

async fn email_sent_get(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(query): Query<EmailSentQuery>,
    ctx: Ctx,
) -> Result<Response> {
    let resent = query.renvoye.is_some();
    let Some(user) = user else {
        let ctx = ctx.anonymous(Some(ViewStep::Confirmation));
        let view = EmailSentView {
            email: None,
            resent,
            awaiting_confirmation: false,
            valid_hours: link_hours(&state),
        };
        return Ok(templates::pages::email_sent(&ctx, &view).into_response());
    };
    // A signed-in user only belongs here while their address is unconfirmed.
    let step = journey::current_step(&state.db, &user.account, &state.cgu.version).await?;
    if step != journey::Step::ConfirmEmail {
        return Ok(Redirect::to(step.url()).into_response());
    }
    let view = EmailSentView {
        email: Some(user.account.email.clone()),
        resent,
        awaiting_confirmation: true,
        valid_hours: link_hours(&state),
    };
    Ok(templates::pages::email_sent(&ctx.for_user(Some(step)), &view).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResendForm {
    email: String,
}

async fn resend_post(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    AppForm(form): AppForm<ResendForm>,
) -> Result<Redirect> {
    if let Err(t) = registration::resend(&state, client, &form.email).await? {
        return Err(AppError::TooManyRequests {
            retry_after_secs: t.retry_after_secs,
        });
    }
    Ok(Redirect::to(&format!(
        "{}?renvoye=1",
        urls::SIGNUP_EMAIL_SENT
    )))
}

fn link_hours(state: &AppState) -> u32 {
    u32::try_from(state.settings.auth.token_validity_hours).unwrap_or(24)
}
