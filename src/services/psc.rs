//! Registration and sign-in with Pro Santé Connect: the use case around the relying party
//! (`crate::psc`).
//!
//! An attempt is bound to the browser that started it by a random cookie whose hash keys the
//! stored attempt (state, nonce, PKCE verifier), and its callback is spent once. After a
//! verified callback the identity is either already linked (sign in), linked now to the
//! signed-in account that asked for it, matched to an unlinked password account by RPPS or
//! email (never merged silently: that account's password is asked first, with the sign-in
//! check and throttle of `/connexion`), or new (the user gives an email, then follows the
//! password journey's confirmation, CGU and profile steps without the identifier question).
//!
//! Every refusal is a [`PscRefusal`]; those of the start and of the callback are audited
//! (`psc_refused`).

use std::net::IpAddr;

use chrono::Duration;
use sea_orm::{DbErr, TransactionTrait};

use crate::domain::{Account, Action, Actor, BalType, profile::Raw};
use crate::{
    auth::{
        secrets,
        session::Browser,
        sign_in::{self, LoginError},
        throttle::Limit,
    },
    domain::{EmailAddress, PersonName},
    error::is_unique_violation,
    outbox::{self, Job, Publish},
    psc::{CallbackParams, Pending, PscClient, PscRefusal, Verified, claims::PscIdentity},
    repo::{self, psc::Flow},
    services::{journey, registration},
    state::AppState,
};

/// A sign-in attempt must come back within this time.
const FLOW_TTL_MINUTES: i64 = 30;

/// A started attempt: where to send the browser, and the cookie value that binds the attempt
/// to it (only its hash is stored).
pub struct Started {
    pub url: String,
    pub browser_secret: String,
}

/// What a verified callback leads to.
pub enum Outcome {
    /// A linked account: signed in (the raw session id for the cookie), going on at `landing`.
    SignedIn {
        landing: &'static str,
        session: String,
    },
    /// The signed-in account that started the attempt is now linked.
    Linked,
    /// New to the service: ask for an email.
    NeedsEmail,
    /// An unlinked password account matches: ask its password.
    NeedsPassword,
}

/// The verified identity held for a browser between the callback and the email or password
/// step.
pub struct Held {
    flow: Flow,
    pub identity: PscIdentity,
}

/// What the email step may lead to.
pub enum EmailOutcome {
    /// Account created, confirmation mail queued, signed in.
    Created { session: String },
    /// The address belongs to an unlinked account: ask its password.
    NeedsPassword,
    /// The address belongs to an account already linked to someone else.
    Taken,
}

/// The password account an identity was matched to, as the password step shows it.
pub struct LinkPrompt {
    pub email: String,
    /// `"RPPS"` or `"adresse mail"`.
    pub matched_on: &'static str,
}

/// What the password step may lead to.
pub enum PasswordLink {
    /// Linked and signed in (the raw session id for the cookie), going on at `landing`.
    SignedIn {
        landing: &'static str,
        session: String,
    },
    /// Wrong password (counted by the sign-in throttle).
    WrongPassword,
    /// Too many wrong passwords for this email, or linking attempts from this client: refused
    /// for `retry_after_secs`.
    Throttled { retry_after_secs: u64 },
}

fn client(state: &AppState) -> Result<&PscClient, PscRefusal> {
    state.psc.as_deref().ok_or(PscRefusal::NotEnabled)
}

/// Starts a sign-in (or sign-up) attempt.
///
/// # Errors
/// [`PscRefusal::Unavailable`] (audited) when PSC cannot be reached.
pub async fn start_login(state: &AppState) -> Result<Started, PscRefusal> {
    start(state, repo::psc::PURPOSE_LOGIN, None).await
}

/// Starts an attempt to link an e-CPS to the signed-in `account_id`; `None` when the account
/// already has one.
///
/// # Errors
/// As [`start_login`].
pub async fn start_link(state: &AppState, account_id: i32) -> Result<Option<Started>, PscRefusal> {
    if repo::psc::find_by_account(&state.db, account_id)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    Ok(Some(
        start(state, repo::psc::PURPOSE_LINK, Some(account_id)).await?,
    ))
}

async fn start(
    state: &AppState,
    purpose: &str,
    account_id: Option<i32>,
) -> Result<Started, PscRefusal> {
    let auth = match client(state)?.start().await {
        Ok(auth) => auth,
        Err(e) => return Err(audited(state, account_id, e.into()).await),
    };
    let browser_secret = secrets::random_token();
    repo::psc::create_flow(
        &state.db,
        &secrets::sha256_hex(&browser_secret),
        &auth,
        purpose,
        account_id,
        Duration::minutes(FLOW_TTL_MINUTES),
        state.clock.now(),
    )
    .await?;
    Ok(Started {
        url: auth.url.to_string(),
        browser_secret,
    })
}

/// Completes an attempt at its callback: binds it to the browser's cookie, spends it, lets
/// the relying party check the response and verify the tokens, then decides what the
/// identity leads to.
///
/// # Errors
/// A [`PscRefusal`], audited, for every refused callback; `Unexpected` for database failures.
pub async fn callback(
    state: &AppState,
    browser_secret: Option<&str>,
    params: CallbackParams,
    browser: &Browser,
) -> Result<Outcome, PscRefusal> {
    let psc = client(state)?;
    let Some(flow) = flow_of(state, browser_secret).await? else {
        if browser_secret.is_some() {
            // The browser held an attempt that is gone (a replay after the sign-in, or an
            // expired attempt): worth a line in the audit trail.
            return Err(audited(state, None, PscRefusal::UnknownAttempt).await);
        }
        // Without the attempt cookie anyone can send this GET: it writes nothing, so it cannot
        // be used to fill the audit table. The log line is enough to count such events.
        tracing::info!(
            reason = %PscRefusal::UnknownAttempt,
            "Pro Santé Connect callback without an attempt cookie"
        );
        return Err(PscRefusal::UnknownAttempt);
    };
    // Single use: whatever happens next, this attempt's callback is spent.
    if !repo::psc::consume_callback(&state.db, flow.id, state.clock.now()).await? {
        return Err(audited(state, flow.account_id, PscRefusal::Replayed).await);
    }
    let pending = Pending {
        state: &flow.state,
        nonce: &flow.nonce,
        pkce_verifier: &flow.pkce_verifier,
    };
    let verified = match psc.complete(params, &pending).await {
        Ok(verified) => verified,
        Err(refusal) => return Err(audited(state, flow.account_id, refusal).await),
    };
    match after_callback(state, &flow, &verified, browser).await {
        Ok(Outcome::SignedIn { landing, session }) => {
            repo::psc::delete_flow(&state.db, flow.id).await?;
            Ok(Outcome::SignedIn { landing, session })
        }
        Ok(Outcome::Linked) => {
            repo::psc::delete_flow(&state.db, flow.id).await?;
            Ok(Outcome::Linked)
        }
        Ok(outcome @ (Outcome::NeedsEmail | Outcome::NeedsPassword)) => Ok(outcome),
        Err(
            refusal @ (PscRefusal::AlreadyLinked
            | PscRefusal::AccountDisabled
            | PscRefusal::IdentifierMismatch),
        ) => {
            repo::psc::delete_flow(&state.db, flow.id).await?;
            Err(audited(state, flow.account_id, refusal).await)
        }
        Err(e) => Err(e),
    }
}

/// Decides what a verified identity leads to, and records it on the attempt when the user has
/// more to say (email, password).
async fn after_callback(
    state: &AppState,
    flow: &Flow,
    verified: &Verified,
    browser: &Browser,
) -> Result<Outcome, PscRefusal> {
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
            return Err(PscRefusal::AlreadyLinked);
        };
        if linked.is_some() || repo::psc::find_by_account(db, account_id).await?.is_some() {
            return Err(PscRefusal::AlreadyLinked);
        }
        // Linking would make PSC's identifier replace the one the account declared: another
        // person's e-CPS, or a typo an administrator must look at. Refused, never overwritten.
        if declares_other_identifier(state, account_id, identity).await? {
            return Err(PscRefusal::IdentifierMismatch);
        }
        return match link(state, account_id, verified).await {
            Ok(()) => Ok(Outcome::Linked),
            // Linked meanwhile (a concurrent callback): the unique indexes said no.
            Err(e) if is_unique_violation(&e) => Err(PscRefusal::AlreadyLinked),
            Err(e) => Err(e.into()),
        };
    }

    if let Some(linked) = linked {
        let Some(account) = repo::accounts::find(db, linked.account_id)
            .await?
            .filter(|a| !a.disabled)
        else {
            return Err(PscRefusal::AccountDisabled);
        };
        refresh_verified(state, &account, &verified.identity).await?;
        let session =
            sign_in::start_session(state, account.id, browser, Some(&verified.id_token)).await?;
        let landing = journey::landing_url(db, &account, &state.cgu.version).await?;
        return Ok(Outcome::SignedIn { landing, session });
    }

    // Not linked: an existing password account with the same RPPS or email?
    let identity_json =
        serde_json::to_string(identity).map_err(|e| PscRefusal::Unexpected(e.into()))?;
    if let Some(account) = matching_account(state, identity).await? {
        repo::psc::hold_identity(
            db,
            flow.id,
            &identity_json,
            &verified.id_token,
            Some(account.id),
        )
        .await?;
        return Ok(Outcome::NeedsPassword);
    }
    repo::psc::hold_identity(db, flow.id, &identity_json, &verified.id_token, None).await?;
    Ok(Outcome::NeedsEmail)
}

/// An unlinked account whose email PSC knows, or that an administrator validated with this
/// RPPS.
///
/// A self-declared RPPS proves nothing: anyone can type someone else's number in `/profil`.
/// Offering such an account would let a squatter stand between the holder and the service
/// (issue 8, defect 4), so an unvalidated account is offered only when its email matches too;
/// otherwise the holder gets their own account (the email step) and the administrators see
/// the conflict ("identifiant revendiqué par plusieurs comptes").
async fn matching_account(
    state: &AppState,
    identity: &PscIdentity,
) -> Result<Option<Account>, DbErr> {
    if let Some(rpps) = &identity.rpps
        && let Some(account_id) = repo::profiles::account_with_rpps(&state.db, rpps).await?
        && repo::psc::find_by_account(&state.db, account_id)
            .await?
            .is_none()
        && let Some(account) = repo::accounts::find(&state.db, account_id).await?
        && account.validated_at.is_some()
    {
        return Ok(Some(account));
    }
    if let Some(email) = identity
        .email_hint()
        .and_then(|e| EmailAddress::parse(e).ok())
        && let Some(account) = repo::accounts::find_by_email(&state.db, &email).await?
        && repo::psc::find_by_account(&state.db, account.id)
            .await?
            .is_none()
    {
        return Ok(Some(account));
    }
    Ok(None)
}

/// Refreshes, at each PSC sign-in, what PSC asserts (the field table's `verified` fields): the
/// account's names and the stored profile's profession, specialty and identifier. A validated
/// account whose published values changed is published again.
async fn refresh_verified(
    state: &AppState,
    account: &Account,
    identity: &PscIdentity,
) -> Result<(), DbErr> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    repo::psc::touch_login(&txn, account.id, identity, now).await?;
    let mut changed = false;
    if let (Some(nom), Some(prenom)) = (
        PersonName::trusted(&identity.nom),
        PersonName::trusted(&identity.prenom),
    ) && (nom.as_str() != account.nom || prenom.as_str() != account.prenom)
    {
        repo::accounts::set_names(&txn, account.id, &nom, &prenom, now).await?;
        changed = true;
    }
    if let Some(mut row) = repo::profiles::find(&txn, account.id).await? {
        let before = row.clone();
        let activity = identity.activity_matching(&row.profession, &row.specialite);
        for (name, value) in identity.verified_values(activity) {
            row.set(name, Raw::Text(&value));
        }
        if row != before {
            repo::profiles::upsert(&txn, &row, now).await?;
            changed = true;
        }
    }
    let published = account.validated_at.is_some() && !account.disabled;
    if changed && published {
        let account_id = account.id;
        outbox::push(&txn, &Job::Directory(Publish::Account { account_id }), now).await?;
    }
    txn.commit().await?;
    if changed && published {
        state.outbox.wake();
    }
    Ok(())
}

/// Whether the account's profile declares a national identifier other than the one PSC
/// vouches for (an account without a profile or identifier declares none).
async fn declares_other_identifier(
    state: &AppState,
    account_id: i32,
    identity: &PscIdentity,
) -> Result<bool, DbErr> {
    let Some(row) = repo::profiles::find(&state.db, account_id).await? else {
        return Ok(false);
    };
    if row.identifiant.is_empty() {
        return Ok(false);
    }
    let psc = identity.national_id();
    Ok(psc.as_ref().map(|id| (id.kind().as_str(), id.as_str()))
        != Some((row.type_identifiant.as_str(), row.identifiant.as_str())))
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
    // The holder hears of it (issue 9): a card linked by someone else is a takeover sign.
    if let Some(account) = repo::accounts::find(&txn, account_id).await?
        && account.email_confirmed
    {
        let rendered = templates::email::ecps_linked(&templates::views::EcpsLinkedMail {
            service_name: state.settings.service_name.clone(),
            forgot_link: state.public_url.join(urls::PASSWORD_FORGOT),
            support: state.support(),
        });
        let mail = crate::mail::OutgoingMail::new(&account.email, rendered, None);
        outbox::push(&txn, &Job::Mail(mail), now).await?;
    }
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// The verified identity held for this browser after the callback.
///
/// # Errors
/// [`PscRefusal::Expired`] when the browser holds none (no attempt, expired, finished).
pub async fn held(state: &AppState, browser_secret: Option<&str>) -> Result<Held, PscRefusal> {
    let Some(flow) = flow_of(state, browser_secret).await? else {
        return Err(PscRefusal::Expired);
    };
    let identity = flow
        .identity
        .as_deref()
        .and_then(|json| serde_json::from_str::<PscIdentity>(json).ok())
        .ok_or(PscRefusal::Expired)?;
    Ok(Held { flow, identity })
}

/// The browser's live attempt: the cookie's hash keys it, so another browser cannot use it.
async fn flow_of(state: &AppState, browser_secret: Option<&str>) -> Result<Option<Flow>, DbErr> {
    match browser_secret {
        Some(raw) => {
            repo::psc::find_flow(&state.db, &secrets::sha256_hex(raw), state.clock.now()).await
        }
        None => Ok(None),
    }
}

/// Creates the account of a new PSC user with the email they gave.
///
/// # Errors
/// [`PscRefusal::IncompleteIdentity`] when PSC sent no usable name; database failures.
pub async fn register(
    state: &AppState,
    held: &Held,
    email: &EmailAddress,
    browser: &Browser,
) -> Result<EmailOutcome, PscRefusal> {
    let (flow, identity) = (&held.flow, &held.identity);
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
        return Ok(EmailOutcome::NeedsPassword);
    }
    let (Some(nom), Some(prenom)) = (
        PersonName::trusted(&identity.nom),
        PersonName::trusted(&identity.prenom),
    ) else {
        return Err(PscRefusal::IncompleteIdentity);
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
    let session =
        sign_in::start_session(state, account.id, browser, flow.id_token.as_deref()).await?;
    Ok(EmailOutcome::Created { session })
}

/// The password account the held identity was matched to, and on what.
///
/// # Errors
/// [`PscRefusal::Expired`] when no account is held or it is gone.
pub async fn link_prompt(state: &AppState, held: &Held) -> Result<LinkPrompt, PscRefusal> {
    let account_id = held.flow.account_id.ok_or(PscRefusal::Expired)?;
    let account = repo::accounts::find(&state.db, account_id)
        .await?
        .ok_or(PscRefusal::Expired)?;
    // Only a validated RPPS makes a match of its own (`matching_account`).
    let by_rpps = match &held.identity.rpps {
        Some(rpps) if account.validated_at.is_some() => {
            repo::profiles::account_with_rpps(&state.db, rpps).await? == Some(account_id)
        }
        _ => false,
    };
    Ok(LinkPrompt {
        email: account.email,
        matched_on: if by_rpps { "RPPS" } else { "adresse mail" },
    })
}

/// Links the held identity to its matched account once that account's password is proven
/// (the sign-in check and throttle of `/connexion`, [`sign_in::authenticate`]), and signs in.
///
/// # Errors
/// [`PscRefusal::Expired`] when no usable account is held; [`PscRefusal::AlreadyLinked`] when
/// the identity or the account got linked meanwhile (the unique indexes refuse it).
pub async fn link_with_password(
    state: &AppState,
    client: IpAddr,
    held: &Held,
    password: &str,
    browser: &Browser,
) -> Result<PasswordLink, PscRefusal> {
    let flow = &held.flow;
    let account = match flow.account_id {
        Some(id) => repo::accounts::find(&state.db, id).await?,
        None => None,
    }
    .filter(|a| !a.disabled)
    .ok_or(PscRefusal::Expired)?;
    let limit = Limit::PscLinkClient(client);
    match sign_in::authenticate(state, limit, &account.email, password).await {
        Ok(signed) if signed.id == account.id => {}
        Ok(_) | Err(LoginError::InvalidCredentials) => return Ok(PasswordLink::WrongPassword),
        Err(LoginError::Throttled(t)) => {
            return Ok(PasswordLink::Throttled {
                retry_after_secs: t.retry_after_secs,
            });
        }
        Err(LoginError::Unexpected(e)) => return Err(e.into()),
    }
    if declares_other_identifier(state, account.id, &held.identity).await? {
        repo::psc::delete_flow(&state.db, flow.id).await?;
        return Err(audited(state, Some(account.id), PscRefusal::IdentifierMismatch).await);
    }
    let verified = Verified {
        identity: held.identity.clone(),
        id_token: flow.id_token.clone().unwrap_or_default(),
    };
    match link(state, account.id, &verified).await {
        Ok(()) => repo::psc::delete_flow(&state.db, flow.id).await?,
        Err(e) if is_unique_violation(&e) => {
            repo::psc::delete_flow(&state.db, flow.id).await?;
            return Err(PscRefusal::AlreadyLinked);
        }
        Err(e) => return Err(e.into()),
    }
    let session =
        sign_in::start_session(state, account.id, browser, flow.id_token.as_deref()).await?;
    let landing = journey::landing_url(&state.db, &account, &state.cgu.version).await?;
    Ok(PasswordLink::SignedIn { landing, session })
}

/// Records a refusal in the audit trail (and the log) and hands it back.
async fn audited(state: &AppState, account_id: Option<i32>, refusal: PscRefusal) -> PscRefusal {
    tracing::info!(reason = %refusal, "Pro Santé Connect sign-in refused");
    match repo::audit::record_for(
        &state.db,
        account_id,
        Actor::System,
        Action::PscRefused,
        Some(&refusal.to_string()),
        state.clock.now(),
    )
    .await
    {
        Ok(()) => refusal,
        Err(e) => e.into(),
    }
}
