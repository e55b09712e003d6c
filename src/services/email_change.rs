//! `/compte/email`: the holder changes their contact address (issue 9).
//!
//! - The request needs the current password (checked like a sign-in, so it shares the
//!   sign-in throttle), or for an account without one a recent Pro Santé Connect sign-in
//!   ([`Proof`]). The address changes only when the link mailed to the new address is
//!   followed: the new mailbox is proved, as at sign-up. The link is an `email_tokens` row of
//!   purpose `change_email` (random, hashed, single use, `auth.token_validity_hours`), the
//!   address asked for waits in `email_changes`.
//! - The current address is told at once, with how to react to a change the holder did not
//!   make; both addresses are told once the change is done.
//! - An address that already has an account gets the same answer (no enumeration), and its
//!   owner the "account exists" mail, within the address's daily mail cap.

use std::net::IpAddr;

use chrono::Duration;
use sea_orm::{ConnectionTrait, DbErr, TransactionTrait};

use crate::auth::session::Proof;
use crate::auth::sign_in::{self, LoginError};
use crate::auth::throttle::{Limit, Throttled};
use crate::domain::{Account, Action, Actor, EmailAddress, FieldErrors};
pub use crate::repo::tokens::TokenState;
use crate::{
    clock::Timestamp,
    error::is_unique_violation,
    mail::OutgoingMail,
    outbox::{self, Job},
    repo::{self, tokens},
    services::registration,
    state::AppState,
};

#[derive(Debug, thiserror::Error)]
pub enum EmailChangeError {
    /// Errors on `nouvel_email` and `mot_de_passe_actuel`.
    #[error("invalid form")]
    Invalid(FieldErrors),
    #[error("throttled")]
    Throttled(Throttled),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for EmailChangeError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// `POST /compte/email`: checks the form and the password, then mails the link to the new
/// address (or, when it has an account, the "account exists" mail) and the notice to the
/// current one. The same outcome either way.
///
/// # Errors
/// [`EmailChangeError::Invalid`] with the field errors, [`EmailChangeError::Throttled`], or
/// database failures.
pub async fn request(
    state: &AppState,
    client: IpAddr,
    account: &Account,
    new_email: &str,
    proof: Proof<'_>,
) -> Result<(), EmailChangeError> {
    let mut errors = FieldErrors::new();
    let parsed = match EmailAddress::parse(new_email) {
        Ok(email) if email.as_str() == account.email => {
            errors.push((
                "nouvel_email",
                "C'est déjà l'adresse de votre compte.".into(),
            ));
            None
        }
        Ok(email) => Some(email),
        Err(e) => {
            errors.push(("nouvel_email", e.to_string()));
            None
        }
    };
    match proof {
        // A recent Pro Santé Connect sign-in of an account without a password.
        Proof::RecentPsc => {}
        Proof::Password("") => errors.push((
            "mot_de_passe_actuel",
            "Saisissez votre mot de passe actuel.".into(),
        )),
        Proof::Password(password) if parsed.is_some() => {
            match sign_in::authenticate(
                state,
                Limit::SignInClient(client),
                &account.email,
                password,
            )
            .await
            {
                Ok(_) => {}
                Err(LoginError::InvalidCredentials) => errors.push((
                    "mot_de_passe_actuel",
                    "Le mot de passe actuel est incorrect.".into(),
                )),
                Err(LoginError::Throttled(t)) => return Err(EmailChangeError::Throttled(t)),
                Err(LoginError::Unexpected(e)) => return Err(e.into()),
            }
        }
        Proof::Password(_) => {}
    }
    let Some(new_email) = parsed.filter(|_| errors.is_empty()) else {
        return Err(EmailChangeError::Invalid(errors));
    };

    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let allowed = registration::mail_allowed(state, &txn, &new_email, now).await?;
    match repo::accounts::find_by_email(&txn, &new_email).await? {
        Some(owner) => {
            if allowed {
                let mail = registration::account_exists_mail(state, &owner);
                outbox::push(&txn, &Job::Mail(mail), now).await?;
            }
        }
        None => {
            repo::email_changes::upsert(&txn, account.id, new_email.as_str(), now).await?;
            if allowed {
                push_link(state, &txn, account, &new_email, now).await?;
            }
        }
    }
    // The current address hears of every request, whatever became of it.
    push_notice(state, &txn, &account.email, new_email.as_str(), false, now).await?;
    repo::audit::record(
        &txn,
        account.id,
        Actor::Account(account.id),
        Action::EmailChangeRequested,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// Whether a confirmation link may be used, without using it (the GET page).
///
/// # Errors
/// Database failures.
pub async fn check_link(state: &AppState, raw: &str) -> Result<TokenState, DbErr> {
    tokens::check(&state.db, raw, tokens::CHANGE_EMAIL, state.clock.now()).await
}

/// What following the link did.
#[derive(Debug, PartialEq, Eq)]
pub enum Confirmed {
    /// The account's address is now this one.
    Changed(String),
    /// The link is expired, used, voided or unknown, or the address was taken meanwhile.
    Invalid(TokenState),
}

/// `POST /compte/email/confirmation/{token}`: uses the link, changes the address, ends the
/// pending change and tells both addresses.
///
/// # Errors
/// Database failures.
pub async fn confirm(state: &AppState, raw: &str) -> Result<Confirmed, DbErr> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let outcome = tokens::check(&txn, raw, tokens::CHANGE_EMAIL, now).await?;
    let TokenState::Valid { id, account_id } = outcome else {
        return Ok(Confirmed::Invalid(outcome));
    };
    let (Some(account), Some(new_email)) = (
        repo::accounts::find(&txn, account_id).await?,
        repo::email_changes::find(&txn, account_id).await?,
    ) else {
        return Ok(Confirmed::Invalid(TokenState::Unknown));
    };
    let Ok(parsed) = EmailAddress::parse(&new_email) else {
        return Ok(Confirmed::Invalid(TokenState::Unknown));
    };
    if account.disabled || !tokens::consume(&txn, id, now).await? {
        return Ok(Confirmed::Invalid(TokenState::Unknown));
    }
    match repo::accounts::set_email(&txn, account.id, &parsed, now).await {
        Ok(()) => {}
        // Someone signed up with it since the request: the link is dead.
        Err(e) if is_unique_violation(&e) => return Ok(Confirmed::Invalid(TokenState::Unknown)),
        Err(e) => return Err(e),
    }
    repo::email_changes::delete(&txn, account.id).await?;
    let detail = format!("{} → {}", account.email, parsed.as_str());
    repo::audit::record(
        &txn,
        account.id,
        Actor::Account(account.id),
        Action::EmailChanged,
        Some(&detail),
        now,
    )
    .await?;
    for to in [account.email.as_str(), parsed.as_str()] {
        push_notice(state, &txn, to, parsed.as_str(), true, now).await?;
    }
    txn.commit().await?;
    state.outbox.wake();
    Ok(Confirmed::Changed(parsed.as_str().to_owned()))
}

async fn push_link(
    state: &AppState,
    txn: &impl ConnectionTrait,
    account: &Account,
    new_email: &EmailAddress,
    now: Timestamp,
) -> Result<(), DbErr> {
    let hours = state.settings.auth.token_validity_hours;
    let raw = tokens::issue(
        txn,
        account.id,
        tokens::CHANGE_EMAIL,
        Duration::hours(hours),
        now,
    )
    .await?;
    let link = state
        .public_url
        .join(&urls::email_change_confirmation(&raw));
    let rendered = templates::email::email_change_link(&templates::views::EmailChangeMail {
        service_name: state.settings.service_name.clone(),
        link: link.clone(),
        valid_hours: u32::try_from(hours).unwrap_or(24),
        support: state.support(),
    });
    let mail = OutgoingMail::new(new_email.as_str(), rendered, Some(link));
    outbox::push(txn, &Job::Mail(mail), now).await
}

async fn push_notice(
    state: &AppState,
    txn: &impl ConnectionTrait,
    to: &str,
    new_email: &str,
    done: bool,
    now: Timestamp,
) -> Result<(), DbErr> {
    let rendered =
        templates::email::email_change_notice(&templates::views::EmailChangeNoticeMail {
            service_name: state.settings.service_name.clone(),
            new_email: new_email.to_owned(),
            done,
            forgot_link: state.public_url.join(urls::PASSWORD_FORGOT),
            support: state.support(),
        });
    let mail = OutgoingMail::new(to, rendered, None);
    outbox::push(txn, &Job::Mail(mail), now).await
}
