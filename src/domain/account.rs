//! An account: identity, registration progress, and the status derived from it.

use sea_orm::prelude::DateTimeWithTimeZone;

/// The type of personal mailbox, decided by the identifier question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalType {
    /// Has an RPPS/ADELI: MSSanté address, visible to every MSSanté user.
    Per,
    /// No national identifier: visible only inside the operator.
    Med,
}

impl BalType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Per => "PER",
            Self::Med => "MED",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "PER" => Some(Self::Per),
            "MED" => Some(Self::Med),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: i32,
    pub email: String,
    pub password_hash: Option<String>,
    pub nom: String,
    pub prenom: String,
    pub email_confirmed: bool,
    pub bal_type: Option<BalType>,
    pub profile_submitted: bool,
    pub profile_submitted_at: Option<DateTimeWithTimeZone>,
    pub last_mail_at: Option<DateTimeWithTimeZone>,
    pub validated_at: Option<DateTimeWithTimeZone>,
    pub rejected_at: Option<DateTimeWithTimeZone>,
    pub rejection_reason: Option<String>,
    pub mailbox_address: Option<String>,
    pub disabled: bool,
    /// When the holder closed the account (it is then disabled too).
    pub closed_at: Option<DateTimeWithTimeZone>,
}

impl Account {
    /// Where the account stands, derived from its timestamps in this one place.
    pub fn status(&self) -> AccountStatus {
        if self.closed_at.is_some() {
            AccountStatus::Closed
        } else if self.disabled {
            AccountStatus::Disabled
        } else if self.validated_at.is_some() {
            AccountStatus::Validated
        } else if self.rejected_at.is_some() {
            AccountStatus::Rejected
        } else if self.profile_submitted {
            AccountStatus::Pending
        } else {
            AccountStatus::Registering
        }
    }

    /// Submitted its profile and waits for an administrator.
    pub fn is_pending(&self) -> bool {
        self.status() == AccountStatus::Pending
    }
}

/// The life of an account after sign-up (registration guide: "en attente de validation sous
/// 24h à 48h", then validated or refused; support may disable it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    /// Still in the guide's steps (email, CGU, identification, profile).
    Registering,
    /// Profile submitted: waits for an administrator's decision.
    Pending,
    Validated,
    Rejected,
    Disabled,
    /// Closed by its holder; purged `retention.closed_days` later.
    Closed,
}

impl AccountStatus {
    /// As the administrators' console shows it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Registering => "Inscription en cours",
            Self::Pending => "En attente de validation",
            Self::Validated => "Validé",
            Self::Rejected => "Refusé",
            Self::Disabled => "Désactivé",
            Self::Closed => "Fermé par son titulaire",
        }
    }
}
