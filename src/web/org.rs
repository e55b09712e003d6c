//! BAL ORG, for the members: `/bal-org/nouvelle` (request), `/bal-org/{id}` (the box, its
//! members and history) and the actions on it. A box is visible to its members only; to anyone
//! else it does not exist (404), so its id reveals nothing.

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use templates::views::{
    AuditRow, OrgFormValues, OrgFormView, OrgInvitationRow, OrgMemberRow, OrgView, SelectOption,
};

use super::admin::{format_time, region_label};
use super::{context::Ctx, form::AppForm, view_errors};
use crate::auth::session::SignedIn;
use crate::domain::org::{Invitation, Member, OrgBox, OrgEvent, OrgInput, OrgStatus, Role};
use crate::{
    domain,
    error::{AppError, Result},
    services::{
        journey::Step,
        org::{self, EditOutcome, MemberChange, OrgError, OrgPage},
    },
    state::AppState,
};

/// The signed-in user's account has been through the journey (CGU accepted, profile complete):
/// the same bar as the pages, for every page and action.
macro_rules! journey_done {
    ($user:expr) => {
        if let Err(redirect) = $user.require(Step::Pending) {
            return Ok(redirect.into_response());
        }
    };
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::ORG_NEW, get(new_get).post(new_post))
        .route(urls::ORG, get(org_get))
        .route(urls::ORG_MEMBERS, post(invite_post))
        .route(urls::ORG_INVITATION_ACCEPT, post(accept_post))
        .route(urls::ORG_INVITATION_DECLINE, post(decline_post))
        .route(urls::ORG_INVITATION_WITHDRAW, post(withdraw_post))
        .route(urls::ORG_MEMBER_REMOVE, post(remove_post))
        .route(urls::ORG_MEMBER_PROMOTE, post(promote_post))
        .route(urls::ORG_MEMBER_DEMOTE, post(demote_post))
        .route(urls::ORG_LEAVE, post(leave_post))
        .route(urls::ORG_EDIT, get(edit_get).post(edit_post))
        .route(urls::ORG_CLOSE, post(close_post))
}

/// The form as posted. Unticked checkboxes are absent.
#[derive(Deserialize, Default)]
#[serde(default)]
struct OrgFormBody {
    libelle: String,
    identifiant_local: String,
    raison_sociale: String,
    type_identifiant_structure: String,
    identifiant_structure: String,
    service: String,
    description: String,
    adresse: String,
    code_postal: String,
    ville: String,
    departement: String,
    region: String,
    telephone: String,
    dematerialisation: Option<String>,
    annuaire_mssante: Option<String>,
    annuaire_medimail: Option<String>,
}

impl OrgFormBody {
    fn input(&self) -> OrgInput {
        OrgInput {
            libelle: self.libelle.clone(),
            identifiant_local: self.identifiant_local.clone(),
            raison_sociale: self.raison_sociale.clone(),
            type_identifiant_structure: self.type_identifiant_structure.clone(),
            identifiant_structure: self.identifiant_structure.clone(),
            service: self.service.clone(),
            description: self.description.clone(),
            adresse: self.adresse.clone(),
            code_postal: self.code_postal.clone(),
            ville: self.ville.clone(),
            departement: self.departement.clone(),
            region: self.region.clone(),
            telephone: self.telephone.clone(),
            dematerialisation: self.dematerialisation.is_some(),
            annuaire_mssante: self.annuaire_mssante.is_some(),
            annuaire_medimail: self.annuaire_medimail.is_some(),
        }
    }
}

fn values(input: &OrgInput) -> OrgFormValues {
    OrgFormValues {
        libelle: input.libelle.clone(),
        identifiant_local: input.identifiant_local.clone(),
        raison_sociale: input.raison_sociale.clone(),
        type_identifiant_structure: input.type_identifiant_structure.clone(),
        identifiant_structure: input.identifiant_structure.clone(),
        service: input.service.clone(),
        description: input.description.clone(),
        adresse: input.adresse.clone(),
        code_postal: input.code_postal.clone(),
        ville: input.ville.clone(),
        departement: input.departement.clone(),
        region: input.region.clone(),
        telephone: input.telephone.clone(),
        dematerialisation: input.dematerialisation,
        annuaire_mssante: input.annuaire_mssante,
        annuaire_medimail: input.annuaire_medimail,
    }
}

fn form_view(id: Option<i32>, org: Option<&OrgBox>, input: &OrgInput) -> OrgFormView {
    OrgFormView {
        id,
        address: org.and_then(|o| o.mailbox_address.clone()),
        pending_change: org
            .and_then(|o| o.pending_change.as_ref())
            .map(|c| c.to_string()),
        values: values(input),
        regions: domain::all_regions()
            .map(|r| SelectOption {
                value: r.code().to_owned(),
                label: r.name().to_owned(),
            })
            .collect(),
        departements: domain::all_departements()
            .map(|d| SelectOption {
                value: d.code().to_owned(),
                label: format!("{} - {}", d.code(), d.name()),
            })
            .collect(),
        ..OrgFormView::default()
    }
}

/// The request form, only for an account that may request (else 403).
async fn new_get(user: SignedIn, ctx: Ctx) -> Result<Response> {
    journey_done!(user);
    if !org::may_request(user.account()) {
        return Err(not_eligible());
    }
    // The guide's defaults: dématérialisation and MSSanté directory ticked.
    let input = OrgInput {
        dematerialisation: true,
        annuaire_mssante: true,
        ..OrgInput::default()
    };
    let view = form_view(None, None, &input);
    Ok(templates::pages::org_form(&ctx.for_user(None), &view).into_response())
}

fn not_eligible() -> AppError {
    AppError::Forbidden("only a validated individual account may request a BAL ORG")
}

async fn new_post(
    State(state): State<AppState>,
    user: SignedIn,
    ctx: Ctx,
    AppForm(body): AppForm<OrgFormBody>,
) -> Result<Response> {
    journey_done!(user);
    let input = body.input();
    match org::request(&state, user.account(), &input).await {
        Ok(id) => Ok(Redirect::to(&urls::org(id)).into_response()),
        Err(OrgError::Invalid(errors)) => {
            let view = OrgFormView {
                errors: view_errors(&errors),
                ..form_view(None, None, &input)
            };
            let page = templates::pages::org_form(&ctx.for_user(None), &view);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(org_error(e)),
    }
}

pub(super) fn org_error(e: OrgError) -> AppError {
    match e {
        OrgError::NotFound => AppError::NotFound,
        OrgError::Forbidden(why) => AppError::Forbidden(why),
        OrgError::Invalid(_) | OrgError::LastResponsable | OrgError::Changed => {
            AppError::BadRequest(e.to_string())
        }
        // Handled on the administrators' page; anywhere else it is the operator's to fix.
        OrgError::NoRegionLabel => AppError::Unexpected(anyhow::anyhow!(e)),
        OrgError::Unexpected(e) => AppError::Unexpected(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OrgQuery {
    invitation: Option<String>,
}

async fn org_get(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i32>,
    Query(query): Query<OrgQuery>,
    ctx: Ctx,
) -> Result<Response> {
    journey_done!(user);
    // Worded so that it says nothing about whether the address has an account.
    let ctx = match query.invitation {
        Some(_) => ctx.with_notice(
            "Invitation envoyée. Si cette adresse n'est pas celle d'un compte individuel, un mail \
             l'invite à en créer un.",
        ),
        None => ctx,
    };
    let page = org::for_member(&state.db, id, user.account().id)
        .await
        .map_err(org_error)?;
    let view = org_view(&page, user.account().id);
    Ok(templates::pages::org_page(&ctx.for_user(None), &view).into_response())
}

/// The box's fields, labelled, in form order (shared with the administrators' page).
pub(super) fn org_fields(org: &OrgBox) -> Vec<(String, String)> {
    let departement = domain::Departement::parse(&org.departement).map_or_else(
        |_| org.departement.clone(),
        |d| format!("{} - {}", d.code(), d.name()),
    );
    let flag = |b: bool| if b { "Oui" } else { "Non" }.to_owned();
    [
        ("Libellé", org.libelle.clone()),
        ("Identifiant souhaité", org.local_wish.clone()),
        ("Raison sociale", org.raison_sociale.clone()),
        (
            "Identifiant de la structure",
            format!("{} {}", org.structure_type, org.structure_id),
        ),
        ("Service de rattachement", org.service.clone()),
        ("Description", org.description.clone()),
        ("Téléphone", org.telephone.clone()),
        ("Adresse", org.adresse.clone()),
        ("Code postal", org.code_postal.clone()),
        ("Ville", org.ville.clone()),
        ("Département", departement),
        ("Région", region_label(&org.region)),
        ("Dématérialisation", flag(org.dematerialisation)),
        ("Annuaire MSSanté", flag(org.annuaire_mssante)),
        ("Annuaire de l'opérateur", flag(org.annuaire_medimail)),
    ]
    .into_iter()
    .map(|(label, value)| (label.to_owned(), value))
    .collect()
}

pub(super) fn member_rows(members: &[Member]) -> Vec<OrgMemberRow> {
    members
        .iter()
        .map(|m| OrgMemberRow {
            account_id: m.account_id,
            name: format!("{} {}", m.prenom, m.nom),
            email: m.email.clone(),
            role: m.role.label().to_owned(),
            responsable: m.role == Role::Responsable,
        })
        .collect()
}

fn invitation_rows(invitations: &[Invitation]) -> Vec<OrgInvitationRow> {
    invitations
        .iter()
        .map(|i| OrgInvitationRow {
            id: i.id,
            email: i.email.clone(),
            invited_at: format_time(i.invited_at),
        })
        .collect()
}

pub(super) fn history_rows(history: &[OrgEvent]) -> Vec<AuditRow> {
    history
        .iter()
        .map(|e| AuditRow {
            at: format_time(e.at),
            actor: e.actor_name.clone(),
            action: e.action.label().to_owned(),
            detail: e.detail.clone().unwrap_or_default(),
        })
        .collect()
}

fn org_view(page: &OrgPage, viewer: i32) -> OrgView {
    let org = &page.org;
    let status = org.status();
    OrgView {
        id: org.id,
        libelle: org.libelle.clone(),
        status: status.label().to_owned(),
        pending: status == OrgStatus::Pending,
        closed: status == OrgStatus::Closed,
        rejected: status == OrgStatus::Rejected,
        address: org.mailbox_address.clone(),
        rejection_reason: org.rejection_reason.clone(),
        fields: org_fields(org),
        pending_change: org.pending_change.as_ref().map(|c| c.to_string()),
        responsable: page.role == Role::Responsable,
        viewer_id: viewer,
        members: member_rows(&page.members),
        invitations: invitation_rows(&page.invitations),
        history: history_rows(&page.history),
        ..OrgView::default()
    }
}

/// Re-renders the box's page with a 422 and an error: the invitation form's, or a refused action
/// (the last responsable).
async fn org_page_with(
    state: &AppState,
    ctx: Ctx,
    account_id: i32,
    id: i32,
    change: impl FnOnce(&mut OrgView),
) -> Result<Response> {
    let page = org::for_member(&state.db, id, account_id)
        .await
        .map_err(org_error)?;
    let mut view = org_view(&page, account_id);
    change(&mut view);
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        templates::pages::org_page(&ctx.for_user(None), &view),
    )
        .into_response())
}

const LAST_RESPONSABLE: &str = "Impossible : une BAL organisationnelle garde toujours au moins \
                                un responsable. Nommez d'abord un autre membre responsable.";

#[derive(Deserialize, Default)]
#[serde(default)]
struct InviteForm {
    email: String,
}

async fn invite_post(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i32>,
    ctx: Ctx,
    AppForm(form): AppForm<InviteForm>,
) -> Result<Response> {
    journey_done!(user);
    let account = user.account();
    match org::invite(&state, account, id, &form.email).await {
        // The same answer whether or not the address has an account.
        Ok(()) => {
            Ok(Redirect::to(&format!("{}?invitation=envoyee", urls::org(id))).into_response())
        }
        Err(OrgError::Invalid(errors)) => {
            org_page_with(&state, ctx, account.id, id, |view| {
                view.invite_email = form.email.clone();
                view.invite_errors = view_errors(&errors);
            })
            .await
        }
        Err(e) => Err(org_error(e)),
    }
}

async fn accept_post(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i32>,
) -> Result<Response> {
    journey_done!(user);
    org::answer_invitation(&state, user.account(), id, true)
        .await
        .map_err(org_error)?;
    Ok(Redirect::to(&urls::org(id)).into_response())
}

async fn decline_post(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i32>,
) -> Result<Response> {
    journey_done!(user);
    org::answer_invitation(&state, user.account(), id, false)
        .await
        .map_err(org_error)?;
    Ok(Redirect::to(urls::ACCOUNT).into_response())
}

async fn withdraw_post(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, invitation)): Path<(i32, i32)>,
) -> Result<Response> {
    journey_done!(user);
    org::withdraw_invitation(&state, user.account(), id, invitation)
        .await
        .map_err(org_error)?;
    Ok(Redirect::to(&urls::org(id)).into_response())
}

async fn member_action(
    state: AppState,
    user: SignedIn,
    ctx: Ctx,
    id: i32,
    member: i32,
    change: MemberChange,
) -> Result<Response> {
    journey_done!(user);
    let account = user.account();
    match org::change_member(&state, account, id, member, change).await {
        Ok(()) => Ok(Redirect::to(&urls::org(id)).into_response()),
        Err(OrgError::LastResponsable) => {
            org_page_with(&state, ctx, account.id, id, |view| {
                view.error = Some(LAST_RESPONSABLE.to_owned());
            })
            .await
        }
        Err(e) => Err(org_error(e)),
    }
}

async fn remove_post(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, member)): Path<(i32, i32)>,
    ctx: Ctx,
) -> Result<Response> {
    member_action(state, user, ctx, id, member, MemberChange::Remove).await
}

async fn promote_post(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, member)): Path<(i32, i32)>,
    ctx: Ctx,
) -> Result<Response> {
    member_action(state, user, ctx, id, member, MemberChange::Promote).await
}

async fn demote_post(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, member)): Path<(i32, i32)>,
    ctx: Ctx,
) -> Result<Response> {
    member_action(state, user, ctx, id, member, MemberChange::Demote).await
}

async fn leave_post(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i32>,
    ctx: Ctx,
) -> Result<Response> {
    journey_done!(user);
    let account = user.account();
    match org::leave(&state, account, id).await {
        Ok(()) => Ok(Redirect::to(urls::ACCOUNT).into_response()),
        Err(OrgError::LastResponsable) => {
            org_page_with(&state, ctx, account.id, id, |view| {
                view.error = Some(LAST_RESPONSABLE.to_owned());
            })
            .await
        }
        Err(e) => Err(org_error(e)),
    }
}

fn input_of(org: &OrgBox) -> OrgInput {
    OrgInput {
        libelle: org.libelle.clone(),
        identifiant_local: String::new(),
        raison_sociale: org.raison_sociale.clone(),
        type_identifiant_structure: org.structure_type.clone(),
        identifiant_structure: org.structure_id.clone(),
        service: org.service.clone(),
        description: org.description.clone(),
        adresse: org.adresse.clone(),
        code_postal: org.code_postal.clone(),
        ville: org.ville.clone(),
        departement: org.departement.clone(),
        region: org.region.clone(),
        telephone: org.telephone.clone(),
        dematerialisation: org.dematerialisation,
        annuaire_mssante: org.annuaire_mssante,
        annuaire_medimail: org.annuaire_medimail,
    }
}

/// Loads the box for a responsable's edit form: 404 for non-members, 403 for plain members or
/// a closed or rejected box.
async fn editable(state: &AppState, account_id: i32, id: i32) -> Result<OrgBox> {
    let page = org::for_member(&state.db, id, account_id)
        .await
        .map_err(org_error)?;
    if page.role != Role::Responsable {
        return Err(AppError::Forbidden("only a responsable edits the box"));
    }
    if matches!(page.org.status(), OrgStatus::Closed | OrgStatus::Rejected) {
        return Err(AppError::Forbidden("the box is closed or was rejected"));
    }
    Ok(page.org)
}

async fn edit_get(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i32>,
    ctx: Ctx,
) -> Result<Response> {
    journey_done!(user);
    let org = editable(&state, user.account().id, id).await?;
    let view = form_view(Some(id), Some(&org), &input_of(&org));
    Ok(templates::pages::org_form(&ctx.for_user(None), &view).into_response())
}

async fn edit_post(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i32>,
    ctx: Ctx,
    AppForm(body): AppForm<OrgFormBody>,
) -> Result<Response> {
    journey_done!(user);
    let org = editable(&state, user.account().id, id).await?;
    let input = body.input();
    match org::edit(&state, user.account(), id, &input).await {
        Ok(EditOutcome::Applied | EditOutcome::ChangeRequested) => {
            Ok(Redirect::to(&urls::org(id)).into_response())
        }
        Err(OrgError::Invalid(errors)) => {
            let view = OrgFormView {
                errors: view_errors(&errors),
                ..form_view(Some(id), Some(&org), &input)
            };
            let page = templates::pages::org_form(&ctx.for_user(None), &view);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(org_error(e)),
    }
}

async fn close_post(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<i32>,
) -> Result<Response> {
    journey_done!(user);
    org::close(&state, user.account(), id)
        .await
        .map_err(org_error)?;
    Ok(Redirect::to(&urls::org(id)).into_response())
}
