//! Step 5b of the registration guide: "Remplir ce formulaire pour finaliser votre inscription"
//! (`/profil`). Only nom, prénom, profession, région — and for a BAL PER the national
//! identifier — are required; everything else is optional but must be valid when given.

use super::FieldErrors;
use super::finess::Finess;
use super::geo::{Departement, PostalCode, Region};
use super::name::PersonName;
use super::national_id::{IdentifierType, NationalId};
use super::nomenclature::{Nomenclatures, Profession, Specialty};
use super::phone::PhoneNumber;
use super::text::FreeText;

const RAISON_SOCIALE_MAX: usize = 200;
const SERVICE_MAX: usize = 200;
const ADRESSE_MAX: usize = 300;
const VILLE_MAX: usize = 100;

/// The raw profile form (the web layer maps HTML checkboxes to the booleans).
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub nom: String,
    pub prenom: String,
    pub telephone1: String,
    pub telephone2: String,
    pub activite_liberale: bool,
    pub profession: String,
    pub specialite: String,
    pub type_identifiant: String,
    pub identifiant: String,
    pub raison_sociale: String,
    /// FINESS of the structure of practice (optional; lets a structure's administrator see the
    /// account).
    pub identifiant_structure: String,
    pub service: String,
    pub adresse: String,
    pub code_postal: String,
    pub ville: String,
    pub departement: String,
    pub region: String,
    pub annuaire_medimail: bool,
    pub annuaire_mssante: bool,
    pub dematerialisation: bool,
    pub notification_reception: bool,
    /// (nom, prénom) asserted by Pro Santé Connect: kept as is when the user leaves them
    /// unchanged, even where they break the typed-name rules.
    pub trusted_names: Option<(String, String)>,
}

/// A profile form that passed every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub nom: PersonName,
    pub prenom: PersonName,
    pub telephone1: Option<PhoneNumber>,
    pub telephone2: Option<PhoneNumber>,
    pub activite_liberale: bool,
    pub profession: Profession,
    pub specialite: Option<Specialty>,
    pub national_id: Option<NationalId>,
    pub raison_sociale: Option<FreeText>,
    pub identifiant_structure: Option<Finess>,
    pub service: Option<FreeText>,
    pub adresse: Option<FreeText>,
    pub code_postal: Option<PostalCode>,
    pub ville: Option<FreeText>,
    pub departement: Option<Departement>,
    pub region: Region,
    pub annuaire_medimail: bool,
    pub annuaire_mssante: bool,
    pub dematerialisation: bool,
    pub notification_reception: bool,
}

/// Parses the profile form. `requires_identifier` is true for a BAL PER (the user answered
/// "Oui" to "Avez-vous un numéro d'identifiant national ?"); otherwise the identifier fields
/// are ignored.
///
/// Département and région are derived when left empty: département from the postal code
/// (docs/domain.md §4.5), région from the département (§4.4). When given, they must agree
/// with what is derived.
///
/// # Errors
/// Every invalid field at once, in form order.
pub fn parse_profile(
    input: &ProfileInput,
    requires_identifier: bool,
    nomenclatures: &Nomenclatures,
) -> Result<Profile, FieldErrors> {
    let mut errors = Errors::default();

    let trusted = input.trusted_names.as_ref();
    let nom = name_field(
        &mut errors,
        "nom",
        &input.nom,
        trusted.map(|(n, _)| n.as_str()),
    );
    let prenom = name_field(
        &mut errors,
        "prenom",
        &input.prenom,
        trusted.map(|(_, p)| p.as_str()),
    );
    let telephone1 = errors.optional("telephone1", &input.telephone1, PhoneNumber::parse);
    let telephone2 = errors.optional("telephone2", &input.telephone2, PhoneNumber::parse);

    let (profession, specialite) = parse_profession(input, nomenclatures, &mut errors);
    let national_id = if requires_identifier {
        parse_national_id(input, &mut errors).map(Some)
    } else {
        Some(None)
    };

    let raison_sociale = errors.text("raison_sociale", &input.raison_sociale, RAISON_SOCIALE_MAX);
    let identifiant_structure = errors.optional(
        "identifiant_structure",
        &input.identifiant_structure,
        Finess::parse,
    );
    let service = errors.text("service", &input.service, SERVICE_MAX);
    let adresse = errors.text("adresse", &input.adresse, ADRESSE_MAX);
    let code_postal = errors.optional("code_postal", &input.code_postal, PostalCode::parse);
    let ville = errors.text("ville", &input.ville, VILLE_MAX);
    let (departement, region) = parse_location(input, code_postal.as_ref(), &mut errors);

    // Every `None` above has pushed an error, so past this check everything is `Some`.
    if !errors.0.is_empty() {
        return Err(errors.0);
    }
    let (
        Some(nom),
        Some(prenom),
        Some(telephone1),
        Some(telephone2),
        Some(profession),
        Some(specialite),
        Some(national_id),
        Some(raison_sociale),
        Some(identifiant_structure),
        Some(service),
        Some(adresse),
        Some(code_postal),
        Some(ville),
        Some(departement),
        Some(region),
    ) = (
        nom,
        prenom,
        telephone1,
        telephone2,
        profession,
        specialite,
        national_id,
        raison_sociale,
        identifiant_structure,
        service,
        adresse,
        code_postal,
        ville,
        departement,
        region,
    )
    else {
        return Err(errors.0);
    };
    Ok(Profile {
        nom,
        prenom,
        telephone1,
        telephone2,
        activite_liberale: input.activite_liberale,
        profession,
        specialite,
        national_id,
        raison_sociale,
        identifiant_structure,
        service,
        adresse,
        code_postal,
        ville,
        departement,
        region,
        annuaire_medimail: input.annuaire_medimail,
        annuaire_mssante: input.annuaire_mssante,
        dematerialisation: input.dematerialisation,
        notification_reception: input.notification_reception,
    })
}

/// A typed name, or the trusted one when the user kept it.
fn name_field(
    errors: &mut Errors,
    field: &'static str,
    raw: &str,
    trusted: Option<&str>,
) -> Option<PersonName> {
    match trusted {
        Some(t) if t.trim() == raw.trim() => {
            PersonName::trusted(t).or_else(|| errors.check(field, PersonName::parse(raw)))
        }
        _ => errors.check(field, PersonName::parse(raw)),
    }
}

/// An active TRE_G15 profession and, optionally, one of its TRE_R38 specialties.
fn parse_profession(
    input: &ProfileInput,
    nomenclatures: &Nomenclatures,
    errors: &mut Errors,
) -> (Option<Profession>, Option<Option<Specialty>>) {
    let profession = match input.profession.trim() {
        "" => errors.fail("profession", "La profession est obligatoire."),
        code => match nomenclatures.profession(code) {
            Some(profession) => Some(profession.clone()),
            None => errors.fail(
                "profession",
                "Profession inconnue : choisissez-la dans la liste.",
            ),
        },
    };
    let specialite = match input.specialite.trim() {
        "" => Some(None),
        code => match nomenclatures.specialty(code) {
            None => errors.fail(
                "specialite",
                "Spécialité inconnue : choisissez-la dans la liste.",
            ),
            // Only comparable once the profession itself is valid.
            Some(s) if profession.as_ref().is_some_and(|p| p.code != s.profession) => errors.fail(
                "specialite",
                "Cette spécialité ne correspond pas à la profession choisie.",
            ),
            Some(specialty) => Some(Some(specialty.clone())),
        },
    };
    (profession, specialite)
}

fn parse_national_id(input: &ProfileInput, errors: &mut Errors) -> Option<NationalId> {
    let kind = errors.check(
        "type_identifiant",
        IdentifierType::parse(&input.type_identifiant),
    );
    match kind {
        Some(kind) => errors.check("identifiant", NationalId::parse(kind, &input.identifiant)),
        None if input.identifiant.trim().is_empty() => errors.fail(
            "identifiant",
            "Le numéro d'identifiant national est obligatoire.",
        ),
        // The number cannot be checked without its type; the type's error says what to fix.
        None => None,
    }
}

/// Département and région, derived or checked against the postal code (§4.4, §4.5).
///
/// `code_postal` is `None` when the field was invalid (already reported; then nothing is
/// compared to it) and `Some(None)` when it was left empty.
fn parse_location(
    input: &ProfileInput,
    code_postal: Option<&Option<PostalCode>>,
    errors: &mut Errors,
) -> (Option<Option<Departement>>, Option<Region>) {
    let from_postal_code = code_postal.and_then(|cp| cp.as_ref()?.departement());
    let departement = match input.departement.trim() {
        "" => Some(from_postal_code),
        raw => match (Departement::parse(raw), from_postal_code) {
            (Err(e), _) => errors.fail("departement", e.to_string()),
            // A Monaco postal code (no département) accepts any département.
            (Ok(given), Some(derived)) if given != derived => errors.fail(
                "departement",
                "Le département ne correspond pas au code postal.",
            ),
            (Ok(given), _) => Some(Some(given)),
        },
    };

    let expected = departement.flatten().map(|d| d.region());
    let region = match (input.region.trim(), expected) {
        ("", Some(expected)) => Some(expected),
        // An invalid département was already reported: don't add a second error for it.
        ("", None) if departement.is_none() => None,
        ("", None) => errors.fail("region", "La région est obligatoire."),
        (raw, expected) => match (Region::parse(raw), expected) {
            (Err(e), _) => errors.fail("region", e.to_string()),
            (Ok(given), Some(expected)) if given != expected => {
                let message = if from_postal_code.is_some() {
                    "La région ne correspond pas au code postal."
                } else {
                    "La région ne correspond pas au département."
                };
                errors.fail("region", message)
            }
            (Ok(given), _) => Some(given),
        },
    };
    (departement, region)
}

/// Collects field errors; each helper returns `None` for an invalid field.
#[derive(Default)]
struct Errors(FieldErrors);

impl Errors {
    fn fail<T>(&mut self, field: &'static str, message: impl Into<String>) -> Option<T> {
        self.0.push((field, message.into()));
        None
    }

    fn check<T, E: ToString>(&mut self, field: &'static str, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.0.push((field, e.to_string()))).ok()
    }

    /// Optional free text of at most `max` characters.
    fn text(&mut self, field: &'static str, raw: &str, max: usize) -> Option<Option<FreeText>> {
        self.check(field, FreeText::parse_optional(raw, max))
    }

    /// Empty input is `Some(None)`; otherwise the parsed value or `None` on error.
    fn optional<T, E: ToString>(
        &mut self,
        field: &'static str,
        raw: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        if raw.trim().is_empty() {
            Some(None)
        } else {
            self.check(field, parse(raw)).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn nomenclatures() -> Nomenclatures {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/nomenclatures");
        Nomenclatures::load(&dir).unwrap()
    }

    /// The example of the registration guide (step 5b), with a valid RPPS.
    fn guide_example() -> ProfileInput {
        ProfileInput {
            nom: "DUPONT".into(),
            prenom: "Pierre".into(),
            telephone1: "05 61 60 02 03".into(),
            profession: "21".into(),
            type_identifiant: "RPPS".into(),
            identifiant: "10000005479".into(),
            raison_sociale: "PHARMACIE DU CENTRE".into(),
            adresse: "Grande Rue".into(),
            code_postal: "31620".into(),
            ville: "Castelnau-d'Estrétefonds".into(),
            departement: "31".into(),
            region: "76".into(),
            annuaire_medimail: true,
            annuaire_mssante: true,
            dematerialisation: true,
            notification_reception: true,
            ..ProfileInput::default()
        }
    }

    fn parse(input: &ProfileInput) -> Result<Profile, FieldErrors> {
        parse_profile(input, true, &nomenclatures())
    }

    fn errors(input: &ProfileInput) -> FieldErrors {
        parse(input).unwrap_err()
    }

    fn error(field: &'static str, message: &str) -> FieldErrors {
        vec![(field, message.to_owned())]
    }

    #[test]
    fn the_guide_example_parses() {
        let profile = parse(&guide_example()).unwrap();
        assert_eq!(profile.nom.as_str(), "DUPONT");
        assert_eq!(profile.telephone1.unwrap().as_str(), "+33561600203");
        assert_eq!(profile.telephone2, None);
        assert_eq!(profile.profession.label, "Pharmacien");
        assert_eq!(profile.specialite, None);
        assert_eq!(profile.national_id.unwrap().id_nat_ps(), "810000005479");
        assert_eq!(
            profile.raison_sociale.unwrap().as_str(),
            "PHARMACIE DU CENTRE"
        );
        assert_eq!(profile.service, None);
        assert_eq!(profile.code_postal.unwrap().as_str(), "31620");
        assert_eq!(profile.departement.unwrap().name(), "Haute-Garonne");
        assert_eq!(profile.region.name(), "Occitanie");
        assert!(profile.annuaire_mssante && profile.dematerialisation);
        assert!(!profile.activite_liberale);
    }

    #[test]
    fn an_empty_form_reports_every_required_field_in_form_order() {
        let errors = errors(&ProfileInput::default());
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "nom",
                "prenom",
                "profession",
                "type_identifiant",
                "identifiant",
                "region"
            ]
        );
        assert_eq!(errors[2].1, "La profession est obligatoire.");
        assert_eq!(errors[5].1, "La région est obligatoire.");
    }

    #[test]
    fn an_invalid_name_is_reported_on_its_field() {
        let input = ProfileInput {
            prenom: "P1erre".into(),
            ..guide_example()
        };
        assert_eq!(errors(&input)[0].0, "prenom");
    }

    #[test]
    fn phones_are_optional_but_validated() {
        let input = ProfileInput {
            telephone2: "12".into(),
            ..guide_example()
        };
        assert_eq!(errors(&input)[0].0, "telephone2");
        let input = ProfileInput {
            telephone1: String::new(),
            ..guide_example()
        };
        assert_eq!(parse(&input).unwrap().telephone1, None);
    }

    #[test]
    fn an_unknown_profession_is_rejected() {
        let input = ProfileInput {
            profession: "99".into(),
            ..guide_example()
        };
        assert_eq!(errors(&input)[0].0, "profession");
    }

    #[test]
    fn a_deprecated_profession_is_rejected() {
        let input = ProfileInput {
            profession: "35".into(),
            ..guide_example()
        };
        assert_eq!(errors(&input)[0].0, "profession");
    }

    #[test]
    fn a_specialty_of_the_chosen_profession_is_accepted() {
        let input = ProfileInput {
            profession: "10".into(),
            specialite: "SM26".into(),
            ..guide_example()
        };
        let profile = parse(&input).unwrap();
        assert_eq!(
            profile.specialite.unwrap().label,
            "Qualifié en médecine générale"
        );
    }

    #[test]
    fn a_specialty_of_another_profession_is_rejected() {
        let input = ProfileInput {
            specialite: "SM26".into(),
            ..guide_example()
        };
        assert_eq!(
            errors(&input),
            error(
                "specialite",
                "Cette spécialité ne correspond pas à la profession choisie."
            )
        );
    }

    #[test]
    fn an_unknown_specialty_is_rejected() {
        let input = ProfileInput {
            specialite: "SP01".into(),
            ..guide_example()
        };
        assert_eq!(errors(&input)[0].0, "specialite");
    }

    #[test]
    fn a_bal_per_requires_a_valid_identifier() {
        let input = ProfileInput {
            identifiant: "10000005478".into(),
            ..guide_example()
        };
        assert_eq!(
            errors(&input),
            error(
                "identifiant",
                "La clé du numéro RPPS est invalide : vérifiez le numéro."
            )
        );
        let input = ProfileInput {
            type_identifiant: "FINESS".into(),
            ..guide_example()
        };
        assert_eq!(errors(&input)[0].0, "type_identifiant");
    }

    #[test]
    fn an_adeli_identifier_is_accepted() {
        let input = ProfileInput {
            type_identifiant: "ADELI".into(),
            identifiant: "349102665".into(),
            ..guide_example()
        };
        assert_eq!(
            parse(&input).unwrap().national_id.unwrap().id_nat_ps(),
            "0349102665"
        );
    }

    #[test]
    fn without_bal_per_the_identifier_is_ignored() {
        let input = ProfileInput {
            type_identifiant: "nimportequoi".into(),
            identifiant: "123".into(),
            ..guide_example()
        };
        let profile = parse_profile(&input, false, &nomenclatures()).unwrap();
        assert_eq!(profile.national_id, None);
    }

    #[test]
    fn free_texts_have_maximum_lengths() {
        let input = ProfileInput {
            raison_sociale: "x".repeat(201),
            ..guide_example()
        };
        assert_eq!(
            errors(&input),
            error(
                "raison_sociale",
                "Ce champ ne doit pas dépasser 200 caractères."
            )
        );
        let input = ProfileInput {
            adresse: "x".repeat(300),
            ville: "x".repeat(101),
            ..guide_example()
        };
        assert_eq!(
            errors(&input),
            error("ville", "Ce champ ne doit pas dépasser 100 caractères.")
        );
    }

    #[test]
    fn an_invalid_postal_code_is_rejected() {
        let input = ProfileInput {
            code_postal: "3162".into(),
            ..guide_example()
        };
        assert_eq!(
            errors(&input),
            error("code_postal", "Le code postal doit comporter 5 chiffres.")
        );
    }

    #[test]
    fn departement_and_region_are_derived_from_the_postal_code() {
        let input = ProfileInput {
            departement: String::new(),
            region: String::new(),
            ..guide_example()
        };
        let profile = parse(&input).unwrap();
        assert_eq!(profile.departement.unwrap().code(), "31");
        assert_eq!(profile.region.code(), "76");
    }

    #[test]
    fn the_region_is_derived_from_a_given_departement() {
        let input = ProfileInput {
            code_postal: String::new(),
            departement: "2B".into(),
            region: String::new(),
            ..guide_example()
        };
        assert_eq!(parse(&input).unwrap().region.name(), "Corse");
    }

    #[test]
    fn a_region_alone_is_enough() {
        let input = ProfileInput {
            code_postal: String::new(),
            departement: String::new(),
            ..guide_example()
        };
        let profile = parse(&input).unwrap();
        assert_eq!(profile.departement, None);
        assert_eq!(profile.region.code(), "76");
    }

    #[test]
    fn a_departement_not_matching_the_postal_code_is_rejected() {
        let input = ProfileInput {
            departement: "32".into(),
            ..guide_example()
        };
        assert_eq!(
            errors(&input),
            error(
                "departement",
                "Le département ne correspond pas au code postal."
            )
        );
    }

    #[test]
    fn an_unknown_departement_is_rejected() {
        let input = ProfileInput {
            departement: "20".into(),
            region: String::new(),
            ..guide_example()
        };
        assert_eq!(
            errors(&input),
            error(
                "departement",
                "Département inconnu : choisissez un département dans la liste."
            )
        );
    }

    #[test]
    fn a_region_not_matching_the_postal_code_is_rejected() {
        let input = ProfileInput {
            region: "11".into(),
            ..guide_example()
        };
        assert_eq!(
            errors(&input),
            error("region", "La région ne correspond pas au code postal.")
        );
    }

    #[test]
    fn a_region_not_matching_the_departement_is_rejected() {
        let input = ProfileInput {
            code_postal: String::new(),
            region: "11".into(),
            ..guide_example()
        };
        assert_eq!(
            errors(&input),
            error("region", "La région ne correspond pas au département.")
        );
    }

    #[test]
    fn an_unknown_region_is_rejected() {
        let input = ProfileInput {
            region: "73".into(),
            ..guide_example()
        };
        assert_eq!(
            errors(&input),
            error(
                "region",
                "Région inconnue : choisissez une région dans la liste."
            )
        );
    }

    #[test]
    fn the_region_is_required_when_nothing_locates_the_user() {
        let input = ProfileInput {
            code_postal: String::new(),
            departement: String::new(),
            region: String::new(),
            ..guide_example()
        };
        assert_eq!(
            errors(&input),
            error("region", "La région est obligatoire.")
        );
    }

    #[test]
    fn a_monaco_postal_code_needs_an_explicit_region() {
        let input = ProfileInput {
            code_postal: "98000".into(),
            departement: String::new(),
            region: String::new(),
            ..guide_example()
        };
        assert_eq!(
            errors(&input),
            error("region", "La région est obligatoire.")
        );
    }

    #[test]
    fn collectivites_d_outre_mer_are_their_own_region() {
        let input = ProfileInput {
            code_postal: "98800".into(),
            departement: String::new(),
            region: String::new(),
            ..guide_example()
        };
        assert_eq!(parse(&input).unwrap().region.name(), "Nouvelle-Calédonie");
    }
}
