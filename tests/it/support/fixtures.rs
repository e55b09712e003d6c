//! Fixtures are code: users with random unique values, and the forms they fill in.

use uuid::Uuid;

/// Letters that never occur in a hexadecimal string, so generated names and email local parts
/// can never be found inside the generated passwords (which embed a hex UUID).
const NAME_LETTERS: &[u8] = b"ghjkmnpqrstvwxyz";

/// `n` random lowercase letters from [`NAME_LETTERS`].
pub fn random_letters(n: usize) -> String {
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in Uuid::new_v4().as_bytes() {
            if out.len() == n {
                break;
            }
            out.push(char::from(NAME_LETTERS[usize::from(b % 16)]));
        }
    }
    out
}

/// A strong password no dictionary knows: upper, lower, digit, special, 39 characters.
pub fn strong_password() -> String {
    format!("Vx9!{}-Qm", Uuid::new_v4().simple())
}

/// A unique 11-digit RPPS with a valid Luhn key (starts with 99, like the BAS test ones).
pub fn unique_rpps() -> String {
    let n = Uuid::new_v4().as_u128() % 1_000_000_000;
    let body = format!("99{n:09}")[..10].to_owned();
    format!("{body}{}", luhn_key(&body))
}

fn luhn_key(body: &str) -> u32 {
    let sum: u32 = format!("{body}0")
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).expect("digits only");
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// A person who signs up, with unique values.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub nom: String,
    pub prenom: String,
    pub email: String,
    pub password: String,
    /// The RPPS the profile declares: unique, since two validated accounts never share one.
    pub rpps: String,
}

impl TestUser {
    pub fn generate() -> Self {
        let nom = format!("Dupont{}", random_letters(6));
        let prenom = format!("Jeanne{}", random_letters(4));
        let email = format!(
            "{}.{}@exemple.fr",
            prenom.to_lowercase(),
            nom.to_lowercase()
        );
        Self {
            nom,
            prenom,
            email,
            password: strong_password(),
            rpps: unique_rpps(),
        }
    }

    /// The local part of the email address (before `@`).
    pub fn email_local_part(&self) -> &str {
        self.email.split('@').next().unwrap_or_default()
    }

    /// The sign-up form (`/inscription`) as this user fills it in.
    pub fn signup_form(&self) -> Form {
        Form::new()
            .with("nom", &self.nom)
            .with("prenom", &self.prenom)
            .with("email", &self.email)
            .with("mot_de_passe", &self.password)
            .with("confirmation_mot_de_passe", &self.password)
    }

    /// The sign-up form with another password (typed twice).
    pub fn signup_form_with_password(&self, password: &str) -> Form {
        self.signup_form()
            .with("mot_de_passe", password)
            .with("confirmation_mot_de_passe", password)
    }

    /// A valid profile (`/profil`): a pharmacist in Fronton (31620, Haute-Garonne, Occitanie)
    /// with a valid RPPS, département and région left for the server to derive.
    pub fn profile_form(&self) -> Form {
        Form::new()
            .with("nom", &self.nom)
            .with("prenom", &self.prenom)
            .with("telephone1", "05 61 60 02 03")
            .with("telephone2", "")
            .with("profession", "21")
            .with("specialite", "")
            .with("type_identifiant", "RPPS")
            .with("identifiant", &self.rpps)
            .with("raison_sociale", "Pharmacie du Centre")
            .with("service", "Officine")
            .with("adresse", "1 place de la Mairie")
            .with("code_postal", "31620")
            .with("ville", "Fronton")
            .with("departement", "")
            .with("region", "")
            .with("annuaire_medimail", "on")
            .with("annuaire_mssante", "on")
            .with("dematerialisation", "on")
            .with("notification_reception", "on")
    }
}

/// An HTML form body: ordered `(name, value)` pairs. The CSRF token is added when posting.
#[derive(Debug, Clone, Default)]
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` (replacing its value when already present).
    pub fn with(mut self, name: &str, value: impl AsRef<str>) -> Self {
        let value = value.as_ref().to_owned();
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some(pair) => pair.1 = value,
            None => self.0.push((name.to_owned(), value)),
        }
        self
    }

    /// Removes `name` (an unchecked checkbox, or a field left out on purpose).
    pub fn without(mut self, name: &str) -> Self {
        self.0.retain(|(n, _)| n != name);
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Anything that can be posted as a form: [`Form`], arrays, slices and vectors of pairs.
pub trait FormFields {
    fn pairs(&self) -> Vec<(String, String)>;
}

impl FormFields for Form {
    fn pairs(&self) -> Vec<(String, String)> {
        self.0.clone()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FormFields for [(K, V)] {
    fn pairs(&self) -> Vec<(String, String)> {
        self.iter()
            .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
            .collect()
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> FormFields for [(K, V); N] {
    fn pairs(&self) -> Vec<(String, String)> {
        self.as_slice().pairs()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FormFields for Vec<(K, V)> {
    fn pairs(&self) -> Vec<(String, String)> {
        self.as_slice().pairs()
    }
}

impl TestUser {
    /// A user with the given names (and a unique email), e.g. to check the address built from
    /// them on validation.
    pub fn named(prenom: &str, nom: &str) -> Self {
        let email = format!("{}@exemple.fr", random_letters(12));
        Self {
            nom: nom.to_owned(),
            prenom: prenom.to_owned(),
            email,
            password: strong_password(),
            rpps: unique_rpps(),
        }
    }

    /// [`TestUser::profile_form`] for a pharmacist in Paris (75001, région 11 Île-de-France).
    pub fn profile_form_in_paris(&self) -> Form {
        self.profile_form()
            .with("code_postal", "75001")
            .with("ville", "Paris")
            .with("adresse", "1 rue de Rivoli")
    }

    /// [`TestUser::profile_form`] without national identifier (the "non" answer: BAL MED).
    pub fn med_profile_form(&self) -> Form {
        self.profile_form()
            .with("type_identifiant", "")
            .with("identifiant", "")
    }
}

/// An account that finished the journey, inserted straight into the database (as an import
/// would) by `TestApp::seed_pending`: for names the web form refuses, many homonyms at once, or
/// a submission dated in the past.
#[derive(Debug, Clone)]
pub struct SeedAccount {
    pub email: String,
    pub nom: String,
    pub prenom: String,
    /// "PER" or "MED".
    pub bal_type: String,
    /// TRE_G15 code.
    pub profession: String,
    /// INSEE région code.
    pub region: String,
    pub departement: Option<String>,
    pub code_postal: Option<String>,
    pub ville: Option<String>,
    /// A valid RPPS for PER, none for MED.
    pub rpps: Option<String>,
    pub identifiant_structure: Option<String>,
    pub annuaire_medimail: bool,
    pub annuaire_mssante: bool,
    /// How long ago the profile was submitted.
    pub waiting: chrono::Duration,
}

impl SeedAccount {
    /// A BAL PER pharmacist (21) in Fronton (31, région 76) with a valid RPPS and both
    /// directory boxes ticked, submitted just now.
    pub fn pharmacist(prenom: &str, nom: &str) -> Self {
        Self {
            email: format!("{}@exemple.fr", random_letters(12)),
            nom: nom.to_owned(),
            prenom: prenom.to_owned(),
            bal_type: "PER".into(),
            profession: "21".into(),
            region: "76".into(),
            departement: Some("31".into()),
            code_postal: Some("31620".into()),
            ville: Some("Fronton".into()),
            rpps: Some(unique_rpps()),
            identifiant_structure: None,
            annuaire_medimail: true,
            annuaire_mssante: true,
            waiting: chrono::Duration::zero(),
        }
    }

    /// Moves the account to Paris (75, région 11 Île-de-France).
    pub fn in_paris(self) -> Self {
        Self {
            region: "11".into(),
            departement: Some("75".into()),
            code_postal: Some("75001".into()),
            ville: Some("Paris".into()),
            ..self
        }
    }

    /// A médecin (10) rather than a pharmacist.
    pub fn medecin(self) -> Self {
        Self {
            profession: "10".into(),
            ..self
        }
    }

    /// A BAL MED: no national identifier.
    pub fn med(self) -> Self {
        Self {
            bal_type: "MED".into(),
            rpps: None,
            ..self
        }
    }

    /// Submitted `hours` hours ago.
    pub fn waiting_hours(self, hours: i64) -> Self {
        Self {
            waiting: chrono::Duration::hours(hours),
            ..self
        }
    }
}
