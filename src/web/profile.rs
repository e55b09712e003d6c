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
    ActivityChoice as ActivityView, FieldErrors, FormField, FormSection, Input, OptionGroup,
    ProfileView, SelectOption,
};

use super::{context::Ctx, form::AppForm, view_errors};
use crate::auth::session::SignedIn;
use crate::domain::{Account, BalType};
use crate::{
    domain::{
        self, ProfileInput, parse_profile,
        profile::{
            FIELDS, Field, Raw, Section,
            fields::{Options, Widget},
        },
    },
    error::Result,
    psc::claims::{ActivityChoice, PscIdentity},
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
    let identity = profile::psc_identity(&state.db, account.id).await?;
    let chosen = query.activite.unwrap_or(0);
    let mut input = ProfileInput {
        nom: account.nom.clone(),
        prenom: account.prenom.clone(),
        ..ProfileInput::with_defaults()
    };
    if let Some(identity) = &identity {
        let activity = identity
            .activities
            .get(chosen)
            .or_else(|| identity.activities.first());
        if let Some(activity) = activity {
            profile::prefill(&mut input, activity);
        }
        profile::lock_verified(&mut input, identity, activity);
    }
    input.activite = chosen.to_string();
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

async fn profile_post(
    State(state): State<AppState>,
    user: SignedIn,
    ctx: Ctx,
    AppForm(mut input): AppForm<ProfileInput>,
) -> Result<Response> {
    if let Err(redirect) = user.require(Step::Profile) {
        return Ok(redirect.into_response());
    }
    let account = user.account();
    let identity = profile::psc_identity(&state.db, account.id).await?;
    // What PSC asserts (the field table's `verified` fields) is PSC's, whatever the body says:
    // a tampered POST changes nothing. The hidden `activite` only picks among PSC's exercices.
    let chosen = input.activite.trim().parse::<usize>().unwrap_or(0);
    if let Some(identity) = &identity {
        let activity = identity
            .activities
            .get(chosen)
            .or_else(|| identity.activities.first());
        profile::lock_verified(&mut input, identity, activity);
    }
    let requires_identifier = identity.is_none() && account.bal_type == Some(BalType::Per);
    match parse_profile(&input, requires_identifier, &state.nomenclatures) {
        Ok(mut parsed) => {
            if let Some(identity) = &identity {
                parsed.set_national_id(identity.national_id());
            }
            profile::submit(&state, account, &parsed, identity.as_ref()).await?;
            Ok(Redirect::to(urls::ACCOUNT).into_response())
        }
        Err(errors) => {
            let view = view(
                &state,
                account,
                &input,
                identity.as_ref(),
                chosen,
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

/// The form, section by section, from the field table; `input` holds the raw values to show
/// (pre-filled, or as submitted on a 422).
pub(super) fn view(
    state: &AppState,
    account: &Account,
    input: &ProfileInput,
    identity: Option<&PscIdentity>,
    chosen: usize,
    errors: FieldErrors,
) -> ProfileView {
    let sections = Section::ALL
        .into_iter()
        .map(|section| FormSection {
            legend: section.legend().to_owned(),
            hint: section
                .hint()
                .map(|(id, text)| (id.to_owned(), text.to_owned())),
            fields: FIELDS
                .iter()
                .filter(|f| f.section == section)
                .filter_map(|f| form_field(state, account, input, identity, f))
                .collect(),
        })
        .filter(|s| !s.fields.is_empty())
        .collect();
    ProfileView {
        email: account.email.clone(),
        sections,
        errors,
        psc_verified: identity.is_some(),
        chosen_activity: chosen,
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

/// One field's view-model, or `None` when the field is not shown to this account.
fn form_field(
    state: &AppState,
    account: &Account,
    input: &ProfileInput,
    identity: Option<&PscIdentity>,
    field: &Field,
) -> Option<FormField> {
    let service = state.settings.service_name.as_str();
    let (mut value, checked) = match input.get(field.name)? {
        Raw::Text(text) => (text.to_owned(), false),
        Raw::Flag(flag) => (String::new(), flag),
    };
    let mut input_kind = widget(state, field.widget);
    // Asserted by Pro Santé Connect: shown, not editable (the POST takes PSC's value whatever
    // is submitted). `input` already holds PSC's values (`profile::lock_verified`).
    if let Some(identity) = identity.filter(|_| field.verified) {
        let activity =
            identity.activity_matching(input.profession.as_str(), input.specialite.as_str());
        if identity.asserted(field.name, activity).is_some() {
            if let Input::Select {
                options, groups, ..
            } = &input_kind
            {
                // The label reads better than the code.
                let label = options
                    .iter()
                    .chain(groups.iter().flat_map(|g| g.options.iter()))
                    .find(|o| !value.is_empty() && o.value == value)
                    .map(|o| format!("{} ({})", o.label, o.value));
                if let Some(label) = label.filter(|_| !field.national_id) {
                    value = label;
                }
            }
            input_kind = Input::ReadOnly {
                note: "Transmis par Pro Santé Connect : non modifiable ici.".to_owned(),
                when_empty: "Non transmis par Pro Santé Connect".to_owned(),
            };
        }
    }
    // Only a BAL PER (or a PSC identity, whose identifier is shown read-only) has a national
    // identifier.
    if field.national_id && identity.is_none() && account.bal_type != Some(BalType::Per) {
        return None;
    }
    let read_only = matches!(input_kind, Input::ReadOnly { .. });
    Some(FormField {
        name: field.name.to_owned(),
        label: field.label.replace("{service}", service),
        hint: field
            .hint
            .filter(|_| !read_only)
            .map(|h| h.replace("{service}", service)),
        required: field.required,
        value,
        checked,
        input: input_kind,
    })
}

fn widget(state: &AppState, widget: Widget) -> Input {
    let option = |value: &str, label: &str| SelectOption {
        value: value.to_owned(),
        label: label.to_owned(),
    };
    match widget {
        Widget::Text {
            tel,
            autocomplete,
            inputmode,
        } => Input::Text {
            tel,
            autocomplete: autocomplete.map(str::to_owned),
            inputmode: inputmode.map(str::to_owned),
        },
        Widget::Checkbox => Input::Checkbox,
        Widget::Select { empty, options } => {
            let n = &state.nomenclatures;
            let (options, groups) = match options {
                Options::Professions => (
                    n.professions()
                        .iter()
                        .map(|p| option(&p.code, &p.label))
                        .collect(),
                    Vec::new(),
                ),
                // Without JavaScript the list cannot follow the chosen profession, so
                // specialties are grouped under their profession and the server checks that
                // they match.
                Options::Specialties => (
                    Vec::new(),
                    n.professions()
                        .iter()
                        .map(|p| OptionGroup {
                            label: p.label.clone(),
                            options: n
                                .specialties_of(&p.code)
                                .into_iter()
                                .map(|s| option(&s.code, &s.label))
                                .collect(),
                        })
                        .filter(|g| !g.options.is_empty())
                        .collect(),
                ),
                Options::IdentifierTypes => (
                    ["RPPS", "ADELI"].iter().map(|t| option(t, t)).collect(),
                    Vec::new(),
                ),
                Options::Departements => (
                    domain::all_departements()
                        .map(|d| option(d.code(), &format!("{} – {}", d.code(), d.name())))
                        .collect(),
                    Vec::new(),
                ),
                Options::Regions => (
                    domain::all_regions()
                        .map(|r| option(r.code(), r.name()))
                        .collect(),
                    Vec::new(),
                ),
                Options::CodeList(file) => (
                    n.code_list(file)
                        .iter()
                        .map(|c| option(&c.code, &c.label))
                        .collect(),
                    Vec::new(),
                ),
            };
            Input::Select {
                empty: empty.to_owned(),
                options,
                groups,
            }
        }
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
