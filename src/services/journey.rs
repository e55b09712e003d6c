//! Where a signed-in user stands in the registration journey. The step is derived from the
//! account each time, never stored, so it cannot drift from the data.

use sea_orm::{ConnectionTrait, DbErr};

use crate::domain::Account;
use crate::repo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    ConfirmEmail,
    Cgu,
    Identification,
    Profile,
    /// Registration done; waiting for an administrator.
    Pending,
}

impl Step {
    pub fn url(self) -> &'static str {
        match self {
            Self::ConfirmEmail => urls::SIGNUP_EMAIL_SENT,
            Self::Cgu => urls::CGU,
            Self::Identification => urls::IDENTIFICATION,
            Self::Profile => urls::PROFILE,
            Self::Pending => urls::ACCOUNT,
        }
    }

    /// The guide's step shown in the indicator.
    pub fn indicator(self) -> templates::views::Step {
        use templates::views::Step as S;
        match self {
            Self::ConfirmEmail => S::Confirmation,
            Self::Cgu => S::Cgu,
            Self::Identification => S::Identification,
            Self::Profile => S::Profil,
            Self::Pending => S::Validation,
        }
    }
}

/// The account's current step. A newer CGU version sends even a finished account back to the
/// CGU step first ("every signed-in user must accept it before anything else").
///
/// # Errors
/// Database errors.
pub async fn current_step(
    db: &impl ConnectionTrait,
    account: &Account,
    cgu_version: &str,
) -> Result<Step, DbErr> {
    if !account.email_confirmed {
        return Ok(Step::ConfirmEmail);
    }
    if !repo::cgu::has_accepted(db, account.id, cgu_version).await? {
        return Ok(Step::Cgu);
    }
    Ok(if account.bal_type.is_none() {
        Step::Identification
    } else if !account.profile_submitted {
        Step::Profile
    } else {
        Step::Pending
    })
}

/// Where a user lands after signing in: the console for administrators, else the current step.
///
/// # Errors
/// Database errors.
pub async fn landing_url(
    db: &impl ConnectionTrait,
    account: &Account,
    cgu_version: &str,
) -> Result<&'static str, DbErr> {
    if !repo::admins::scopes_of(db, account.id).await?.is_empty() {
        return Ok(urls::ADMIN);
    }
    Ok(current_step(db, account, cgu_version).await?.url())
}
