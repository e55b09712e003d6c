//! Password sign-in and sessions.

use chrono::Duration;
use sea_orm::{DbErr, TransactionTrait};
use secrecy::SecretString;

use crate::auth::session::Browser;
use crate::auth::throttle::{self, Limit, Throttled};
use crate::domain::{Account, Action, Actor};
use crate::{
    domain::EmailAddress,
    repo::{self},
    state::AppState,
};

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown email, wrong password, or no password on the account: one answer for all
    /// (OWASP ASVS 2.2 / 3.2: generic message, no enumeration).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many attempts for this email or from this client: nothing was verified.
    #[error("throttled")]
    Throttled(Throttled),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for LoginError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// Checks an email and password, within the rate limits. `client` is the per-client limit of
/// the calling form (sign-in, or e-CPS linking).
///
/// Both limits are reserved *before* the argon2 verification, so no concurrency can exceed them
/// ([`throttle`]). An unknown email still runs a full verification, so the time taken does not
/// tell whether the account exists. A wrong password is recorded in the account's audit trail,
/// and so is the moment its email gets locked.
///
/// # Errors
/// [`LoginError::InvalidCredentials`] for any mismatch, [`LoginError::Throttled`] over a limit.
pub async fn authenticate(
    state: &AppState,
    client: Limit,
    email: &str,
    password: &str,
) -> Result<Account, LoginError> {
    let auth = &state.settings.auth;
    let now = state.clock.now();
    // A place for the verification first: under overload the excess is refused here, before
    // it waits for a database connection behind the requests that will be served.
    let slot = state.hasher.reserve().map_err(anyhow::Error::from)?;
    throttle::reserve(&state.db, auth, &client, now)
        .await?
        .map_err(LoginError::Throttled)?;
    let email = EmailAddress::parse(email).ok();
    let account = match &email {
        Some(email) => repo::accounts::find_by_email(&state.db, email).await?,
        None => None,
    };
    // Only well-formed addresses can match an account; the per-client limit covers the rest.
    let email_limit = email.map(Limit::SignInEmail);
    if let Some(limit) = &email_limit
        && let Err(throttled) = throttle::reserve(&state.db, auth, limit, now).await?
    {
        if throttled.first_refusal
            && let Some(account) = &account
        {
            audit(state, account.id, Action::SignInLocked).await?;
        }
        return Err(LoginError::Throttled(throttled));
    }
    let phc = account.as_ref().and_then(|a| a.password_hash.clone());
    let ok = slot
        .verify(SecretString::from(password.to_owned()), phc)
        .await?;
    match account {
        // A disabled account gets the same answer as a wrong password.
        Some(account) if ok && !account.disabled => {
            if let Some(limit) = &email_limit {
                throttle::release(&state.db, limit).await?;
            }
            Ok(account)
        }
        Some(account) => {
            audit(state, account.id, Action::SignInFailed).await?;
            Err(LoginError::InvalidCredentials)
        }
        None => Err(LoginError::InvalidCredentials),
    }
}

async fn audit(state: &AppState, account_id: i32, action: Action) -> Result<(), DbErr> {
    let now = state.clock.now();
    repo::audit::record(&state.db, account_id, Actor::System, action, None, now).await
}

/// Starts a new session for `account_id`, ending `browser.previous` (the cookie the browser
/// came with): the session id always changes at sign-in (OWASP ASVS 3.2.1, session fixation).
/// The browser's User-Agent and address are kept with it for the sessions page.
///
/// # Errors
/// Database failures.
pub async fn start_session(
    state: &AppState,
    account_id: i32,
    browser: &Browser,
    psc_id_token: Option<&str>,
) -> Result<String, DbErr> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    if let Some(previous) = &browser.previous {
        repo::sessions::delete(&txn, previous).await?;
    }
    let absolute = Duration::hours(state.settings.auth.session_absolute_hours);
    let raw = repo::sessions::create(
        &txn,
        account_id,
        absolute,
        psc_id_token,
        &browser.origin,
        now,
    )
    .await?;
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
