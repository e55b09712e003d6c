//! Professional identification (step 4) and profile (step 5).

use maud::{Markup, html};

use maud::Render;

use crate::components::{
    Checkbox, Radio, RadioGroup, Select, TextField, error_summary, fieldset, form_title, post_form,
    required_note, submit_button,
};
use crate::layout;
use crate::views::{
    FieldErrors, FormField, FormSection, IdentificationView, Input, PageContext, ProfileEditView,
    ProfileView,
};

/// Shown on the profile of a user signed up through Pro Santé Connect.
const PSC_VERIFIED: &str = "Identité vérifiée par Pro Santé Connect";

/// "Do you have a national identifier?": the answer decides the mailbox type (PER or MED).
pub fn identification(ctx: &PageContext, view: &IdentificationView) -> Markup {
    let service = ctx.service_name.as_str();
    let radios = vec![
        Radio {
            value: "oui",
            label: "Oui",
            hint: Some(
                "Vous obtiendrez une BAL PER : une adresse MSSanté visible par tous les \
                 utilisateurs de MSSanté."
                    .to_owned(),
            ),
        },
        Radio {
            value: "non",
            label: "Non",
            hint: Some(format!(
                "Vous obtiendrez une BAL MED : une adresse visible uniquement par les \
                 utilisateurs de la MSSanté {service}."
            )),
        },
    ];
    let answer = view.answer.map(|yes| if yes { "oui" } else { "non" });
    let question = "Avez-vous un numéro d'identifiant national (RPPS ou ADELI) ?";
    let fields = html! {
        (RadioGroup::new("identifiant_national", question, radios)
            .required().value(answer).errors(&view.errors))
        (submit_button("Enregistrer"))
    };
    let body = html! {
        (error_summary(&view.errors))
        h1 { "Votre identification professionnelle" }
        p {
            "Votre réponse détermine le type de votre boîte aux lettres individuelle : "
            "PER ou MED."
        }
        (post_form(&ctx.csrf_token, urls::IDENTIFICATION, fields))
    };
    let title = form_title("Identification professionnelle", !view.errors.is_empty());
    layout::page(ctx, &title, body)
}

/// The profile form that completes the registration. For a Pro Santé Connect user, the national
/// identifier is shown read-only and, when PSC sent several activities, a chooser comes first.
///
/// The fields are generic ([`FormField`]), grouped by section: the app builds them from its
/// field table, so a new profile field needs no change here.
pub fn profile(ctx: &PageContext, view: &ProfileView) -> Markup {
    let fields = html! {
        (fieldset("Adresse mail", None, html! { p.readonly-value { (view.email) } }))
        @if view.psc_verified {
            input type="hidden" name="activite" value=(view.chosen_activity);
        }
        @for section in &view.sections {
            (form_section(section, &view.errors))
        }
        (submit_button("Enregistrer"))
    };
    let body = html! {
        (error_summary(&view.errors))
        h1 { "Remplir ce formulaire pour finaliser votre inscription" }
        @if view.psc_verified {
            div.notice.notice-verified {
                p { strong { (PSC_VERIFIED) } }
                p {
                    "Le formulaire est pré-rempli avec les données de l'Annuaire Santé "
                    "transmises par Pro Santé Connect. Vérifiez-les et complétez-les."
                }
            }
        }
        (activity_chooser(view))
        (required_note())
        @if !view.psc_verified {
            p {
                "Munissez-vous de votre numéro d'identifiant national ou votre numéro "
                "d'identifiant établissement."
            }
        }
        (post_form(&ctx.csrf_token, urls::PROFILE, fields))
    };
    let title = form_title("Profil professionnel", !view.errors.is_empty());
    layout::page(ctx, &title, body)
}

/// `/compte/profil`: the same fields as the registration's profile, pre-filled with the stored
/// values. For a validated account, changes to the identity fields wait for an administrator.
pub fn profile_edit(ctx: &PageContext, view: &ProfileEditView) -> Markup {
    let form = &view.form;
    let fields = html! {
        (fieldset("Adresse mail", None, html! { p.readonly-value { (form.email) } }))
        @if form.psc_verified {
            input type="hidden" name="activite" value=(form.chosen_activity);
        }
        @for section in &form.sections {
            (form_section(section, &form.errors))
        }
        (submit_button("Enregistrer les modifications"))
    };
    let body = html! {
        p.back-link { a href=(urls::ACCOUNT) { "Retour à mon compte" } }
        (error_summary(&form.errors))
        h1 { "Modifier mon profil" }
        @if view.validated {
            div.notice {
                p {
                    "Les coordonnées, l'adresse, les préférences d'annuaire et de notification "
                    "s'appliquent dès l'enregistrement. Une modification du nom, du prénom, de la "
                    "profession, de la spécialité, de l'identifiant national ou de la région est "
                    "soumise à un administrateur : les valeurs actuelles restent en vigueur "
                    "jusqu'à sa décision. Votre adresse de messagerie ne change pas."
                }
            }
        }
        @if !view.pending_request.is_empty() {
            div.notice.pending-request role="status" {
                p { strong { "Modification en attente de validation" } }
                ul {
                    @for (label, value) in &view.pending_request {
                        li { (label) " : " (value) }
                    }
                }
            }
        }
        (required_note())
        (post_form(&ctx.csrf_token, urls::ACCOUNT_PROFILE, fields))
    };
    let title = form_title("Modifier mon profil", !form.errors.is_empty());
    layout::page(ctx, &title, body)
}

/// One fieldset; consecutive read-only fields share one block.
pub fn form_section(section: &FormSection, errors: &FieldErrors) -> Markup {
    let hint = section
        .hint
        .as_ref()
        .map(|(id, text)| (id.as_str(), text.as_str()));
    let mut body = Vec::new();
    let mut read_only: Vec<&FormField> = Vec::new();
    for field in &section.fields {
        if matches!(field.input, Input::ReadOnly { .. }) {
            read_only.push(field);
            continue;
        }
        if !read_only.is_empty() {
            body.push(read_only_block(&std::mem::take(&mut read_only)));
        }
        body.push(form_field(field, errors));
    }
    if !read_only.is_empty() {
        body.push(read_only_block(&read_only));
    }
    fieldset(
        &section.legend,
        hint,
        html! { @for part in &body { (part) } },
    )
}

/// A field's control, label, hint and error.
pub fn form_field(field: &FormField, errors: &FieldErrors) -> Markup {
    let name = field.name.as_str();
    let label = field.label.as_str();
    match &field.input {
        Input::Text {
            tel,
            autocomplete,
            inputmode,
        } => {
            let mut input = TextField::new(name, label)
                .value(&field.value)
                .errors(errors);
            if *tel {
                input = input.tel();
            }
            if field.required {
                input = input.required();
            }
            if let Some(token) = autocomplete {
                input = input.autocomplete(token);
            }
            if let Some(mode) = inputmode {
                input = input.inputmode(mode);
            }
            if let Some(hint) = &field.hint {
                input = input.hint(hint.as_str());
            }
            input.render()
        }
        Input::Select {
            empty,
            options,
            groups,
        } => {
            let mut select = Select::new(name, label, &field.value)
                .empty_option(empty)
                .options(options)
                .groups(groups)
                .errors(errors);
            if field.required {
                select = select.required();
            }
            if let Some(hint) = &field.hint {
                select = select.hint(hint.as_str());
            }
            select.render()
        }
        Input::Radio { options } => {
            let radios = options
                .iter()
                .map(|o| Radio {
                    value: &o.value,
                    label: &o.label,
                    hint: None,
                })
                .collect();
            let value = Some(field.value.as_str()).filter(|v| !v.is_empty());
            let mut group = RadioGroup::new(name, label, radios)
                .value(value)
                .errors(errors);
            if field.required {
                group = group.required();
            }
            group.render()
        }
        Input::Checkbox => {
            let mut checkbox = Checkbox::new(name, label, field.checked).errors(errors);
            if let Some(hint) = &field.hint {
                checkbox = checkbox.hint(hint.as_str());
            }
            checkbox.render()
        }
        Input::ReadOnly { .. } => read_only_block(&[field]),
    }
}

/// Values asserted elsewhere (Pro Santé Connect): plain text, not inputs, so the server keeps
/// what was asserted and ignores anything submitted.
fn read_only_block(fields: &[&FormField]) -> Markup {
    let note = fields.first().and_then(|f| match &f.input {
        Input::ReadOnly { note, .. } => Some(note.as_str()),
        _ => None,
    });
    let shown = |field: &FormField| {
        let value = field.value.trim();
        match &field.input {
            Input::ReadOnly { when_empty, .. } if value.is_empty() => when_empty.clone(),
            _ => value.to_owned(),
        }
    };
    html! {
        div.field {
            dl.summary.identifier-readonly {
                @for field in fields {
                    dt { (field.label) }
                    dd { (shown(field)) }
                }
            }
            @if let Some(note) = note {
                p.hint { (note) }
            }
        }
    }
}

/// PSC sends every activity of the professional and selects none: when there are several, the
/// user picks the one the profile is pre-filled from. A GET form (it changes nothing, so no CSRF
/// token): the server renders the profile again from the chosen activity, without JavaScript.
fn activity_chooser(view: &ProfileView) -> Markup {
    if view.activities.len() < 2 {
        return html! {};
    }
    let values: Vec<String> = view
        .activities
        .iter()
        .map(|activity| activity.index.to_string())
        .collect();
    let radios = view
        .activities
        .iter()
        .zip(&values)
        .map(|(activity, value)| Radio {
            value,
            label: &activity.label,
            hint: None,
        })
        .collect();
    let selected = view
        .activities
        .iter()
        .zip(&values)
        .find(|(activity, _)| activity.selected)
        .map(|(_, value)| value.as_str());
    let legend = "Choisissez l'activité à utiliser pour votre inscription";
    html! {
        form.activity-choice method="get" action=(urls::PROFILE) {
            (RadioGroup::new("activite", legend, radios).value(selected))
            p.hint {
                "Le formulaire ci-dessous est alors pré-rempli à partir de l'activité choisie ; "
                "les modifications non enregistrées sont perdues."
            }
            button.button-secondary type="submit" { "Utiliser cette activité" }
        }
    }
}
