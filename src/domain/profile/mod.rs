//! Step 5b of the registration guide: "Remplir ce formulaire pour finaliser votre inscription"
//! (`/profil`). Only nom, prénom, profession, région — and for a BAL PER the national
//! identifier — are required; everything else is optional but must be valid when given.

pub mod fields;

pub use fields::{FIELDS, Field, Profile, ProfileInput, Raw, Section, StoredProfile};

use super::FieldErrors;
use super::geo::{Departement, PostalCode, Region};
use super::name::PersonName;
use super::national_id::{IdentifierType, NationalId};
use super::nomenclature::{Code, Nomenclatures, Profession, Specialty};
use super::text::FreeText;

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
    let mut cx = Cx {
        field: "",
        errors: FieldErrors::new(),
        nomenclatures,
        requires_identifier,
    };
    match fields::parse_fields(&mut cx, input) {
        Some(profile) if cx.errors.is_empty() => Ok(profile),
        // Every field that gave `None` has pushed an error.
        _ => Err(cx.errors),
    }
}

impl ProfileInput {
    /// The form as the stored profile fills it (`/compte/profil`): every stored field, and the
    /// account's names.
    pub fn from_stored(nom: &str, prenom: &str, stored: &StoredProfile) -> Self {
        let mut input = Self {
            nom: nom.to_owned(),
            prenom: prenom.to_owned(),
            ..Self::default()
        };
        for field in FIELDS.iter().filter(|f| f.stored) {
            if let Some(value) = stored.get(field.name) {
                input.set(field.name, value);
            }
        }
        input
    }
}

/// A validated account's pending change to its identity fields ([`Field::identity`]): the new
/// raw values by field name, waiting for an administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequest {
    pub account_id: i32,
    pub requested_at: chrono::DateTime<chrono::FixedOffset>,
    pub changes: std::collections::BTreeMap<String, String>,
}

/// What a field's parser works with: the errors so far, the code lists, and the field being
/// parsed (errors are reported on it).
pub(crate) struct Cx<'a> {
    field: &'static str,
    errors: FieldErrors,
    nomenclatures: &'a Nomenclatures,
    requires_identifier: bool,
}

impl<'a> Cx<'a> {
    /// A parser for another form that shares the profile's rules (the BAL ORG request).
    pub(crate) fn new(nomenclatures: &'a Nomenclatures) -> Self {
        Self {
            field: "",
            errors: FieldErrors::new(),
            nomenclatures,
            requires_identifier: false,
        }
    }

    /// Errors from now on are reported on `field`.
    pub(crate) fn on(&mut self, field: &'static str) -> &mut Self {
        self.field = field;
        self
    }

    pub(crate) fn into_errors(self) -> FieldErrors {
        self.errors
    }

    pub(crate) fn fail<T>(&mut self, message: impl Into<String>) -> Option<T> {
        self.errors.push((self.field, message.into()));
        None
    }

    pub(crate) fn check<T, E: ToString>(&mut self, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => self.fail(e.to_string()),
        }
    }

    /// Optional free text of at most `max` characters.
    pub(crate) fn text(&mut self, raw: &str, max: usize) -> Option<Option<FreeText>> {
        self.check(FreeText::parse_optional(raw, max))
    }

    /// Empty input is `Some(None)`; otherwise the parsed value or `None` on error.
    pub(crate) fn optional<T, E: ToString>(
        &mut self,
        raw: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        if raw.trim().is_empty() {
            Some(None)
        } else {
            self.check(parse(raw)).map(Some)
        }
    }

    /// A typed name, or the trusted one when the user kept it.
    fn name(&mut self, raw: &str, trusted: Option<&str>) -> Option<PersonName> {
        match trusted {
            Some(t) if t.trim() == raw.trim() => {
                PersonName::trusted(t).or_else(|| self.check(PersonName::parse(raw)))
            }
            _ => self.check(PersonName::parse(raw)),
        }
    }

    /// An active TRE_G15 profession.
    fn profession(&mut self, raw: &str) -> Option<Profession> {
        match raw.trim() {
            "" => self.fail("La profession est obligatoire."),
            code => match self.nomenclatures.profession(code) {
                Some(profession) => Some(profession.clone()),
                None => self.fail("Profession inconnue : choisissez-la dans la liste."),
            },
        }
    }

    /// Optionally, a TRE_R38 specialty of the profession (`None` when the profession was
    /// invalid: then nothing is compared to it).
    fn specialty(
        &mut self,
        raw: &str,
        profession: Option<&Profession>,
    ) -> Option<Option<Specialty>> {
        match raw.trim() {
            "" => Some(None),
            code => match self.nomenclatures.specialty(code) {
                None => self.fail("Spécialité inconnue : choisissez-la dans la liste."),
                Some(s) if profession.is_some_and(|p| p.code != s.profession) => {
                    self.fail("Cette spécialité ne correspond pas à la profession choisie.")
                }
                Some(specialty) => Some(Some(specialty.clone())),
            },
        }
    }

    /// An optional value of a plain code list (`config/nomenclatures/<file>`).
    #[allow(
        dead_code,
        reason = "used by the code-list fields of the table, when there are"
    )]
    fn code(&mut self, raw: &str, file: &str) -> Option<Option<Code>> {
        match raw.trim() {
            "" => Some(None),
            code => match self.nomenclatures.code(file, code) {
                Some(code) => Some(Some(code.clone())),
                None => self.fail("Valeur inconnue : choisissez-la dans la liste."),
            },
        }
    }

    /// The identifier type, for a BAL PER only.
    fn identifier_type(&mut self, raw: &str) -> Option<Option<IdentifierType>> {
        if !self.requires_identifier {
            return Some(None);
        }
        self.check(IdentifierType::parse(raw)).map(Some)
    }

    /// The national identifier of a BAL PER, checked against its type.
    fn national_id(
        &mut self,
        raw: &str,
        kind: Option<Option<IdentifierType>>,
    ) -> Option<Option<NationalId>> {
        if !self.requires_identifier {
            return Some(None);
        }
        match kind.flatten() {
            Some(kind) => self.check(NationalId::parse(kind, raw)).map(Some),
            None if raw.trim().is_empty() => {
                self.fail("Le numéro d'identifiant national est obligatoire.")
            }
            // The number cannot be checked without its type; the type's error says what to fix.
            None => None,
        }
    }

    /// The département, derived from the postal code when left empty (§4.5).
    ///
    /// `code_postal` is `None` when that field was invalid (already reported; then nothing is
    /// compared to it) and `Some(None)` when it was left empty.
    pub(crate) fn departement(
        &mut self,
        raw: &str,
        code_postal: Option<&Option<PostalCode>>,
    ) -> Option<Option<Departement>> {
        let from_postal_code = code_postal.and_then(|cp| cp.as_ref()?.departement());
        match raw.trim() {
            "" => Some(from_postal_code),
            raw => match (Departement::parse(raw), from_postal_code) {
                (Err(e), _) => self.fail(e.to_string()),
                // A Monaco postal code (no département) accepts any département.
                (Ok(given), Some(derived)) if given != derived => {
                    self.fail("Le département ne correspond pas au code postal.")
                }
                (Ok(given), _) => Some(Some(given)),
            },
        }
    }

    /// The région, derived from the département when left empty (§4.4).
    pub(crate) fn region(
        &mut self,
        raw: &str,
        departement: Option<Option<Departement>>,
        code_postal: Option<&Option<PostalCode>>,
    ) -> Option<Region> {
        let from_postal_code = code_postal.and_then(|cp| cp.as_ref()?.departement());
        let expected = departement.flatten().map(|d| d.region());
        match (raw.trim(), expected) {
            ("", Some(expected)) => Some(expected),
            // An invalid département was already reported: don't add a second error for it.
            ("", None) if departement.is_none() => None,
            ("", None) => self.fail("La région est obligatoire."),
            (raw, expected) => match (Region::parse(raw), expected) {
                (Err(e), _) => self.fail(e.to_string()),
                (Ok(given), Some(expected)) if given != expected => {
                    let message = if from_postal_code.is_some() {
                        "La région ne correspond pas au code postal."
                    } else {
                        "La région ne correspond pas au département."
                    };
                    self.fail(message)
                }
                (Ok(given), _) => Some(given),
            },
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
        assert_eq!(
            profile.telephone1.as_ref().unwrap().as_str(),
            "+33561600203"
        );
        assert_eq!(profile.telephone2, None);
        assert_eq!(profile.profession.label, "Pharmacien");
        assert_eq!(profile.specialite, None);
        assert_eq!(profile.national_id().unwrap().id_nat_ps(), "810000005479");
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
            parse(&input).unwrap().national_id().unwrap().id_nat_ps(),
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
        assert_eq!(profile.national_id(), None);
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

    #[test]
    fn the_form_deserializes_straight_into_the_input_unticked_boxes_being_absent() {
        let input: ProfileInput = serde_urlencoded::from_str(
            "nom=DUPONT&prenom=Pierre&profession=21&annuaire_mssante=on&csrf_token=x",
        )
        .unwrap();
        assert_eq!(input.nom, "DUPONT");
        assert_eq!(input.profession, "21");
        assert!(input.annuaire_mssante);
        assert!(!input.annuaire_medimail && !input.activite_liberale);
        assert_eq!(input.trusted_names, None);
    }

    #[test]
    fn a_new_form_has_the_guide_defaults_ticked() {
        let input = ProfileInput::with_defaults();
        assert!(input.annuaire_medimail && input.annuaire_mssante);
        assert!(input.dematerialisation && input.notification_reception);
        assert!(!input.activite_liberale);
    }

    #[test]
    fn a_civilite_d_exercice_of_the_tre_r11_list_is_accepted_and_stored_as_its_code() {
        let input = ProfileInput {
            civilite_exercice: "DR".into(),
            ..guide_example()
        };
        let profile = parse(&input).unwrap();
        assert_eq!(profile.civilite_exercice.as_ref().unwrap().label, "Docteur");
        assert_eq!(profile.stored(1).civilite_exercice, "DR");
    }

    #[test]
    fn an_unknown_civilite_d_exercice_is_rejected() {
        let input = ProfileInput {
            civilite_exercice: "M".into(),
            ..guide_example()
        };
        assert_eq!(
            errors(&input),
            error(
                "civilite_exercice",
                "Valeur inconnue : choisissez-la dans la liste."
            )
        );
    }

    #[test]
    fn every_field_of_the_table_has_a_label_and_a_unique_name() {
        let mut names = std::collections::HashSet::new();
        for field in FIELDS {
            assert!(!field.label.is_empty(), "{}", field.name);
            assert!(names.insert(field.name), "{} twice", field.name);
        }
    }
}
