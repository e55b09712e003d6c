//! `/compte/profil`: the profile after registration (issue 9). The same fields and names as
//! `/profil`, pre-filled with the stored values; what PSC asserts stays read-only. The service
//! decides what applies at once and what waits for an administrator
//! (`services::profile_edit`).

use axum::{
    Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use templates::views::{FieldErrors, ProfileEditView};

use super::{context::Ctx, form::AppForm, profile::view, view_errors};
use crate::auth::session::SignedIn;
use crate::domain::BalType;
use crate::{
    domain::{
        ProfileInput, parse_profile,
        profile::{ChangeRequest, FIELDS, Raw},
    },
    error::{AppError, Result},
    psc::claims::PscIdentity,
    services::{journey::Step, profile, profile_edit},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route(urls::ACCOUNT_PROFILE, get(edit_get).post(edit_post))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EditQuery {
    /// Set by the redirect after a save: which notice to show.
    enregistre: Option<String>,
    demande: Option<String>,
}

async fn edit_get(
    State(state): State<AppState>,
    user: SignedIn,
    Query(query): Query<EditQuery>,
    ctx: Ctx,
) -> Result<Response> {
    if let Err(redirect) = user.require(Step::Pending) {
        return Ok(redirect.into_response());
    }
    let account = user.account();
    let form = profile_edit::edit_form(&state.db, account.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let identity = profile::psc_identity(&state.db, account.id).await?;
    let mut input = ProfileInput::from_stored(&account.nom, &account.prenom, &form.stored);
    // A pending request shows what was asked, so that saving again keeps it.
    if let Some(request) = &form.request {
        for (name, value) in &request.changes {
            input.set(name, Raw::Text(value));
        }
    }
    lock(&mut input, identity.as_ref(), &form.stored);
    let ctx = match (query.demande, query.enregistre) {
        (Some(_), _) => ctx.with_notice(
            "Vos modifications sont enregistrées. Les changements d'identité sont transmis à un \
             administrateur : les valeurs actuelles restent en vigueur jusqu'à sa décision.",
        ),
        (None, Some(_)) => ctx.with_notice("Vos modifications sont enregistrées."),
        (None, None) => ctx,
    };
    page(
        &state,
        ctx,
        user,
        &input,
        identity.as_ref(),
        form.request.as_ref(),
        FieldErrors::new(),
    )
}

async fn edit_post(
    State(state): State<AppState>,
    user: SignedIn,
    ctx: Ctx,
    AppForm(mut input): AppForm<ProfileInput>,
) -> Result<Response> {
    if let Err(redirect) = user.require(Step::Pending) {
        return Ok(redirect.into_response());
    }
    let account = user.account();
    let form = profile_edit::edit_form(&state.db, account.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let identity = profile::psc_identity(&state.db, account.id).await?;
    // What PSC asserts is PSC's, whatever the body says (a tampered POST changes nothing).
    lock(&mut input, identity.as_ref(), &form.stored);
    let requires_identifier = identity.is_none() && account.bal_type == Some(BalType::Per);
    match parse_profile(&input, requires_identifier, &state.nomenclatures) {
        Ok(mut parsed) => {
            if let Some(identity) = &identity {
                parsed.set_national_id(identity.national_id());
            }
            let outcome = profile_edit::edit(&state, account, &parsed).await?;
            let notice = if outcome.requested {
                "?demande=1"
            } else {
                "?enregistre=1"
            };
            Ok(Redirect::to(&format!("{}{notice}", urls::ACCOUNT_PROFILE)).into_response())
        }
        Err(errors) => {
            let response = page(
                &state,
                ctx,
                user,
                &input,
                identity.as_ref(),
                form.request.as_ref(),
                view_errors(&errors),
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, response).into_response())
        }
    }
}

/// PSC's values in the fields it asserts, from the activity the stored profile came from.
fn lock(
    input: &mut ProfileInput,
    identity: Option<&PscIdentity>,
    stored: &crate::domain::profile::StoredProfile,
) {
    if let Some(identity) = identity {
        let activity = identity
            .activity_matching(&stored.profession, &stored.specialite)
            .or_else(|| identity.activities.first());
        profile::lock_verified(input, identity, activity);
    }
}

fn page(
    state: &AppState,
    ctx: Ctx,
    user: SignedIn,
    input: &ProfileInput,
    identity: Option<&PscIdentity>,
    request: Option<&ChangeRequest>,
    errors: FieldErrors,
) -> Result<Response> {
    let account = user.account();
    let pending_request = request
        .map(|r| {
            FIELDS
                .iter()
                .filter_map(|f| {
                    let value = r.changes.get(f.name)?;
                    Some((f.admin_label().to_owned(), value.clone()))
                })
                .collect()
        })
        .unwrap_or_default();
    let view = ProfileEditView {
        form: view(state, account, input, identity, 0, errors),
        validated: account.validated_at.is_some(),
        pending_request,
    };
    Ok(templates::pages::profile_edit(&ctx.for_user(None), &view).into_response())
}
