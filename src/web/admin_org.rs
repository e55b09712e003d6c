//! BAL ORG in the administrators' console: `/admin/bal-org/{id}` (the request, its checks, its
//! requester) and its decisions. Scoped like accounts: the box's région, or its structure
//! identifier for `structure:` administrators.

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use templates::views::{AdminOrgView, FieldErrors};

use super::admin::reason_errors;
use super::org::{history_rows, member_rows, org_error, org_fields};
use super::{context::Ctx, form::AppForm};
use crate::auth::session::AdminUser;
use crate::domain::org::{OrgChange, OrgStatus, key_check};
use crate::{
    error::Result,
    services::{
        org::{self, AdminOrgPage},
        validation::Decider,
    },
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::ADMIN_ORG, get(org_get))
        .route(urls::ADMIN_ORG_VALIDATE, post(validate_post))
        .route(urls::ADMIN_ORG_REJECT, post(reject_post))
        .route(urls::ADMIN_ORG_CHANGE_ACCEPT, post(change_accept_post))
        .route(urls::ADMIN_ORG_CHANGE_REFUSE, post(change_refuse_post))
}

async fn load(state: &AppState, admin: &AdminUser, id: i32) -> Result<AdminOrgPage> {
    org::for_admin(&state.db, &admin.scopes, id)
        .await
        .map_err(org_error)
}

fn view(page: &AdminOrgPage) -> AdminOrgView {
    let org = &page.org;
    let status = org.status();
    let check = key_check(&org.structure_type, &org.structure_id);
    AdminOrgView {
        id: org.id,
        libelle: org.libelle.clone(),
        status: status.label().to_owned(),
        pending: status == OrgStatus::Pending,
        address: org.mailbox_address.clone(),
        rejection_reason: org.rejection_reason.clone(),
        fields: org_fields(org),
        key_valid: check.is_ok(),
        key_check: match check {
            Ok(id) => format!("clé {} valide ({})", id.kind().as_str(), id.id_nat_struct()),
            Err(e) => e.to_string(),
        },
        requester: page.requester.as_ref().map(|a| {
            (
                a.id,
                format!("{} {}", a.prenom, a.nom),
                a.email.clone(),
                a.status().label().to_owned(),
            )
        }),
        members: member_rows(&page.members),
        history: history_rows(&page.history),
        pending_change: org
            .pending_change
            .as_ref()
            .map(|c| (org.current_structure().to_string(), c.to_string())),
        request_seen: org.request_fingerprint(),
        change_seen: org
            .pending_change
            .as_ref()
            .and_then(|c| serde_json::to_string(c).ok())
            .unwrap_or_default(),
        ..AdminOrgView::default()
    }
}

async fn org_get(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
    ctx: Ctx,
) -> Result<Response> {
    let page = load(&state, &admin, id).await?;
    Ok(templates::pages::admin_org(&ctx.for_user(None), &view(&page)).into_response())
}

/// Shown instead of a decision taken on a page that no longer matches the box.
const CHANGED_MEANWHILE: &str = "Un responsable a modifié la demande depuis l'affichage de cette \
                                 page : rien n'a été décidé. Relisez-la avant de décider.";

/// Whether a pending request is no longer the one the administrator's page showed (`vue`).
fn shown_differs(page: &AdminOrgPage, vue: &str) -> bool {
    page.org.status() == OrgStatus::Pending && vue != page.org.request_fingerprint()
}

/// The box as it is now, with [`CHANGED_MEANWHILE`] (409: the decision was on a stale page).
async fn changed_meanwhile(
    state: &AppState,
    admin: &AdminUser,
    id: i32,
    ctx: Ctx,
) -> Result<Response> {
    let page = load(state, admin, id).await?;
    let body = templates::pages::admin_org(
        &ctx.with_notice(CHANGED_MEANWHILE).for_user(None),
        &view(&page),
    );
    Ok((StatusCode::CONFLICT, body).into_response())
}

fn page_with(ctx: Ctx, page: &AdminOrgPage, change: impl FnOnce(&mut AdminOrgView)) -> Response {
    let mut view = view(page);
    change(&mut view);
    let body = templates::pages::admin_org(&ctx.for_user(None), &view);
    (StatusCode::UNPROCESSABLE_ENTITY, body).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ValidateForm {
    /// [`OrgBox::request_fingerprint`](crate::domain::org::OrgBox::request_fingerprint) of
    /// the request as the page showed it.
    vue: String,
}

async fn validate_post(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
    ctx: Ctx,
    AppForm(form): AppForm<ValidateForm>,
) -> Result<Response> {
    let page = load(&state, &admin, id).await?;
    if shown_differs(&page, &form.vue) {
        return changed_meanwhile(&state, &admin, id, ctx).await;
    }
    let decider = Decider::Admin(admin.user.account.id);
    match org::validate(&state, decider, &page.org).await {
        // Decided meanwhile (another admin, a double submit): the page shows the decision.
        Ok(_) => Ok(Redirect::to(&urls::org_action(urls::ADMIN_ORG, id, None)).into_response()),
        Err(org::OrgError::Changed) => changed_meanwhile(&state, &admin, id, ctx).await,
        Err(org::OrgError::NoRegionLabel) => Ok(page_with(ctx, &page, |view| {
            view.errors.add(
                "motif",
                "La région de cette demande n'a pas de libellé d'adresse dans la configuration \
                 du service ([addresses.regions]) : rien n'a été décidé. Signalez-le à \
                 l'exploitant, puis validez à nouveau.",
            );
        })),
        Err(org::OrgError::Forbidden(_)) => Ok(page_with(ctx, &page, |view| {
            view.errors.add(
                "motif",
                "Aucune adresse ne peut être construite à partir de l'identifiant souhaité : \
                 refusez la demande en indiquant un autre identifiant à demander.",
            );
        })),
        Err(e) => Err(org_error(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RejectForm {
    motif: String,
    /// As in [`ValidateForm`].
    vue: String,
}

async fn reject_post(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
    ctx: Ctx,
    AppForm(form): AppForm<RejectForm>,
) -> Result<Response> {
    let page = load(&state, &admin, id).await?;
    let motif = form.motif.trim();
    let errors = reason_errors(
        "motif",
        motif,
        "Indiquez le motif du refus : il est envoyé aux responsables.",
    );
    if !errors.is_empty() {
        return Ok(page_with(ctx, &page, |view| {
            view.errors = errors;
            view.motif = form.motif.clone();
        }));
    }
    if shown_differs(&page, &form.vue) {
        return changed_meanwhile(&state, &admin, id, ctx).await;
    }
    let decider = Decider::Admin(admin.user.account.id);
    match org::reject(&state, decider, &page.org, motif).await {
        Ok(_) => Ok(Redirect::to(&urls::org_action(urls::ADMIN_ORG, id, None)).into_response()),
        Err(org::OrgError::Changed) => changed_meanwhile(&state, &admin, id, ctx).await,
        Err(e) => Err(org_error(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AcceptChangeForm {
    demande: String,
}

/// The change the administrator's page showed; an unreadable value matches no change.
fn seen_change(demande: &str) -> Option<OrgChange> {
    serde_json::from_str(demande).ok()
}

async fn change_accept_post(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
    ctx: Ctx,
    AppForm(form): AppForm<AcceptChangeForm>,
) -> Result<Response> {
    load(&state, &admin, id).await?; // scope (checked again under the box's lock)
    let decider = Decider::Admin(admin.user.account.id);
    let Some(seen) = seen_change(&form.demande) else {
        return changed_meanwhile(&state, &admin, id, ctx).await;
    };
    match org::accept_change(&state, decider, &admin.scopes, id, &seen).await {
        Ok(()) => Ok(Redirect::to(&urls::org_action(urls::ADMIN_ORG, id, None)).into_response()),
        Err(org::OrgError::Changed) => changed_meanwhile(&state, &admin, id, ctx).await,
        Err(e) => Err(org_error(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RefuseChangeForm {
    demande: String,
    motif_modification: String,
}

async fn change_refuse_post(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
    ctx: Ctx,
    AppForm(form): AppForm<RefuseChangeForm>,
) -> Result<Response> {
    let page = load(&state, &admin, id).await?;
    let motif = form.motif_modification.trim();
    let errors: FieldErrors = reason_errors(
        "motif_modification",
        motif,
        "Indiquez le motif du refus de la modification.",
    );
    if !errors.is_empty() {
        return Ok(page_with(ctx, &page, |view| {
            view.change_errors = errors;
            view.change_motif = form.motif_modification.clone();
        }));
    }
    let decider = Decider::Admin(admin.user.account.id);
    let Some(seen) = seen_change(&form.demande) else {
        return changed_meanwhile(&state, &admin, id, ctx).await;
    };
    match org::refuse_change(&state, decider, &admin.scopes, id, &seen, motif).await {
        Ok(()) => Ok(Redirect::to(&urls::org_action(urls::ADMIN_ORG, id, None)).into_response()),
        Err(org::OrgError::Changed) => changed_meanwhile(&state, &admin, id, ctx).await,
        Err(e) => Err(org_error(e)),
    }
}
