//! `/connexion` (sign in) and `/deconnexion` (sign out).

use axum::{
    Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use templates::views::LoginView;

use super::{
    context::Ctx,
    cookies::{self, CookieNames},
    form::AppForm,
    session::{MaybeUser, presented_session},
    urls,
};
use crate::{
    error::Result,
    services::{
        auth::{self, LoginError},
        journey,
    },
    state::AppState,
};

pub const BAD_CREDENTIALS: &str = "Adresse mail ou mot de passe incorrect.";
const TOO_MANY: &str = "Trop de tentatives de connexion pour cette adresse. Réessayez dans \
                        quelques minutes, ou contactez le support.";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::LOGIN, get(login_get).post(login_post))
        .route(urls::LOGOUT, post(logout_post))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginQuery {
    confirme: Option<String>,
}

async fn login_get(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(query): Query<LoginQuery>,
    ctx: Ctx,
) -> Result<Response> {
    if let Some(user) = user {
        let url = journey::landing_url(&state.db, &user.account, &state.cgu.version).await?;
        return Ok(Redirect::to(url).into_response());
    }
    let ctx = match query.confirme {
        Some(_) => ctx.with_notice(
            "Votre adresse mail est confirmée. Connectez-vous pour poursuivre votre inscription.",
        ),
        None => ctx,
    };
    Ok(templates::pages::login(&ctx.anonymous(None), &LoginView::default()).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    email: String,
    mot_de_passe: String,
}

async fn login_post(
    State(state): State<AppState>,
    jar: CookieJar,
    ctx: Ctx,
    AppForm(form): AppForm<LoginForm>,
) -> Result<Response> {
    if state
        .login_throttle
        .is_blocked(&form.email, state.clock.now())
    {
        return Ok(login_error(
            ctx,
            form.email,
            StatusCode::TOO_MANY_REQUESTS,
            TOO_MANY,
        ));
    }
    let account = match auth::authenticate(&state, &form.email, &form.mot_de_passe).await {
        Ok(account) => account,
        Err(LoginError::InvalidCredentials) => {
            state
                .login_throttle
                .record_failure(&form.email, state.clock.now());
            return Ok(login_error(
                ctx,
                form.email,
                StatusCode::UNPROCESSABLE_ENTITY,
                BAD_CREDENTIALS,
            ));
        }
        Err(LoginError::Unexpected(e)) => return Err(e.into()),
    };
    state.login_throttle.reset(&form.email);
    let https = state.public_url.is_https();
    let previous = presented_session(&jar, https);
    let raw = auth::start_session(&state, account.id, previous.as_deref(), None).await?;
    let url = journey::landing_url(&state.db, &account, &state.cgu.version).await?;
    let mut response = Redirect::to(url).into_response();
    cookies::set(
        &mut response,
        &cookies::build(CookieNames::new(https).session, &raw, https),
    );
    Ok(response)
}

/// The sign-in form again, with the email kept and one message.
fn login_error(ctx: Ctx, email: String, status: StatusCode, message: &str) -> Response {
    let view = LoginView {
        email,
        error: Some(message.to_owned()),
    };
    (status, templates::pages::login(&ctx.anonymous(None), &view)).into_response()
}

async fn logout_post(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
) -> Result<Response> {
    let mut destination = urls::HOME.to_owned();
    if let Some(user) = user {
        auth::end_session(&state, &user.session_hash, user.account.id).await?;
        // A PSC session also ends at PSC (RP-initiated logout), which sends the browser back
        // to `psc.post_logout_redirect_url`.
        if let (Some(psc), Some(id_token)) = (&state.psc, &user.psc_id_token)
            && let Some(url) = psc.logout_url(id_token).await
        {
            destination = url.to_string();
        }
    }
    let mut response = Redirect::to(&destination).into_response();
    clear_session_cookie(&state, &mut response);
    Ok(response)
}

pub fn clear_session_cookie(state: &AppState, response: &mut Response) {
    let https = state.public_url.is_https();
    cookies::set(
        response,
        &cookies::clear(CookieNames::new(https).session, https),
    );
}
