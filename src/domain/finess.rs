//! FINESS numbers of health and social structures (docs/domain.md §2.4, §2.5).

use std::fmt;
use std::str::FromStr;

use super::national_id::luhn_valid;

const LEN: usize = 9;

/// A 9-character FINESS number, `[0-9][0-9AB][0-9]{7}`, upper-cased and without spaces.
///
/// The first two characters are the département (Corsica: `2A`, `2B`) and the last one is a
/// key. On all-numeric numbers the key is the Luhn key over the 9 digits (every real sample
/// passes, §2.5). How the key is computed when the number contains a letter is not known
/// (§2.5 marks it unconfirmed), so those numbers are accepted without a key check.
///
/// The département rule is narrower than the ANS schema (`[0-9][0-9A-Z]`, §2.5), which also
/// allows letters other than A and B: none is known to occur.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finess(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FinessError {
    #[error("Le numéro FINESS est obligatoire.")]
    Missing,
    #[error(
        "Le numéro FINESS ne doit contenir que des chiffres, sauf le deuxième caractère qui \
         peut être A ou B (Corse : 2A, 2B)."
    )]
    InvalidCharacters,
    #[error("Le numéro FINESS doit comporter 9 caractères.")]
    WrongLength,
    #[error("La clé du numéro FINESS est invalide : vérifiez le numéro.")]
    BadKey,
}

impl Finess {
    /// Spaces are ignored and letters upper-cased ("2a 000 0123" → "2A0000123").
    ///
    /// # Errors
    /// The first rule the input breaks (see [`FinessError`]).
    pub fn parse(raw: &str) -> Result<Self, FinessError> {
        let finess: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if finess.is_empty() {
            return Err(FinessError::Missing);
        }
        let allowed =
            |(i, c): (usize, char)| c.is_ascii_digit() || (i == 1 && matches!(c, 'A' | 'B'));
        if !finess.chars().enumerate().all(allowed) {
            return Err(FinessError::InvalidCharacters);
        }
        // Only ASCII is left, so the byte length is the character count.
        if finess.len() != LEN {
            return Err(FinessError::WrongLength);
        }
        // The key of a 2A/2B number is unknown (§2.5): accepted as is.
        let all_digits = finess.bytes().all(|b| b.is_ascii_digit());
        if all_digits && !luhn_valid(&finess) {
            return Err(FinessError::BadKey);
        }
        Ok(Self(finess))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The département code: the first two characters (`01`, `2A`…). Overseas numbers start
    /// with `97` or `98`, how they continue is not known (§2.5).
    pub fn departement_prefix(&self) -> &str {
        self.0.get(..2).unwrap_or(&self.0)
    }

    /// idNatStruct: TRE_G07 type `1` (FINESS) + the number (§2.4).
    pub fn id_nat_struct(&self) -> String {
        format!("1{}", self.0)
    }
}

impl FromStr for Finess {
    type Err = FinessError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for Finess {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Finess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::national_id::luhn_key;
    use proptest::prelude::*;

    #[test]
    fn the_real_finess_samples_are_accepted() {
        // §2.5: ANS data.gouv sample and ANS FHIR documentation.
        for finess in [
            "010000016",
            "010000156",
            "010780195",
            "010000164",
            "010787190",
            "010000347",
        ] {
            assert_eq!(Finess::parse(finess).unwrap().as_str(), finess);
        }
    }

    #[test]
    fn spaces_are_ignored_and_letters_upper_cased() {
        assert_eq!(
            Finess::parse(" 01 000 0016 ").unwrap().as_str(),
            "010000016"
        );
        assert_eq!(Finess::parse("2a 000 0123").unwrap().as_str(), "2A0000123");
    }

    #[test]
    fn a_corsican_number_is_accepted_without_a_key_check() {
        // Neither number has a Luhn key to check: the 2A/2B key rule is unknown (§2.5).
        for finess in ["2A0000123", "2B0000124", "0B0193488"] {
            assert_eq!(Finess::parse(finess).unwrap().as_str(), finess);
        }
    }

    #[test]
    fn an_empty_finess_is_required() {
        assert_eq!(Finess::parse(""), Err(FinessError::Missing));
        assert_eq!(
            Finess::parse("  ").unwrap_err().to_string(),
            "Le numéro FINESS est obligatoire."
        );
    }

    #[test]
    fn letters_other_than_a_or_b_in_second_position_are_rejected() {
        for finess in [
            "2C0000123",
            "A10000016",
            "01000001X",
            "01A000016",
            "01-000016",
            "01.000016",
        ] {
            assert_eq!(
                Finess::parse(finess),
                Err(FinessError::InvalidCharacters),
                "{finess}"
            );
        }
        assert_eq!(
            FinessError::InvalidCharacters.to_string(),
            "Le numéro FINESS ne doit contenir que des chiffres, sauf le deuxième caractère qui \
             peut être A ou B (Corse : 2A, 2B)."
        );
    }

    #[test]
    fn a_finess_with_a_wrong_length_is_rejected() {
        for finess in ["01000001", "0100000160", "2A"] {
            assert_eq!(
                Finess::parse(finess),
                Err(FinessError::WrongLength),
                "{finess}"
            );
        }
        assert_eq!(
            FinessError::WrongLength.to_string(),
            "Le numéro FINESS doit comporter 9 caractères."
        );
    }

    #[test]
    fn a_numeric_finess_with_a_wrong_luhn_key_is_rejected() {
        let err = Finess::parse("010000017").unwrap_err();
        assert_eq!(err, FinessError::BadKey);
        assert_eq!(
            err.to_string(),
            "La clé du numéro FINESS est invalide : vérifiez le numéro."
        );
    }

    #[test]
    fn the_departement_prefix_and_id_nat_struct_are_derived() {
        let finess = Finess::parse("2B0000124").unwrap();
        assert_eq!(finess.departement_prefix(), "2B");
        assert_eq!(finess.id_nat_struct(), "12B0000124");
        assert_eq!(finess.to_string(), "2B0000124");
        assert_eq!(
            "010000016".parse::<Finess>().unwrap().id_nat_struct(),
            "1010000016"
        );
    }

    proptest! {
        #[test]
        fn a_body_with_its_luhn_key_is_a_valid_finess(body in "[0-9]{8}") {
            let finess = format!("{body}{}", luhn_key(&body).unwrap());
            let parsed = Finess::parse(&finess).unwrap();
            prop_assert_eq!(parsed.as_str(), finess.as_str());
        }

        #[test]
        fn changing_the_key_of_a_numeric_finess_always_fails(body in "[0-9]{8}", delta in 1u8..10) {
            let key = (luhn_key(&body).unwrap() + delta) % 10;
            prop_assert_eq!(Finess::parse(&format!("{body}{key}")), Err(FinessError::BadKey));
        }

        #[test]
        fn any_corsican_number_is_accepted(letter in "[AaBb]", rest in "[0-9]{7}") {
            let finess = Finess::parse(&format!("2{letter}{rest}")).unwrap();
            prop_assert_eq!(finess.as_str(), format!("2{}{rest}", letter.to_ascii_uppercase()));
        }

        #[test]
        fn arbitrary_input_never_panics(raw in any::<String>()) {
            let _ = Finess::parse(&raw);
        }
    }
}
