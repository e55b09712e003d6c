//! Optional single-line free text fields of the profile form (raison sociale, service, adresse,
//! ville).

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::fold::collapse_whitespace;

/// Trimmed, whitespace-collapsed, NFC-normalised text without control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FreeText(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("Ce champ ne doit pas dépasser {max} caractères.")]
    TooLong { max: usize },
    #[error("Ce champ contient des caractères non autorisés.")]
    ControlCharacter,
}

impl FreeText {
    /// Empty (or blank) input is `Ok(None)`: these fields are optional.
    ///
    /// Tabs and line breaks count as whitespace and are collapsed (pasted addresses often
    /// contain them); any other control character is refused.
    ///
    /// # Errors
    /// [`TextError::ControlCharacter`], or [`TextError::TooLong`] past `max_chars` characters.
    pub fn parse_optional(raw: &str, max_chars: usize) -> Result<Option<Self>, TextError> {
        let text: String = collapse_whitespace(raw).nfc().collect();
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().any(char::is_control) {
            return Err(TextError::ControlCharacter);
        }
        if text.chars().count() > max_chars {
            return Err(TextError::TooLong { max: max_chars });
        }
        Ok(Some(Self(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FreeText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FreeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_or_blank_text_is_none() {
        assert_eq!(FreeText::parse_optional("", 10), Ok(None));
        assert_eq!(FreeText::parse_optional(" \t\n ", 10), Ok(None));
    }

    #[test]
    fn text_is_trimmed_and_whitespace_collapsed() {
        let text = FreeText::parse_optional("  PHARMACIE \t DU\n CENTRE ", 100)
            .unwrap()
            .unwrap();
        assert_eq!(text.as_str(), "PHARMACIE DU CENTRE");
    }

    #[test]
    fn text_is_nfc_normalised() {
        let text = FreeText::parse_optional("Castelnau-d'Estre\u{301}tefonds", 100).unwrap();
        assert_eq!(text.unwrap().as_str(), "Castelnau-d'Estrétefonds");
    }

    #[test]
    fn control_characters_are_rejected() {
        assert_eq!(
            FreeText::parse_optional("a\u{0}b", 10),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(
            FreeText::parse_optional("a\u{1b}[31m", 10),
            Err(TextError::ControlCharacter)
        );
    }

    #[test]
    fn text_longer_than_the_maximum_is_rejected() {
        assert_eq!(
            FreeText::parse_optional("abcdef", 5),
            Err(TextError::TooLong { max: 5 })
        );
        assert_eq!(
            TextError::TooLong { max: 200 }.to_string(),
            "Ce champ ne doit pas dépasser 200 caractères."
        );
    }

    #[test]
    fn the_maximum_counts_characters_not_bytes() {
        assert!(FreeText::parse_optional("ééééé", 5).unwrap().is_some());
    }

    proptest! {
        #[test]
        fn accepted_text_round_trips(raw in ".{0,60}") {
            if let Ok(Some(text)) = FreeText::parse_optional(&raw, 100) {
                let again = FreeText::parse_optional(text.as_str(), 100).unwrap().unwrap();
                prop_assert_eq!(again, text);
            }
        }
    }
}
