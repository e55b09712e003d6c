//! Every path the service serves. Routes, redirects and template links all use these, so a path
//! is spelled once. The app re-exports this module as `web::urls`.

pub const HOME: &str = "/";
pub const HEALTHZ: &str = "/healthz";
pub const STYLESHEET: &str = "/static/style.css";
pub const SIGNUP: &str = "/inscription";
pub const SIGNUP_EMAIL_SENT: &str = "/inscription/email-envoye";
pub const SIGNUP_RESEND: &str = "/inscription/renvoyer";
/// Route pattern; build links with [`confirmation`].
pub const CONFIRMATION: &str = "/confirmation/{token}";
pub const CGU: &str = "/cgu";
pub const CGU_DOCUMENT: &str = "/cgu/document";
pub const IDENTIFICATION: &str = "/identification";
pub const PROFILE: &str = "/profil";
pub const ACCOUNT: &str = "/compte";
pub const LOGIN: &str = "/connexion";
pub const LOGOUT: &str = "/deconnexion";

/// Path of the confirmation page for one token.
pub fn confirmation(token: &str) -> String {
    format!("/confirmation/{token}")
}
