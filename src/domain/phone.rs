//! French phone numbers (metropolitan and overseas), normalised to E.164.
//!
//! French numbering plan (ARCEP): a national number is `0` + a 9-digit national significant
//! number (NSN). Overseas départements share the plan but are reached from abroad with their
//! own country code, keeping the whole NSN: 0262 12 34 56 → +262 262 12 34 56. Saint-Pierre-
//! et-Miquelon is the exception: its numbers have 6 digits, dialled "05 08" + 6 digits from
//! France and +508 + 6 digits from abroad.
//!
//! Why not the `phonenumber` crate (Rust port of libphonenumber, 0.3.10 with metadata 9.0.33),
//! tried on every case of the tests below (December 2026): it fails 24 of them, for reasons
//! of design rather than bugs, so this module stays hand-written.
//! - Overseas numbers written nationally (0262…, 0692…, 0639…, 0590…, 0690…, 0594…, 0596…,
//!   0697…, and Saint-Pierre-et-Miquelon's 05 08…) are parsed with the FR region as
//!   +33 262 12 34 56, not +262 262 12 34 56. libphonenumber treats each DOM as its own region
//!   (RE, YT, GP, GF, MQ, PM). It cannot know that someone typing 0262 in a French form means
//!   La Réunion. Routing these numbers would need the prefix table below anyway.
//!   "+33 262 12 34 56" is likewise kept as +33 and judged invalid.
//! - Validity is checked against allocated ranges: 07 12 34 56 78 and +687 12 34 56 are
//!   "invalid" for it, while our rule (and the property tests) accept any 0 + 9-digit national
//!   number. Plans change faster than the crate's metadata is released.
//! - Its lenient parsing accepts what we refuse with a French message: letters become keypad
//!   digits ("O3" → "63"), "/" is a separator, and a number without its trunk 0 (561600203)
//!   or with a bare "33" is accepted. Foreign codes (+44, 0049) are valid numbers for it, so
//!   the "French numbers only" rule would still be ours.
//!
//! What is left for it to do (E.164 formatting of a 9-digit NSN) is a `format!`. It would add
//! 14 crates to our tree (postcard, heapless, quick-xml, regex-cache, … ; regex we already
//! have) and a metadata blob built by `build.rs`, for no case we need.

use std::fmt;

/// NSN prefixes (after the national `0`) of overseas départements → their country code.
const OVERSEAS_PREFIXES: &[(&str, &str)] = &[
    // La Réunion (fixed 262/263, mobile 692/693) and Mayotte (fixed 269, mobile 639).
    ("262", "262"),
    ("263", "262"),
    ("692", "262"),
    ("693", "262"),
    ("269", "262"),
    ("639", "262"),
    // Guadeloupe, Saint-Barthélemy, Saint-Martin.
    ("590", "590"),
    ("690", "590"),
    ("691", "590"),
    // Guyane.
    ("594", "594"),
    ("694", "594"),
    // Martinique.
    ("596", "596"),
    ("696", "596"),
    ("697", "596"),
];

/// NSN prefix of Saint-Pierre-et-Miquelon in the French plan (0508 XX XX XX).
const SPM_PREFIX: &str = "508";

/// How the subscriber number after a country code is checked.
#[derive(Clone, Copy)]
enum Plan {
    /// The French plan: a 9-digit NSN, whose prefix decides the canonical country code.
    French,
    /// An own plan with numbers of this many digits.
    Own(usize),
}

/// Country codes accepted in international form.
const COUNTRY_CODES: &[(&str, Plan)] = &[
    ("33", Plan::French),
    ("262", Plan::French),
    ("590", Plan::French),
    ("594", Plan::French),
    ("596", Plan::French),
    ("508", Plan::Own(6)), // Saint-Pierre-et-Miquelon
    ("687", Plan::Own(6)), // Nouvelle-Calédonie
    ("689", Plan::Own(8)), // Polynésie française (8 digits since 2018)
];

/// A phone number in E.164 form, e.g. "+33561600203".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("Le numéro de téléphone est obligatoire.")]
    Missing,
    #[error(
        "Le numéro de téléphone ne peut contenir que des chiffres, des espaces, des points, \
         des tirets, des parenthèses et le signe +."
    )]
    InvalidCharacters,
    #[error("Le signe + n'est autorisé qu'au début du numéro.")]
    MisplacedPlus,
    #[error(
        "Le numéro de téléphone doit comporter 10 chiffres et commencer par 0 \
         (exemple : 05 61 60 02 03)."
    )]
    InvalidNational,
    #[error(
        "Seuls les numéros français sont acceptés : saisissez un numéro à 10 chiffres \
         ou un indicatif +33, +262, +508, +590, +594, +596, +687 ou +689."
    )]
    UnsupportedCountry,
    #[error("Ce numéro n'est pas valide pour l'indicatif +{0}.")]
    InvalidForCountryCode(String),
}

impl PhoneNumber {
    /// Accepts `0X XX XX XX XX`, `+33 X…`, `0033 X…`, `+33 (0)X…` and the overseas country
    /// codes, with spaces, dots, dashes and parentheses as separators.
    ///
    /// # Errors
    /// See [`PhoneError`].
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(PhoneError::Missing);
        }
        let allowed = |c: char| c.is_ascii_digit() || c.is_whitespace() || "+.-()".contains(c);
        if !raw.chars().all(allowed) {
            return Err(PhoneError::InvalidCharacters);
        }
        // Dropping parentheses turns "+33 (0)5…" into "+3305…", whose extra 0 is removed below.
        let compact: String = raw
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        if compact.rfind('+').is_some_and(|i| i > 0) {
            return Err(PhoneError::MisplacedPlus);
        }
        if let Some(international) = compact.strip_prefix('+').or(compact.strip_prefix("00")) {
            parse_international(international)
        } else {
            parse_national(&compact)
        }
        .map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "05 61 60 02 03" for +33 numbers, the E.164 form otherwise.
    pub fn display_national(&self) -> String {
        match self.0.strip_prefix("+33") {
            Some(nsn) => {
                let national = format!("0{nsn}");
                let pairs: Vec<&str> = national
                    .as_bytes()
                    .chunks(2)
                    .filter_map(|pair| std::str::from_utf8(pair).ok())
                    .collect();
                pairs.join(" ")
            }
            None => self.0.clone(),
        }
    }
}

/// `0` + NSN of 9 digits, the NSN not starting with 0.
fn parse_national(digits: &str) -> Result<String, PhoneError> {
    match digits.strip_prefix('0') {
        Some(nsn) if is_french_nsn(nsn) => Ok(french_e164(nsn)),
        _ => Err(PhoneError::InvalidNational),
    }
}

/// `digits` follows the `+` (or `00`): country code then subscriber number.
fn parse_international(digits: &str) -> Result<String, PhoneError> {
    let (code, plan, rest) = COUNTRY_CODES
        .iter()
        .find_map(|&(code, plan)| digits.strip_prefix(code).map(|rest| (code, plan, rest)))
        .ok_or(PhoneError::UnsupportedCountry)?;
    let invalid = || PhoneError::InvalidForCountryCode(code.to_owned());
    let nsn_len = match plan {
        Plan::French => 9,
        Plan::Own(len) => len,
    };
    // The trunk "0" people keep after the country code ("+33 (0)5…", "+33 05…").
    let nsn = match rest.strip_prefix('0') {
        Some(nsn) if nsn.len() == nsn_len => nsn,
        _ => rest,
    };
    match plan {
        _ if nsn.len() != nsn_len => Err(invalid()),
        Plan::Own(_) => Ok(format!("+{code}{nsn}")),
        Plan::French if !is_french_nsn(nsn) => Err(invalid()),
        Plan::French => {
            // The NSN decides the canonical code: "+33 262…" becomes "+262 262…", and
            // "+590 561…" (a metropolitan NSN under an overseas code) is refused.
            let e164 = french_e164(nsn);
            if code == "33" || e164.starts_with(&format!("+{code}")) {
                Ok(e164)
            } else {
                Err(invalid())
            }
        }
    }
}

fn is_french_nsn(nsn: &str) -> bool {
    nsn.len() == 9 && nsn.bytes().all(|b| b.is_ascii_digit()) && !nsn.starts_with('0')
}

/// E.164 form of a French-plan NSN, routing overseas prefixes to their country code.
fn french_e164(nsn: &str) -> String {
    if let Some(spm) = nsn.strip_prefix(SPM_PREFIX) {
        return format!("+508{spm}");
    }
    let code = OVERSEAS_PREFIXES
        .iter()
        .find(|(prefix, _)| nsn.starts_with(prefix))
        .map_or("33", |&(_, code)| code);
    format!("+{code}{nsn}")
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn e164(raw: &str) -> String {
        PhoneNumber::parse(raw).unwrap().as_str().to_owned()
    }

    #[test]
    fn a_national_number_becomes_e164() {
        assert_eq!(e164("05 61 60 02 03"), "+33561600203");
        assert_eq!(e164("0561600203"), "+33561600203");
    }

    #[test]
    fn dots_dashes_and_parentheses_are_separators() {
        assert_eq!(e164("05.61.60.02.03"), "+33561600203");
        assert_eq!(e164("05-61-60-02-03"), "+33561600203");
        assert_eq!(e164("(05) 61 60 02 03"), "+33561600203");
    }

    #[test]
    fn plus_33_and_0033_forms_are_accepted() {
        assert_eq!(e164("+33 5 61 60 02 03"), "+33561600203");
        assert_eq!(e164("0033 5 61 60 02 03"), "+33561600203");
        assert_eq!(e164("+33561600203"), "+33561600203");
    }

    #[test]
    fn the_trunk_zero_after_plus_33_is_dropped() {
        assert_eq!(e164("+33 (0)5 61 60 02 03"), "+33561600203");
        assert_eq!(e164("+33 05 61 60 02 03"), "+33561600203");
    }

    #[test]
    fn mobile_numbers_are_accepted() {
        assert_eq!(e164("06 12 34 56 78"), "+33612345678");
        assert_eq!(e164("07 12 34 56 78"), "+33712345678");
    }

    #[test]
    fn reunion_numbers_dial_plus_262_keeping_the_whole_nsn() {
        assert_eq!(e164("0262 12 34 56"), "+262262123456");
        assert_eq!(e164("0263 12 34 56"), "+262263123456");
        assert_eq!(e164("0692 12 34 56"), "+262692123456");
        assert_eq!(e164("0693 12 34 56"), "+262693123456");
    }

    #[test]
    fn mayotte_numbers_dial_plus_262() {
        assert_eq!(e164("0269 61 23 45"), "+262269612345");
        assert_eq!(e164("0639 12 34 56"), "+262639123456");
    }

    #[test]
    fn antilles_and_guyane_numbers_dial_their_own_codes() {
        assert_eq!(e164("0590 12 34 56"), "+590590123456");
        assert_eq!(e164("0690 12 34 56"), "+590690123456");
        assert_eq!(e164("0691 12 34 56"), "+590691123456");
        assert_eq!(e164("0594 12 34 56"), "+594594123456");
        assert_eq!(e164("0694 12 34 56"), "+594694123456");
        assert_eq!(e164("0596 12 34 56"), "+596596123456");
        assert_eq!(e164("0696 12 34 56"), "+596696123456");
        assert_eq!(e164("0697 12 34 56"), "+596697123456");
    }

    #[test]
    fn saint_pierre_et_miquelon_numbers_keep_their_6_digits() {
        assert_eq!(e164("05 08 41 23 45"), "+508412345");
        assert_eq!(e164("+508 41 23 45"), "+508412345");
    }

    #[test]
    fn overseas_numbers_written_with_plus_33_get_their_own_code() {
        assert_eq!(e164("+33 262 12 34 56"), "+262262123456");
    }

    #[test]
    fn international_overseas_numbers_are_accepted() {
        assert_eq!(e164("+262 262 12 34 56"), "+262262123456");
        assert_eq!(e164("+262 (0)692 12 34 56"), "+262692123456");
        assert_eq!(e164("00590 690 12 34 56"), "+590690123456");
        assert_eq!(e164("+687 12 34 56"), "+687123456");
        assert_eq!(e164("+689 87 12 34 56"), "+68987123456");
    }

    #[test]
    fn an_overseas_code_with_a_foreign_nsn_is_rejected() {
        assert_eq!(
            PhoneNumber::parse("+590 5 61 60 02 03"),
            Err(PhoneError::InvalidForCountryCode("590".into()))
        );
    }

    #[test]
    fn an_international_number_of_implausible_length_is_rejected() {
        for (raw, code) in [
            ("+33 5 61 60 02", "33"),
            ("+687 12 34 5", "687"),
            ("+689 123", "689"),
        ] {
            assert_eq!(
                PhoneNumber::parse(raw),
                Err(PhoneError::InvalidForCountryCode(code.into())),
                "{raw}"
            );
        }
    }

    #[test]
    fn a_foreign_country_code_is_rejected() {
        assert_eq!(
            PhoneNumber::parse("+44 20 7946 0958"),
            Err(PhoneError::UnsupportedCountry)
        );
        assert_eq!(
            PhoneNumber::parse("0049 30 123456"),
            Err(PhoneError::UnsupportedCountry)
        );
    }

    #[test]
    fn a_national_number_of_the_wrong_length_is_rejected() {
        assert_eq!(
            PhoneNumber::parse("05 61 60 02"),
            Err(PhoneError::InvalidNational)
        );
        assert_eq!(
            PhoneNumber::parse("05 61 60 02 03 4"),
            Err(PhoneError::InvalidNational)
        );
    }

    #[test]
    fn a_number_without_the_leading_zero_is_rejected() {
        assert_eq!(
            PhoneNumber::parse("561600203"),
            Err(PhoneError::InvalidNational)
        );
        assert_eq!(
            PhoneNumber::parse("33561600203"),
            Err(PhoneError::InvalidNational)
        );
    }

    #[test]
    fn letters_and_symbols_are_rejected() {
        assert_eq!(
            PhoneNumber::parse("05 61 60 02 O3"),
            Err(PhoneError::InvalidCharacters)
        );
        assert_eq!(
            PhoneNumber::parse("05/61/60/02/03"),
            Err(PhoneError::InvalidCharacters)
        );
    }

    #[test]
    fn a_plus_sign_is_only_accepted_in_front() {
        assert_eq!(
            PhoneNumber::parse("05 61 +60 02 03"),
            Err(PhoneError::MisplacedPlus)
        );
        assert_eq!(
            PhoneNumber::parse("+33 5 61 +60 02 03"),
            Err(PhoneError::MisplacedPlus)
        );
    }

    #[test]
    fn an_empty_number_is_missing() {
        assert_eq!(PhoneNumber::parse("  "), Err(PhoneError::Missing));
    }

    #[test]
    fn metropolitan_numbers_display_in_pairs() {
        let phone = PhoneNumber::parse("+33561600203").unwrap();
        assert_eq!(phone.display_national(), "05 61 60 02 03");
    }

    #[test]
    fn other_numbers_display_in_e164() {
        let phone = PhoneNumber::parse("0262 12 34 56").unwrap();
        assert_eq!(phone.display_national(), "+262262123456");
    }

    /// Any national number: `0`, a digit 1-9, 8 more digits.
    fn national() -> impl Strategy<Value = String> {
        "0[1-9][0-9]{8}"
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(raw in national()) {
            let phone = PhoneNumber::parse(&raw).unwrap();
            prop_assert_eq!(PhoneNumber::parse(phone.as_str()).unwrap(), phone.clone());
            prop_assert_eq!(PhoneNumber::parse(&phone.display_national()).unwrap(), phone);
        }

        #[test]
        fn any_separator_formatting_parses_to_the_same_value(
            raw in national(),
            separators in proptest::collection::vec(
                prop::sample::select(vec!["", " ", ".", "-", "  ", " - "]), 5),
        ) {
            let expected = PhoneNumber::parse(&raw).unwrap();
            let formatted: String = raw
                .as_bytes()
                .chunks(2)
                .zip(&separators)
                .map(|(pair, sep)| format!("{}{sep}", String::from_utf8_lossy(pair)))
                .collect();
            prop_assert_eq!(PhoneNumber::parse(&formatted).unwrap(), expected.clone());
            let international = format!("+33 (0){}", &formatted[1..]);
            prop_assert_eq!(PhoneNumber::parse(&international).unwrap(), expected);
        }

        #[test]
        fn arbitrary_input_never_panics(raw in "[0-9+(). -]{0,25}|.{0,25}") {
            let _ = PhoneNumber::parse(&raw);
        }
    }
}
