//! The account's settings (issue 9): the hub `/compte/parametres`, the sessions
//! (`/compte/sessions`, `/compte/sessions/fermer`), the data export (`/compte/export`) and the
//! closure (`/compte/fermeture`).
//!
//! The hub needs a complete profile (like `/compte`); sessions, export and closure are open to
//! any signed-in holder: those rights do not wait for the registration to end.

use axum::{
    Router,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use templates::views::{ClosureView, FieldErrors, SessionRow, SessionsView, SettingsView};

use super::{context::Ctx, form::AppForm, login::clear_session_cookie};
use crate::auth::{client::ClientIp, session::SignedIn};
use crate::{
    error::{AppError, Result},
    services::{
        account::{self, CloseError, Sessions},
        journey::Step,
        profile,
    },
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::ACCOUNT_SETTINGS, get(settings_get))
        .route(urls::ACCOUNT_SESSIONS, get(sessions_get))
        .route(
            urls::ACCOUNT_SESSIONS_CLOSE,
            axum::routing::post(sessions_close_post),
        )
        .route(urls::ACCOUNT_EXPORT, get(export_get))
        .route(urls::ACCOUNT_CLOSE, get(closure_get).post(closure_post))
}

async fn settings_get(State(state): State<AppState>, user: SignedIn, ctx: Ctx) -> Result<Response> {
    if let Err(redirect) = user.require(Step::Pending) {
        return Ok(redirect.into_response());
    }
    let account = user.account();
    let page = profile::account_page(&state.db, account.id).await?;
    let p = page.profile.as_ref();
    let view = SettingsView {
        email: account.email.clone(),
        validated: account.validated_at.is_some(),
        has_password: account.password_hash.is_some(),
        psc_enabled: state.psc.is_some(),
        psc_linked: page.psc_linked,
        dematerialisation: p.map(|p| p.dematerialisation),
        notification: p.map(|p| p.notification_reception),
        annuaire_medimail: p.is_some_and(|p| p.annuaire_medimail),
        annuaire_mssante: p.is_some_and(|p| p.annuaire_mssante),
    };
    Ok(templates::pages::settings(&ctx.for_user(None), &view).into_response())
}

async fn sessions_get(State(state): State<AppState>, user: SignedIn, ctx: Ctx) -> Result<Response> {
    let current = &user.user.session_hash;
    let sessions = account::sessions(&state, user.account().id, current).await?;
    let view = SessionsView {
        sessions: sessions
            .into_iter()
            .map(|s| SessionRow {
                public_id: s.public_id,
                started_at: format_time(s.started_at),
                last_seen_at: format_time(s.last_seen_at),
                browser: s.browser,
                client_ip: s.client_ip.unwrap_or_else(|| "inconnue".to_owned()),
                current: s.current,
            })
            .collect(),
    };
    Ok(templates::pages::sessions(&ctx.for_user(None), &view).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CloseSessionForm {
    session: String,
}

/// `session` is one session's public id, or `toutes` for every other session.
async fn sessions_close_post(
    State(state): State<AppState>,
    user: SignedIn,
    AppForm(form): AppForm<CloseSessionForm>,
) -> Result<Response> {
    let which = match form.session.trim() {
        "" => return Err(AppError::BadRequest("no session named".into())),
        "toutes" => Sessions::AllOthers,
        id => Sessions::One(id),
    };
    account::close_sessions(&state, user.account().id, &user.user.session_hash, which).await?;
    Ok(Redirect::to(urls::ACCOUNT_SESSIONS).into_response())
}

/// The JSON file of the holder's data, as a download.
async fn export_get(State(state): State<AppState>, user: SignedIn) -> Result<Response> {
    let account = user.account();
    let data = account::export(&state, account.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let body = serde_json::to_vec_pretty(&data).map_err(|e| AppError::Unexpected(e.into()))?;
    let date = state.clock.now().format("%Y-%m-%d");
    let disposition = format!("attachment; filename=\"mes-donnees-{date}.json\"");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| AppError::Unexpected(e.into()))?,
    );
    Ok(response)
}

fn closure_view(state: &AppState, user: &SignedIn) -> ClosureView {
    let account = user.account();
    ClosureView {
        has_password: account.password_hash.is_some(),
        psc_reauthenticated: user.user.psc_reauthenticated(state),
        mailbox_address: account.mailbox_address.clone(),
        retention_days: state.settings.retention.closed_days,
        motif: String::new(),
        errors: FieldErrors::new(),
        last_responsable_of: Vec::new(),
    }
}

async fn closure_get(State(state): State<AppState>, user: SignedIn, ctx: Ctx) -> Result<Response> {
    let view = closure_view(&state, &user);
    Ok(templates::pages::closure(&ctx.for_user(None), &view).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ClosureForm {
    mot_de_passe_actuel: String,
    motif: String,
}

/// The longest closure reason kept.
const MAX_MOTIF_CHARS: usize = 2000;

async fn closure_post(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    user: SignedIn,
    ctx: Ctx,
    AppForm(form): AppForm<ClosureForm>,
) -> Result<Response> {
    let motif = form.motif.trim();
    let invalid = |status: StatusCode, field: &str, message: &str| {
        let mut view = closure_view(&state, &user);
        view.motif = form.motif.clone();
        view.errors.add(field, message);
        (
            status,
            templates::pages::closure(&Ctx(ctx.0.clone()).for_user(None), &view),
        )
            .into_response()
    };
    if motif.chars().count() > MAX_MOTIF_CHARS {
        let message = format!("Le motif est trop long ({MAX_MOTIF_CHARS} caractères maximum).");
        return Ok(invalid(StatusCode::UNPROCESSABLE_ENTITY, "motif", &message));
    }
    let motif = Some(motif).filter(|m| !m.is_empty());
    // Without a password and without a recent PSC sign-in, the page says how to get one.
    let Some(proof) = user.user.proof(&form.mot_de_passe_actuel, &state) else {
        return Ok(invalid(
            StatusCode::UNPROCESSABLE_ENTITY,
            "mot_de_passe_actuel",
            "Reconnectez-vous avec Pro Santé Connect pour confirmer qu'il s'agit bien de vous.",
        ));
    };
    match account::close(&state, client, user.account(), proof, motif).await {
        Ok(()) => {
            let mut response = Redirect::to(&format!("{}?ferme", urls::LOGIN)).into_response();
            clear_session_cookie(&state, &mut response);
            Ok(response)
        }
        Err(CloseError::WrongPassword) => Ok(invalid(
            StatusCode::UNPROCESSABLE_ENTITY,
            "mot_de_passe_actuel",
            "Mot de passe incorrect.",
        )),
        Err(CloseError::Throttled(t)) => {
            let mut response = invalid(
                StatusCode::TOO_MANY_REQUESTS,
                "mot_de_passe_actuel",
                "Trop de tentatives. Réessayez dans quelques minutes, ou contactez le support.",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(t.retry_after_secs));
            Ok(response)
        }
        Err(CloseError::NoPassword) => Ok(invalid(
            StatusCode::UNPROCESSABLE_ENTITY,
            "mot_de_passe_actuel",
            "Ce compte n'a pas de mot de passe : contactez le support pour le fermer.",
        )),
        Err(CloseError::LastResponsable(libelles)) => {
            let mut view = closure_view(&state, &user);
            view.motif = form.motif.clone();
            view.last_responsable_of = libelles;
            let page = templates::pages::closure(&Ctx(ctx.0.clone()).for_user(None), &view);
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(CloseError::Unexpected(e)) => Err(AppError::Unexpected(e)),
    }
}

/// Times are shown in UTC, labelled as such (no time-zone database in the binary).
fn format_time(t: DateTime<FixedOffset>) -> String {
    t.to_utc().format("%d/%m/%Y %H:%M UTC").to_string()
}
