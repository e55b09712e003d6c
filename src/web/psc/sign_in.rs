//! Signing in (or up) with Pro Santé Connect: `/psc/connexion` starts an attempt,
//! `/psc/retour` is its redirect URI, and `/inscription/email` asks a new user's email.

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use templates::views::{FieldErrors, PscEmailView};

use super::{Cookies, clear_attempt_cookie, signed_in, to_psc};
use crate::metrics::{self, PscOutcome, SignUpMethod};
use crate::{
    auth::session::Browser,
    domain::EmailAddress,
    psc::{CallbackParams, PscRefusal},
    services::psc::{self, EmailOutcome, Outcome},
    state::AppState,
    web::{context::Ctx, form::AppForm},
};

pub(super) async fn psc_login_get(State(state): State<AppState>) -> Result<Response, PscRefusal> {
    // A sign-in that cannot start (PSC unreachable) ends here: counted too.
    let started = psc::start_login(&state)
        .await
        .inspect_err(|refusal| state.metrics.psc_sign_in(PscOutcome::of_refusal(refusal)))?;
    Ok(to_psc(&state, &started))
}

pub(super) async fn psc_callback_get(
    State(state): State<AppState>,
    jar: CookieJar,
    browser: Browser,
    Query(params): Query<CallbackParams>,
) -> Result<Response, PscRefusal> {
    let cookies = Cookies::new(&state, jar);
    let outcome = psc::callback(&state, cookies.attempt().as_deref(), params, &browser)
        .await
        .inspect_err(|refusal| state.metrics.psc_sign_in(PscOutcome::of_refusal(refusal)))?;
    Ok(match outcome {
        Outcome::SignedIn { landing, session } => {
            state.metrics.psc_sign_in(PscOutcome::success);
            signed_in(&state, landing, &session)
        }
        Outcome::Linked => {
            state.metrics.psc_sign_in(PscOutcome::linked);
            let mut response = Redirect::to(urls::ACCOUNT).into_response();
            clear_attempt_cookie(&state, &mut response);
            response
        }
        Outcome::NeedsEmail => {
            state.metrics.psc_sign_in(PscOutcome::needs_email);
            Redirect::to(urls::PSC_EMAIL).into_response()
        }
        Outcome::NeedsPassword => {
            state.metrics.psc_sign_in(PscOutcome::needs_password);
            Redirect::to(urls::PSC_LINK).into_response()
        }
    })
}

pub(super) async fn psc_email_get(
    State(state): State<AppState>,
    jar: CookieJar,
    ctx: Ctx,
) -> Result<Response, PscRefusal> {
    let held = psc::held(&state, Cookies::new(&state, jar).attempt().as_deref()).await?;
    let identity = &held.identity;
    let view = PscEmailView {
        email: identity.email_hint().unwrap_or_default().to_owned(),
        prenom: identity.prenom.clone(),
        nom: identity.nom.clone(),
        errors: FieldErrors::new(),
    };
    Ok(templates::pages::psc_email(&ctx.anonymous(None), &view).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct EmailForm {
    email: String,
}

pub(super) async fn psc_email_post(
    State(state): State<AppState>,
    jar: CookieJar,
    browser: Browser,
    ctx: Ctx,
    AppForm(form): AppForm<EmailForm>,
) -> Result<Response, PscRefusal> {
    let cookies = Cookies::new(&state, jar);
    let held = psc::held(&state, cookies.attempt().as_deref()).await?;
    let invalid = |message: String| {
        state
            .metrics
            .sign_up(SignUpMethod::psc, metrics::Outcome::invalid_form);
        let mut errors = FieldErrors::new();
        errors.add("email", message);
        let view = PscEmailView {
            email: form.email.clone(),
            prenom: held.identity.prenom.clone(),
            nom: held.identity.nom.clone(),
            errors,
        };
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            templates::pages::psc_email(&ctx.anonymous(None), &view),
        )
            .into_response()
    };
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(e) => return Ok(invalid(e.to_string())),
    };
    // A refusal here (PSC sent no usable name) or a database failure: the sign-up failed.
    let registered = psc::register(&state, &held, &email, &browser)
        .await
        .inspect_err(|_| {
            state
                .metrics
                .sign_up(SignUpMethod::psc, metrics::Outcome::error);
        })?;
    Ok(match registered {
        EmailOutcome::Created { session } => {
            state
                .metrics
                .sign_up(SignUpMethod::psc, metrics::Outcome::success);
            signed_in(&state, urls::SIGNUP_EMAIL_SENT, &session)
        }
        EmailOutcome::NeedsPassword => Redirect::to(urls::PSC_LINK).into_response(),
        EmailOutcome::Taken => {
            invalid("Cette adresse est déjà associée à un autre compte Pro Santé Connect.".into())
        }
    })
}
