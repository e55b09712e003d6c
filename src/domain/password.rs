//! Password policy.
//!
//! The five composition rules come from the operator's registration guide (step 2, shown
//! under the form). On top of them: a 128-character cap, because every login hashes the
//! password with argon2 and unbounded input is a cheap DoS (OWASP ASVS 2.1.2); a refusal of
//! passwords built on the user's own name or e-mail; and a zxcvbn strength floor.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use super::fold::fold;

const MIN_CHARS: usize = 8;
const MAX_CHARS: usize = 128;
/// Name parts shorter than this ("Li", "Ba") are too common inside passwords to be refused.
const MIN_PERSONAL_TOKEN_CHARS: usize = 3;

/// The guide's rules, as listed under the sign-up form.
pub const POLICY_RULES: &[&str] = &[
    "8 caractères minimum",
    "Une lettre majuscule",
    "Une lettre minuscule",
    "Un chiffre",
    "Un caractère spécial",
];

/// A password that satisfies the policy. Never trimmed, never logged.
#[derive(Clone)]
pub struct Password(SecretString);

/// The user's other sign-up fields, which the password must not contain. Raw form values are
/// fine: they are folded before comparison.
#[derive(Debug, Clone, Copy)]
pub struct PasswordContext<'a> {
    pub nom: &'a str,
    pub prenom: &'a str,
    pub email: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum PasswordProblem {
    #[error("Le mot de passe doit comporter au moins 8 caractères.")]
    TooShort,
    #[error("Le mot de passe ne doit pas dépasser 128 caractères.")]
    TooLong,
    #[error("Le mot de passe doit contenir au moins une lettre majuscule.")]
    NoUppercase,
    #[error("Le mot de passe doit contenir au moins une lettre minuscule.")]
    NoLowercase,
    #[error("Le mot de passe doit contenir au moins un chiffre.")]
    NoDigit,
    #[error("Le mot de passe doit contenir au moins un caractère spécial.")]
    NoSpecial,
    #[error(
        "Le mot de passe ne doit contenir ni votre nom, ni votre prénom, ni votre adresse mail."
    )]
    ContainsPersonalInfo,
    #[error(
        "Ce mot de passe est trop facile à deviner : allongez-le ou évitez les mots, \
         dates et suites de caractères courants."
    )]
    TooCommon,
}

impl Password {
    /// Applies the guide's policy (8+ chars, one upper, one lower, one digit, one special
    /// char) + max 128 chars, refuses passwords containing (case-insensitively, accents
    /// ignored) the nom, the prénom or the e-mail's local part — each whole, and each of their
    /// words (split on non-alphanumerics), when at least 3 characters long — and passwords
    /// whose zxcvbn score (with nom, prénom, e-mail as user inputs) is below `min_score`.
    ///
    /// # Errors
    /// All problems found, in the order of [`PasswordProblem`]'s variants.
    pub fn parse(
        raw: &str,
        ctx: &PasswordContext<'_>,
        min_score: u8,
    ) -> Result<Self, Vec<PasswordProblem>> {
        let mut problems = Vec::new();
        let len = raw.chars().count();
        if len < MIN_CHARS {
            problems.push(PasswordProblem::TooShort);
        }
        let too_long = len > MAX_CHARS;
        if too_long {
            problems.push(PasswordProblem::TooLong);
        }
        if !raw.chars().any(char::is_uppercase) {
            problems.push(PasswordProblem::NoUppercase);
        }
        if !raw.chars().any(char::is_lowercase) {
            problems.push(PasswordProblem::NoLowercase);
        }
        if !raw.chars().any(|c| c.is_ascii_digit()) {
            problems.push(PasswordProblem::NoDigit);
        }
        // "Special" = neither a letter nor a digit, in any script (space included).
        if !raw.chars().any(|c| !c.is_alphanumeric()) {
            problems.push(PasswordProblem::NoSpecial);
        }
        if contains_personal_info(raw, ctx) {
            problems.push(PasswordProblem::ContainsPersonalInfo);
        }
        // zxcvbn is super-linear in the input length: don't run it on oversized input.
        if !too_long && min_score > 0 && strength(raw, ctx) < min_score {
            problems.push(PasswordProblem::TooCommon);
        }
        if problems.is_empty() {
            Ok(Self(SecretString::from(raw.to_owned())))
        } else {
            Err(problems)
        }
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

/// One sentence per problem, for a single message under the password field.
pub fn describe(problems: &[PasswordProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A new password and its confirmation, as typed in a form (sign-up, reset, change): the
/// same policy and the same French messages everywhere.
///
/// # Errors
/// `mot_de_passe` (missing, or every policy problem joined in one message), then
/// `confirmation_mot_de_passe` (missing or different).
pub fn parse_new_password(
    raw: &str,
    confirmation: &str,
    ctx: &PasswordContext<'_>,
    min_score: u8,
) -> Result<Password, super::FieldErrors> {
    let mut errors = super::FieldErrors::new();
    let password = if raw.is_empty() {
        errors.push(("mot_de_passe", "Le mot de passe est obligatoire.".into()));
        None
    } else {
        Password::parse(raw, ctx, min_score)
            .map_err(|problems| errors.push(("mot_de_passe", describe(&problems))))
            .ok()
    };
    if confirmation.is_empty() {
        let message = "La confirmation du mot de passe est obligatoire.";
        errors.push(("confirmation_mot_de_passe", message.into()));
    } else if confirmation != raw {
        let message = "Les deux mots de passe ne correspondent pas.";
        errors.push(("confirmation_mot_de_passe", message.into()));
    }
    match password {
        Some(password) if errors.is_empty() => Ok(password),
        _ => Err(errors),
    }
}

fn contains_personal_info(raw: &str, ctx: &PasswordContext<'_>) -> bool {
    let password = fold(raw);
    let local_part = ctx
        .email
        .trim()
        .rsplit_once('@')
        .map_or(ctx.email, |(local, _)| local);
    [ctx.nom, ctx.prenom, local_part]
        .into_iter()
        .flat_map(personal_tokens)
        .any(|token| password.contains(&token))
}

/// The folded value itself and each of its words ("Jean-Pierre" → "jean-pierre", "jean",
/// "pierre"), keeping those long enough to be meaningful.
fn personal_tokens(value: &str) -> Vec<String> {
    let whole = fold(value.trim());
    let mut tokens: Vec<String> = whole
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_owned)
        .collect();
    tokens.push(whole);
    tokens.retain(|t| t.chars().count() >= MIN_PERSONAL_TOKEN_CHARS);
    tokens
}

fn strength(raw: &str, ctx: &PasswordContext<'_>) -> u8 {
    let inputs = [ctx.nom.trim(), ctx.prenom.trim(), ctx.email.trim()];
    u8::from(zxcvbn::zxcvbn(raw, &inputs).score())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CTX: PasswordContext<'static> = PasswordContext {
        nom: "Dupont",
        prenom: "Jean-Pierre",
        email: "jp.dupont@gmail.com",
    };
    const STRONG: &str = "Vélo-Rouge-Mardi-42";

    #[test]
    fn a_new_password_needs_the_policy_and_a_matching_confirmation() {
        assert!(parse_new_password(STRONG, STRONG, &CTX, 3).is_ok());
        let fields =
            |e: super::super::FieldErrors| e.into_iter().map(|(f, _)| f).collect::<Vec<_>>();
        assert_eq!(
            fields(parse_new_password("", "", &CTX, 3).unwrap_err()),
            ["mot_de_passe", "confirmation_mot_de_passe"]
        );
        assert_eq!(
            fields(parse_new_password(STRONG, "autre", &CTX, 3).unwrap_err()),
            ["confirmation_mot_de_passe"]
        );
        assert_eq!(
            fields(parse_new_password("Dupont-Vx9!", "Dupont-Vx9!", &CTX, 0).unwrap_err()),
            ["mot_de_passe"]
        );
    }

    fn problems(raw: &str) -> Vec<PasswordProblem> {
        Password::parse(raw, &CTX, 0).err().unwrap_or_default()
    }

    #[test]
    fn a_password_meeting_every_rule_is_accepted() {
        let password = Password::parse(STRONG, &CTX, 3).unwrap();
        assert_eq!(password.expose(), STRONG);
    }

    #[test]
    fn the_password_is_not_trimmed() {
        assert_eq!(
            Password::parse(" Abcdef1! ", &CTX, 0).unwrap().expose(),
            " Abcdef1! "
        );
    }

    #[test]
    fn a_password_shorter_than_8_characters_is_rejected() {
        assert_eq!(problems("Ab1!efg"), vec![PasswordProblem::TooShort]);
        assert_eq!(problems("Ab1!efgh"), vec![]);
    }

    #[test]
    fn a_password_longer_than_128_characters_is_rejected() {
        let long = format!("Ab1!{}", "x".repeat(125));
        assert_eq!(problems(&long), vec![PasswordProblem::TooLong]);
        assert_eq!(problems(&long[..128]), vec![]);
    }

    #[test]
    fn a_password_without_uppercase_is_rejected() {
        assert_eq!(problems("abcdef1!"), vec![PasswordProblem::NoUppercase]);
    }

    #[test]
    fn an_accented_capital_counts_as_uppercase() {
        assert_eq!(problems("Ébcdef1!"), vec![]);
    }

    #[test]
    fn a_password_without_lowercase_is_rejected() {
        assert_eq!(problems("ABCDEF1!"), vec![PasswordProblem::NoLowercase]);
    }

    #[test]
    fn a_password_without_digit_is_rejected() {
        assert_eq!(problems("Abcdefg!"), vec![PasswordProblem::NoDigit]);
    }

    #[test]
    fn a_password_without_special_character_is_rejected() {
        assert_eq!(problems("Abcdefg1"), vec![PasswordProblem::NoSpecial]);
    }

    #[test]
    fn a_space_counts_as_a_special_character() {
        assert_eq!(problems("Abc def1"), vec![]);
    }

    #[test]
    fn a_password_containing_the_nom_is_rejected_ignoring_case_and_accents() {
        let ctx = PasswordContext {
            nom: "Lefèvre",
            ..CTX
        };
        let result = Password::parse("xxLEFEVRE1!", &ctx, 0);
        assert_eq!(
            result.err(),
            Some(vec![PasswordProblem::ContainsPersonalInfo])
        );
    }

    #[test]
    fn a_password_containing_part_of_a_compound_prenom_is_rejected() {
        assert_eq!(
            problems("Pierre-1984!"),
            vec![PasswordProblem::ContainsPersonalInfo]
        );
    }

    #[test]
    fn a_password_containing_the_email_local_part_is_rejected() {
        let ctx = PasswordContext {
            email: "docteur.house@gmail.com",
            ..CTX
        };
        let result = Password::parse("Docteur.House7", &ctx, 0);
        assert_eq!(
            result.err(),
            Some(vec![PasswordProblem::ContainsPersonalInfo])
        );
    }

    #[test]
    fn names_shorter_than_3_characters_are_not_checked() {
        let ctx = PasswordContext {
            nom: "Li",
            prenom: "Bo",
            email: "li@x.fr",
        };
        assert!(Password::parse("Libo-2024!", &ctx, 0).is_ok());
    }

    #[test]
    fn a_password_below_the_minimum_score_is_too_common() {
        let result = Password::parse("Password1!", &CTX, 3);
        assert_eq!(result.err(), Some(vec![PasswordProblem::TooCommon]));
    }

    #[test]
    fn a_minimum_score_of_zero_disables_the_strength_check() {
        assert!(Password::parse("Password1!", &CTX, 0).is_ok());
    }

    #[test]
    fn every_problem_is_reported_in_order() {
        let result = Password::parse("dupont", &CTX, 2);
        assert_eq!(
            result.err(),
            Some(vec![
                PasswordProblem::TooShort,
                PasswordProblem::NoUppercase,
                PasswordProblem::NoDigit,
                PasswordProblem::NoSpecial,
                PasswordProblem::ContainsPersonalInfo,
                PasswordProblem::TooCommon,
            ])
        );
    }

    #[test]
    fn the_debug_output_hides_the_password() {
        let password = Password::parse(STRONG, &CTX, 0).unwrap();
        assert!(!format!("{password:?}").contains("Rouge"));
    }

    #[test]
    fn problems_are_described_as_french_sentences() {
        let text = describe(&[PasswordProblem::TooShort, PasswordProblem::NoDigit]);
        assert_eq!(
            text,
            "Le mot de passe doit comporter au moins 8 caractères. \
             Le mot de passe doit contenir au moins un chiffre."
        );
    }

    #[test]
    fn the_policy_lists_the_five_rules_of_the_guide() {
        assert_eq!(POLICY_RULES.len(), 5);
        assert_eq!(POLICY_RULES[0], "8 caractères minimum");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn arbitrary_input_never_panics(raw in ".{0,200}") {
            let _ = Password::parse(&raw, &CTX, 3);
        }
    }
}
