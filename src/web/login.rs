//! `/connexion` (sign in) and `/deconnexion` (sign out).

use std::sync::Arc;

use axum::{
    Extension, Router,
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use templates::views::LoginView;

use super::{
    context::{self, Ctx},
    form::AppForm,
    prerender::TokenPage,
};
use crate::metrics::Outcome;
use crate::{
    auth::{
        client::ClientIp,
        cookies::{self, CookieNames},
        session::{Browser, MaybeUser},
        sign_in::{self, LoginError},
        throttle::Limit,
    },
    error::Result,
    services::journey,
    state::AppState,
};

pub const BAD_CREDENTIALS: &str = "Adresse mail ou mot de passe incorrect.";
const TOO_MANY: &str = "Trop de tentatives de connexion. Réessayez dans \
                        quelques minutes, ou contactez le support.";

pub fn router(state: &AppState) -> Router<AppState> {
    let page = Arc::new(TokenPage::render(|token| {
        let ctx = Ctx(context::base(state, token.to_owned())).anonymous(None);
        templates::pages::login(&ctx, &LoginView::default())
    }));
    Router::new()
        .route(
            urls::LOGIN,
            get(login_get).layer(Extension(page)).post(login_post),
        )
        .route(urls::LOGOUT, post(logout_post))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginQuery {
    confirme: Option<String>,
    /// After closing the account (`/compte/fermeture`).
    ferme: Option<String>,
    reinitialise: Option<String>,
}

/// Without the "address confirmed" notice, anonymous visitors get the page rendered at start-up
/// with their CSRF token spliced in (`prerender`).
async fn login_get(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(query): Query<LoginQuery>,
    Extension(page): Extension<Arc<TokenPage>>,
    ctx: Ctx,
) -> Result<Response> {
    if let Some(user) = user {
        let url = journey::landing_url(&state.db, &user.account, &state.cgu.version).await?;
        return Ok(Redirect::to(url).into_response());
    }
    let ctx = match (query.confirme, query.ferme, query.reinitialise) {
        (Some(_), _, _) => ctx.with_notice(
            "Votre adresse mail est confirmée. Connectez-vous pour poursuivre votre inscription.",
        ),
        (None, Some(_), _) => {
            ctx.with_notice("Votre compte est fermé. Un mail de confirmation vous a été envoyé.")
        }
        (None, None, Some(_)) => ctx.with_notice(
            "Votre mot de passe a été modifié. Connectez-vous avec votre nouveau mot de passe.",
        ),
        (None, None, None) => return Ok(page.with_token(&ctx.0.csrf_token)),
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
    ClientIp(client): ClientIp,
    browser: Browser,
    ctx: Ctx,
    AppForm(form): AppForm<LoginForm>,
) -> Result<Response> {
    let client = Limit::SignInClient(client);
    let account = match sign_in::authenticate(&state, client, &form.email, &form.mot_de_passe).await
    {
        Ok(account) => {
            state.metrics.sign_in(Outcome::success);
            account
        }
        Err(LoginError::InvalidCredentials) => {
            state.metrics.sign_in(Outcome::wrong_password);
            return Ok(login_error(
                ctx,
                form.email,
                StatusCode::UNPROCESSABLE_ENTITY,
                BAD_CREDENTIALS,
            ));
        }
        Err(LoginError::Throttled(throttled)) => {
            state.metrics.sign_in(Outcome::throttled);
            let mut response =
                login_error(ctx, form.email, StatusCode::TOO_MANY_REQUESTS, TOO_MANY);
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(throttled.retry_after_secs),
            );
            return Ok(response);
        }
        Err(LoginError::Unexpected(e)) => {
            state.metrics.sign_in(Outcome::of_error(&e));
            return Err(e.into());
        }
    };
    let https = state.public_url.is_https();
    let raw = sign_in::start_session(&state, account.id, &browser, None).await?;
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
        sign_in::end_session(&state, &user.session_hash, user.account.id).await?;
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
