//! Step 5b: `/profil` — the professional profile. Pre-filled from step 1, with the guide's
//! defaults (both directories, dématérialisation and per-message notification ticked).

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use templates::views::{FieldErrors, OptionGroup, ProfileView, SelectOption};

use super::{context::Ctx, form::AppForm, session::SignedIn, urls, view_errors};
use crate::{
    domain::{self, ProfileInput, parse_profile},
    error::Result,
    repo::accounts::{Account, BalType},
    services::{journey::Step, profile},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route(urls::PROFILE, get(profile_get).post(profile_post))
}

async fn profile_get(State(state): State<AppState>, user: SignedIn, ctx: Ctx) -> Response {
    if let Err(redirect) = user.require(Step::Profile) {
        return redirect.into_response();
    }
    let account = user.account();
    let input = ProfileInput {
        nom: account.nom.clone(),
        prenom: account.prenom.clone(),
        annuaire_medimail: true,
        annuaire_mssante: true,
        dematerialisation: true,
        notification_reception: true,
        ..ProfileInput::default()
    };
    let view = view(&state, account, &input, FieldErrors::new());
    templates::pages::profile(&ctx.for_user(Some(Step::Profile)), &view).into_response()
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
    let input = ProfileInput::from(form);
    let requires_identifier = account.bal_type == Some(BalType::Per);
    match parse_profile(&input, requires_identifier, &state.nomenclatures) {
        Ok(parsed) => {
            profile::submit(&state.db, account.id, &parsed).await?;
            Ok(Redirect::to(urls::ACCOUNT).into_response())
        }
        Err(errors) => {
            let view = view(&state, account, &input, view_errors(&errors));
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
        type_identifiant: input.type_identifiant.clone(),
        identifiant: input.identifiant.clone(),
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
        requires_identifier: account.bal_type == Some(BalType::Per),
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
    }
}
