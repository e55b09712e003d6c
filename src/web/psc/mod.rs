//! Pro Santé Connect pages. Thin handlers: read the request (cookies, query, form), call
//! `services::psc`, map the outcome to a redirect or page. The relying party's checks live in
//! `crate::psc`, the use case in `services::psc`, and every refusal's page in [`refusal`].
//!
//! - sign-in and sign-up ([`sign_in`]): `/psc/connexion` (start), `/psc/retour` (the redirect
//!   URI), `/inscription/email` (a new user's email);
//! - linking ([`link`]): `/psc/lier` (link to an existing password account), `/psc/associer`
//!   (a signed-in user links their e-CPS, from `/compte`).

mod link;
mod refusal;
mod sign_in;

use axum::{
    Router,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use axum_extra::extract::CookieJar;

use crate::auth::cookies::{self, CookieNames};
use crate::{services::psc::Started, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::PSC_LOGIN, get(sign_in::psc_login_get))
        .route(urls::PSC_CALLBACK, get(sign_in::psc_callback_get))
        .route(
            urls::PSC_EMAIL,
            get(sign_in::psc_email_get).post(sign_in::psc_email_post),
        )
        .route(urls::PSC_ASSOCIATE, get(link::psc_associate_get))
        .route(
            urls::PSC_LINK,
            get(link::psc_link_get).post(link::psc_link_post),
        )
}

/// The request's cookies as the PSC pages read them.
struct Cookies {
    jar: CookieJar,
    https: bool,
}

impl Cookies {
    fn new(state: &AppState, jar: CookieJar) -> Self {
        Self {
            jar,
            https: state.public_url.is_https(),
        }
    }

    /// The random value that binds an attempt to this browser.
    fn attempt(&self) -> Option<String> {
        let names = CookieNames::new(self.https);
        self.jar.get(names.psc).map(|c| c.value().to_owned())
    }
}

/// Goes to PSC, setting the cookie that binds the attempt to this browser.
fn to_psc(state: &AppState, started: &Started) -> Response {
    let names = CookieNames::new(state.public_url.is_https());
    let mut response = Redirect::to(&started.url).into_response();
    cookies::set(
        &mut response,
        &cookies::build(names.psc, &started.browser_secret, names.secure),
    );
    response
}

/// Sets the session cookie, forgets the attempt's cookie, and goes on to `url`.
fn signed_in(state: &AppState, url: &str, session: &str) -> Response {
    let names = CookieNames::new(state.public_url.is_https());
    let mut response = Redirect::to(url).into_response();
    cookies::set(
        &mut response,
        &cookies::build(names.session, session, names.secure),
    );
    clear_attempt_cookie(state, &mut response);
    response
}

fn clear_attempt_cookie(state: &AppState, response: &mut Response) {
    let names = CookieNames::new(state.public_url.is_https());
    cookies::set(response, &cookies::clear(names.psc, names.secure));
}
