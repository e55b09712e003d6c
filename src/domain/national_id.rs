//! National identifiers of health professionals: RPPS and legacy ADELI (docs/domain.md §2).

use std::fmt;
use std::str::FromStr;

/// Which identifier the user says they have (profile form, "Type d'identifiant national").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierType {
    Rpps,
    Adeli,
}

impl IdentifierType {
    /// Accepts "RPPS" / "ADELI", case-insensitively.
    ///
    /// # Errors
    /// [`NationalIdError::MissingType`] or [`NationalIdError::UnknownType`].
    pub fn parse(raw: &str) -> Result<Self, NationalIdError> {
        let raw = raw.trim();
        if raw.is_empty() {
            Err(NationalIdError::MissingType)
        } else if raw.eq_ignore_ascii_case("RPPS") {
            Ok(Self::Rpps)
        } else if raw.eq_ignore_ascii_case("ADELI") {
            Ok(Self::Adeli)
        } else {
            Err(NationalIdError::UnknownType)
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rpps => "RPPS",
            Self::Adeli => "ADELI",
        }
    }

    /// Number of digits, key included (§2.1: RPPS 11, §2.2: ADELI 9).
    pub fn digits(self) -> usize {
        match self {
            Self::Rpps => 11,
            Self::Adeli => 9,
        }
    }

    /// TRE_G08 person-identifier type, the prefix of an idNatPs (§2.2, §2.3).
    pub fn id_nat_ps_prefix(self) -> char {
        match self {
            Self::Rpps => '8',
            Self::Adeli => '0',
        }
    }
}

impl FromStr for IdentifierType {
    type Err = NationalIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for IdentifierType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NationalIdError {
    #[error("Le type d'identifiant national est obligatoire.")]
    MissingType,
    #[error("Le type d'identifiant national doit être RPPS ou ADELI.")]
    UnknownType,
    #[error("Le numéro d'identifiant national est obligatoire.")]
    Missing,
    #[error("Le numéro {0} ne doit contenir que des chiffres.")]
    NotDigits(IdentifierType),
    #[error("Le numéro {kind} doit comporter {n} chiffres.", kind = .0, n = .0.digits())]
    WrongLength(IdentifierType),
    #[error("La clé du numéro {0} est invalide : vérifiez le numéro.")]
    BadKey(IdentifierType),
}

/// An 11-digit RPPS number whose last digit is a valid Luhn key (§2.1, §2.6).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rpps(String);

/// A legacy 9-digit ADELI number. ADELI is decommissioned (§2.2) but the guide still offers
/// it; the Luhn key holds on every real sample, so it is checked too.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Adeli(String);

impl Rpps {
    /// Spaces are ignored ("100 0000 5479").
    ///
    /// # Errors
    /// See [`NationalIdError`].
    pub fn parse(raw: &str) -> Result<Self, NationalIdError> {
        parse_digits(IdentifierType::Rpps, raw, true).map(Self)
    }

    /// Extracts the RPPS from a Pro Santé Connect idNatPs (`8` + 11 digits, §1.10).
    ///
    /// The Luhn key is deliberately not checked: identifiers asserted by PSC are trusted as
    /// sent, and some ANS test identities fail it (§0, §2.1). Returns `None` for anything
    /// that is not an RPPS-based idNatPs (ADELI-based, or EDIT test ids like `ANS2023…`).
    pub fn from_psc_id_nat_ps(id_nat_ps: &str) -> Option<Self> {
        let rpps = id_nat_ps.trim().strip_prefix('8')?;
        parse_digits(IdentifierType::Rpps, rpps, false)
            .ok()
            .map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Adeli {
    /// Spaces are ignored.
    ///
    /// # Errors
    /// See [`NationalIdError`].
    pub fn parse(raw: &str) -> Result<Self, NationalIdError> {
        parse_digits(IdentifierType::Adeli, raw, true).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn parse_digits(
    kind: IdentifierType,
    raw: &str,
    check_key: bool,
) -> Result<String, NationalIdError> {
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Err(NationalIdError::Missing);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NationalIdError::NotDigits(kind));
    }
    if digits.len() != kind.digits() {
        return Err(NationalIdError::WrongLength(kind));
    }
    if check_key && !luhn_valid(&digits) {
        return Err(NationalIdError::BadKey(kind));
    }
    Ok(digits)
}

/// A validated national identifier of one of the two kinds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NationalId {
    Rpps(Rpps),
    Adeli(Adeli),
}

impl NationalId {
    /// # Errors
    /// See [`NationalIdError`].
    pub fn parse(kind: IdentifierType, raw: &str) -> Result<Self, NationalIdError> {
        match kind {
            IdentifierType::Rpps => Rpps::parse(raw).map(Self::Rpps),
            IdentifierType::Adeli => Adeli::parse(raw).map(Self::Adeli),
        }
    }

    pub fn kind(&self) -> IdentifierType {
        match self {
            Self::Rpps(_) => IdentifierType::Rpps,
            Self::Adeli(_) => IdentifierType::Adeli,
        }
    }

    /// The bare number (digits only).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Rpps(rpps) => rpps.as_str(),
            Self::Adeli(adeli) => adeli.as_str(),
        }
    }

    /// idNatPs: "8"+RPPS or "0"+ADELI (§2.1, §2.2).
    pub fn id_nat_ps(&self) -> String {
        format!("{}{}", self.kind().id_nat_ps_prefix(), self.as_str())
    }
}

impl AsRef<str> for NationalId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Rpps> for NationalId {
    fn from(rpps: Rpps) -> Self {
        Self::Rpps(rpps)
    }
}

/// Luhn (mod 10) check over a string of ASCII digits, key included (§2.6). `false` for an
/// empty string or any non-digit.
pub fn luhn_valid(digits: &str) -> bool {
    is_digits(digits) && luhn_sum(digits).is_multiple_of(10)
}

/// The Luhn key to append to `body` (§2.6); `None` unless `body` is non-empty ASCII digits.
pub fn luhn_key(body: &str) -> Option<u8> {
    if !is_digits(body) {
        return None;
    }
    let sum = luhn_sum(&format!("{body}0"));
    u8::try_from((10 - sum % 10) % 10).ok()
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// From the rightmost digit leftwards, double every second digit (minus 9 above 9), sum all.
fn luhn_sum(digits: &str) -> u32 {
    digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (i % 2 == 1, d * 2) {
                (false, _) => d,
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn luhn_accepts_the_ans_sample_rpps_numbers() {
        // §2.1: PSC sandbox test practitioners and ANS documentation examples.
        for rpps in [
            "99700366240",
            "99700427885",
            "99700218896",
            "99700237045",
            "10000005479",
        ] {
            assert!(luhn_valid(rpps), "{rpps}");
        }
    }

    #[test]
    fn luhn_rejects_empty_and_non_digit_input() {
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("1234a"));
        assert_eq!(luhn_key(""), None);
        assert_eq!(luhn_key("12 3"), None);
    }

    #[test]
    fn luhn_key_completes_a_body() {
        assert_eq!(luhn_key("9970036624"), Some(0));
        assert_eq!(luhn_key("1000000547"), Some(9));
        assert_eq!(luhn_key("34910266"), Some(5));
    }

    #[test]
    fn a_valid_rpps_is_accepted() {
        assert_eq!(Rpps::parse("10000005479").unwrap().as_str(), "10000005479");
    }

    #[test]
    fn spaces_in_an_rpps_are_ignored() {
        assert_eq!(
            Rpps::parse(" 100 0000 5479 ").unwrap().as_str(),
            "10000005479"
        );
    }

    #[test]
    fn an_empty_rpps_is_required() {
        assert_eq!(Rpps::parse("  "), Err(NationalIdError::Missing));
    }

    #[test]
    fn rpps_with_a_wrong_length_is_rejected() {
        let err = Rpps::parse("1000000547").unwrap_err();
        assert_eq!(err, NationalIdError::WrongLength(IdentifierType::Rpps));
        assert_eq!(
            err.to_string(),
            "Le numéro RPPS doit comporter 11 chiffres."
        );
    }

    #[test]
    fn rpps_with_a_non_digit_is_rejected() {
        let err = Rpps::parse("1000000547A").unwrap_err();
        assert_eq!(err, NationalIdError::NotDigits(IdentifierType::Rpps));
        assert_eq!(
            err.to_string(),
            "Le numéro RPPS ne doit contenir que des chiffres."
        );
    }

    #[test]
    fn rpps_with_a_wrong_luhn_key_is_rejected() {
        // An ANS FHIR fixture that fails Luhn (§2.1).
        let err = Rpps::parse("10102727017").unwrap_err();
        assert_eq!(err, NationalIdError::BadKey(IdentifierType::Rpps));
        assert_eq!(
            err.to_string(),
            "La clé du numéro RPPS est invalide : vérifiez le numéro."
        );
    }

    #[test]
    fn an_rpps_from_pro_sante_connect_skips_the_luhn_check() {
        let rpps = Rpps::from_psc_id_nat_ps("810102727017").unwrap();
        assert_eq!(rpps.as_str(), "10102727017");
        assert_eq!(
            Rpps::from_psc_id_nat_ps("899700427885").unwrap().as_str(),
            "99700427885"
        );
    }

    #[test]
    fn a_psc_id_that_is_not_rpps_based_gives_no_rpps() {
        for id in [
            "ANS20231122132732",
            "0349102665",
            "8997004278",
            "89970042788a",
        ] {
            assert_eq!(Rpps::from_psc_id_nat_ps(id), None, "{id}");
        }
    }

    #[test]
    fn the_real_adeli_samples_are_accepted() {
        // §2.2: orthophonistes in Hérault and an opticien in Ain.
        for adeli in ["349102665", "349101808", "012807590"] {
            assert!(Adeli::parse(adeli).is_ok(), "{adeli}");
        }
    }

    #[test]
    fn adeli_with_a_wrong_length_is_rejected() {
        let err = Adeli::parse("34910266").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Le numéro ADELI doit comporter 9 chiffres."
        );
    }

    #[test]
    fn adeli_with_a_wrong_luhn_key_is_rejected() {
        let err = Adeli::parse("349102664").unwrap_err();
        assert_eq!(
            err.to_string(),
            "La clé du numéro ADELI est invalide : vérifiez le numéro."
        );
    }

    #[test]
    fn identifier_types_parse_case_insensitively() {
        assert_eq!(IdentifierType::parse("RPPS"), Ok(IdentifierType::Rpps));
        assert_eq!(IdentifierType::parse(" adeli "), Ok(IdentifierType::Adeli));
        assert_eq!(IdentifierType::parse(""), Err(NationalIdError::MissingType));
        assert_eq!(
            IdentifierType::parse("FINESS"),
            Err(NationalIdError::UnknownType)
        );
        assert_eq!(IdentifierType::Adeli.as_str(), "ADELI");
    }

    #[test]
    fn the_id_nat_ps_prefixes_8_for_rpps_and_0_for_adeli() {
        let rpps = NationalId::parse(IdentifierType::Rpps, "99700427885").unwrap();
        assert_eq!(rpps.kind(), IdentifierType::Rpps);
        assert_eq!(rpps.id_nat_ps(), "899700427885");
        let adeli = NationalId::parse(IdentifierType::Adeli, "349102665").unwrap();
        assert_eq!(adeli.kind(), IdentifierType::Adeli);
        assert_eq!(adeli.as_str(), "349102665");
        assert_eq!(adeli.id_nat_ps(), "0349102665");
    }

    fn with_key(body: &str) -> String {
        format!("{body}{}", luhn_key(body).unwrap())
    }

    fn change_digit(number: &str, position: usize, delta: u8) -> String {
        number
            .bytes()
            .enumerate()
            .map(|(i, b)| {
                let d = b - b'0';
                let d = if i == position { (d + delta) % 10 } else { d };
                char::from(b'0' + d)
            })
            .collect()
    }

    proptest! {
        #[test]
        fn a_body_with_its_computed_key_is_a_valid_rpps(body in "[0-9]{10}") {
            let rpps = with_key(&body);
            prop_assert_eq!(Rpps::parse(&rpps).unwrap().as_str().to_owned(), rpps);
        }

        #[test]
        fn changing_one_digit_of_an_rpps_always_fails(
            body in "[0-9]{10}", position in 0usize..11, delta in 1u8..10,
        ) {
            let wrong = change_digit(&with_key(&body), position, delta);
            prop_assert_eq!(Rpps::parse(&wrong), Err(NationalIdError::BadKey(IdentifierType::Rpps)));
        }

        #[test]
        fn a_body_with_its_computed_key_is_a_valid_adeli(body in "[0-9]{8}") {
            let adeli = with_key(&body);
            prop_assert_eq!(Adeli::parse(&adeli).unwrap().as_str().to_owned(), adeli);
        }

        #[test]
        fn changing_one_digit_of_an_adeli_always_fails(
            body in "[0-9]{8}", position in 0usize..9, delta in 1u8..10,
        ) {
            let wrong = change_digit(&with_key(&body), position, delta);
            prop_assert_eq!(Adeli::parse(&wrong), Err(NationalIdError::BadKey(IdentifierType::Adeli)));
        }
    }
}
