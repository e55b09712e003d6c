//! View-models: plain data the app builds from its domain types. Templates never see domain types,
//! so this crate depends on maud alone.

/// Support contact shown in every page footer (from configuration, `[support]`).
#[derive(Debug, Clone, Default)]
pub struct Support {
    pub organisation: String,
    pub phone: String,
    pub phone_note: String,
    pub hours: String,
    pub form_url: String,
    pub appointment_url: String,
}

/// The guide's registration steps, for the step indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Inscription,
    Confirmation,
    Cgu,
    Identification,
    Profil,
    Validation,
}

/// What every page needs besides its own content.
#[derive(Debug, Clone, Default)]
pub struct PageContext {
    /// Service name shown in the header and `<title>` (e.g. "Medimail").
    pub service_name: String,
    /// Anti-CSRF token to embed as the hidden `csrf_token` field of every form.
    pub csrf_token: String,
    /// Whether a user is signed in (shows the sign-out button).
    pub signed_in: bool,
    pub support: Support,
    /// Step indicator to show, if the page is part of the registration journey.
    pub step: Option<Step>,
    /// A one-line informational message shown at the top (e.g. "Votre adresse est confirmée").
    pub notice: Option<String>,
    /// Pro Santé Connect sign-in is configured (`psc.enabled`): shows its button on the landing,
    /// sign-in and sign-up pages.
    pub psc_enabled: bool,
}

/// Field errors of a form, in form order. Field names are the form field names.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_owned(), message.into()));
    }
    /// First message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub struct SignupView {
    pub nom: String,
    pub prenom: String,
    pub email: String,
    pub errors: FieldErrors,
}

#[derive(Debug, Clone, Default)]
pub struct EmailSentView {
    /// The address the user typed, when known (never proves an account exists).
    pub email: Option<String>,
    /// True right after a resend request.
    pub resent: bool,
    /// True when a signed-in user whose email is not confirmed yet lands here.
    pub awaiting_confirmation: bool,
    /// Validity of the confirmation link, in hours.
    pub valid_hours: u32,
}

#[derive(Debug, Clone, Default)]
pub struct ConfirmView {
    /// Path the confirmation button posts to (`/confirmation/{token}`).
    pub action: String,
}

#[derive(Debug, Clone, Default)]
pub struct LinkInvalidView {
    /// True when the link expired, false when it was already used or never existed.
    pub expired: bool,
}

#[derive(Debug, Clone, Default)]
pub struct CguView {
    pub version: String,
    /// The document's text, split into paragraphs.
    pub paragraphs: Vec<String>,
    /// True when the user had accepted an older version that is no longer current.
    pub new_version: bool,
    pub errors: FieldErrors,
}

#[derive(Debug, Clone, Default)]
pub struct IdentificationView {
    /// Previously submitted answer: Some(true) = oui, Some(false) = non.
    pub answer: Option<bool>,
    pub errors: FieldErrors,
}

/// One `<option>` of a select.
#[derive(Debug, Clone, Default)]
pub struct SelectOption {
    pub value: String,
    pub label: String,
}

/// Options grouped under an `<optgroup label=…>` (specialties grouped by profession).
#[derive(Debug, Clone, Default)]
pub struct OptionGroup {
    pub label: String,
    pub options: Vec<SelectOption>,
}

/// The profile form: generic fields grouped by section, built by the app from its field table.
#[derive(Debug, Clone, Default)]
pub struct ProfileView {
    pub email: String,
    /// The fieldsets, in page order.
    pub sections: Vec<FormSection>,
    pub errors: FieldErrors,
    /// The identity comes from Pro Santé Connect: the national identifier is shown read-only.
    pub psc_verified: bool,
    /// The PSC activities to choose from; the chooser is shown only when there are several.
    pub activities: Vec<ActivityChoice>,
    /// The activity the form was pre-filled from, sent back as a hidden `activite` field so the
    /// server knows which of PSC's exercices gives the verified profession.
    pub chosen_activity: usize,
}

/// `/compte/profil`: the profile form after registration.
#[derive(Debug, Clone, Default)]
pub struct ProfileEditView {
    pub form: ProfileView,
    /// Validated: identity fields become a change request.
    pub validated: bool,
    /// The pending change request: (label, requested value).
    pub pending_request: Vec<(String, String)>,
}

/// One fieldset of a generic form.
#[derive(Debug, Clone, Default)]
pub struct FormSection {
    pub legend: String,
    /// `(id, text)` of a hint under the legend.
    pub hint: Option<(String, String)>,
    pub fields: Vec<FormField>,
}

/// One field of a generic form: what it shows, its current raw value, and how it is entered.
/// Its error, if any, is in the form's [`FieldErrors`] under `name`.
#[derive(Debug, Clone, Default)]
pub struct FormField {
    pub name: String,
    pub label: String,
    pub hint: Option<String>,
    pub required: bool,
    /// The raw text given or pre-filled (text, select, radio, read-only).
    pub value: String,
    /// A checkbox's state.
    pub checked: bool,
    pub input: Input,
}

/// How a [`FormField`] is entered.
#[derive(Debug, Clone)]
pub enum Input {
    Text {
        /// `type="tel"`.
        tel: bool,
        autocomplete: Option<String>,
        inputmode: Option<String>,
    },
    Select {
        /// Label of the empty first option.
        empty: String,
        options: Vec<SelectOption>,
        /// Options grouped under `<optgroup>`s (after `options`).
        groups: Vec<OptionGroup>,
    },
    Radio {
        options: Vec<SelectOption>,
    },
    Checkbox,
    /// Shown as text, not submitted. Consecutive read-only fields share one block and the first
    /// one's `note`.
    ReadOnly {
        note: String,
        /// Shown when the value is empty.
        when_empty: String,
    },
}

impl Default for Input {
    fn default() -> Self {
        Self::Text {
            tel: false,
            autocomplete: None,
            inputmode: None,
        }
    }
}

/// One activity (situation d'exercice) sent by Pro Santé Connect, for the profile's chooser.
#[derive(Debug, Clone, Default)]
pub struct ActivityChoice {
    /// Position in the PSC claims, submitted as the `activite` query parameter.
    pub index: usize,
    /// E.g. "Libéral — CABINET M DOC, 75009 PARIS".
    pub label: String,
    /// The activity the profile is currently pre-filled from.
    pub selected: bool,
}

#[derive(Debug, Clone, Default)]
pub struct AccountView {
    pub prenom: String,
    pub nom: String,
    pub email: String,
    /// "PER" or "MED".
    pub bal_type: String,
    /// Example MSSanté address shape for the user's profession (e.g. "prenom.nom@pharmacien.oc.mssante.fr").
    pub address_example: Option<String>,
    /// The account has waited more than 48 h for a decision: the page says so, with the
    /// support contact.
    pub overdue: bool,
    /// When the request was sent (the profile submitted), e.g. "04/12/2026".
    pub submitted_on: Option<String>,
    /// When an administrator validated the account.
    pub validated_on: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct LoginView {
    pub email: String,
    /// The one generic error ("Adresse mail ou mot de passe incorrect.").
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ErrorView {
    pub status: u16,
    pub title: String,
    pub message: String,
    /// Shown for internal errors so support can find the log line.
    pub request_id: Option<String>,
}

/// A rendered email: subject, plain-text part and HTML part.
#[derive(Debug, Clone, Default)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, Clone, Default)]
/// No name in it: the address is not proven yet, so the mail carries nothing the requester typed
/// (a stranger could otherwise send text of their choice from our domain).
pub struct ConfirmationMail {
    pub service_name: String,
    /// Full link `{public_url}/confirmation/{token}`.
    pub link: String,
    pub valid_hours: u32,
    pub support: Support,
}

#[derive(Debug, Clone, Default)]
/// No name either: the account it names may itself be unconfirmed.
pub struct AccountExistsMail {
    pub service_name: String,
    /// Full link to the sign-in page.
    pub login_link: String,
    pub support: Support,
}

/// The administrators' queue: accounts awaiting validation within the admin's scope.
#[derive(Debug, Clone, Default)]
pub struct AdminQueueView {
    /// The admin's scope, e.g. "Région Occitanie" or "National".
    pub scope_label: String,
    /// Accounts awaiting validation; the page shows them oldest first.
    pub rows: Vec<QueueRow>,
    pub total_pending: usize,
    /// Accounts waiting for more than 24 h (those past 48 h included).
    pub over_24h: usize,
    pub over_48h: usize,
    /// Current filters (empty = all): région code, profession code, "PER" or "MED".
    pub filter_region: String,
    pub filter_profession: String,
    pub filter_bal_type: String,
    pub regions: Vec<SelectOption>,
    pub professions: Vec<SelectOption>,
    /// Validated accounts whose identity change waits for a decision ("Modification à valider").
    pub changes: Vec<ChangeRow>,
}

/// One pending change request in the administrators' queue.
#[derive(Debug, Clone, Default)]
pub struct ChangeRow {
    pub id: i32,
    pub nom: String,
    pub prenom: String,
    pub email: String,
    pub requested_at: String,
    /// Labels of the fields to change.
    pub fields: String,
    /// The detail page (an account's, or a BAL ORG's).
    pub href: String,
}

/// One account of the administrators' queue.
#[derive(Debug, Clone, Default)]
pub struct QueueRow {
    pub id: i32,
    pub nom: String,
    pub prenom: String,
    pub email: String,
    /// Profession label.
    pub profession: String,
    /// Région label.
    pub region: String,
    /// "PER" or "MED".
    pub bal_type: String,
    /// Registration date, e.g. "28/11/2026 14:05".
    pub submitted_at: String,
    /// Time waited so far, e.g. "3 h" or "2 j 4 h".
    pub age: String,
    /// Whole hours waited so far: decides the late marks (≥ 24, ≥ 48) and the order.
    pub age_hours: i64,
    /// The detail page (an account's, or a BAL ORG request's).
    pub href: String,
    /// The identity was verified by Pro Santé Connect.
    pub psc_verified: bool,
    /// Another account claims the same national identifier.
    pub contested: bool,
    /// What the Annuaire Santé cross-check found wrong, as text ("Identifiant inconnu de
    /// l'Annuaire Santé", "Écart avec l'Annuaire Santé"…), when anything.
    pub annuaire_mark: Option<String>,
}

/// The administrators' detail page of one account.
#[derive(Debug, Clone, Default)]
pub struct AdminAccountView {
    pub id: i32,
    /// "En attente de validation", "Validé" or "Refusé".
    pub status: String,
    /// True while the account awaits a decision: shows the validate and reject forms.
    pub pending: bool,
    /// Disabled (by an administrator, or closed by its holder): shows the re-enable form,
    /// unless `closed`.
    pub disabled: bool,
    /// Closed by its holder: nobody re-enables it.
    pub closed: bool,
    /// Label → value of every field the user gave, in form order.
    pub fields: Vec<(String, String)>,
    pub psc_verified: bool,
    /// Labels (as in `fields`) of the values Pro Santé Connect asserts: each gets its mark.
    pub psc_verified_fields: Vec<String>,
    /// Other accounts claiming the same national identifier, by id.
    pub contested_by: Vec<i32>,
    /// Result of the national identifier's check, e.g. "Clé RPPS valide" / "Clé RPPS invalide".
    pub identifier_check: Option<String>,
    /// The Annuaire Santé cross-check of the declared identifier; `None` when none is declared.
    pub annuaire: Option<AnnuaireCheckView>,
    /// The address assigned on validation.
    pub mailbox_address: Option<String>,
    pub rejection_reason: Option<String>,
    /// The audit trail of the account, in display order.
    pub history: Vec<AuditRow>,
    /// Errors of the reject form (field `motif`).
    pub errors: FieldErrors,
    /// The rejection reason typed so far, kept when the form is shown again.
    pub motif: String,
    /// A pending change to the identity fields: (label, current value, requested value).
    pub change_request: Vec<(String, String, String)>,
    /// Errors of the change-refusal form (field `motif_modification`).
    pub change_errors: FieldErrors,
    pub change_motif: String,
}

/// One audit event: who did what, when, and why.
#[derive(Debug, Clone, Default)]
pub struct AuditRow {
    pub at: String,
    pub actor: String,
    /// French label of the action, e.g. "Compte validé".
    pub action: String,
    pub detail: String,
}

/// The user's account page once the account is registered: pending, validated or rejected.
#[derive(Debug, Clone, Default)]
pub struct AccountStatusView {
    /// Directory visibility, editable once the account is validated.
    pub annuaire_medimail: bool,
    pub annuaire_mssante: bool,
    pub prenom: String,
    pub nom: String,
    pub email: String,
    /// "PER" or "MED".
    pub bal_type: String,
    /// The address assigned on validation.
    pub mailbox_address: Option<String>,
    pub rejection_reason: Option<String>,
    pub validated: bool,
    pub rejected: bool,
    /// The account is linked to an e-CPS (Pro Santé Connect).
    pub psc_linked: bool,
    /// Pro Santé Connect is configured: offers to link the account when it is not linked yet.
    pub psc_enabled: bool,
    /// The BAL ORG the user belongs to or is invited to.
    pub orgs: Vec<OrgSummary>,
    /// Pending for more than 48 h (the guide's promise).
    pub overdue: bool,
    /// The account may request a BAL ORG (validated individual account).
    pub may_request_org: bool,
    /// When the request was sent (the profile submitted), e.g. "04/12/2026".
    pub submitted_on: Option<String>,
    /// When an administrator validated the account.
    pub validated_on: Option<String>,
}

/// One BAL ORG on `/compte`.
#[derive(Debug, Clone, Default)]
pub struct OrgSummary {
    pub id: i32,
    pub libelle: String,
    pub status: String,
    pub address: Option<String>,
    /// "Responsable" or "Membre".
    pub role: String,
    /// An invitation waiting for the user's answer (accept / decline buttons).
    pub invitation: bool,
}

/// The BAL ORG request and edit forms' values, as typed.
#[derive(Debug, Clone, Default)]
pub struct OrgFormValues {
    pub libelle: String,
    pub identifiant_local: String,
    pub raison_sociale: String,
    pub type_identifiant_structure: String,
    pub identifiant_structure: String,
    pub service: String,
    pub description: String,
    pub adresse: String,
    pub code_postal: String,
    pub ville: String,
    pub departement: String,
    pub region: String,
    pub telephone: String,
    pub dematerialisation: bool,
    pub annuaire_mssante: bool,
    pub annuaire_medimail: bool,
}

/// `/bal-org/nouvelle` (no `id`) and `/bal-org/{id}/modifier`.
#[derive(Debug, Clone, Default)]
pub struct OrgFormView {
    /// The box being edited; `None` for a request.
    pub id: Option<i32>,
    /// The address of a validated box (never changes).
    pub address: Option<String>,
    /// A change of raison sociale / structure identifier waiting for an administrator.
    pub pending_change: Option<String>,
    pub values: OrgFormValues,
    pub errors: FieldErrors,
    pub regions: Vec<SelectOption>,
    pub departements: Vec<SelectOption>,
}

/// A member on a BAL ORG page.
#[derive(Debug, Clone, Default)]
pub struct OrgMemberRow {
    pub account_id: i32,
    pub name: String,
    pub email: String,
    pub role: String,
    pub responsable: bool,
}

/// An unanswered invitation on a BAL ORG page: the address typed, never a name (the page must
/// look the same whether or not an account holds it).
#[derive(Debug, Clone, Default)]
pub struct OrgInvitationRow {
    pub id: i32,
    pub email: String,
    pub invited_at: String,
}

/// `/bal-org/{id}`, for its members.
#[derive(Debug, Clone, Default)]
pub struct OrgView {
    pub id: i32,
    pub libelle: String,
    /// "En attente de validation", "Validée", "Refusée", "Fermée".
    pub status: String,
    pub pending: bool,
    pub closed: bool,
    pub rejected: bool,
    pub address: Option<String>,
    pub rejection_reason: Option<String>,
    /// Label and value of each field, in form order.
    pub fields: Vec<(String, String)>,
    pub pending_change: Option<String>,
    /// The viewer is a responsable (manages members, edits, closes).
    pub responsable: bool,
    pub viewer_id: i32,
    pub members: Vec<OrgMemberRow>,
    /// Shown to responsables only.
    pub invitations: Vec<OrgInvitationRow>,
    pub history: Vec<AuditRow>,
    /// The invitation form's value and errors.
    pub invite_email: String,
    pub invite_errors: FieldErrors,
    /// An action refused with a message (e.g. the last responsable leaving).
    pub error: Option<String>,
}

/// `/admin/bal-org/{id}`.
#[derive(Debug, Clone, Default)]
pub struct AdminOrgView {
    pub id: i32,
    pub libelle: String,
    pub status: String,
    pub pending: bool,
    pub address: Option<String>,
    pub rejection_reason: Option<String>,
    pub fields: Vec<(String, String)>,
    /// The structure identifier's key check, in words ("Clé FINESS valide", or the error).
    pub key_check: String,
    pub key_valid: bool,
    /// The requester's account: (admin link id, "Prénom Nom", email, status).
    pub requester: Option<(i32, String, String, String)>,
    pub members: Vec<OrgMemberRow>,
    pub history: Vec<AuditRow>,
    /// The decision forms' reason and errors.
    pub motif: String,
    pub errors: FieldErrors,
    /// A change waiting: (current, requested) descriptions.
    pub pending_change: Option<(String, String)>,
    /// The request as this page shows it (opaque, posted back with a validation or rejection).
    pub request_seen: String,
    /// The waiting change as this page shows it (opaque, posted back with the decision).
    pub change_seen: String,
    pub change_motif: String,
    pub change_errors: FieldErrors,
}

/// A new Pro Santé Connect user gives an email address (PSC sends none).
#[derive(Debug, Clone, Default)]
pub struct PscEmailView {
    /// Pre-filled from the activity's `adresseEMail` when PSC has one, else what was typed.
    pub email: String,
    /// Names sent by PSC, for the greeting.
    pub prenom: String,
    pub nom: String,
    pub errors: FieldErrors,
}

/// A PSC sign-in matched an existing, unlinked password account: its password confirms the link.
#[derive(Debug, Clone, Default)]
pub struct PscLinkView {
    /// The matched account's address, masked (e.g. "p•••@e•••.fr").
    pub masked_email: String,
    /// What matched: "RPPS" or "adresse mail".
    pub matched_on: String,
    /// Errors of the field `mot_de_passe`.
    pub errors: FieldErrors,
}

/// A failed PSC sign-in: cancelled at PSC, PSC unreachable, replayed or forged callback…
#[derive(Debug, Clone, Default)]
pub struct PscErrorView {
    pub title: String,
    pub message: String,
    /// Offer to start the PSC sign-in again.
    pub retry: bool,
}

/// Sent when an administrator validates the account.
#[derive(Debug, Clone, Default)]
pub struct ValidationMail {
    pub service_name: String,
    pub prenom: String,
    /// The mailbox address assigned on validation.
    pub address: String,
    /// "PER" or "MED".
    pub bal_type: String,
    /// Full link to the sign-in page.
    pub login_link: String,
    pub support: Support,
}

/// Sent when an administrator rejects the registration.
#[derive(Debug, Clone, Default)]
pub struct RejectionMail {
    pub service_name: String,
    pub prenom: String,
    /// The administrator's reason, as typed.
    pub reason: String,
    pub support: Support,
}

/// Sent when the holder closes their account.
#[derive(Debug, Clone, Default)]
pub struct AccountClosedMail {
    pub service_name: String,
    pub prenom: String,
    /// The mailbox address, which stays reserved.
    pub mailbox_address: Option<String>,
    /// `retention.closed_days`.
    pub retention_days: i64,
    pub support: Support,
}

/// `/compte/parametres`: the settings hub.
#[derive(Debug, Clone, Default)]
pub struct SettingsView {
    /// The contact address (sign-in and notices).
    pub email: String,
    pub validated: bool,
    /// The account has a password (a PSC-only account has none).
    pub has_password: bool,
    pub psc_enabled: bool,
    pub psc_linked: bool,
    /// "Oui"/"Non" of the profile's dématérialisation and notification choices, when it has one.
    pub dematerialisation: Option<bool>,
    pub notification: Option<bool>,
    pub annuaire_medimail: bool,
    pub annuaire_mssante: bool,
}

/// One live session on `/compte/sessions`.
#[derive(Debug, Clone, Default)]
pub struct SessionRow {
    /// The opaque id the close form posts (never the cookie value or its hash).
    pub public_id: String,
    pub started_at: String,
    pub last_seen_at: String,
    /// E.g. "Firefox sur Windows".
    pub browser: String,
    pub client_ip: String,
    /// The session of the browser showing the page.
    pub current: bool,
}

/// `/compte/sessions`.
#[derive(Debug, Clone, Default)]
pub struct SessionsView {
    pub sessions: Vec<SessionRow>,
}

/// `/compte/fermeture`.
#[derive(Debug, Clone, Default)]
pub struct ClosureView {
    /// The account has a password to re-authenticate with…
    pub has_password: bool,
    /// …or, without one, a recent Pro Santé Connect sign-in (`auth.reauth_minutes`).
    pub psc_reauthenticated: bool,
    /// The mailbox address, reserved after closure.
    pub mailbox_address: Option<String>,
    /// `retention.closed_days`.
    pub retention_days: i64,
    /// Kept on a 422 re-render (never the password).
    pub motif: String,
    pub errors: FieldErrors,
    /// The BAL ORG (libellés) the account is the last responsable of: the closure was refused.
    pub last_responsable_of: Vec<String>,
}

/// `/mot-de-passe/oubli`: the request form, or (`sent`) the answer every request gets.
#[derive(Debug, Clone, Default)]
pub struct ForgotPasswordView {
    /// True after a request: the same page whether or not an account exists.
    pub sent: bool,
    /// Validity of the link, in minutes.
    pub valid_minutes: u32,
    pub email: String,
    pub errors: FieldErrors,
}

/// `/mot-de-passe/reinitialisation/{token}`: the new password form.
#[derive(Debug, Clone, Default)]
pub struct ResetPasswordView {
    /// Path the form posts to (the link's own path).
    pub action: String,
    pub errors: FieldErrors,
}

/// `/compte/mot-de-passe`.
#[derive(Debug, Clone, Default)]
pub struct ChangePasswordView {
    /// False for an account that only ever signed in with Pro Santé Connect: it is told to set
    /// a password through "Mot de passe oublié ?".
    pub has_password: bool,
    pub errors: FieldErrors,
}

/// The reset link mail. No name: the address may not be proven yet.
#[derive(Debug, Clone, Default)]
pub struct PasswordResetMail {
    pub service_name: String,
    /// Full link `{public_url}/mot-de-passe/reinitialisation/{token}`.
    pub link: String,
    pub valid_minutes: u32,
    /// Sent at an administrator's request rather than the user's.
    pub by_admin: bool,
    pub support: Support,
}

/// To the holder when an e-CPS is linked to the account.
#[derive(Debug, Clone, Default)]
pub struct EcpsLinkedMail {
    pub service_name: String,
    /// Full link to `/mot-de-passe/oubli`.
    pub forgot_link: String,
    pub support: Support,
}

/// To the new address: the link that confirms it.
#[derive(Debug, Clone, Default)]
pub struct EmailChangeMail {
    pub service_name: String,
    /// Full link to `/compte/email/confirmation/{token}`.
    pub link: String,
    pub valid_hours: u32,
    pub support: Support,
}

/// To the current address when a change is asked (`done` false), then to both addresses once
/// the new one is confirmed (`done` true).
#[derive(Debug, Clone, Default)]
pub struct EmailChangeNoticeMail {
    pub service_name: String,
    pub new_email: String,
    pub done: bool,
    /// Full link to `/mot-de-passe/oubli`.
    pub forgot_link: String,
    pub support: Support,
}

/// `/compte/email`.
#[derive(Debug, Clone, Default)]
pub struct EmailChangeView {
    pub current_email: String,
    /// A PSC-only account has no password to confirm the change with…
    pub has_password: bool,
    /// …and confirms it with a recent Pro Santé Connect sign-in instead.
    pub psc_reauthenticated: bool,
    /// After a request: the same page whether or not the address is free.
    pub sent: bool,
    pub nouvel_email: String,
    pub errors: FieldErrors,
}

/// "Votre mot de passe a été modifié", after a reset or a change.
#[derive(Debug, Clone, Default)]
pub struct PasswordChangedMail {
    pub service_name: String,
    /// Full link to the sign-in page.
    pub login_link: String,
    /// Full link to `/mot-de-passe/oubli`.
    pub forgot_link: String,
    pub support: Support,
}

/// A notice mail whose paragraphs the caller writes (BAL ORG invitations, decisions and closure;
/// reminders to administrators): paragraphs, an optional highlighted address, an optional
/// quoted reason and an optional link, in that order.
#[derive(Debug, Clone, Default)]
pub struct NoticeMail {
    pub service_name: String,
    /// Empty for an address with no account behind it (neutral greeting).
    pub prenom: String,
    pub subject: String,
    pub paragraphs: Vec<String>,
    /// Shown in a box after the first paragraph (the box's address on validation).
    pub highlight: Option<String>,
    /// Quoted after the paragraphs (a rejection reason).
    pub reason: Option<String>,
    /// `(url, button label)`.
    pub link: Option<(String, String)>,
    pub support: Support,
}

/// `/admin/tableau-de-bord`: the SLA of the guide's promise, for the admin's scopes.
#[derive(Debug, Clone, Default)]
pub struct DashboardView {
    pub scope_label: String,
    /// When the figures were computed, e.g. "04/12/2026 14:05 UTC".
    pub computed_at: String,
    /// Pending accounts per région: (région label, < 24 h, 24–48 h, > 48 h).
    pub pending: Vec<(String, usize, usize, usize)>,
    /// Decisions per day, oldest first: (day label "04/12", validated, rejected).
    pub days: Vec<(String, usize, usize)>,
    /// Time to decision per week, oldest first: (week label "du 04/12", decisions, median
    /// hours, 90th percentile hours).
    pub weeks: Vec<(String, usize, Option<f64>, Option<f64>)>,
    /// Decided within 48 h over the weeks shown, and all decisions.
    pub within_48h: (usize, usize),
}

/// `/admin/double-authentification`: enrol a TOTP second factor.
#[derive(Debug, Clone, Default)]
pub struct SecondFactorEnrolView {
    /// The secret in base32, for typing into the app by hand.
    pub secret: String,
    /// The QR code: an inline `<svg>` element the app generated (trusted markup).
    pub qr_svg: String,
    pub errors: FieldErrors,
    /// No `mfa.encryption_key`: enrolment is impossible, the page says so.
    pub unavailable: bool,
}

/// `/admin/double-authentification/code`: type a code to open the console.
#[derive(Debug, Clone, Default)]
pub struct SecondFactorCodeView {
    pub errors: FieldErrors,
}

/// After enrolment: the ten recovery codes, shown once.
#[derive(Debug, Clone, Default)]
pub struct RecoveryCodesView {
    pub codes: Vec<String>,
}

/// Where the Annuaire Santé cross-check of an account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnnuaireStatus {
    /// `annuaire_sante.enabled` is off.
    #[default]
    Disabled,
    /// No lookup was asked for (an identifier Pro Santé Connect vouches for).
    NotRequested,
    /// A lookup waits in the outbox.
    InProgress,
    /// The directory gave no answer at the last attempt.
    Unavailable,
    /// The directory knows no practitioner with this identifier.
    Unknown,
    /// The directory answered with a practitioner.
    Found,
}

/// The Annuaire Santé cross-check on the administrators' detail page.
#[derive(Debug, Clone, Default)]
pub struct AnnuaireCheckView {
    pub status: AnnuaireStatus,
    /// "RPPS 10001234567".
    pub identifier: String,
    /// When the directory last answered, e.g. "04/12/2026 14:05 UTC".
    pub checked_at: Option<String>,
    /// The account's identity was verified by Pro Santé Connect.
    pub psc_verified: bool,
    /// What the directory said at its last answer (kept through a later outage).
    pub practitioner: Option<PractitionerView>,
    /// The directory beside what the user typed.
    pub comparison: Vec<ComparisonRow>,
    /// Where the refresh / retry button posts.
    pub refresh_action: String,
}

/// A practitioner as the Annuaire Santé describes them.
#[derive(Debug, Clone, Default)]
pub struct PractitionerView {
    pub active: bool,
    /// Exercise names, e.g. "DR CLAIRE MARTIN".
    pub names: Vec<String>,
    pub roles: Vec<PractitionerRoleView>,
}

/// One exercise of a practitioner.
#[derive(Debug, Clone, Default)]
pub struct PractitionerRoleView {
    pub active: bool,
    /// "Pharmacien (21)".
    pub profession: String,
    /// "Médecine générale (SM54)", one per savoir-faire.
    pub savoir_faire: Vec<String>,
    pub organisation: String,
    /// Région label, empty when unknown.
    pub region: String,
}

/// One line of the side-by-side comparison.
#[derive(Debug, Clone, Default)]
pub struct ComparisonRow {
    /// "Nom", "Prénom", "Profession", "Région".
    pub label: String,
    pub typed: String,
    /// What the directory says; empty when it says nothing.
    pub directory: String,
    /// `None`: nothing to compare with.
    pub agrees: Option<bool>,
}
