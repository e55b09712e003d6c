//! Password sign-in and sessions.

use chrono::Duration;
use sea_orm::{DbErr, TransactionTrait};
use secrecy::SecretString;

use crate::{
    domain::EmailAddress,
    repo::{
        self,
        accounts::Account,
        audit::{Action, Actor},
    },
    state::AppState,
};

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown email, wrong password, or no password on the account: one answer for all
    /// (OWASP ASVS 2.2 / 3.2: generic message, no enumeration).
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for LoginError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// Checks an email and password. An unknown email still runs a full argon2 verification, so the
/// time taken does not tell whether the account exists.
///
/// # Errors
/// [`LoginError::InvalidCredentials`] for any mismatch.
pub async fn authenticate(
    state: &AppState,
    email: &str,
    password: &str,
) -> Result<Account, LoginError> {
    let account = match EmailAddress::parse(email) {
        Ok(email) => repo::accounts::find_by_email(&state.db, &email).await?,
        Err(_) => None,
    };
    let phc = account.as_ref().and_then(|a| a.password_hash.clone());
    let ok = state
        .hasher
        .verify(SecretString::from(password.to_owned()), phc)
        .await?;
    match account {
        // A disabled account gets the same answer as a wrong password.
        Some(account) if ok && !account.disabled => Ok(account),
        _ => Err(LoginError::InvalidCredentials),
    }
}

/// Starts a new session for `account_id`, ending `previous` (the cookie the browser came with):
/// the session id always changes at sign-in (OWASP ASVS 3.2.1, session fixation).
///
/// # Errors
/// Database failures.
pub async fn start_session(
    state: &AppState,
    account_id: i32,
    previous: Option<&str>,
    psc_id_token: Option<&str>,
) -> Result<String, DbErr> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    if let Some(previous) = previous {
        repo::sessions::delete(&txn, previous).await?;
    }
    let absolute = Duration::hours(state.settings.auth.session_absolute_hours);
    let raw = repo::sessions::create(&txn, account_id, absolute, psc_id_token, now).await?;
    let method = if psc_id_token.is_some() {
        "Pro Santé Connect"
    } else {
        "mot de passe"
    };
    repo::audit::record(
        &txn,
        account_id,
        Actor::Account(account_id),
        Action::SignedIn,
        Some(method),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(raw)
}

/// Ends a session (sign-out, CGU refusal).
///
/// # Errors
/// Database failures.
pub async fn end_session(state: &AppState, id_hash: &str, account_id: i32) -> Result<(), DbErr> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    repo::sessions::delete(&txn, id_hash).await?;
    repo::audit::record(
        &txn,
        account_id,
        Actor::Account(account_id),
        Action::SignedOut,
        None,
        now,
    )
    .await?;
    txn.commit().await
}
