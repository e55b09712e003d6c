//! Sign-up (step 1), confirmation mail resend, and email confirmation (step 3).
//!
//! No answer reveals whether an address is registered (OWASP ASVS 2.2 / WSTG-IDNT-04): a
//! sign-up with a taken address gets the same page, and the mail sent to that address tells its
//! owner an account exists. Both paths hash the password, so they also take the same time.

use chrono::Duration;
use sea_orm::{DbErr, TransactionTrait};
use secrecy::SecretString;

use crate::domain::{Account, Action, Actor};
pub use crate::repo::tokens::TokenState;
use crate::{
    domain::{EmailAddress, signup::NewAccount},
    error::is_unique_violation,
    mail::{self, OutgoingMail},
    repo::{self, tokens},
    state::AppState,
};

/// Creates the account and queues the confirmation mail, or, when the address is taken,
/// queues the "account exists" mail instead.
///
/// # Errors
/// Database or hashing failures.
pub async fn sign_up(state: &AppState, new: NewAccount) -> anyhow::Result<()> {
    let hash = state
        .hasher
        .hash(SecretString::from(new.password.expose().to_owned()))
        .await?;
    let txn = state.db.begin().await?;
    match repo::accounts::find_by_email(&txn, &new.email).await? {
        Some(existing) => {
            if mail_due(state, existing.last_mail_at) {
                mail::queue(&txn, &account_exists_mail(state, &existing)).await?;
                repo::accounts::touch_last_mail(&txn, existing.id).await?;
            }
        }
        None => {
            let account =
                match repo::accounts::insert(&txn, &new.email, &new.nom, &new.prenom, Some(&hash))
                    .await
                {
                    Ok(a) => a,
                    // A concurrent sign-up with the same address won the race: same answer.
                    Err(e) if is_unique_violation(&e) => return Ok(()),
                    Err(e) => return Err(e.into()),
                };
            repo::audit::record(
                &txn,
                account.id,
                Actor::Account(account.id),
                Action::AccountCreated,
                None,
            )
            .await?;
            queue_confirmation(state, &txn, &account).await?;
        }
    }
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// Sends a new confirmation link when `email` belongs to an unconfirmed account and the last
/// one is older than `auth.mail_interval_secs`. Says nothing either way.
///
/// # Errors
/// Database failures.
pub async fn resend(state: &AppState, email: &str) -> Result<(), DbErr> {
    let Ok(email) = EmailAddress::parse(email) else {
        return Ok(());
    };
    let txn = state.db.begin().await?;
    if let Some(account) = repo::accounts::find_by_email(&txn, &email).await?
        && !account.email_confirmed
    {
        let last = tokens::latest_issued_at(&txn, account.id, tokens::CONFIRM_EMAIL).await?;
        if mail_due(state, last) {
            queue_confirmation(state, &txn, &account).await?;
        }
    }
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// Whether a confirmation link may be used, without using it (the GET page).
///
/// # Errors
/// Database failures.
pub async fn check_link(state: &AppState, raw: &str) -> Result<TokenState, DbErr> {
    tokens::check(&state.db, raw, tokens::CONFIRM_EMAIL).await
}

/// Confirms the address behind a link. Consuming the token is a compare-and-set, so a link
/// clicked twice at once confirms once.
///
/// # Errors
/// Database failures.
pub async fn confirm(state: &AppState, raw: &str) -> Result<TokenState, DbErr> {
    let txn = state.db.begin().await?;
    let outcome = tokens::check(&txn, raw, tokens::CONFIRM_EMAIL).await?;
    if let TokenState::Valid { id, account_id } = outcome {
        if !tokens::consume(&txn, id).await? {
            return Ok(TokenState::Unknown);
        }
        repo::accounts::mark_email_confirmed(&txn, account_id).await?;
        repo::audit::record(
            &txn,
            account_id,
            Actor::Account(account_id),
            Action::EmailConfirmed,
            None,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(outcome)
}

pub(crate) async fn queue_confirmation(
    state: &AppState,
    txn: &impl sea_orm::ConnectionTrait,
    account: &Account,
) -> Result<(), DbErr> {
    let hours = state.settings.auth.token_validity_hours;
    let raw = tokens::issue(
        txn,
        account.id,
        tokens::CONFIRM_EMAIL,
        Duration::hours(hours),
    )
    .await?;
    let link = state.public_url.join(&urls::confirmation(&raw));
    let rendered = templates::email::confirmation(&templates::views::ConfirmationMail {
        service_name: state.settings.service_name.clone(),
        prenom: account.prenom.clone(),
        link: link.clone(),
        valid_hours: u32::try_from(hours).unwrap_or(24),
        support: state.support(),
    });
    mail::queue(
        txn,
        &OutgoingMail::new(&account.email, rendered, Some(link)),
    )
    .await
}

fn account_exists_mail(state: &AppState, account: &Account) -> OutgoingMail {
    let login_link = state.public_url.join(urls::LOGIN);
    let rendered = templates::email::account_exists(&templates::views::AccountExistsMail {
        service_name: state.settings.service_name.clone(),
        prenom: account.prenom.clone(),
        login_link: login_link.clone(),
        support: state.support(),
    });
    OutgoingMail::new(&account.email, rendered, Some(login_link))
}

/// Throttle: at most one mail of a kind per `auth.mail_interval_secs`, so nobody can flood
/// someone's inbox through our forms.
fn mail_due(state: &AppState, last: Option<sea_orm::prelude::DateTimeWithTimeZone>) -> bool {
    let interval = Duration::seconds(state.settings.auth.mail_interval_secs);
    last.is_none_or(|t| t + interval <= repo::now())
}
