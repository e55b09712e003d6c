//! Person names (nom, prénom) as typed in the sign-up and profile forms.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::fold::collapse_whitespace;

const MAX_CHARS: usize = 100;

/// A trimmed, whitespace-collapsed, NFC-normalised name of 1 to 100 characters.
///
/// Letters of any script are allowed (practitioners' names are not all Latin), plus the
/// separators found in French civil-status names: space, hyphen, apostrophes (' and ’) and
/// the dot of abbreviations ("J.-P."). Digits and other symbols are refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("Ce champ est obligatoire.")]
    Missing,
    #[error("Ce champ est trop long (100 caractères maximum).")]
    TooLong,
    #[error(
        "Ce champ contient des caractères non autorisés : seuls les lettres, les espaces, \
         les tirets, les apostrophes et les points sont acceptés."
    )]
    ForbiddenCharacters,
    #[error("Ce champ doit contenir au moins une lettre.")]
    NoLetter,
}

impl PersonName {
    /// # Errors
    /// Returns the first rule the input breaks (see [`NameError`]).
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        // NFC so that a decomposed "e" + U+0301 is stored (and compared) as "é".
        let name: String = collapse_whitespace(raw).nfc().collect();
        if name.is_empty() {
            return Err(NameError::Missing);
        }
        if name.chars().count() > MAX_CHARS {
            return Err(NameError::TooLong);
        }
        if !name.chars().all(is_allowed) {
            return Err(NameError::ForbiddenCharacters);
        }
        if !name.chars().any(char::is_alphabetic) {
            return Err(NameError::NoLetter);
        }
        Ok(Self(name))
    }

    /// A name asserted by Pro Santé Connect (the national directory's "nom d'exercice"):
    /// trusted as sent, like its identifiers (domain.md §0) — ANS test identities carry digits —
    /// but still trimmed, NFC-normalised, bounded, and free of control characters.
    pub fn trusted(raw: &str) -> Option<Self> {
        let name: String = collapse_whitespace(raw)
            .nfc()
            .filter(|c| !c.is_control())
            .take(MAX_CHARS)
            .collect();
        (!name.is_empty()).then_some(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_allowed(c: char) -> bool {
    c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’' | '.')
}

impl AsRef<str> for PersonName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_simple_name_is_accepted() {
        assert_eq!(PersonName::parse("Dupont").unwrap().as_str(), "Dupont");
    }

    #[test]
    fn a_name_is_trimmed_and_inner_whitespace_collapsed() {
        let name = PersonName::parse("  Jean   \t Pierre ").unwrap();
        assert_eq!(name.as_str(), "Jean Pierre");
    }

    #[test]
    fn a_name_is_nfc_normalised() {
        let decomposed = "He\u{301}le\u{300}ne";
        assert_eq!(PersonName::parse(decomposed).unwrap().as_str(), "Hélène");
    }

    #[test]
    fn hyphens_apostrophes_and_dots_are_accepted() {
        for raw in ["Jean-Pierre", "D'Artagnan", "N’Diaye", "J.-P. Le Gall"] {
            assert!(PersonName::parse(raw).is_ok(), "{raw}");
        }
    }

    #[test]
    fn letters_of_any_script_are_accepted() {
        for raw in ["Zoë", "Łukasz", "Ødegård", "Νίκος", "Олег", "王芳", "محمد"]
        {
            assert!(PersonName::parse(raw).is_ok(), "{raw}");
        }
    }

    #[test]
    fn an_empty_name_is_required() {
        assert_eq!(PersonName::parse(""), Err(NameError::Missing));
        assert_eq!(PersonName::parse(" \t "), Err(NameError::Missing));
    }

    #[test]
    fn a_name_of_exactly_100_characters_is_accepted() {
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
    }

    #[test]
    fn a_name_longer_than_100_characters_is_rejected() {
        assert_eq!(PersonName::parse(&"a".repeat(101)), Err(NameError::TooLong));
    }

    #[test]
    fn digits_are_rejected() {
        assert_eq!(
            PersonName::parse("Dupont2"),
            Err(NameError::ForbiddenCharacters)
        );
    }

    #[test]
    fn symbols_are_rejected() {
        for raw in ["Du<pont>", "Dupont!", "a@b", "Du_pont", "Dupont 😀"] {
            assert_eq!(
                PersonName::parse(raw),
                Err(NameError::ForbiddenCharacters),
                "{raw}"
            );
        }
    }

    #[test]
    fn control_characters_are_rejected() {
        assert_eq!(
            PersonName::parse("Du\u{0}pont"),
            Err(NameError::ForbiddenCharacters)
        );
        assert_eq!(
            PersonName::parse("Du\u{7f}pont"),
            Err(NameError::ForbiddenCharacters)
        );
    }

    #[test]
    fn a_name_without_any_letter_is_rejected() {
        assert_eq!(PersonName::parse("- ' ."), Err(NameError::NoLetter));
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(raw in any::<String>()) {
            let _ = PersonName::parse(&raw);
        }

        #[test]
        fn accepted_names_round_trip_trimmed(raw in "\\PC{0,120}") {
            if let Ok(name) = PersonName::parse(&raw) {
                prop_assert_eq!(name.as_str().trim(), name.as_str());
                prop_assert_eq!(PersonName::parse(name.as_str()).unwrap(), name);
            }
        }

        #[test]
        fn well_formed_names_parse_to_their_trimmed_form(
            words in proptest::collection::vec("[A-Za-zÀ-ÖØ-öø-ÿ]{1,12}", 1..4),
            separator in prop::sample::select(vec![" ", "-", "'", "’"]),
            padding in "[ \t]{0,3}",
        ) {
            let name = words.join(separator);
            let parsed = PersonName::parse(&format!("{padding}{name}{padding}")).unwrap();
            prop_assert_eq!(parsed.as_str(), name.as_str());
        }
    }
}
