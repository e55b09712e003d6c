//! The administrators' console: `/admin` (the validation queue of the admin's scope) and
//! `/admin/comptes/{id}` (one account, its history, validate or reject).

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use templates::views::{
    AdminAccountView, AdminQueueView, AnnuaireCheckView, AnnuaireStatus, AuditRow, ChangeRow,
    ComparisonRow, FieldErrors, PractitionerRoleView, PractitionerView, QueueRow, SelectOption,
};

use super::{context::Ctx, form::AppForm};
use crate::annuaire_sante::{Outcome, StoredCheck};
use crate::auth::session::AdminUser;
use crate::domain::{Account, QueueFilter, Scope};
use crate::services::annuaire_sante::Compared;
use crate::{
    domain::{
        self, IdentifierType, NationalId,
        national_id::luhn_valid,
        profile::{
            FIELDS, Field, Raw, StoredProfile,
            fields::{AdminDisplay, Options, Widget},
        },
    },
    error::{AppError, Result},
    services::password::{self, AdminResetOutcome},
    services::{
        annuaire_sante, org, profile_edit,
        validation::{self, Decider, DecisionError, MAX_REASON_CHARS},
    },
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::ADMIN, get(queue_get))
        .route(urls::ADMIN_ACCOUNT, get(account_get))
        .route(urls::ADMIN_VALIDATE, post(validate_post))
        .route(urls::ADMIN_REJECT, post(reject_post))
        .route(urls::ADMIN_PASSWORD_RESET, post(password_reset_post))
        .route(urls::ADMIN_CHANGE_ACCEPT, post(change_accept_post))
        .route(urls::ADMIN_CHANGE_REFUSE, post(change_refuse_post))
        .route(urls::ADMIN_DISABLE, post(disable_post))
        .route(urls::ADMIN_REACTIVATE, post(reactivate_post))
        .route(urls::ADMIN_ANNUAIRE_REFRESH, post(annuaire_refresh_post))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct QueueQuery {
    region: String,
    profession: String,
    bal_type: String,
}

async fn queue_get(
    State(state): State<AppState>,
    admin: AdminUser,
    Query(query): Query<QueueQuery>,
    ctx: Ctx,
) -> Result<Response> {
    let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let filter = QueueFilter {
        scopes: admin.scopes.clone(),
        region: non_empty(&query.region),
        profession: non_empty(&query.profession),
        bal_type: non_empty(&query.bal_type),
    };
    let (pending, now) = validation::pending_queue(&state.db, &filter, state.clock.now()).await?;
    let rows: Vec<QueueRow> = pending
        .into_iter()
        .map(|entry| {
            let (account, profile) = (&entry.account, &entry.profile);
            let submitted = account.profile_submitted_at.unwrap_or(now);
            let age = now - submitted;
            QueueRow {
                id: account.id,
                nom: account.nom.clone(),
                prenom: account.prenom.clone(),
                email: account.email.clone(),
                profession: profession_label(&state, &profile.profession),
                region: region_label(&profile.region),
                bal_type: account
                    .bal_type
                    .map(|b| b.as_str().to_owned())
                    .unwrap_or_default(),
                submitted_at: format_time(submitted),
                age: format_age(age),
                age_hours: age.num_hours(),
                psc_verified: entry.psc_verified,
                contested: entry.contested,
                annuaire_mark: entry.annuaire.map(|flag| annuaire_mark(flag).to_owned()),
                href: urls::admin_account(account.id),
            }
        })
        .collect();
    let mut rows = rows;
    rows.extend(org_queue_rows(&state, &filter, now).await?);
    let changes = profile_edit::pending_changes(&state.db, &admin.scopes)
        .await?
        .into_iter()
        .map(|(account, _, request)| ChangeRow {
            id: account.id,
            nom: account.nom,
            prenom: account.prenom,
            email: account.email,
            requested_at: format_time(request.requested_at),
            fields: FIELDS
                .iter()
                .filter(|f| request.changes.contains_key(f.name))
                .map(|f| f.admin_label())
                .collect::<Vec<_>>()
                .join(", "),
            href: urls::admin_account(account.id),
        })
        .collect::<Vec<_>>();
    let mut changes = changes;
    changes.extend(
        org::pending_changes(&state.db, &admin.scopes)
            .await?
            .into_iter()
            .map(|o| ChangeRow {
                id: o.id,
                nom: o.libelle.clone(),
                prenom: "BAL ORG".to_owned(),
                email: o.mailbox_address.clone().unwrap_or_default(),
                requested_at: o.change_requested_at.map(format_time).unwrap_or_default(),
                fields: "Raison sociale, identifiant de la structure".to_owned(),
                href: urls::org_action(urls::ADMIN_ORG, o.id, None),
            }),
    );
    let view = AdminQueueView {
        changes,
        scope_label: admin
            .scopes
            .iter()
            .map(scope_label)
            .collect::<Vec<_>>()
            .join(", "),
        total_pending: rows.len(),
        over_24h: rows.iter().filter(|r| r.age_hours >= 24).count(),
        over_48h: rows.iter().filter(|r| r.age_hours >= 48).count(),
        rows,
        filter_region: query.region,
        filter_profession: query.profession,
        filter_bal_type: query.bal_type,
        regions: domain::all_regions()
            .map(|r| SelectOption {
                value: r.code().to_owned(),
                label: r.name().to_owned(),
            })
            .collect(),
        professions: state
            .nomenclatures
            .professions()
            .iter()
            .map(|p| SelectOption {
                value: p.code.clone(),
                label: p.label.clone(),
            })
            .collect(),
    };
    Ok(templates::pages::admin_queue(&ctx.for_user(None), &view).into_response())
}

/// The BAL ORG requests of the queue, within the filter: they have a région but no profession,
/// and their type is "ORG".
async fn org_queue_rows(
    state: &AppState,
    filter: &QueueFilter,
    now: DateTime<FixedOffset>,
) -> Result<Vec<QueueRow>> {
    let wanted =
        filter.profession.is_none() && filter.bal_type.as_deref().is_none_or(|t| t == "ORG");
    if !wanted {
        return Ok(Vec::new());
    }
    let pending = org::pending_queue(&state.db, &filter.scopes).await?;
    Ok(pending
        .into_iter()
        .filter(|(o, _)| filter.region.as_deref().is_none_or(|r| r == o.region))
        .map(|(o, requester)| {
            let age = now - o.requested_at;
            QueueRow {
                id: o.id,
                nom: o.libelle.clone(),
                prenom: String::new(),
                email: requester.map(|a| a.email).unwrap_or_default(),
                profession: o.raison_sociale.clone(),
                region: region_label(&o.region),
                bal_type: "ORG".to_owned(),
                submitted_at: format_time(o.requested_at),
                age: format_age(age),
                age_hours: age.num_hours(),
                psc_verified: false,
                contested: false,
                annuaire_mark: None,
                href: urls::org_action(urls::ADMIN_ORG, o.id, None),
            }
        })
        .collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AccountQuery {
    reinitialisation: Option<String>,
}

async fn account_get(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
    Query(query): Query<AccountQuery>,
    ctx: Ctx,
) -> Result<Response> {
    let (account, profile) = load(&state, &admin, id).await?;
    let ctx = match query.reinitialisation.as_deref() {
        Some("envoyee") => ctx.with_notice(
            "Un lien de réinitialisation du mot de passe a été envoyé à l'utilisateur.",
        ),
        Some(_) => ctx.with_notice(
            "Ce compte est désactivé : aucun lien de réinitialisation n'a été envoyé.",
        ),
        None => ctx,
    };
    let viewer = admin.user.account.id;
    validation::record_viewed(&state.db, viewer, account.id, state.clock.now()).await?;
    detail_page(&state, ctx, &account, profile.as_ref(), Forms::default()).await
}

/// What the detail page's forms show again after an error.
#[derive(Default)]
struct Forms {
    /// The decision forms' errors (shown next to `motif`) and the reason typed.
    errors: FieldErrors,
    motif: String,
    /// The change-refusal form's errors (next to `motif_modification`) and its reason.
    change_errors: FieldErrors,
    change_motif: String,
}

impl Forms {
    fn decision_error(message: &str) -> Self {
        let mut errors = FieldErrors::new();
        errors.add("motif", message);
        Self {
            errors,
            ..Self::default()
        }
    }
}

/// The detail page: 200, or 422 when a form of it has errors.
async fn detail_page(
    state: &AppState,
    ctx: Ctx,
    account: &Account,
    profile: Option<&StoredProfile>,
    forms: Forms,
) -> Result<Response> {
    let status = if forms.errors.is_empty() && forms.change_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = detail_view(state, account, profile, forms).await?;
    Ok((
        status,
        templates::pages::admin_account(&ctx.for_user(None), &view),
    )
        .into_response())
}

async fn validate_post(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
    ctx: Ctx,
) -> Result<Response> {
    let (account, profile) = load(&state, &admin, id).await?;
    let Some(profile) = profile else {
        return Ok(Redirect::to(&urls::admin_account(id)).into_response());
    };
    match validation::validate(
        &state,
        Decider::Admin(admin.user.account.id),
        &account,
        &profile,
    )
    .await
    {
        // Already decided (by someone else, or a double submit): the page shows the decision.
        Ok(_) | Err(DecisionError::NotPending) => {
            Ok(Redirect::to(&urls::admin_account(id)).into_response())
        }
        Err(DecisionError::NoAddress) => {
            let forms = Forms::decision_error(
                "Aucune adresse ne peut être construite à partir des nom et prénom de ce compte.",
            );
            detail_page(&state, ctx, &account, Some(&profile), forms).await
        }
        Err(DecisionError::IdentifierTaken) => {
            let forms = Forms::decision_error(IDENTIFIER_TAKEN);
            detail_page(&state, ctx, &account, Some(&profile), forms).await
        }
        Err(e) => Err(decision_error(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RejectForm {
    motif: String,
}

async fn reject_post(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
    ctx: Ctx,
    AppForm(form): AppForm<RejectForm>,
) -> Result<Response> {
    let (account, profile) = load(&state, &admin, id).await?;
    let motif = form.motif.trim();
    let errors = reason_errors(
        "motif",
        motif,
        "Indiquez le motif du refus : il est envoyé à l'utilisateur.",
    );
    if !errors.is_empty() {
        let forms = Forms {
            errors,
            motif: form.motif.clone(),
            ..Forms::default()
        };
        return detail_page(&state, ctx, &account, profile.as_ref(), forms).await;
    }
    match validation::reject(
        &state,
        Decider::Admin(admin.user.account.id),
        &account,
        motif,
    )
    .await
    {
        Ok(()) | Err(DecisionError::NotPending) => {
            Ok(Redirect::to(&urls::admin_account(id)).into_response())
        }
        Err(e) => Err(decision_error(e)),
    }
}

/// Mails the user a reset link (the administrator never sees it), then back to the page.
async fn password_reset_post(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
) -> Result<Response> {
    let (account, _) = load(&state, &admin, id).await?;
    let outcome = password::send_by_admin(&state, admin.user.account.id, &account).await?;
    let flag = match outcome {
        AdminResetOutcome::Sent => "envoyee",
        AdminResetOutcome::AccountDisabled => "impossible",
    };
    let back = format!("{}?reinitialisation={flag}", urls::admin_account(id));
    Ok(Redirect::to(&back).into_response())
}

/// The errors of a required reason: missing, or too long.
pub(super) fn reason_errors(field: &'static str, reason: &str, missing: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if reason.is_empty() {
        errors.add(field, missing);
    } else if reason.chars().count() > MAX_REASON_CHARS {
        errors.add(
            field,
            format!("Le motif est trop long ({MAX_REASON_CHARS} caractères maximum)."),
        );
    }
    errors
}

const IDENTIFIER_TAKEN: &str = "Impossible : un autre compte déjà validé porte ce même \
                                identifiant national (RPPS ou ADELI). Vérifiez lequel des deux \
                                comptes appartient au titulaire avant de décider.";

async fn change_accept_post(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
    ctx: Ctx,
) -> Result<Response> {
    let (account, profile) = load(&state, &admin, id).await?;
    let Some(profile) = profile else {
        return Ok(Redirect::to(&urls::admin_account(id)).into_response());
    };
    let decider = Decider::Admin(admin.user.account.id);
    match profile_edit::accept_change(&state, decider, &account, &profile).await {
        // Decided meanwhile (another admin, a double submit): the page shows where it stands.
        Ok(()) | Err(DecisionError::NotPending) => {
            Ok(Redirect::to(&urls::admin_account(id)).into_response())
        }
        Err(DecisionError::IdentifierTaken) => {
            let mut change_errors = FieldErrors::new();
            change_errors.add("motif_modification", IDENTIFIER_TAKEN);
            let forms = Forms {
                change_errors,
                ..Forms::default()
            };
            detail_page(&state, ctx, &account, Some(&profile), forms).await
        }
        Err(e) => Err(decision_error(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RefuseChangeForm {
    motif_modification: String,
}

async fn change_refuse_post(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
    ctx: Ctx,
    AppForm(form): AppForm<RefuseChangeForm>,
) -> Result<Response> {
    let (account, profile) = load(&state, &admin, id).await?;
    let motif = form.motif_modification.trim();
    let change_errors = reason_errors(
        "motif_modification",
        motif,
        "Indiquez le motif du refus de la modification.",
    );
    if !change_errors.is_empty() {
        let forms = Forms {
            change_errors,
            change_motif: form.motif_modification.clone(),
            ..Forms::default()
        };
        return detail_page(&state, ctx, &account, profile.as_ref(), forms).await;
    }
    let decider = Decider::Admin(admin.user.account.id);
    match profile_edit::refuse_change(&state, decider, &account, motif).await {
        Ok(()) | Err(DecisionError::NotPending) => {
            Ok(Redirect::to(&urls::admin_account(id)).into_response())
        }
        Err(e) => Err(decision_error(e)),
    }
}

/// Disables a decided account (`motif` required, 422 otherwise): signed out, out of the
/// directory.
async fn disable_post(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
    ctx: Ctx,
    AppForm(form): AppForm<RejectForm>,
) -> Result<Response> {
    let (account, profile) = load(&state, &admin, id).await?;
    let motif = form.motif.trim();
    let errors = reason_errors(
        "motif",
        motif,
        "Indiquez le motif de la désactivation : il est conservé dans l'historique.",
    );
    if !errors.is_empty() {
        let forms = Forms {
            errors,
            motif: form.motif.clone(),
            ..Forms::default()
        };
        return detail_page(&state, ctx, &account, profile.as_ref(), forms).await;
    }
    if !account.disabled {
        let decider = Decider::Admin(admin.user.account.id);
        validation::disable(&state.db, decider, id, Some(motif), state.clock.now()).await?;
        state.outbox.wake();
    }
    Ok(Redirect::to(&urls::admin_account(id)).into_response())
}

/// Queues a fresh Annuaire Santé lookup of the account's declared identifier (the "Actualiser"
/// and "Réessayer" buttons); the page then shows "Vérification en cours" until the worker stored
/// the answer. Never waits for the API.
async fn annuaire_refresh_post(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
) -> Result<Response> {
    let (_, profile) = load(&state, &admin, id).await?;
    if let Some(profile) = profile
        && annuaire_sante::refresh(
            &state.db,
            &state.settings.annuaire_sante,
            &profile,
            state.clock.now(),
        )
        .await?
    {
        state.outbox.wake();
    }
    Ok(Redirect::to(&urls::admin_account(id)).into_response())
}

/// Re-enables an account an administrator disabled (a closed one stays closed).
async fn reactivate_post(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i32>,
) -> Result<Response> {
    let (account, _) = load(&state, &admin, id).await?;
    if account.disabled {
        let decider = Decider::Admin(admin.user.account.id);
        if validation::reactivate(&state.db, decider, id, state.clock.now()).await? {
            state.outbox.wake();
        }
    }
    Ok(Redirect::to(&urls::admin_account(id)).into_response())
}

async fn load(
    state: &AppState,
    admin: &AdminUser,
    id: i32,
) -> Result<(Account, Option<StoredProfile>)> {
    validation::load_in_scope(&state.db, &admin.scopes, id)
        .await
        .map_err(decision_error)
}

fn decision_error(e: DecisionError) -> AppError {
    match e {
        DecisionError::NotFound => AppError::NotFound,
        DecisionError::OutOfScope => {
            AppError::Forbidden("account outside the administrator's scope")
        }
        DecisionError::NotPending | DecisionError::NoAddress | DecisionError::IdentifierTaken => {
            AppError::BadRequest(e.to_string())
        }
        DecisionError::Unexpected(e) => AppError::Unexpected(e),
    }
}

async fn detail_view(
    state: &AppState,
    account: &Account,
    profile: Option<&StoredProfile>,
    forms: Forms,
) -> Result<AdminAccountView> {
    let detail = validation::account_detail(&state.db, account, profile).await?;
    let change_request = match (&detail.change_request, profile) {
        (Some(request), Some(profile)) => FIELDS
            .iter()
            .filter_map(|f| {
                let requested = request.changes.get(f.name)?;
                let current = profile_edit::current_value(account, profile, f.name);
                let display = |value: &str| match f.name {
                    "nom" | "prenom" => value.to_owned(),
                    _ => shown(state, f, Raw::Text(value)),
                };
                Some((
                    f.admin_label().to_owned(),
                    display(current),
                    display(requested),
                ))
            })
            .collect(),
        _ => Vec::new(),
    };
    let history = detail
        .history
        .into_iter()
        .map(|e| AuditRow {
            at: format_time(e.at),
            actor: e.actor,
            action: action_label(&e.action).to_owned(),
            detail: e.detail.unwrap_or_default(),
        })
        .collect();
    let psc_verified = detail.psc_verified;
    Ok(AdminAccountView {
        id: account.id,
        status: account.status().label().to_owned(),
        pending: account.is_pending(),
        disabled: account.disabled,
        closed: account.closed_at.is_some(),
        fields: fields(state, account, profile),
        psc_verified,
        psc_verified_fields: FIELDS
            .iter()
            .filter(|f| detail.verified_fields.contains(&f.name))
            .map(|f| f.admin_label().to_owned())
            .collect(),
        contested_by: detail.contested_by,
        identifier_check: profile.and_then(identifier_check),
        annuaire: profile
            .and_then(|p| annuaire_view(state, account, p, detail.annuaire.as_ref(), psc_verified)),
        mailbox_address: account.mailbox_address.clone(),
        rejection_reason: account.rejection_reason.clone(),
        history,
        errors: forms.errors,
        motif: forms.motif,
        change_request,
        change_errors: forms.change_errors,
        change_motif: forms.change_motif,
    })
}

/// The account, then every profile field the user gave, in the form's order (the field table
/// says which and how).
fn fields(
    state: &AppState,
    account: &Account,
    profile: Option<&StoredProfile>,
) -> Vec<(String, String)> {
    let mut fields = vec![
        ("Adresse mail".to_owned(), account.email.clone()),
        ("Nom".to_owned(), account.nom.clone()),
        ("Prénom".to_owned(), account.prenom.clone()),
        (
            "Type de BAL".to_owned(),
            account
                .bal_type
                .map(|b| b.as_str().to_owned())
                .unwrap_or_default(),
        ),
    ];
    if let Some(p) = profile {
        fields.extend(
            FIELDS
                .iter()
                .filter(|f| f.admin != AdminDisplay::Hidden)
                .filter_map(|f| {
                    Some((f.admin_label().to_owned(), shown(state, f, p.get(f.name)?)))
                }),
        );
    }
    fields
}

/// A stored value as the admin reads it.
fn shown(state: &AppState, field: &Field, value: Raw<'_>) -> String {
    let code = match value {
        Raw::Flag(b) => return if b { "Oui" } else { "Non" }.to_owned(),
        Raw::Text(code) if field.admin != AdminDisplay::Labelled || code.is_empty() => {
            return code.to_owned();
        }
        Raw::Text(code) => code,
    };
    let n = &state.nomenclatures;
    let label = match field.widget {
        Widget::Select { options, .. } => match options {
            Options::Professions => n.profession(code).map(|p| p.label.clone()),
            Options::Specialties => n.specialty(code).map(|s| s.label.clone()),
            Options::CodeList(file) => n.code(file, code).map(|c| c.label.clone()),
            // A région reads better without its INSEE code.
            Options::Regions => return region_label(code),
            Options::Departements | Options::IdentifierTypes => None,
        },
        _ => None,
    };
    label.map_or_else(|| code.to_owned(), |label| format!("{label} ({code})"))
}

/// The RPPS/ADELI key check (domain.md §2.6), shown to help the admin spot typos.
fn identifier_check(profile: &StoredProfile) -> Option<String> {
    let kind = profile.type_identifiant.parse::<IdentifierType>().ok()?;
    let id = profile.identifiant.as_str();
    let label = kind.as_str();
    Some(match NationalId::parse(kind, id) {
        Ok(_) => format!("Clé {label} valide"),
        Err(_) if luhn_valid(id) => format!("Numéro {label} mal formé"),
        Err(_) => format!("Clé {label} invalide"),
    })
}

/// The queue's text mark of a risky cross-check.
fn annuaire_mark(flag: annuaire_sante::Flag) -> &'static str {
    match flag {
        annuaire_sante::Flag::Unknown => "Identifiant inconnu de l'Annuaire Santé",
        annuaire_sante::Flag::Mismatch => "Écart avec l'Annuaire Santé",
        annuaire_sante::Flag::Inactive => "Inactif dans l'Annuaire Santé",
    }
}

/// The Annuaire Santé section of the detail page; `None` when the profile declares no
/// identifier.
fn annuaire_view(
    state: &AppState,
    account: &Account,
    profile: &StoredProfile,
    check: Option<&StoredCheck>,
    psc_verified: bool,
) -> Option<AnnuaireCheckView> {
    let declared = annuaire_sante::declared(profile)?;
    let status = match check {
        _ if !state.settings.annuaire_sante.enabled => AnnuaireStatus::Disabled,
        None => AnnuaireStatus::NotRequested,
        Some(c) if c.in_progress() => AnnuaireStatus::InProgress,
        Some(c) => match c.outcome {
            Some(Outcome::Found) => AnnuaireStatus::Found,
            Some(Outcome::Unknown) => AnnuaireStatus::Unknown,
            Some(Outcome::Unavailable) | None => AnnuaireStatus::Unavailable,
        },
    };
    let practitioner = check.and_then(|c| c.practitioner.as_ref());
    let with_code = |label: Option<String>, code: &str| {
        label.map_or_else(|| code.to_owned(), |label| format!("{label} ({code})"))
    };
    let profession = |code: &str| {
        with_code(
            state
                .nomenclatures
                .profession(code)
                .map(|p| p.label.clone()),
            code,
        )
    };
    let comparison = practitioner
        .map(|p| annuaire_sante::compare(p, account, profile))
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let (label, show): (&str, &dyn Fn(&str) -> String) = match c.what {
                Compared::Nom => ("Nom", &|v: &str| v.to_owned()),
                Compared::Prenom => ("Prénom", &|v: &str| v.to_owned()),
                Compared::Profession => ("Profession", &profession),
                Compared::Region => ("Région", &region_label),
            };
            ComparisonRow {
                label: label.to_owned(),
                typed: if c.typed.is_empty() {
                    String::new()
                } else {
                    show(&c.typed)
                },
                directory: c
                    .directory
                    .iter()
                    .map(|v| show(v))
                    .collect::<Vec<_>>()
                    .join(" ; "),
                agrees: c.agrees,
            }
        })
        .collect();
    Some(AnnuaireCheckView {
        status,
        identifier: declared.key.replacen(':', " ", 1),
        checked_at: check.and_then(|c| c.checked_at).map(format_time),
        psc_verified,
        practitioner: practitioner.map(|p| PractitionerView {
            active: annuaire_sante::practising(p),
            names: p
                .names
                .iter()
                .map(|n| {
                    [n.prefix.as_deref().unwrap_or_default(), &n.given, &n.family]
                        .into_iter()
                        .filter(|part| !part.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect(),
            roles: p
                .roles
                .iter()
                .map(|r| PractitionerRoleView {
                    active: r.active,
                    profession: r.profession.as_deref().map(profession).unwrap_or_default(),
                    savoir_faire: r
                        .savoir_faire
                        .iter()
                        .map(|code| {
                            with_code(
                                state.nomenclatures.specialty(code).map(|s| s.label.clone()),
                                code,
                            )
                        })
                        .collect(),
                    organisation: r.organisation.clone().unwrap_or_default(),
                    region: r.region.as_deref().map(region_label).unwrap_or_default(),
                })
                .collect(),
        }),
        comparison,
        refresh_action: urls::admin_annuaire_refresh(account.id),
    })
}

fn profession_label(state: &AppState, code: &str) -> String {
    state
        .nomenclatures
        .profession(code)
        .map_or_else(|| code.to_owned(), |p| p.label.clone())
}

pub(super) fn region_label(code: &str) -> String {
    domain::Region::parse(code).map_or_else(|_| code.to_owned(), |r| r.name().to_owned())
}

pub(super) fn scope_label(scope: &Scope) -> String {
    match scope {
        Scope::National => "National".to_owned(),
        Scope::Region(code) => format!("Région {}", region_label(code)),
        Scope::Structure(id) => format!("Structure {id}"),
    }
}

/// Times are shown in UTC, labelled as such (no time-zone database in the binary).
pub(super) fn format_time(t: DateTime<FixedOffset>) -> String {
    t.to_utc().format("%d/%m/%Y %H:%M UTC").to_string()
}

pub(super) fn format_age(age: chrono::Duration) -> String {
    let hours = age.num_hours().max(0);
    if hours < 1 {
        format!("{} min", age.num_minutes().max(0))
    } else if hours < 24 {
        format!("{hours} h")
    } else {
        format!("{} j {} h", hours / 24, hours % 24)
    }
}

fn action_label(action: &str) -> &str {
    match action {
        "account_created" => "Compte créé",
        "email_confirmed" => "Adresse mail confirmée",
        "signed_in" => "Connexion",
        "signed_out" => "Déconnexion",
        "cgu_accepted" => "CGU acceptées",
        "cgu_refused" => "CGU refusées",
        "identifier_answered" => "Identifiant national déclaré",
        "profile_submitted" => "Profil envoyé",
        "admin_granted" => "Droits d'administration accordés",
        "account_validated" => "Compte validé",
        "account_rejected" => "Compte refusé",
        "account_disabled" => "Compte désactivé",
        "directory_published" => "Publication dans l'annuaire",
        "psc_linked" => "e-CPS associée (Pro Santé Connect)",
        "psc_refused" => "Connexion Pro Santé Connect refusée",
        "directory_preferences_changed" => "Visibilité dans les annuaires modifiée",
        "sign_in_failed" => "Échec de connexion (mot de passe incorrect)",
        "sign_in_locked" => "Connexions bloquées après trop d'échecs",
        "account_purged" => "Compte supprimé (adresse jamais confirmée)",
        "profile_viewed" => "Fiche consultée par un administrateur",
        "password_reset_requested" => "Réinitialisation du mot de passe demandée",
        "password_reset" => "Mot de passe réinitialisé (lien reçu par mail)",
        "password_changed" => "Mot de passe modifié par l'utilisateur",
        "password_reset_sent_by_admin" => {
            "Lien de réinitialisation du mot de passe envoyé par un administrateur"
        }
        "profile_edited" => "Profil modifié par l'utilisateur",
        "profile_change_requested" => "Modification d'identité demandée",
        "profile_change_accepted" => "Modification d'identité acceptée",
        "profile_change_refused" => "Modification d'identité refusée",
        "email_change_requested" => "Changement d'adresse mail demandé",
        "email_changed" => "Adresse mail modifiée",
        "sessions_closed" => "Sessions fermées par le titulaire",
        "data_exported" => "Données téléchargées par le titulaire",
        "account_closed" => "Compte fermé par le titulaire",
        "account_reactivated" => "Compte réactivé",
        "closed_account_purged" => "Données du compte fermé supprimées",
        "second_factor_enrolled" => "Double authentification activée",
        "second_factor_passed" => "Double authentification réussie",
        "second_factor_failed" => "Échec de la double authentification",
        "second_factor_reset" => "Double authentification réinitialisée par le support",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::format_age;

    #[test]
    fn ages_read_in_minutes_hours_then_days() {
        assert_eq!(format_age(chrono::Duration::minutes(5)), "5 min");
        assert_eq!(format_age(chrono::Duration::hours(3)), "3 h");
        assert_eq!(format_age(chrono::Duration::hours(52)), "2 j 4 h");
    }
}
