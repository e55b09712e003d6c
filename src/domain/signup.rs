//! Step 1 of the registration guide: "Compléter le formulaire d'inscription" (nom, prénom,
//! adresse mail, mot de passe, confirmation).

use std::fmt;

use super::FieldErrors;
use super::email::EmailAddress;
use super::name::PersonName;
use super::password::{self, Password, PasswordContext};

/// The raw sign-up form, deserialized straight from the request body. Field names are the
/// HTML form's; a missing field is empty.
#[derive(Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SignupInput {
    pub nom: String,
    pub prenom: String,
    pub email: String,
    pub mot_de_passe: String,
    pub confirmation_mot_de_passe: String,
}

impl fmt::Debug for SignupInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignupInput")
            .field("nom", &self.nom)
            .field("prenom", &self.prenom)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A sign-up form that passed every rule.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub nom: PersonName,
    pub prenom: PersonName,
    pub email: EmailAddress,
    pub password: Password,
}

/// Parses the sign-up form; `min_score` is the zxcvbn floor (see [`Password::parse`]).
///
/// # Errors
/// Every invalid field at once, in form order: `nom`, `prenom`, `email`, `mot_de_passe`
/// (all password problems joined in one message), `confirmation_mot_de_passe`.
pub fn parse_signup(input: &SignupInput, min_score: u8) -> Result<NewAccount, FieldErrors> {
    let mut errors = FieldErrors::new();
    let nom = PersonName::parse(&input.nom).map_err(|e| errors.push(("nom", e.to_string())));
    let prenom =
        PersonName::parse(&input.prenom).map_err(|e| errors.push(("prenom", e.to_string())));
    let email =
        EmailAddress::parse(&input.email).map_err(|e| errors.push(("email", e.to_string())));

    let ctx = PasswordContext {
        nom: &input.nom,
        prenom: &input.prenom,
        email: &input.email,
    };
    let password = password::parse_new_password(
        &input.mot_de_passe,
        &input.confirmation_mot_de_passe,
        &ctx,
        min_score,
    )
    .map_err(|e| errors.extend(e));

    match (nom, prenom, email, password) {
        (Ok(nom), Ok(prenom), Ok(email), Ok(password)) if errors.is_empty() => Ok(NewAccount {
            nom,
            prenom,
            email,
            password,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "Vélo-Rouge-Mardi-42";

    fn valid() -> SignupInput {
        SignupInput {
            nom: "Dupont".into(),
            prenom: "Pierre".into(),
            email: "Pierre.Dupont@Gmail.com".into(),
            mot_de_passe: PASSWORD.into(),
            confirmation_mot_de_passe: PASSWORD.into(),
        }
    }

    fn fields(errors: &FieldErrors) -> Vec<&'static str> {
        errors.iter().map(|(field, _)| *field).collect()
    }

    #[test]
    fn a_complete_form_gives_a_new_account() {
        let account = parse_signup(&valid(), 3).unwrap();
        assert_eq!(account.nom.as_str(), "Dupont");
        assert_eq!(account.prenom.as_str(), "Pierre");
        assert_eq!(account.email.as_str(), "pierre.dupont@gmail.com");
        assert_eq!(account.password.expose(), PASSWORD);
    }

    #[test]
    fn every_invalid_field_is_reported_at_once_in_form_order() {
        let errors = parse_signup(&SignupInput::default(), 3).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "nom",
                "prenom",
                "email",
                "mot_de_passe",
                "confirmation_mot_de_passe"
            ]
        );
        assert_eq!(errors[2].1, "L'adresse mail est obligatoire.");
        assert_eq!(errors[3].1, "Le mot de passe est obligatoire.");
    }

    #[test]
    fn password_problems_are_joined_in_one_message() {
        let input = SignupInput {
            mot_de_passe: "abc".into(),
            confirmation_mot_de_passe: "abc".into(),
            ..valid()
        };
        let errors = parse_signup(&input, 0).unwrap_err();
        assert_eq!(fields(&errors), ["mot_de_passe"]);
        assert!(
            errors[0]
                .1
                .starts_with("Le mot de passe doit comporter au moins 8 caractères. ")
        );
        assert!(errors[0].1.contains("un chiffre."));
    }

    #[test]
    fn a_password_containing_the_typed_name_is_rejected() {
        let input = SignupInput {
            mot_de_passe: "Dupont-2024!x".into(),
            confirmation_mot_de_passe: "Dupont-2024!x".into(),
            ..valid()
        };
        let errors = parse_signup(&input, 0).unwrap_err();
        assert_eq!(fields(&errors), ["mot_de_passe"]);
    }

    #[test]
    fn a_mismatched_confirmation_goes_on_the_confirmation_field() {
        let input = SignupInput {
            confirmation_mot_de_passe: "autre chose".into(),
            ..valid()
        };
        let errors = parse_signup(&input, 3).unwrap_err();
        assert_eq!(
            errors,
            [(
                "confirmation_mot_de_passe",
                "Les deux mots de passe ne correspondent pas.".into()
            )]
        );
    }

    #[test]
    fn an_empty_confirmation_is_required() {
        let input = SignupInput {
            confirmation_mot_de_passe: String::new(),
            ..valid()
        };
        let errors = parse_signup(&input, 3).unwrap_err();
        assert_eq!(fields(&errors), ["confirmation_mot_de_passe"]);
    }

    #[test]
    fn the_debug_output_hides_the_passwords() {
        assert!(!format!("{:?}", valid()).contains("Rouge"));
        assert!(!format!("{:?}", parse_signup(&valid(), 0).unwrap()).contains("Rouge"));
    }
}
