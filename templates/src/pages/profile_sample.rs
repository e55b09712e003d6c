//! A profile view shaped like the one the app builds from its field table, for the template
//! tests (the app decides which fields exist; the template only renders them).

use crate::views::{FormField, FormSection, Input, OptionGroup, ProfileView, SelectOption};

/// How the national identifier appears.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Identifier {
    /// BAL MED: no identifier fields.
    Absent,
    /// BAL PER with a password account: inputs.
    Inputs,
    /// Pro Santé Connect identity: read-only.
    ReadOnly,
}

pub fn option(value: &str, label: &str) -> SelectOption {
    SelectOption {
        value: value.into(),
        label: label.into(),
    }
}

fn text(name: &str, label: &str, value: &str) -> FormField {
    FormField {
        name: name.into(),
        label: label.into(),
        value: value.into(),
        ..FormField::default()
    }
}

fn select(
    name: &str,
    label: &str,
    value: &str,
    empty: &str,
    options: Vec<SelectOption>,
) -> FormField {
    FormField {
        input: Input::Select {
            empty: empty.into(),
            options,
            groups: Vec::new(),
        },
        ..text(name, label, value)
    }
}

fn checkbox(name: &str, label: &str, checked: bool) -> FormField {
    FormField {
        checked,
        input: Input::Checkbox,
        ..text(name, label, "")
    }
}

/// The identifier fields with these values.
pub fn identifier_fields(mode: Identifier, kind: &str, number: &str) -> Vec<FormField> {
    let kinds = vec![option("RPPS", "RPPS"), option("ADELI", "ADELI")];
    let mut kind = select(
        "type_identifiant",
        "Type d'identifiant national",
        kind,
        "Sélectionnez un type d'identifiant",
        kinds,
    );
    let mut number = FormField {
        required: true,
        hint: Some("RPPS : 11 chiffres ; ADELI : 9 chiffres".into()),
        input: Input::Text {
            tel: false,
            autocomplete: None,
            inputmode: Some("numeric".into()),
        },
        ..text("identifiant", "Numéro d'identifiant national", number)
    };
    kind.required = true;
    match mode {
        Identifier::Absent => Vec::new(),
        Identifier::Inputs => vec![kind, number],
        Identifier::ReadOnly => {
            for field in [&mut kind, &mut number] {
                field.hint = None;
                field.input = Input::ReadOnly {
                    note: "Transmis par Pro Santé Connect : il ne peut pas être modifié ici."
                        .into(),
                    when_empty: "Non transmis par Pro Santé Connect".into(),
                };
            }
            vec![kind, number]
        }
    }
}

/// DUPONT Pierre, pharmacien (officine), Occitanie.
pub fn profile(email: &str, nom: &str, prenom: &str, identifier: Vec<FormField>) -> ProfileView {
    let mut profession = select(
        "profession",
        "Profession",
        "21",
        "Sélectionnez une profession",
        vec![option("10", "Médecin"), option("21", "Pharmacien")],
    );
    profession.required = true;
    let specialite = FormField {
        input: Input::Select {
            empty: "Aucune spécialité".into(),
            options: Vec::new(),
            groups: vec![OptionGroup {
                label: "Pharmacien".into(),
                options: vec![option("SM53", "Biologie"), option("SM54", "Officine")],
            }],
        },
        ..text("specialite", "Spécialité", "SM54")
    };
    let mut region = select(
        "region",
        "Région",
        "76",
        "Déduite du code postal",
        vec![option("11", "Île-de-France"), option("76", "Occitanie")],
    );
    region.required = true;
    let mut nom = text("nom", "Nom", nom);
    nom.required = true;
    let mut prenom = text("prenom", "Prénom", prenom);
    prenom.required = true;
    let mut activity = vec![
        checkbox("activite_liberale", "Activité libérale", false),
        profession,
        specialite,
    ];
    activity.extend(identifier);
    activity.push(text("raison_sociale", "Raison sociale", ""));
    let section = |legend: &str, fields| FormSection {
        legend: legend.into(),
        hint: None,
        fields,
    };
    ProfileView {
        email: email.into(),
        sections: vec![
            section("Nom, contact", vec![nom, prenom]),
            section("Activité", activity),
            section(
                "Localisation",
                vec![
                    select(
                        "departement",
                        "Département",
                        "",
                        "Déduit du code postal",
                        Vec::new(),
                    ),
                    region,
                ],
            ),
            section(
                "Visibilité dans les annuaires",
                vec![checkbox(
                    "annuaire_mssante",
                    "Je souhaite apparaître dans l'annuaire MSSanté",
                    false,
                )],
            ),
            section(
                "Dématérialisation",
                vec![checkbox(
                    "dematerialisation",
                    "Je souhaite dématérialiser tous mes échanges",
                    false,
                )],
            ),
        ],
        ..ProfileView::default()
    }
}

/// Sets a field's value (or ticks a checkbox) by name.
pub fn set(view: &mut ProfileView, name: &str, value: &str) {
    for field in view.sections.iter_mut().flat_map(|s| &mut s.fields) {
        if field.name == name {
            field.value = value.into();
            field.checked = !value.is_empty();
        }
    }
}
