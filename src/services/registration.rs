//! Sign-up (step 1), confirmation mail resend, and email confirmation (step 3).
//!
//! No answer reveals whether an address is registered (OWASP ASVS 2.2 / WSTG-IDNT-04): a
//! sign-up with a taken address gets the same page, and the mail sent to that address tells its
//! owner an account exists. Both paths hash the password, so they also take the same time.

use std::net::IpAddr;

use chrono::Duration;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use secrecy::SecretString;

use crate::auth::throttle::{self, Limit, Throttled};
use crate::config::AuthSettings;
use crate::domain::{Account, Action, Actor};
pub use crate::repo::tokens::TokenState;
use crate::{
    clock::Timestamp,
    domain::{EmailAddress, signup::NewAccount},
    error::is_unique_violation,
    mail::OutgoingMail,
    outbox::{self, Job},
    repo::{self, tokens},
    state::AppState,
};

/// Creates the account and pushes the confirmation mail to the outbox, or, when the address
/// is taken, pushes the "account exists" mail instead.
///
/// # Errors
/// Database or hashing failures.
pub async fn sign_up(state: &AppState, client: IpAddr, new: NewAccount) -> Result<(), SignUpError> {
    let limit = Limit::SignUpClient(client);
    // A place for the hash before any database work: overload is refused at once
    // (`auth::password`, "Refusal before any other work").
    let slot = state.hasher.reserve().map_err(anyhow::Error::from)?;
    throttle::reserve(&state.db, &state.settings.auth, &limit, state.clock.now())
        .await?
        .map_err(SignUpError::Throttled)?;
    let hash = slot
        .hash(SecretString::from(new.password.expose().to_owned()))
        .await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    match repo::accounts::find_by_email(&txn, &new.email).await? {
        Some(existing) => {
            if mail_due(state, existing.last_mail_at, now)
                && mail_allowed(state, &txn, &new.email, now).await?
            {
                let mail = Job::Mail(account_exists_mail(state, &existing));
                outbox::push(&txn, &mail, now).await?;
                repo::accounts::touch_last_mail(&txn, existing.id, now).await?;
            }
        }
        None => {
            let account = match repo::accounts::insert(
                &txn,
                &new.email,
                &new.nom,
                &new.prenom,
                Some(&hash),
                now,
            )
            .await
            {
                Ok(a) => a,
                // A concurrent sign-up with the same address won the race: same answer.
                Err(e) if is_unique_violation(&e) => return Ok(()),
                Err(e) => return Err(SignUpError::Unexpected(e.into())),
            };
            repo::audit::record(
                &txn,
                account.id,
                Actor::Account(account.id),
                Action::AccountCreated,
                None,
                now,
            )
            .await?;
            if mail_allowed(state, &txn, &new.email, now).await? {
                push_confirmation(state, &txn, &account, now).await?;
            }
        }
    }
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    /// Too many sign-ups from this client: nothing was hashed or written.
    #[error("throttled")]
    Throttled(Throttled),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for SignUpError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// Sends a new confirmation link when `email` belongs to an unconfirmed account and the last
/// one is older than `auth.mail_interval_secs`. Says nothing either way.
///
/// # Errors
/// Database failures.
pub async fn resend(
    state: &AppState,
    client: IpAddr,
    email: &str,
) -> Result<Result<(), Throttled>, DbErr> {
    let limit = Limit::ResendClient(client);
    let now = state.clock.now();
    if let Err(throttled) = throttle::reserve(&state.db, &state.settings.auth, &limit, now).await? {
        return Ok(Err(throttled));
    }
    let Ok(email) = EmailAddress::parse(email) else {
        return Ok(Ok(()));
    };
    let txn = state.db.begin().await?;
    if let Some(account) = repo::accounts::find_by_email(&txn, &email).await?
        && !account.email_confirmed
    {
        let last = tokens::latest_issued_at(&txn, account.id, tokens::CONFIRM_EMAIL).await?;
        if mail_due(state, last, now) && mail_allowed(state, &txn, &email, now).await? {
            push_confirmation(state, &txn, &account, now).await?;
        }
    }
    txn.commit().await?;
    state.outbox.wake();
    Ok(Ok(()))
}

/// Whether a confirmation link may be used, without using it (the GET page).
///
/// # Errors
/// Database failures.
pub async fn check_link(state: &AppState, raw: &str) -> Result<TokenState, DbErr> {
    tokens::check(&state.db, raw, tokens::CONFIRM_EMAIL, state.clock.now()).await
}

/// Confirms the address behind a link. Consuming the token is a compare-and-set, so a link
/// clicked twice at once confirms once.
///
/// # Errors
/// Database failures.
pub async fn confirm(state: &AppState, raw: &str) -> Result<TokenState, DbErr> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let outcome = tokens::check(&txn, raw, tokens::CONFIRM_EMAIL, now).await?;
    if let TokenState::Valid { id, account_id } = outcome {
        if !tokens::consume(&txn, id, now).await? {
            return Ok(TokenState::Unknown);
        }
        repo::accounts::mark_email_confirmed(&txn, account_id, now).await?;
        repo::audit::record(
            &txn,
            account_id,
            Actor::Account(account_id),
            Action::EmailConfirmed,
            None,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(outcome)
}

pub(crate) async fn push_confirmation(
    state: &AppState,
    txn: &impl sea_orm::ConnectionTrait,
    account: &Account,
    now: Timestamp,
) -> Result<(), DbErr> {
    let hours = state.settings.auth.token_validity_hours;
    let raw = tokens::issue(
        txn,
        account.id,
        tokens::CONFIRM_EMAIL,
        Duration::hours(hours),
        now,
    )
    .await?;
    let link = state.public_url.join(&urls::confirmation(&raw));
    let rendered = templates::email::confirmation(&templates::views::ConfirmationMail {
        service_name: state.settings.service_name.clone(),
        link: link.clone(),
        valid_hours: u32::try_from(hours).unwrap_or(24),
        support: state.support(),
    });
    let mail = OutgoingMail::new(&account.email, rendered, Some(link));
    outbox::push(txn, &Job::Mail(mail), now).await
}

pub(crate) fn account_exists_mail(state: &AppState, account: &Account) -> OutgoingMail {
    let login_link = state.public_url.join(urls::LOGIN);
    let rendered = templates::email::account_exists(&templates::views::AccountExistsMail {
        service_name: state.settings.service_name.clone(),
        login_link: login_link.clone(),
        support: state.support(),
    });
    OutgoingMail::new(&account.email, rendered, Some(login_link))
}

/// Deletes the accounts whose email is still unconfirmed `auth.unconfirmed_days` after sign-up,
/// with their tokens: nobody can hold an address they cannot read, and the real owner can then
/// sign up. Each deletion stays in the audit trail. Returns how many went.
///
/// # Errors
/// Database failures.
pub async fn purge_unconfirmed(
    db: &DatabaseConnection,
    auth: &AuthSettings,
    now: Timestamp,
) -> Result<usize, DbErr> {
    let before = now - Duration::days(auth.unconfirmed_days);
    let txn = db.begin().await?;
    let ids = repo::accounts::purge_unconfirmed(&txn, before).await?;
    for id in &ids {
        repo::audit::record(&txn, *id, Actor::System, Action::AccountPurged, None, now).await?;
    }
    txn.commit().await?;
    Ok(ids.len())
}

/// Caps the registration mails one address receives per day
/// (`auth.max_mails_per_address_per_day`), whoever asks and through whichever form: nobody can
/// use us to flood an inbox. Counted in `txn`, so a rolled-back sign-up sends and counts nothing.
pub(crate) async fn mail_allowed(
    state: &AppState,
    txn: &impl ConnectionTrait,
    email: &EmailAddress,
    now: Timestamp,
) -> Result<bool, DbErr> {
    let limit = Limit::MailsToAddress(email.clone());
    Ok(throttle::reserve(txn, &state.settings.auth, &limit, now)
        .await?
        .is_ok())
}

/// Throttle: at most one mail of a kind per `auth.mail_interval_secs`, so nobody can flood
/// someone's inbox through our forms.
fn mail_due(state: &AppState, last: Option<Timestamp>, now: Timestamp) -> bool {
    let interval = Duration::seconds(state.settings.auth.mail_interval_secs);
    last.is_none_or(|t| t + interval <= now)
}
