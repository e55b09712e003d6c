//! Step 5b: `/profil` — the professional profile. Pre-filled from step 1, with the guide's
//! defaults (both directories, dématérialisation and per-message notification ticked).

use axum::{
    Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use templates::views::{
    ActivityChoice as ActivityView, FieldErrors, OptionGroup, ProfileView, SelectOption,
};

use super::{context::Ctx, form::AppForm, view_errors};
use crate::auth::session::SignedIn;
use crate::domain::{Account, BalType};
use crate::{
    domain::{self, ProfileInput, finess::Finess, parse_profile},
    error::Result,
    psc::claims::{ActivityChoice, PscIdentity},
    repo::{self},
    services::{journey::Step, profile},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route(urls::PROFILE, get(profile_get).post(profile_post))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProfileQuery {
    /// Which of the activities Pro Santé Connect sent to pre-fill from.
    activite: Option<usize>,
}

async fn profile_get(
    State(state): State<AppState>,
    user: SignedIn,
    Query(query): Query<ProfileQuery>,
    ctx: Ctx,
) -> Result<Response> {
    if let Err(redirect) = user.require(Step::Profile) {
        return Ok(redirect.into_response());
    }
    let account = user.account();
    let identity = repo::psc::identity_of(&state.db, account.id).await?;
    let chosen = query.activite.unwrap_or(0);
    let mut input = ProfileInput {
        nom: account.nom.clone(),
        prenom: account.prenom.clone(),
        annuaire_medimail: true,
        annuaire_mssante: true,
        dematerialisation: true,
        notification_reception: true,
        ..ProfileInput::default()
    };
    if let Some(activity) = identity.as_ref().and_then(|i| i.activities.get(chosen)) {
        prefill(&mut input, activity);
    }
    let view = view(
        &state,
        account,
        &input,
        identity.as_ref(),
        chosen,
        FieldErrors::new(),
    );
    Ok(templates::pages::profile(&ctx.for_user(Some(Step::Profile)), &view).into_response())
}

/// Pro Santé Connect's data for one activity (domain.md §1.10).
fn prefill(input: &mut ProfileInput, a: &ActivityChoice) {
    let or = |value: &str, current: &str| {
        if value.is_empty() {
            current.to_owned()
        } else {
            value.to_owned()
        }
    };
    input.nom = or(&a.nom, &input.nom);
    input.prenom = or(&a.prenom, &input.prenom);
    input.telephone1 = a.telephone.clone();
    input.activite_liberale = a.liberal;
    input.profession = a.profession.clone();
    input.specialite = a.specialite.clone().unwrap_or_default();
    input.raison_sociale = a.raison_sociale.clone();
    input.adresse = a.adresse.clone();
    input.code_postal = a.code_postal.clone();
    input.ville = a.ville.clone();
    // Only a FINESS fits the field; PSC's technical structure ids (R…) do not.
    input.identifiant_structure = Finess::parse(&a.structure_id)
        .map(|f| f.as_str().to_owned())
        .unwrap_or_default();
}

/// Checkboxes are absent from the body when unticked, hence `Option`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ProfileForm {
    nom: String,
    prenom: String,
    telephone1: String,
    telephone2: String,
    activite_liberale: Option<String>,
    profession: String,
    specialite: String,
    type_identifiant: String,
    identifiant: String,
    raison_sociale: String,
    identifiant_structure: String,
    service: String,
    adresse: String,
    code_postal: String,
    ville: String,
    departement: String,
    region: String,
    annuaire_medimail: Option<String>,
    annuaire_mssante: Option<String>,
    dematerialisation: Option<String>,
    notification_reception: Option<String>,
}

impl From<ProfileForm> for ProfileInput {
    fn from(f: ProfileForm) -> Self {
        Self {
            nom: f.nom,
            prenom: f.prenom,
            telephone1: f.telephone1,
            telephone2: f.telephone2,
            activite_liberale: f.activite_liberale.is_some(),
            profession: f.profession,
            specialite: f.specialite,
            type_identifiant: f.type_identifiant,
            identifiant: f.identifiant,
            raison_sociale: f.raison_sociale,
            identifiant_structure: f.identifiant_structure,
            service: f.service,
            adresse: f.adresse,
            code_postal: f.code_postal,
            ville: f.ville,
            departement: f.departement,
            region: f.region,
            annuaire_medimail: f.annuaire_medimail.is_some(),
            annuaire_mssante: f.annuaire_mssante.is_some(),
            dematerialisation: f.dematerialisation.is_some(),
            notification_reception: f.notification_reception.is_some(),
            trusted_names: None,
        }
    }
}

async fn profile_post(
    State(state): State<AppState>,
    user: SignedIn,
    ctx: Ctx,
    AppForm(form): AppForm<ProfileForm>,
) -> Result<Response> {
    if let Err(redirect) = user.require(Step::Profile) {
        return Ok(redirect.into_response());
    }
    let account = user.account();
    let identity = repo::psc::identity_of(&state.db, account.id).await?;
    let mut input = ProfileInput::from(form);
    // Names and identifier asserted by PSC are not retyped: the identifier is shown read-only
    // and taken from PSC, the names are kept as PSC sent them unless the user changes them.
    input.trusted_names = identity.as_ref().map(|i| (i.nom.clone(), i.prenom.clone()));
    let requires_identifier = identity.is_none() && account.bal_type == Some(BalType::Per);
    match parse_profile(&input, requires_identifier, &state.nomenclatures) {
        Ok(mut parsed) => {
            if let Some(identity) = &identity {
                parsed.national_id = identity.national_id();
            }
            profile::submit(&state, account, &parsed, identity.is_some()).await?;
            Ok(Redirect::to(urls::ACCOUNT).into_response())
        }
        Err(errors) => {
            let view = view(
                &state,
                account,
                &input,
                identity.as_ref(),
                0,
                view_errors(&errors),
            );
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                templates::pages::profile(&ctx.for_user(Some(Step::Profile)), &view),
            )
                .into_response())
        }
    }
}

fn view(
    state: &AppState,
    account: &Account,
    input: &ProfileInput,
    identity: Option<&PscIdentity>,
    chosen: usize,
    errors: FieldErrors,
) -> ProfileView {
    let nomenclatures = &state.nomenclatures;
    let option = |value: &str, label: &str| SelectOption {
        value: value.to_owned(),
        label: label.to_owned(),
    };
    ProfileView {
        email: account.email.clone(),
        nom: input.nom.clone(),
        prenom: input.prenom.clone(),
        telephone1: input.telephone1.clone(),
        telephone2: input.telephone2.clone(),
        activite_liberale: input.activite_liberale,
        profession: input.profession.clone(),
        specialite: input.specialite.clone(),
        type_identifiant: match identity.map(PscIdentity::national_id) {
            Some(Some(id)) => id.kind().as_str().to_owned(),
            Some(None) => String::new(),
            None => input.type_identifiant.clone(),
        },
        identifiant: match identity.map(PscIdentity::national_id) {
            Some(Some(id)) => id.as_str().to_owned(),
            Some(None) => String::new(),
            None => input.identifiant.clone(),
        },
        raison_sociale: input.raison_sociale.clone(),
        identifiant_structure: input.identifiant_structure.clone(),
        service: input.service.clone(),
        adresse: input.adresse.clone(),
        code_postal: input.code_postal.clone(),
        ville: input.ville.clone(),
        departement: input.departement.clone(),
        region: input.region.clone(),
        annuaire_medimail: input.annuaire_medimail,
        annuaire_mssante: input.annuaire_mssante,
        dematerialisation: input.dematerialisation,
        notification_reception: input.notification_reception,
        requires_identifier: account.bal_type == Some(BalType::Per)
            || identity.is_some_and(|i| i.national_id().is_some()),
        professions: nomenclatures
            .professions()
            .iter()
            .map(|p| option(&p.code, &p.label))
            .collect(),
        // Without JavaScript the list cannot follow the chosen profession, so specialties are
        // grouped under their profession and the server checks that they match.
        specialties: nomenclatures
            .professions()
            .iter()
            .map(|p| OptionGroup {
                label: p.label.clone(),
                options: nomenclatures
                    .specialties_of(&p.code)
                    .into_iter()
                    .map(|s| option(&s.code, &s.label))
                    .collect(),
            })
            .filter(|g| !g.options.is_empty())
            .collect(),
        departements: domain::all_departements()
            .map(|d| option(d.code(), &format!("{} – {}", d.code(), d.name())))
            .collect(),
        regions: domain::all_regions()
            .map(|r| option(r.code(), r.name()))
            .collect(),
        errors,
        psc_verified: identity.is_some(),
        activities: identity
            .map(|i| {
                i.activities
                    .iter()
                    .enumerate()
                    .map(|(index, a)| ActivityView {
                        index,
                        label: activity_label(a),
                        selected: index == chosen,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// "Libéral — PHARMACIE DU CENTRE, 31620 CASTELNAU" for the activity chooser.
fn activity_label(a: &ActivityChoice) -> String {
    let mode = if a.liberal { "Libéral" } else { "Salarié" };
    let place = [
        a.raison_sociale.as_str(),
        &format!("{} {}", a.code_postal, a.ville),
    ]
    .iter()
    .map(|p| p.trim())
    .filter(|p| !p.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    format!("{mode} — {place}")
}
