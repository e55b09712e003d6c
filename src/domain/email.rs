//! The user's contact e-mail address (sign-up step 1 of the registration guide).

use std::fmt;

use email_address::Options;

/// Upper bound of a usable address: RFC 5321 §4.5.3.1.3 limits a path to 256 octets,
/// including the surrounding `<` `>`.
const MAX_LEN: usize = 254;

/// A syntactically valid e-mail address, trimmed and lower-cased.
///
/// The whole address is lower-cased (local part included): RFC 5321 allows case-sensitive
/// local parts, but no mainstream provider uses them and users expect `Pierre.Dupont@…` and
/// `pierre.dupont@…` to be the same account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("L'adresse mail est obligatoire.")]
    Missing,
    #[error("L'adresse mail ne doit pas dépasser 254 caractères.")]
    TooLong,
    #[error(
        "Saisissez uniquement l'adresse mail, sans nom ni chevrons (exemple : pierre.dupont@gmail.com)."
    )]
    DisplayName,
    #[error("Le domaine de l'adresse mail doit comporter un point (exemple : gmail.com).")]
    NoDotInDomain,
    #[error("L'adresse mail n'est pas valide (exemple : pierre.dupont@gmail.com).")]
    Invalid,
}

impl EmailAddress {
    /// # Errors
    /// Returns the first rule the input breaks (see [`EmailError`]).
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(EmailError::Missing);
        }
        if email.len() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        // `Name <addr>` is valid RFC 5322 but not an address: refuse it explicitly rather
        // than storing brackets.
        if email.contains(['<', '>']) {
            return Err(EmailError::DisplayName);
        }
        let options = Options::default()
            .with_required_tld()
            .without_domain_literal()
            .without_display_text();
        match email_address::EmailAddress::parse_with_options(&email, options) {
            Ok(_) => Ok(Self(email)),
            Err(email_address::Error::DomainTooFew) => Err(EmailError::NoDotInDomain),
            Err(_) => Err(EmailError::Invalid),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@` (used by the password policy).
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or(&self.0, |(local, _)| local)
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_plain_address_is_accepted() {
        let email = EmailAddress::parse("pierre.dupont@gmail.com").unwrap();
        assert_eq!(email.as_str(), "pierre.dupont@gmail.com");
        assert_eq!(email.local_part(), "pierre.dupont");
        assert_eq!(email.domain(), "gmail.com");
    }

    #[test]
    fn the_address_is_trimmed_and_lower_cased() {
        let email = EmailAddress::parse("  PDupont@Pharmacie.du.Centre.FR \n").unwrap();
        assert_eq!(email.as_str(), "pdupont@pharmacie.du.centre.fr");
    }

    #[test]
    fn an_empty_address_is_required() {
        assert_eq!(EmailAddress::parse("   "), Err(EmailError::Missing));
        assert_eq!(
            EmailError::Missing.to_string(),
            "L'adresse mail est obligatoire."
        );
    }

    #[test]
    fn an_address_longer_than_254_characters_is_rejected() {
        let long = format!("{}@{}.fr", "a".repeat(60), "b".repeat(200));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn an_address_without_at_sign_is_rejected() {
        assert_eq!(
            EmailAddress::parse("pierre.dupont.gmail.com"),
            Err(EmailError::Invalid)
        );
    }

    #[test]
    fn an_address_with_spaces_inside_is_rejected() {
        assert_eq!(
            EmailAddress::parse("pierre dupont@gmail.com"),
            Err(EmailError::Invalid)
        );
    }

    #[test]
    fn a_domain_without_a_dot_is_rejected() {
        assert_eq!(
            EmailAddress::parse("pierre@localhost"),
            Err(EmailError::NoDotInDomain)
        );
    }

    #[test]
    fn a_domain_literal_is_rejected() {
        assert_eq!(
            EmailAddress::parse("pierre@[127.0.0.1]"),
            Err(EmailError::Invalid)
        );
    }

    #[test]
    fn the_display_name_form_is_rejected() {
        assert_eq!(
            EmailAddress::parse("Pierre Dupont <pierre.dupont@gmail.com>"),
            Err(EmailError::DisplayName)
        );
        assert_eq!(
            EmailAddress::parse("<pierre.dupont@gmail.com>"),
            Err(EmailError::DisplayName)
        );
    }

    proptest! {
        #[test]
        fn generated_addresses_parse_to_their_lower_case_form(
            local in "[A-Za-z0-9]{1,20}(\\.[A-Za-z0-9_+-]{1,10})?",
            domain in "[A-Za-z0-9]{1,20}(\\.[a-z]{2,10})?\\.(fr|com|org)",
        ) {
            let raw = format!(" {local}@{domain} ");
            let email = EmailAddress::parse(&raw).unwrap();
            prop_assert_eq!(email.as_str(), format!("{local}@{domain}").to_lowercase());
            prop_assert_eq!(EmailAddress::parse(email.as_str()).unwrap(), email);
        }

        #[test]
        fn arbitrary_input_never_panics(raw in ".{0,300}") {
            let _ = EmailAddress::parse(&raw);
        }
    }
}
