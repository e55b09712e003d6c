//! Every path the service serves, spelled once. Routes (`web`), links in mails (`services`) and
//! links in pages (`templates`) all use these. It is its own crate, with no dependency, so the
//! services can build links without depending on the templates, and the templates without the app.

pub const HOME: &str = "/";
/// Liveness for orchestrators: the process answers, the database is not consulted.
pub const LIVEZ: &str = "/livez";
pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";
pub const STYLESHEET: &str = "/static/style.css";
/// The accessibility statement (RGAA "déclaration d'accessibilité"), linked from every footer.
pub const ACCESSIBILITY: &str = "/accessibilite";
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
/// A validated user's directory visibility (liste rouge).
pub const ACCOUNT_DIRECTORY: &str = "/compte/annuaire";
/// The user edits their profile after registration (identity changes wait for an admin).
pub const ACCOUNT_PROFILE: &str = "/compte/profil";
/// The settings hub (issue 9).
pub const ACCOUNT_SETTINGS: &str = "/compte/parametres";
/// The holder changes their contact address (a link confirms the new one).
pub const ACCOUNT_EMAIL: &str = "/compte/email";
/// Route pattern; build links with [`email_change_confirmation`].
pub const ACCOUNT_EMAIL_CONFIRMATION: &str = "/compte/email/confirmation/{token}";
/// The account's live sessions.
pub const ACCOUNT_SESSIONS: &str = "/compte/sessions";
/// Ends one session (`session` = its public id) or all the others (`session=toutes`).
pub const ACCOUNT_SESSIONS_CLOSE: &str = "/compte/sessions/fermer";
/// The JSON download of the account's personal data (GDPR art. 15 and 20).
pub const ACCOUNT_EXPORT: &str = "/compte/export";
/// The holder closes the account.
pub const ACCOUNT_CLOSE: &str = "/compte/fermeture";
pub const LOGIN: &str = "/connexion";
pub const LOGOUT: &str = "/deconnexion";
/// The administrators' queue of accounts awaiting validation.
pub const ADMIN: &str = "/admin";
/// The SLA dashboard (issue 11), scoped like the queue.
pub const ADMIN_DASHBOARD: &str = "/admin/tableau-de-bord";
/// The queue of the admin's scope as CSV.
pub const ADMIN_QUEUE_CSV: &str = "/admin/comptes.csv";
/// The boxes of the admin's scope published in the MSSanté directory, in the ANS's national
/// extraction format (issue 13).
pub const ADMIN_EXPORT_ANNUAIRE: &str = "/admin/export-annuaire";
/// Route pattern; build links with [`admin_account`].
pub const ADMIN_ACCOUNT: &str = "/admin/comptes/{id}";
/// Route pattern; build links with [`admin_annuaire_refresh`].
pub const ADMIN_ANNUAIRE_REFRESH: &str = "/admin/comptes/{id}/annuaire-sante";
/// Route pattern; build links with [`admin_validate`].
pub const ADMIN_VALIDATE: &str = "/admin/comptes/{id}/valider";
/// Route pattern; build links with [`admin_reject`].
pub const ADMIN_REJECT: &str = "/admin/comptes/{id}/rejeter";
/// Route pattern; build links with [`admin_password_reset`].
pub const ADMIN_PASSWORD_RESET: &str = "/admin/comptes/{id}/reinitialisation";
/// "Mot de passe oublié ?": asks for a reset link by mail.
pub const PASSWORD_FORGOT: &str = "/mot-de-passe/oubli";
/// Route pattern; build links with [`password_reset`].
pub const PASSWORD_RESET: &str = "/mot-de-passe/reinitialisation/{token}";
/// A signed-in user changes their password.
pub const ACCOUNT_PASSWORD: &str = "/compte/mot-de-passe";
/// Route pattern; build links with [`admin_change_accept`].
pub const ADMIN_CHANGE_ACCEPT: &str = "/admin/comptes/{id}/modification/accepter";
/// Route pattern; build links with [`admin_change_refuse`].
pub const ADMIN_CHANGE_REFUSE: &str = "/admin/comptes/{id}/modification/refuser";
/// Route pattern; build links with [`admin_disable`].
pub const ADMIN_DISABLE: &str = "/admin/comptes/{id}/desactiver";
/// Route pattern; build links with [`admin_reactivate`].
pub const ADMIN_REACTIVATE: &str = "/admin/comptes/{id}/reactiver";
/// Starts a Pro Santé Connect sign-in: answers 303 to PSC's authorization endpoint.
pub const PSC_LOGIN: &str = "/psc/connexion";
/// The redirect URI PSC sends the browser back to (authorization code callback).
pub const PSC_CALLBACK: &str = "/psc/retour";
/// A new PSC user gives the email address PSC does not send.
pub const PSC_EMAIL: &str = "/inscription/email";
/// A PSC sign-in matched an unlinked password account: its password confirms the link.
pub const PSC_LINK: &str = "/psc/lier";
/// A signed-in password user links their e-CPS (POST, starts the PSC flow).
pub const PSC_ASSOCIATE: &str = "/psc/associer";

// --- BAL ORG (issue 10). Route patterns take the box's `{id}` (and a member's `{membre}`, the
// account id); build links with [`org`] and [`org_action`].
/// A validated individual account requests an organisational mailbox.
pub const ORG_NEW: &str = "/bal-org/nouvelle";
pub const ORG: &str = "/bal-org/{id}";
pub const ORG_MEMBERS: &str = "/bal-org/{id}/membres";
pub const ORG_INVITATION_ACCEPT: &str = "/bal-org/{id}/invitation/accepter";
pub const ORG_INVITATION_DECLINE: &str = "/bal-org/{id}/invitation/refuser";
/// A responsable withdraws an unanswered invitation (`{invitation}`: its id).
pub const ORG_INVITATION_WITHDRAW: &str = "/bal-org/{id}/invitations/{invitation}/annuler";
pub const ORG_MEMBER_REMOVE: &str = "/bal-org/{id}/membres/{membre}/retirer";
pub const ORG_MEMBER_PROMOTE: &str = "/bal-org/{id}/membres/{membre}/responsable";
/// A responsable becomes a plain member again (never the last one).
pub const ORG_MEMBER_DEMOTE: &str = "/bal-org/{id}/membres/{membre}/membre";
pub const ORG_LEAVE: &str = "/bal-org/{id}/quitter";
pub const ORG_EDIT: &str = "/bal-org/{id}/modifier";
pub const ORG_CLOSE: &str = "/bal-org/{id}/fermer";
/// The administrators' page of one BAL ORG request or box.
pub const ADMIN_ORG: &str = "/admin/bal-org/{id}";
/// An administrator enrols a second factor (TOTP): QR code, secret, first code (POST).
pub const ADMIN_SECOND_FACTOR: &str = "/admin/double-authentification";
/// An enrolled administrator types a TOTP or recovery code to open `/admin` (GET and POST).
pub const ADMIN_SECOND_FACTOR_CODE: &str = "/admin/double-authentification/code";
pub const ADMIN_ORG_VALIDATE: &str = "/admin/bal-org/{id}/valider";
pub const ADMIN_ORG_REJECT: &str = "/admin/bal-org/{id}/rejeter";
pub const ADMIN_ORG_CHANGE_ACCEPT: &str = "/admin/bal-org/{id}/modification/accepter";
pub const ADMIN_ORG_CHANGE_REFUSE: &str = "/admin/bal-org/{id}/modification/refuser";

/// Path of one BAL ORG's page.
pub fn org(id: i32) -> String {
    ORG.replace("{id}", &id.to_string())
}

/// Fills a BAL ORG route pattern (`ORG_*`, `ADMIN_ORG*`) with the box's id and, for member
/// actions, the member's account id.
pub fn org_action(pattern: &str, id: i32, member: Option<i32>) -> String {
    let path = pattern.replace("{id}", &id.to_string());
    match member {
        Some(member) => path.replace("{membre}", &member.to_string()),
        None => path,
    }
}

/// Path of the action withdrawing one invitation of a box.
pub fn org_invitation_withdraw(id: i32, invitation: i32) -> String {
    org_action(ORG_INVITATION_WITHDRAW, id, None).replace("{invitation}", &invitation.to_string())
}

/// Path of the confirmation page for one token.
pub fn confirmation(token: &str) -> String {
    format!("/confirmation/{token}")
}

/// Path of the administrators' detail page of one account.
pub fn admin_account(id: i32) -> String {
    format!("/admin/comptes/{id}")
}

/// Path the Annuaire Santé "Actualiser" / "Réessayer" form posts to.
pub fn admin_annuaire_refresh(id: i32) -> String {
    format!("/admin/comptes/{id}/annuaire-sante")
}

/// Path the "Valider le compte" form posts to.
pub fn admin_validate(id: i32) -> String {
    format!("/admin/comptes/{id}/valider")
}

/// Path the "Accepter la modification" form posts to.
pub fn admin_change_accept(id: i32) -> String {
    format!("/admin/comptes/{id}/modification/accepter")
}

/// Path the "Refuser la modification" form posts to.
pub fn admin_change_refuse(id: i32) -> String {
    format!("/admin/comptes/{id}/modification/refuser")
}

/// Path the "Refuser le compte" form posts to.
pub fn admin_reject(id: i32) -> String {
    format!("/admin/comptes/{id}/rejeter")
}

/// Path the "Désactiver le compte" form posts to.
pub fn admin_disable(id: i32) -> String {
    format!("/admin/comptes/{id}/desactiver")
}

/// Path the "Réactiver le compte" form posts to.
pub fn admin_reactivate(id: i32) -> String {
    format!("/admin/comptes/{id}/reactiver")
}

/// Path the "Envoyer un lien de réinitialisation" form posts to.
pub fn admin_password_reset(id: i32) -> String {
    format!("/admin/comptes/{id}/reinitialisation")
}

/// Path of the page that confirms a new contact address.
pub fn email_change_confirmation(token: &str) -> String {
    format!("/compte/email/confirmation/{token}")
}

/// Path of the password reset page for one token.
pub fn password_reset(token: &str) -> String {
    format!("/mot-de-passe/reinitialisation/{token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_fill_their_route_pattern() {
        assert_eq!(admin_account(42), ADMIN_ACCOUNT.replace("{id}", "42"));
        assert_eq!(admin_validate(42), ADMIN_VALIDATE.replace("{id}", "42"));
        assert_eq!(admin_reject(42), ADMIN_REJECT.replace("{id}", "42"));
        assert_eq!(
            admin_annuaire_refresh(42),
            ADMIN_ANNUAIRE_REFRESH.replace("{id}", "42")
        );
        assert_eq!(
            email_change_confirmation("t"),
            ACCOUNT_EMAIL_CONFIRMATION.replace("{token}", "t")
        );
        assert_eq!(
            admin_change_accept(42),
            ADMIN_CHANGE_ACCEPT.replace("{id}", "42")
        );
        assert_eq!(
            admin_change_refuse(42),
            ADMIN_CHANGE_REFUSE.replace("{id}", "42")
        );
        assert_eq!(admin_disable(42), ADMIN_DISABLE.replace("{id}", "42"));
        assert_eq!(admin_reactivate(42), ADMIN_REACTIVATE.replace("{id}", "42"));
        assert_eq!(confirmation("t"), CONFIRMATION.replace("{token}", "t"));
        assert_eq!(
            admin_password_reset(42),
            ADMIN_PASSWORD_RESET.replace("{id}", "42")
        );
        assert_eq!(password_reset("t"), PASSWORD_RESET.replace("{token}", "t"));
        assert_eq!(org(7), "/bal-org/7");
        assert_eq!(
            org_action(ORG_MEMBER_REMOVE, 7, Some(12)),
            "/bal-org/7/membres/12/retirer"
        );
        assert_eq!(
            org_action(ADMIN_ORG_VALIDATE, 7, None),
            "/admin/bal-org/7/valider"
        );
    }
}
