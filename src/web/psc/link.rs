//! Linking an e-CPS to a password account: `/psc/associer` (a signed-in account asks, from
//! `/compte`) and `/psc/lier` (a PSC sign-in matched an unlinked password account, whose
//! password must be given first: never a silent merge). The password goes through the same
//! check and throttle as `/connexion` (`auth::sign_in::authenticate`).

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use templates::views::{FieldErrors, PscLinkView};

use super::{Cookies, signed_in, to_psc};
use crate::{
    auth::{
        client::ClientIp,
        session::{Browser, SignedIn},
    },
    psc::PscRefusal,
    services::psc::{self, LinkPrompt, PasswordLink},
    state::AppState,
    web::{context::Ctx, form::AppForm},
};

/// A signed-in account asks to link its e-CPS. A GET (a link), because a form posting here
/// would be redirected to PSC's authorization endpoint, which the CSP's `form-action` forbids;
/// the attempt is bound to this browser and this account, so a forged visit can at most let the
/// victim link their own e-CPS.
pub(super) async fn psc_associate_get(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PscRefusal> {
    Ok(match psc::start_link(&state, user.account().id).await? {
        Some(started) => to_psc(&state, &started),
        None => Redirect::to(urls::ACCOUNT).into_response(),
    })
}

pub(super) async fn psc_link_get(
    State(state): State<AppState>,
    jar: CookieJar,
    ctx: Ctx,
) -> Result<Response, PscRefusal> {
    let held = psc::held(&state, Cookies::new(&state, jar).attempt().as_deref()).await?;
    let prompt = psc::link_prompt(&state, &held).await?;
    let view = link_view(&prompt, FieldErrors::new());
    Ok(templates::pages::psc_link(&ctx.anonymous(None), &view).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LinkForm {
    mot_de_passe: String,
}

pub(super) async fn psc_link_post(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    jar: CookieJar,
    browser: Browser,
    ctx: Ctx,
    AppForm(form): AppForm<LinkForm>,
) -> Result<Response, PscRefusal> {
    let cookies = Cookies::new(&state, jar);
    let held = psc::held(&state, cookies.attempt().as_deref()).await?;
    let outcome =
        psc::link_with_password(&state, client, &held, &form.mot_de_passe, &browser).await?;
    let (status, message, retry_after) = match outcome {
        PasswordLink::SignedIn { landing, session } => {
            return Ok(signed_in(&state, landing, &session));
        }
        PasswordLink::WrongPassword => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Mot de passe incorrect.",
            None,
        ),
        PasswordLink::Throttled { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            "Trop de tentatives : réessayez dans quelques minutes.",
            Some(retry_after_secs),
        ),
    };
    let mut errors = FieldErrors::new();
    errors.add("mot_de_passe", message);
    let view = link_view(&psc::link_prompt(&state, &held).await?, errors);
    let mut response = (
        status,
        templates::pages::psc_link(&ctx.anonymous(None), &view),
    )
        .into_response();
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    Ok(response)
}

fn link_view(prompt: &LinkPrompt, errors: FieldErrors) -> PscLinkView {
    PscLinkView {
        masked_email: mask_email(&prompt.email),
        matched_on: prompt.matched_on.into(),
        errors,
    }
}

/// `pierre.dupont@example.fr` → `p•••@e•••.fr`: enough for the owner to recognise it, not
/// enough to learn someone's address by signing in with their RPPS.
fn mask_email(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let tld = domain.rsplit_once('.').map_or("", |(_, tld)| tld);
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}•••@{}•••.{tld}", first(local), first(domain))
}

#[cfg(test)]
mod tests {
    use super::mask_email;

    #[test]
    fn emails_are_masked_to_their_first_letters() {
        assert_eq!(mask_email("pierre.dupont@example.fr"), "p•••@e•••.fr");
    }
}
