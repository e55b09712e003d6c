//! The audit trail's vocabulary: who acted, and what happened.

use chrono::{DateTime, FixedOffset};

/// One recorded event, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<FixedOffset>,
    /// [`Actor::label`] as stored.
    pub actor: String,
    /// [`Action::as_str`] as stored (kept as text: older rows may hold retired actions).
    pub action: String,
    pub detail: Option<String>,
}

/// Who acted.
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    /// The account holder themself.
    Account(i32),
    /// An administrator acting on someone else's account.
    Admin(i32),
    /// The service on its own (workers, command line).
    System,
}

impl Actor {
    /// Stored in the audit row's `actor` column.
    pub fn label(self) -> String {
        match self {
            Self::Account(id) => format!("account:{id}"),
            Self::Admin(id) => format!("admin:{id}"),
            Self::System => "system".to_owned(),
        }
    }
}

/// What happened. The string forms are stable: reports and tests read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    AccountCreated,
    EmailConfirmed,
    SignedIn,
    SignedOut,
    CguAccepted,
    CguRefused,
    IdentifierAnswered,
    ProfileSubmitted,
    AdminGranted,
    AccountValidated,
    AccountRejected,
    AccountDisabled,
    DirectoryPublished,
    PscLinked,
    PscRefused,
    DirectoryPreferencesChanged,
    /// A wrong password for this account (never the password itself).
    SignInFailed,
    /// The account's email reached its limit of failed sign-ins: attempts are refused until the
    /// window ends. Recorded once per window.
    SignInLocked,
    /// Deleted with its tokens after `auth.unconfirmed_days` without a confirmed email.
    AccountPurged,
    /// An administrator opened the account's detail page (who read personal data, and when).
    ProfileViewed,
    /// Someone asked for a reset link for this account (`/mot-de-passe/oubli`).
    PasswordResetRequested,
    /// The password was set through a reset link.
    PasswordReset,
    /// The signed-in user changed the password (`/compte/mot-de-passe`).
    PasswordChanged,
    /// An administrator had a reset link mailed to the user.
    PasswordResetSentByAdmin,
    /// The user changed their profile from `/compte/profil` (fields that apply at once).
    ProfileEdited,
    /// A validated user asked to change identity fields; waits for an administrator.
    ProfileChangeRequested,
    ProfileChangeAccepted,
    ProfileChangeRefused,
    /// The holder asked to change the contact address (a link went to the new one).
    EmailChangeRequested,
    /// The new contact address was confirmed by its link.
    EmailChanged,
    /// The holder ended one of their sessions, or all the others, from `/compte/sessions`.
    SessionsClosed,
    /// The holder downloaded their data (`/compte/export`).
    DataExported,
    /// The holder closed the account (`/compte/fermeture`); the detail is their reason, if any.
    AccountClosed,
    /// An administrator re-enabled a disabled account.
    AccountReactivated,
    /// Deleted `retention.closed_days` after its closure; its mailbox address stays reserved.
    ClosedAccountPurged,
    /// An administrator confirmed a new TOTP second factor (recovery codes issued).
    SecondFactorEnrolled,
    /// An administrator's session passed the second factor; the detail says with what.
    SecondFactorPassed,
    /// A wrong, replayed or throttled second-factor code; the detail says which.
    SecondFactorFailed,
    /// Support removed the administrator's second factor (`admin reset-mfa`).
    SecondFactorReset,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccountCreated => "account_created",
            Self::EmailConfirmed => "email_confirmed",
            Self::SignedIn => "signed_in",
            Self::SignedOut => "signed_out",
            Self::CguAccepted => "cgu_accepted",
            Self::CguRefused => "cgu_refused",
            Self::IdentifierAnswered => "identifier_answered",
            Self::ProfileSubmitted => "profile_submitted",
            Self::AdminGranted => "admin_granted",
            Self::AccountValidated => "account_validated",
            Self::AccountRejected => "account_rejected",
            Self::AccountDisabled => "account_disabled",
            Self::DirectoryPublished => "directory_published",
            Self::PscLinked => "psc_linked",
            Self::PscRefused => "psc_refused",
            Self::DirectoryPreferencesChanged => "directory_preferences_changed",
            Self::SignInFailed => "sign_in_failed",
            Self::SignInLocked => "sign_in_locked",
            Self::AccountPurged => "account_purged",
            Self::ProfileViewed => "profile_viewed",
            Self::PasswordResetRequested => "password_reset_requested",
            Self::PasswordReset => "password_reset",
            Self::PasswordChanged => "password_changed",
            Self::PasswordResetSentByAdmin => "password_reset_sent_by_admin",
            Self::ProfileEdited => "profile_edited",
            Self::ProfileChangeRequested => "profile_change_requested",
            Self::ProfileChangeAccepted => "profile_change_accepted",
            Self::ProfileChangeRefused => "profile_change_refused",
            Self::EmailChangeRequested => "email_change_requested",
            Self::EmailChanged => "email_changed",
            Self::SessionsClosed => "sessions_closed",
            Self::DataExported => "data_exported",
            Self::AccountClosed => "account_closed",
            Self::AccountReactivated => "account_reactivated",
            Self::ClosedAccountPurged => "closed_account_purged",
            Self::SecondFactorEnrolled => "second_factor_enrolled",
            Self::SecondFactorPassed => "second_factor_passed",
            Self::SecondFactorFailed => "second_factor_failed",
            Self::SecondFactorReset => "second_factor_reset",
        }
    }
}
