//! Professional identification (step 4) and profile (step 5).

use maud::{Markup, html};

use crate::components::{
    Checkbox, Radio, RadioGroup, Select, TextField, error_summary, fieldset, form_title, post_form,
    required_note, submit_button,
};
use crate::layout;
use crate::views::{IdentificationView, PageContext, ProfileView, SelectOption};

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
pub fn profile(ctx: &PageContext, view: &ProfileView) -> Markup {
    let service = ctx.service_name.as_str();
    let fields = html! {
        (fieldset("Adresse mail", None, html! { p.readonly-value { (view.email) } }))
        (contact_section(view))
        (activity_section(view))
        (location_section(view))
        (directories_section(service, view))
        (fieldset("Dématérialisation", None, html! {
            (Checkbox::new("dematerialisation",
                "Je souhaite dématérialiser tous mes échanges et ne plus recevoir de papier.",
                view.dematerialisation).errors(&view.errors))
        }))
        (notifications_section(service, view))
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

fn contact_section(view: &ProfileView) -> Markup {
    let errors = &view.errors;
    fieldset(
        "Nom, contact",
        None,
        html! {
            (TextField::new("nom", "Nom").value(&view.nom).required()
                .autocomplete("family-name").errors(errors))
            (TextField::new("prenom", "Prénom").value(&view.prenom).required()
                .autocomplete("given-name").errors(errors))
            (TextField::new("telephone1", "Téléphone 1").tel().value(&view.telephone1)
                .autocomplete("tel").hint("Ex : 05 61 60 02 03").errors(errors))
            (TextField::new("telephone2", "Téléphone 2").tel().value(&view.telephone2)
                .autocomplete("tel").errors(errors))
        },
    )
}

fn identifier_types() -> Vec<SelectOption> {
    ["RPPS", "ADELI"]
        .into_iter()
        .map(|t| SelectOption {
            value: t.to_owned(),
            label: t.to_owned(),
        })
        .collect()
}

/// The national identifier fields, only for users who said they have one (BAL PER).
fn identifier_fields(view: &ProfileView) -> Markup {
    let types = identifier_types();
    html! {
        (Select::new("type_identifiant", "Type d'identifiant national", &view.type_identifiant)
            .required().empty_option("Sélectionnez un type d'identifiant").options(&types)
            .errors(&view.errors))
        (TextField::new("identifiant", "Numéro d'identifiant national").value(&view.identifiant)
            .required().inputmode("numeric").hint("RPPS : 11 chiffres ; ADELI : 9 chiffres")
            .errors(&view.errors))
    }
}

/// The national identifier sent by Pro Santé Connect: plain text, not inputs (the server keeps
/// the identifier PSC sent and ignores any submitted one).
fn identifier_readonly(view: &ProfileView) -> Markup {
    let not_sent = "Non transmis par Pro Santé Connect";
    let or_not_sent = |value: &str| {
        let value = value.trim();
        if value.is_empty() {
            not_sent.to_owned()
        } else {
            value.to_owned()
        }
    };
    html! {
        div.field {
            dl.summary.identifier-readonly {
                dt { "Type d'identifiant national" }
                dd { (or_not_sent(&view.type_identifiant)) }
                dt { "Numéro d'identifiant national" }
                dd { (or_not_sent(&view.identifiant)) }
            }
            p.hint { "Transmis par Pro Santé Connect : il ne peut pas être modifié ici." }
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

fn activity_section(view: &ProfileView) -> Markup {
    let errors = &view.errors;
    fieldset(
        "Activité",
        None,
        html! {
            (Checkbox::new("activite_liberale", "Activité libérale", view.activite_liberale)
                .errors(errors))
            (Select::new("profession", "Profession", &view.profession).required()
                .empty_option("Sélectionnez une profession").options(&view.professions)
                .errors(errors))
            (Select::new("specialite", "Spécialité", &view.specialite)
                .empty_option("Aucune spécialité").groups(&view.specialties)
                .hint("Choisissez une spécialité de votre profession").errors(errors))
            @if view.psc_verified {
                (identifier_readonly(view))
            } @else if view.requires_identifier {
                (identifier_fields(view))
            }
            (TextField::new("raison_sociale", "Raison sociale").value(&view.raison_sociale)
                .autocomplete("organization").hint("Nom de la structure d'exercice")
                .errors(errors))
            (TextField::new("identifiant_structure", "Numéro FINESS de la structure")
                .value(&view.identifiant_structure).inputmode("numeric")
                .hint("Facultatif : 9 caractères, sur les documents de votre établissement")
                .errors(errors))
            (TextField::new("service", "Service de rattachement").value(&view.service)
                .errors(errors))
        },
    )
}

fn location_section(view: &ProfileView) -> Markup {
    let errors = &view.errors;
    let hint = (
        "localisation-hint",
        "Si vous laissez le département et la région vides, ils sont déduits du code postal.",
    );
    fieldset(
        "Localisation",
        Some(hint),
        html! {
            (TextField::new("adresse", "Adresse").value(&view.adresse)
                .autocomplete("street-address").errors(errors))
            (TextField::new("code_postal", "Code postal").value(&view.code_postal)
                .autocomplete("postal-code").inputmode("numeric").errors(errors))
            (TextField::new("ville", "Ville").value(&view.ville)
                .autocomplete("address-level2").errors(errors))
            (Select::new("departement", "Département", &view.departement)
                .empty_option("Déduit du code postal").options(&view.departements)
                .errors(errors))
            (Select::new("region", "Région", &view.region).required()
                .empty_option("Déduite du code postal").options(&view.regions).errors(errors))
        },
    )
}

fn directories_section(service: &str, view: &ProfileView) -> Markup {
    let medimail = format!("Je souhaite apparaître dans l'annuaire {service}");
    fieldset(
        "Visibilité dans les annuaires",
        None,
        html! {
            (Checkbox::new("annuaire_medimail", &medimail, view.annuaire_medimail)
                .errors(&view.errors))
            (Checkbox::new("annuaire_mssante", "Je souhaite apparaître dans l'annuaire MSSanté",
                view.annuaire_mssante).errors(&view.errors))
        },
    )
}

fn notifications_section(service: &str, view: &ProfileView) -> Markup {
    let label = format!("Recevoir une notification à chaque réception de message {service}");
    let hint = format!(
        "Un message d'information sera envoyé sur votre adresse mail à chaque fois qu'un message \
         vous sera envoyé dans {service}."
    );
    fieldset(
        "Gestion des notifications",
        None,
        html! {
            (Checkbox::new("notification_reception", &label, view.notification_reception)
                .hint(&hint).errors(&view.errors))
        },
    )
}
