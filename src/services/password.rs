//! Password reset ("Mot de passe oublié ?", or a link an administrator has mailed) and password
//! change by the signed-in user.
//!
//! - A reset request gives the same answer whether or not an account exists (OWASP ASVS 2.5.1,
//!   WSTG-IDNT-04), and does the same work up to the last writes: the per-client limit, the
//!   lookup and the per-address mail counter run for every well-formed address; only an
//!   existing, enabled account gets a token, an audit row and a mail (three small writes in the
//!   same transaction, no hashing): the timing differs by those writes only.
//! - The link is an `email_tokens` row of purpose `reset_password`: random, stored hashed,
//!   single use, valid `auth.reset_validity_minutes`; a new request voids the previous one.
//! - A reset or change ends the account's sessions (all of them after a reset, the others
//!   after a change) and mails a notice to the account's address.

use std::net::IpAddr;

use chrono::Duration;
use sea_orm::{ConnectionTrait, DbErr, TransactionTrait};
use secrecy::SecretString;

use crate::auth::sign_in::{self, LoginError};
use crate::auth::throttle::{self, Limit, Throttled};
use crate::domain::password::{PasswordContext, parse_new_password};
use crate::domain::{Account, Action, Actor, EmailAddress, FieldErrors};
pub use crate::repo::tokens::TokenState;
use crate::{
    clock::Timestamp,
    mail::OutgoingMail,
    outbox::{self, Job},
    repo::{self, tokens},
    services::registration,
    state::AppState,
};

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// Over `auth.max_resets_per_client`: nothing was looked up.
    #[error("throttled")]
    Throttled(Throttled),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for ResetError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// `POST /mot-de-passe/oubli`: mails a reset link when `email` names an enabled account and
/// the address's daily mail cap allows it. Says nothing either way.
///
/// # Errors
/// [`ResetError::Throttled`] over the per-client limit; database failures.
pub async fn request_reset(
    state: &AppState,
    client: IpAddr,
    email: &str,
) -> Result<(), ResetError> {
    let now = state.clock.now();
    let limit = Limit::ResetClient(client);
    throttle::reserve(&state.db, &state.settings.auth, &limit, now)
        .await?
        .map_err(ResetError::Throttled)?;
    let Ok(email) = EmailAddress::parse(email) else {
        return Ok(());
    };
    let txn = state.db.begin().await?;
    let account = repo::accounts::find_by_email(&txn, &email).await?;
    // Counted for every address, so a known and an unknown one cost the same queries.
    let allowed = registration::mail_allowed(state, &txn, &email, now).await?;
    if let Some(account) = account.filter(|a| !a.disabled)
        && allowed
    {
        push_reset_link(state, &txn, &account, false, now).await?;
        repo::audit::record(
            &txn,
            account.id,
            Actor::System,
            Action::PasswordResetRequested,
            None,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// What an administrator's reset request did.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminResetOutcome {
    Sent,
    /// A disabled account gets no link.
    AccountDisabled,
}

/// `POST /admin/comptes/{id}/reinitialisation`: mails the user a reset link, audited as the
/// administrator's act. The administrator never sees the link. Not counted in the address's
/// daily cap: administrators are few, identified and audited.
///
/// # Errors
/// Database failures.
pub async fn send_by_admin(
    state: &AppState,
    admin_id: i32,
    account: &Account,
) -> Result<AdminResetOutcome, DbErr> {
    if account.disabled {
        return Ok(AdminResetOutcome::AccountDisabled);
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    push_reset_link(state, &txn, account, true, now).await?;
    repo::audit::record(
        &txn,
        account.id,
        Actor::Admin(admin_id),
        Action::PasswordResetSentByAdmin,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(AdminResetOutcome::Sent)
}

/// Whether a reset link may be used, without using it (the GET page). A link of an account
/// disabled since it was sent is as dead as a used one.
///
/// # Errors
/// Database failures.
pub async fn check_link(state: &AppState, raw: &str) -> Result<TokenState, DbErr> {
    let outcome = tokens::check(&state.db, raw, tokens::RESET_PASSWORD, state.clock.now()).await?;
    if let TokenState::Valid { account_id, .. } = outcome
        && !enabled(&state.db, account_id).await?
    {
        return Ok(TokenState::Unknown);
    }
    Ok(outcome)
}

const WRONG_CURRENT: &str = "Le mot de passe actuel est incorrect.";

#[derive(Debug, thiserror::Error)]
pub enum SetPasswordError {
    /// The link is expired, used, voided or unknown.
    #[error("invalid link")]
    Link(TokenState),
    /// The form's errors: `mot_de_passe_actuel` (change only), then the new password's policy
    /// (`mot_de_passe`, `confirmation_mot_de_passe`).
    #[error("invalid form")]
    Invalid(FieldErrors),
    /// Too many password verifications for this email or client (change only).
    #[error("throttled")]
    Throttled(Throttled),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for SetPasswordError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// `POST /mot-de-passe/reinitialisation/{token}`: sets the password, uses the link up, confirms
/// the email if it was not (the link proved the mailbox), ends every session of the account and
/// mails the notice. The token is consumed with a compare-and-set in the same transaction, so a
/// link submitted twice at once sets one password.
///
/// # Errors
/// [`SetPasswordError::Link`], [`SetPasswordError::Invalid`]; database or hashing failures.
pub async fn reset(
    state: &AppState,
    raw: &str,
    password: &str,
    confirmation: &str,
) -> Result<(), SetPasswordError> {
    let outcome = check_link(state, raw).await?;
    let TokenState::Valid { account_id, .. } = outcome else {
        return Err(SetPasswordError::Link(outcome));
    };
    let account = repo::accounts::find(&state.db, account_id)
        .await?
        .ok_or(SetPasswordError::Link(TokenState::Unknown))?;
    let hash = hash_new_password(state, &account, password, confirmation).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let TokenState::Valid { id, .. } =
        tokens::check(&txn, raw, tokens::RESET_PASSWORD, now).await?
    else {
        return Err(SetPasswordError::Link(TokenState::Unknown));
    };
    if !tokens::consume(&txn, id, now).await? {
        return Err(SetPasswordError::Link(TokenState::Unknown));
    }
    repo::accounts::set_password_hash(&txn, account.id, &hash, now).await?;
    if !account.email_confirmed {
        repo::accounts::mark_email_confirmed(&txn, account.id, now).await?;
        record(
            &txn,
            &account,
            Action::EmailConfirmed,
            Some("par le lien de réinitialisation du mot de passe"),
            now,
        )
        .await?;
    }
    repo::sessions::delete_all_of(&txn, account.id, None).await?;
    record(&txn, &account, Action::PasswordReset, None, now).await?;
    push_changed_notice(state, &txn, &account, now).await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// `POST /compte/mot-de-passe`: checks the current password through the sign-in throttle of the
/// account's email (a wrong one counts like a failed sign-in), then sets the new one, ends the
/// account's *other* sessions and mails the notice.
///
/// # Errors
/// [`SetPasswordError::Invalid`] (a wrong current password is an error on
/// `mot_de_passe_actuel`),
/// [`SetPasswordError::Throttled`]; database or hashing failures.
pub async fn change(
    state: &AppState,
    client: IpAddr,
    account: &Account,
    session_hash: &str,
    current: &str,
    password: &str,
    confirmation: &str,
) -> Result<(), SetPasswordError> {
    let ctx = PasswordContext {
        nom: &account.nom,
        prenom: &account.prenom,
        email: &account.email,
    };
    let min_score = state.settings.auth.password_min_score;
    let new = parse_new_password(password, confirmation, &ctx, min_score);
    let mut errors = FieldErrors::new();
    if current.is_empty() {
        errors.push((
            "mot_de_passe_actuel",
            "Saisissez votre mot de passe actuel.".into(),
        ));
    } else {
        match sign_in::authenticate(state, Limit::SignInClient(client), &account.email, current)
            .await
        {
            Ok(_) => {}
            Err(LoginError::InvalidCredentials) => {
                errors.push(("mot_de_passe_actuel", WRONG_CURRENT.into()));
            }
            Err(LoginError::Throttled(t)) => return Err(SetPasswordError::Throttled(t)),
            Err(LoginError::Unexpected(e)) => return Err(e.into()),
        }
    }
    let new = match new {
        Ok(new) if errors.is_empty() => new,
        Ok(_) => return Err(SetPasswordError::Invalid(errors)),
        Err(more) => {
            errors.extend(more);
            return Err(SetPasswordError::Invalid(errors));
        }
    };
    let slot = state.hasher.reserve().map_err(anyhow::Error::from)?;
    let hash = slot
        .hash(SecretString::from(new.expose().to_owned()))
        .await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    repo::accounts::set_password_hash(&txn, account.id, &hash, now).await?;
    repo::sessions::delete_all_of(&txn, account.id, Some(session_hash)).await?;
    record(&txn, account, Action::PasswordChanged, None, now).await?;
    push_changed_notice(state, &txn, account, now).await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// The sign-up policy, with the account's own names and address as context, then the hash.
async fn hash_new_password(
    state: &AppState,
    account: &Account,
    password: &str,
    confirmation: &str,
) -> Result<String, SetPasswordError> {
    let ctx = PasswordContext {
        nom: &account.nom,
        prenom: &account.prenom,
        email: &account.email,
    };
    let min_score = state.settings.auth.password_min_score;
    let new = parse_new_password(password, confirmation, &ctx, min_score)
        .map_err(SetPasswordError::Invalid)?;
    let slot = state.hasher.reserve().map_err(anyhow::Error::from)?;
    Ok(slot
        .hash(SecretString::from(new.expose().to_owned()))
        .await?)
}

async fn enabled(db: &impl ConnectionTrait, account_id: i32) -> Result<bool, DbErr> {
    Ok(repo::accounts::find(db, account_id)
        .await?
        .is_some_and(|a| !a.disabled))
}

async fn record(
    txn: &impl ConnectionTrait,
    account: &Account,
    action: Action,
    detail: Option<&str>,
    now: Timestamp,
) -> Result<(), DbErr> {
    let actor = Actor::Account(account.id);
    repo::audit::record(txn, account.id, actor, action, detail, now).await
}

async fn push_reset_link(
    state: &AppState,
    txn: &impl ConnectionTrait,
    account: &Account,
    by_admin: bool,
    now: Timestamp,
) -> Result<(), DbErr> {
    let minutes = state.settings.auth.reset_validity_minutes;
    let raw = tokens::issue(
        txn,
        account.id,
        tokens::RESET_PASSWORD,
        Duration::minutes(minutes),
        now,
    )
    .await?;
    let link = state.public_url.join(&urls::password_reset(&raw));
    let rendered = templates::email::password_reset(&templates::views::PasswordResetMail {
        service_name: state.settings.service_name.clone(),
        link: link.clone(),
        valid_minutes: u32::try_from(minutes).unwrap_or(60),
        by_admin,
        support: state.support(),
    });
    let mail = OutgoingMail::new(&account.email, rendered, Some(link));
    outbox::push(txn, &Job::Mail(mail), now).await
}

async fn push_changed_notice(
    state: &AppState,
    txn: &impl ConnectionTrait,
    account: &Account,
    now: Timestamp,
) -> Result<(), DbErr> {
    let rendered = templates::email::password_changed(&templates::views::PasswordChangedMail {
        service_name: state.settings.service_name.clone(),
        login_link: state.public_url.join(urls::LOGIN),
        forgot_link: state.public_url.join(urls::PASSWORD_FORGOT),
        support: state.support(),
    });
    let mail = OutgoingMail::new(&account.email, rendered, None);
    outbox::push(txn, &Job::Mail(mail), now).await
}
