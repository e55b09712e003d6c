//! Pro Santé Connect: `/psc/connexion` (start), `/psc/retour` (the redirect URI),
//! `/inscription/email` (a new user's email), `/psc/lier` (link to an existing password
//! account), `/psc/associer` (a signed-in user links their e-CPS).

use axum::{
    Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use axum_extra::extract::CookieJar;
use chrono::Duration;
use secrecy::SecretString;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use templates::views::{FieldErrors, PageContext, PscEmailView, PscErrorView, PscLinkView};

use super::{
    context::Ctx,
    cookies::{self, CookieNames},
    form::AppForm,
    session::{SignedIn, presented_session},
    urls,
};
use crate::{
    domain::EmailAddress,
    error::{AppError, Result},
    psc::{PscClient, PscError, claims::PscIdentity},
    repo::{
        self,
        audit::{Action, Actor},
        psc::Flow,
    },
    services::{
        journey,
        psc::{self, EmailOutcome, Outcome},
        secrets,
    },
    state::AppState,
};

/// A sign-in attempt must come back within this time.
const FLOW_TTL_MINUTES: i64 = 30;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::PSC_LOGIN, get(psc_login_get))
        .route(urls::PSC_ASSOCIATE, get(psc_associate_get))
        .route(urls::PSC_CALLBACK, get(psc_callback_get))
        .route(urls::PSC_EMAIL, get(psc_email_get).post(psc_email_post))
        .route(urls::PSC_LINK, get(psc_link_get).post(psc_link_post))
}

fn client(state: &AppState) -> Result<&PscClient> {
    state.psc.as_deref().ok_or(AppError::NotFound)
}

async fn psc_login_get(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    start(&state, ctx, repo::psc::PURPOSE_LOGIN, None).await
}

/// A signed-in account asks to link its e-CPS. A GET (a link), because a form posting here
/// would be redirected to PSC's authorization endpoint, which the CSP's `form-action` forbids;
/// the attempt is bound to this browser and this account, so a forged visit can at most let the
/// victim link their own e-CPS.
async fn psc_associate_get(
    State(state): State<AppState>,
    user: SignedIn,
    ctx: Ctx,
) -> Result<Response> {
    let account_id = user.account().id;
    if repo::psc::find_by_account(&state.db, account_id)
        .await?
        .is_some()
    {
        return Ok(Redirect::to(urls::ACCOUNT).into_response());
    }
    start(&state, ctx, repo::psc::PURPOSE_LINK, Some(account_id)).await
}

/// Redirects to PSC with a fresh attempt bound to this browser by a random cookie.
async fn start(
    state: &AppState,
    ctx: Ctx,
    purpose: &str,
    account_id: Option<i32>,
) -> Result<Response> {
    let psc = client(state)?;
    let auth = match psc.start().await {
        Ok(auth) => auth,
        Err(e) => {
            audit_refusal(state, account_id, &e.to_string()).await?;
            return Ok(failure(ctx.anonymous(None), &e));
        }
    };
    let browser = secrets::random_token();
    repo::psc::create_flow(
        &state.db,
        &secrets::sha256_hex(&browser),
        &auth,
        purpose,
        account_id,
        Duration::minutes(FLOW_TTL_MINUTES),
        state.clock.now(),
    )
    .await?;
    let names = CookieNames::new(state.public_url.is_https());
    let mut response = Redirect::to(auth.url.as_str()).into_response();
    cookies::set(
        &mut response,
        &cookies::build(names.psc, &browser, names.secure),
    );
    Ok(response)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

async fn psc_callback_get(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<CallbackQuery>,
    ctx: Ctx,
) -> Result<Response> {
    let psc = client(&state)?;
    let page = ctx.anonymous(None);
    let Some(flow) = flow_of(&state, &jar).await? else {
        return refuse(
            &state,
            page,
            None,
            "no attempt for this browser (forged or replayed)",
        )
        .await;
    };
    // Single use: whatever happens next, this attempt's callback is spent.
    if !repo::psc::consume_callback(&state.db, flow.id, state.clock.now()).await? {
        return refuse(&state, page, flow.account_id, "callback replayed").await;
    }
    if let Some(error) = query.error {
        if error == "access_denied" {
            audit_refusal(
                &state,
                flow.account_id,
                "cancelled by the user (access_denied)",
            )
            .await?;
            let view = PscErrorView {
                title: "Connexion annulée".into(),
                message: "Vous avez annulé la connexion avec Pro Santé Connect. Vous pouvez \
                          réessayer, ou vous connecter avec votre mot de passe."
                    .into(),
                retry: true,
            };
            return Ok(templates::pages::psc_error(&page, &view).into_response());
        }
        // The parameter is the provider's (or an attacker's) text: keep it short.
        let error: String = error.chars().take(64).collect();
        return refuse(
            &state,
            page,
            flow.account_id,
            &format!("PSC error: {error}"),
        )
        .await;
    }
    let presented = query.state.unwrap_or_default();
    if !bool::from(presented.as_bytes().ct_eq(flow.state.as_bytes())) {
        return refuse(&state, page, flow.account_id, "state mismatch").await;
    }
    if let Some(iss) = &query.iss {
        match psc.issuer_matches(iss).await {
            Ok(true) => {}
            Ok(false) => return refuse(&state, page, flow.account_id, "iss mismatch").await,
            Err(e) => {
                audit_refusal(&state, flow.account_id, &e.to_string()).await?;
                return Ok(failure(page, &e));
            }
        }
    }
    let Some(code) = query.code.filter(|c| !c.is_empty()) else {
        return refuse(&state, page, flow.account_id, "no authorization code").await;
    };
    let verified = match psc.finish(&code, &flow.pkce_verifier, &flow.nonce).await {
        Ok(verified) => verified,
        Err(e) => {
            audit_refusal(&state, flow.account_id, &e.to_string()).await?;
            return Ok(failure(page, &e));
        }
    };
    let https = state.public_url.is_https();
    let previous = presented_session(&jar, https);
    let outcome = psc::after_callback(&state, &flow, &verified, previous.as_deref()).await?;
    Ok(match outcome {
        Outcome::SignedIn { account, session } => {
            repo::psc::delete_flow(&state.db, flow.id).await?;
            let url = journey::landing_url(&state.db, &account, &state.cgu.version).await?;
            signed_in(&state, url, &session)
        }
        Outcome::Linked { .. } => {
            repo::psc::delete_flow(&state.db, flow.id).await?;
            let mut response = Redirect::to(urls::ACCOUNT).into_response();
            clear_flow_cookie(&state, &mut response);
            response
        }
        Outcome::NeedsEmail => Redirect::to(urls::PSC_EMAIL).into_response(),
        Outcome::NeedsPassword { .. } => Redirect::to(urls::PSC_LINK).into_response(),
        Outcome::Conflict => {
            repo::psc::delete_flow(&state.db, flow.id).await?;
            audit_refusal(&state, flow.account_id, "identity already linked elsewhere").await?;
            let view = PscErrorView {
                title: "e-CPS déjà associée".into(),
                message: "Cette e-CPS est déjà associée à un autre compte, ou ce compte à une \
                          autre e-CPS. Contactez le support si vous pensez qu'il s'agit d'une \
                          erreur."
                    .into(),
                retry: false,
            };
            (
                StatusCode::CONFLICT,
                templates::pages::psc_error(&page, &view),
            )
                .into_response()
        }
    })
}

async fn psc_email_get(
    State(state): State<AppState>,
    jar: CookieJar,
    ctx: Ctx,
) -> Result<Response> {
    let Some((_, identity)) = held(&state, &jar).await? else {
        return Ok(expired(ctx.anonymous(None)));
    };
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
struct EmailForm {
    email: String,
}

async fn psc_email_post(
    State(state): State<AppState>,
    jar: CookieJar,
    ctx: Ctx,
    AppForm(form): AppForm<EmailForm>,
) -> Result<Response> {
    let Some((flow, identity)) = held(&state, &jar).await? else {
        return Ok(expired(ctx.anonymous(None)));
    };
    let page = ctx.anonymous(None);
    let invalid = |message: String| {
        let mut errors = FieldErrors::new();
        errors.add("email", message);
        let view = PscEmailView {
            email: form.email.clone(),
            prenom: identity.prenom.clone(),
            nom: identity.nom.clone(),
            errors,
        };
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            templates::pages::psc_email(&page, &view),
        )
            .into_response()
    };
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(e) => return Ok(invalid(e.to_string())),
    };
    let previous = presented_session(&jar, state.public_url.is_https());
    Ok(
        match psc::register(&state, &flow, &identity, &email, previous.as_deref()).await? {
            EmailOutcome::Created { session } => {
                signed_in(&state, urls::SIGNUP_EMAIL_SENT, &session)
            }
            EmailOutcome::NeedsPassword { .. } => Redirect::to(urls::PSC_LINK).into_response(),
            EmailOutcome::Taken => invalid(
                "Cette adresse est déjà associée à un autre compte Pro Santé Connect.".into(),
            ),
            EmailOutcome::NoName => {
                let view = PscErrorView {
                    title: "Identité incomplète".into(),
                    message: "Pro Santé Connect n'a pas transmis vos nom et prénom : le compte \
                              ne peut pas être créé. Contactez le support."
                        .into(),
                    retry: false,
                };
                (
                    StatusCode::BAD_REQUEST,
                    templates::pages::psc_error(&page, &view),
                )
                    .into_response()
            }
        },
    )
}

async fn psc_link_get(State(state): State<AppState>, jar: CookieJar, ctx: Ctx) -> Result<Response> {
    let Some((flow, identity)) = held(&state, &jar).await? else {
        return Ok(expired(ctx.anonymous(None)));
    };
    let Some(view) = link_view(&state, &flow, &identity, FieldErrors::new()).await? else {
        return Ok(expired(ctx.anonymous(None)));
    };
    Ok(templates::pages::psc_link(&ctx.anonymous(None), &view).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LinkForm {
    mot_de_passe: String,
}

async fn psc_link_post(
    State(state): State<AppState>,
    jar: CookieJar,
    ctx: Ctx,
    AppForm(form): AppForm<LinkForm>,
) -> Result<Response> {
    let page = ctx.anonymous(None);
    let Some((flow, identity)) = held(&state, &jar).await? else {
        return Ok(expired(page));
    };
    let Some(account) = (match flow.account_id {
        Some(id) => repo::accounts::find(&state.db, id).await?,
        None => None,
    })
    .filter(|a| !a.disabled) else {
        return Ok(expired(page));
    };
    let throttled = state
        .login_throttle
        .is_blocked(&account.email, state.clock.now());
    let ok = !throttled
        && state
            .hasher
            .verify(
                SecretString::from(form.mot_de_passe),
                account.password_hash.clone(),
            )
            .await?;
    if !ok {
        state
            .login_throttle
            .record_failure(&account.email, state.clock.now());
        let mut errors = FieldErrors::new();
        errors.add(
            "mot_de_passe",
            if throttled {
                "Trop de tentatives : réessayez dans quelques minutes."
            } else {
                "Mot de passe incorrect."
            },
        );
        let Some(view) = link_view(&state, &flow, &identity, errors).await? else {
            return Ok(expired(page));
        };
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            templates::pages::psc_link(&page, &view),
        )
            .into_response());
    }
    state.login_throttle.reset(&account.email);
    let previous = presented_session(&jar, state.public_url.is_https());
    let Some(session) =
        psc::link_with_password(&state, &flow, &identity, &account, previous.as_deref()).await?
    else {
        repo::psc::delete_flow(&state.db, flow.id).await?;
        return Ok(conflict(page));
    };
    let url = journey::landing_url(&state.db, &account, &state.cgu.version).await?;
    Ok(signed_in(&state, url, &session))
}

async fn link_view(
    state: &AppState,
    flow: &Flow,
    identity: &PscIdentity,
    errors: FieldErrors,
) -> Result<Option<PscLinkView>> {
    let Some(account_id) = flow.account_id else {
        return Ok(None);
    };
    let Some(account) = repo::accounts::find(&state.db, account_id).await? else {
        return Ok(None);
    };
    let by_rpps = match &identity.rpps {
        Some(rpps) => repo::profiles::account_with_rpps(&state.db, rpps).await? == Some(account_id),
        None => false,
    };
    Ok(Some(PscLinkView {
        masked_email: mask_email(&account.email),
        matched_on: if by_rpps { "RPPS" } else { "adresse mail" }.into(),
        errors,
    }))
}

/// The attempt this browser carries, if live.
async fn flow_of(state: &AppState, jar: &CookieJar) -> Result<Option<Flow>> {
    let names = CookieNames::new(state.public_url.is_https());
    let Some(raw) = jar.get(names.psc).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    Ok(repo::psc::find_flow(&state.db, &secrets::sha256_hex(&raw), state.clock.now()).await?)
}

/// The verified identity held for this browser after the callback.
async fn held(state: &AppState, jar: &CookieJar) -> Result<Option<(Flow, PscIdentity)>> {
    let Some(flow) = flow_of(state, jar).await? else {
        return Ok(None);
    };
    let identity = flow
        .identity
        .as_deref()
        .and_then(|json| serde_json::from_str::<PscIdentity>(json).ok());
    Ok(identity.map(|identity| (flow, identity)))
}

/// A refused callback: audited, explained, never a 500.
async fn refuse(
    state: &AppState,
    page: PageContext,
    account_id: Option<i32>,
    reason: &str,
) -> Result<Response> {
    audit_refusal(state, account_id, reason).await?;
    let view = PscErrorView {
        title: "Connexion impossible".into(),
        message: "Cette tentative de connexion avec Pro Santé Connect n'est plus valide (lien \
                  déjà utilisé, expiré ou incorrect). Recommencez depuis le début."
            .into(),
        retry: true,
    };
    Ok((
        StatusCode::BAD_REQUEST,
        templates::pages::psc_error(&page, &view),
    )
        .into_response())
}

async fn audit_refusal(state: &AppState, account_id: Option<i32>, reason: &str) -> Result<()> {
    tracing::info!(reason, "Pro Santé Connect sign-in refused");
    repo::audit::record_for(
        &state.db,
        account_id,
        Actor::System,
        Action::PscRefused,
        Some(reason),
        state.clock.now(),
    )
    .await?;
    Ok(())
}

fn failure(page: PageContext, error: &PscError) -> Response {
    let (status, view) = match error {
        PscError::Unavailable(_) => (
            StatusCode::BAD_GATEWAY,
            PscErrorView {
                title: "Pro Santé Connect est indisponible".into(),
                message: "Le service Pro Santé Connect ne répond pas pour le moment. Réessayez \
                          dans quelques instants, ou connectez-vous avec votre mot de passe."
                    .into(),
                retry: true,
            },
        ),
        PscError::Rejected(_) => (
            StatusCode::FORBIDDEN,
            PscErrorView {
                title: "Connexion refusée".into(),
                message: "La réponse de Pro Santé Connect n'a pas pu être vérifiée : la \
                          connexion a été refusée par sécurité. Réessayez ; si le problème \
                          persiste, contactez le support."
                    .into(),
                retry: true,
            },
        ),
    };
    (status, templates::pages::psc_error(&page, &view)).into_response()
}

fn conflict(page: PageContext) -> Response {
    let view = PscErrorView {
        title: "e-CPS déjà associée".into(),
        message: "Cette e-CPS est déjà associée à un autre compte, ou ce compte à une autre \
                  e-CPS. Contactez le support si vous pensez qu'il s'agit d'une erreur."
            .into(),
        retry: false,
    };
    (
        StatusCode::CONFLICT,
        templates::pages::psc_error(&page, &view),
    )
        .into_response()
}

fn expired(page: PageContext) -> Response {
    let view = PscErrorView {
        title: "Session Pro Santé Connect expirée".into(),
        message: "Votre connexion avec Pro Santé Connect a expiré. Recommencez depuis le début."
            .into(),
        retry: true,
    };
    (
        StatusCode::BAD_REQUEST,
        templates::pages::psc_error(&page, &view),
    )
        .into_response()
}

/// Sets the session cookie, forgets the attempt's cookie, and goes on to `url`.
fn signed_in(state: &AppState, url: &str, session: &str) -> Response {
    let names = CookieNames::new(state.public_url.is_https());
    let mut response = Redirect::to(url).into_response();
    cookies::set(
        &mut response,
        &cookies::build(names.session, session, names.secure),
    );
    clear_flow_cookie(state, &mut response);
    response
}

fn clear_flow_cookie(state: &AppState, response: &mut Response) {
    let names = CookieNames::new(state.public_url.is_https());
    cookies::set(response, &cookies::clear(names.psc, names.secure));
}

/// `pierre.dupont@example.fr` → `p•••@e•••.fr`: enough for the owner to recognise it.
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
