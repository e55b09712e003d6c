//! Registration and sign-in with Pro Santé Connect.
//!
//! After a verified callback the identity is either already linked (sign in), linked now to
//! the signed-in account that asked for it, matched to an unlinked password account by RPPS or
//! email (never merged silently: that account's password is asked first), or new (the user
//! gives an email, then follows the password journey's confirmation, CGU and profile steps
//! without the identifier question).

use sea_orm::{DbErr, TransactionTrait};

use crate::{
    domain::{EmailAddress, PersonName},
    error::is_unique_violation,
    psc::{Verified, claims::PscIdentity},
    repo::{
        self,
        accounts::{Account, BalType},
        audit::{Action, Actor},
        psc::Flow,
    },
    services::{auth, registration},
    state::AppState,
};

/// What a verified callback leads to.
pub enum Outcome {
    /// A linked account: signed in (the raw session id for the cookie).
    SignedIn { account: Account, session: String },
    /// The signed-in account that started the flow is now linked.
    Linked { account_id: i32 },
    /// New to the service: ask for an email.
    NeedsEmail,
    /// An unlinked password account matches: ask its password.
    NeedsPassword {
        account: Account,
        matched_on: &'static str,
    },
    /// The identity is linked to another account, or the account to another identity.
    Conflict,
}

/// Decides what a verified identity leads to, and records it on the flow when the user has
/// more to say (email, password).
///
/// # Errors
/// Database failures.
pub async fn after_callback(
    state: &AppState,
    flow: &Flow,
    verified: &Verified,
    previous_session: Option<&str>,
) -> anyhow::Result<Outcome> {
    let identity = &verified.identity;
    let db = &state.db;
    let linked = match repo::psc::find_by_sub(db, &identity.sub).await? {
        Some(linked) => Some(linked),
        None => match &identity.rpps {
            Some(rpps) => repo::psc::find_by_rpps(db, rpps).await?,
            None => None,
        },
    };

    if flow.purpose == repo::psc::PURPOSE_LINK {
        let Some(account_id) = flow.account_id else {
            return Ok(Outcome::Conflict);
        };
        if linked.is_some() || repo::psc::find_by_account(db, account_id).await?.is_some() {
            return Ok(Outcome::Conflict);
        }
        return Ok(match link(state, account_id, verified).await {
            Ok(()) => Outcome::Linked { account_id },
            // Linked meanwhile (a concurrent callback): the unique indexes said no.
            Err(e) if is_unique_violation(&e) => Outcome::Conflict,
            Err(e) => return Err(e.into()),
        });
    }

    if let Some(linked) = linked {
        let Some(account) = repo::accounts::find(db, linked.account_id)
            .await?
            .filter(|a| !a.disabled)
        else {
            return Ok(Outcome::Conflict);
        };
        repo::psc::touch_login(db, account.id, &verified.identity, state.clock.now()).await?;
        let session = auth::start_session(
            state,
            account.id,
            previous_session,
            Some(&verified.id_token),
        )
        .await?;
        return Ok(Outcome::SignedIn { account, session });
    }

    // Not linked: an existing password account with the same RPPS or email?
    let identity_json = serde_json::to_string(identity)?;
    if let Some((account, matched_on)) = matching_account(state, identity).await? {
        repo::psc::hold_identity(
            db,
            flow.id,
            &identity_json,
            &verified.id_token,
            Some(account.id),
        )
        .await?;
        return Ok(Outcome::NeedsPassword {
            account,
            matched_on,
        });
    }
    repo::psc::hold_identity(db, flow.id, &identity_json, &verified.id_token, None).await?;
    Ok(Outcome::NeedsEmail)
}

/// An unlinked account whose profile carries this RPPS, or whose email PSC knows.
async fn matching_account(
    state: &AppState,
    identity: &PscIdentity,
) -> Result<Option<(Account, &'static str)>, DbErr> {
    if let Some(rpps) = &identity.rpps
        && let Some(account_id) = repo::profiles::account_with_rpps(&state.db, rpps).await?
        && repo::psc::find_by_account(&state.db, account_id)
            .await?
            .is_none()
        && let Some(account) = repo::accounts::find(&state.db, account_id).await?
    {
        return Ok(Some((account, "RPPS")));
    }
    if let Some(email) = identity
        .email_hint()
        .and_then(|e| EmailAddress::parse(e).ok())
        && let Some(account) = repo::accounts::find_by_email(&state.db, &email).await?
        && repo::psc::find_by_account(&state.db, account.id)
            .await?
            .is_none()
    {
        return Ok(Some((account, "adresse mail")));
    }
    Ok(None)
}

async fn link(state: &AppState, account_id: i32, verified: &Verified) -> Result<(), DbErr> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    repo::psc::link(&txn, account_id, &verified.identity, now).await?;
    repo::audit::record(
        &txn,
        account_id,
        Actor::Account(account_id),
        Action::PscLinked,
        Some(&verified.identity.id_nat_ps),
        now,
    )
    .await?;
    txn.commit().await
}

/// What the email step may lead to.
pub enum EmailOutcome {
    /// Account created, confirmation mail pushed to the outbox, signed in.
    Created { session: String },
    /// The address belongs to an unlinked account: ask its password.
    NeedsPassword { account: Account },
    /// The address belongs to an account already linked to someone else.
    Taken,
    /// PSC sent no usable name: no account can be created.
    NoName,
}

/// Creates the account of a new PSC user with the email they gave.
///
/// # Errors
/// Database failures.
pub async fn register(
    state: &AppState,
    flow: &Flow,
    identity: &PscIdentity,
    email: &EmailAddress,
    previous_session: Option<&str>,
) -> anyhow::Result<EmailOutcome> {
    if let Some(account) = repo::accounts::find_by_email(&state.db, email).await? {
        if repo::psc::find_by_account(&state.db, account.id)
            .await?
            .is_some()
        {
            return Ok(EmailOutcome::Taken);
        }
        repo::psc::hold_identity(
            &state.db,
            flow.id,
            flow.identity.as_deref().unwrap_or_default(),
            flow.id_token.as_deref().unwrap_or_default(),
            Some(account.id),
        )
        .await?;
        return Ok(EmailOutcome::NeedsPassword { account });
    }
    let (Some(nom), Some(prenom)) = (
        PersonName::trusted(&identity.nom),
        PersonName::trusted(&identity.prenom),
    ) else {
        return Ok(EmailOutcome::NoName);
    };
    // A PSC user with a national identifier has a BAL PER; an identity without one (an EDIT
    // test identity) cannot, so it gets a BAL MED.
    let bal = if identity.national_id().is_some() {
        BalType::Per
    } else {
        BalType::Med
    };
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let account = match repo::accounts::insert(&txn, email, &nom, &prenom, None, now).await {
        Ok(account) => account,
        Err(e) if is_unique_violation(&e) => return Ok(EmailOutcome::Taken),
        Err(e) => return Err(e.into()),
    };
    repo::accounts::set_bal_type(&txn, account.id, bal, now).await?;
    if let Err(e) = repo::psc::link(&txn, account.id, identity, now).await {
        if is_unique_violation(&e) {
            return Ok(EmailOutcome::Taken);
        }
        return Err(e.into());
    }
    repo::audit::record(
        &txn,
        account.id,
        Actor::Account(account.id),
        Action::AccountCreated,
        Some("Pro Santé Connect"),
        now,
    )
    .await?;
    repo::audit::record(
        &txn,
        account.id,
        Actor::Account(account.id),
        Action::PscLinked,
        Some(&identity.id_nat_ps),
        now,
    )
    .await?;
    registration::push_confirmation(state, &txn, &account, now).await?;
    repo::psc::delete_flow(&txn, flow.id).await?;
    txn.commit().await?;
    state.outbox.wake();
    let session = auth::start_session(
        state,
        account.id,
        previous_session,
        flow.id_token.as_deref(),
    )
    .await?;
    Ok(EmailOutcome::Created { session })
}

/// Links the held identity to `account` once its password is proven, and signs in. `None`
/// when the identity or the account got linked meanwhile (the unique indexes refuse it).
///
/// # Errors
/// Database failures.
pub async fn link_with_password(
    state: &AppState,
    flow: &Flow,
    identity: &PscIdentity,
    account: &Account,
    previous_session: Option<&str>,
) -> anyhow::Result<Option<String>> {
    let verified = Verified {
        identity: identity.clone(),
        id_token: flow.id_token.clone().unwrap_or_default(),
    };
    match link(state, account.id, &verified).await {
        Ok(()) => {}
        Err(e) if is_unique_violation(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    repo::psc::delete_flow(&state.db, flow.id).await?;
    let session = auth::start_session(
        state,
        account.id,
        previous_session,
        flow.id_token.as_deref(),
    )
    .await?;
    Ok(Some(session))
}
