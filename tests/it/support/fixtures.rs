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

/// A person who signs up, with unique values.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub nom: String,
    pub prenom: String,
    pub email: String,
    pub password: String,
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
            .with("identifiant", "10000005479")
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
