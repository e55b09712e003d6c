//! The administrators' second factor (issue 11, OWASP ASVS 4.3.1): TOTP enrolment with ten
//! recovery codes, the code check that marks the session, and support's reset.
//!
//! Every code typed (enrolment or sign-in) first takes a slot of the per-administrator limit
//! ([`Limit::SecondFactor`], shared in the database); a success gives it back, so only wrong
//! codes use up the allowance. A TOTP code is accepted once: its time step must be later than
//! the last one used (RFC 6238 §5.2), checked and recorded by one conditional UPDATE.

use sea_orm::{DbErr, TransactionTrait};

use crate::{
    auth::{
        mfa::{self, TotpSecret},
        session::SessionUser,
        throttle::{self, Limit},
    },
    config::Key32,
    domain::{Account, Action, Actor},
    error::AppError,
    repo,
    state::AppState,
};

/// What the enrolment page shows: the QR code and the same secret as text.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret_base32: String,
    /// An inline `<svg>` element.
    pub qr_svg: String,
}

/// The answer to an enrolment code.
#[derive(Debug)]
pub enum EnrolOutcome {
    /// Enrolled, and the session passed: the recovery codes, to show once.
    Enrolled {
        recovery_codes: Vec<String>,
    },
    /// Not a code of the secret shown; the page is shown again.
    Wrong(Enrolment),
    Throttled {
        retry_after_secs: u64,
    },
    /// No enrolment in progress (already enrolled, or replaced by another page).
    NothingPending,
}

/// The answer to a sign-in code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeOutcome {
    /// The session passed; `recovery_codes_left` when a recovery code was spent.
    Passed {
        recovery_codes_left: Option<u64>,
    },
    Wrong,
    /// A TOTP code already accepted once (or older than the last one accepted).
    Replayed,
    Throttled {
        retry_after_secs: u64,
    },
}

/// No `mfa.encryption_key`: TOTP secrets cannot be stored or read.
#[derive(Debug, Clone, Copy)]
pub struct NotConfigured;

fn key(state: &AppState) -> Result<&Key32, NotConfigured> {
    state
        .settings
        .mfa
        .encryption_key
        .as_ref()
        .ok_or(NotConfigured)
}

/// The label of the entry in authenticator apps: the service, then the administrator's email.
fn enrolment_view(
    state: &AppState,
    account: &Account,
    secret: &TotpSecret,
) -> Result<Enrolment, AppError> {
    let uri = secret.otpauth_uri(&state.settings.service_name, &account.email);
    Ok(Enrolment {
        secret_base32: secret.base32(),
        qr_svg: mfa::qr_svg(&uri)?,
    })
}

/// Whether the administrator has a confirmed TOTP (else the console sends them to enrol).
///
/// # Errors
/// Database failures.
pub async fn is_enrolled(state: &AppState, account_id: i32) -> Result<bool, DbErr> {
    repo::second_factor::is_enrolled(&state.db, account_id).await
}

/// Starts (or restarts) an enrolment: a new secret, stored encrypted and unconfirmed, replacing
/// any earlier unconfirmed one. `Ok(None)` when the administrator is already enrolled.
///
/// # Errors
/// `Err(Ok(NotConfigured))` without an encryption key; database failures.
pub async fn begin_enrolment(
    state: &AppState,
    account: &Account,
) -> Result<Result<Option<Enrolment>, NotConfigured>, AppError> {
    let key = match key(state) {
        Ok(key) => key,
        Err(e) => return Ok(Err(e)),
    };
    if repo::second_factor::is_enrolled(&state.db, account.id).await? {
        return Ok(Ok(None));
    }
    let secret = TotpSecret::generate();
    let sealed = mfa::encrypt(key, account.id, &secret)?;
    repo::second_factor::save_pending(&state.db, account.id, &sealed, state.clock.now()).await?;
    enrolment_view(state, account, &secret).map(|v| Ok(Some(v)))
}

/// Audits a failed code (never the code itself).
async fn failed(state: &AppState, account_id: i32, detail: &str) -> Result<(), DbErr> {
    repo::audit::record(
        &state.db,
        account_id,
        Actor::Account(account_id),
        Action::SecondFactorFailed,
        Some(detail),
        state.clock.now(),
    )
    .await
}

/// Takes a slot of the administrator's code limit; audits the first refusal of a window.
async fn reserve(state: &AppState, account_id: i32) -> Result<Result<(), u64>, AppError> {
    let limit = Limit::SecondFactor(account_id);
    match throttle::reserve(&state.db, &state.settings.auth, &limit, state.clock.now()).await? {
        Ok(()) => Ok(Ok(())),
        Err(throttled) => {
            if throttled.first_refusal {
                failed(
                    state,
                    account_id,
                    "trop de codes incorrects : essais suspendus",
                )
                .await?;
            }
            Ok(Err(throttled.retry_after_secs))
        }
    }
}

/// Confirms the enrolment with a first code of the secret shown: the factor is enrolled, ten
/// recovery codes replace any earlier ones, and the session has passed the second factor.
///
/// # Errors
/// Database failures; a stored secret the configured key cannot open.
pub async fn confirm_enrolment(
    state: &AppState,
    user: &SessionUser,
    code: &str,
) -> Result<Result<EnrolOutcome, NotConfigured>, AppError> {
    let key = match key(state) {
        Ok(key) => key,
        Err(e) => return Ok(Err(e)),
    };
    let account = &user.account;
    let Some(pending) = repo::second_factor::find(&state.db, account.id)
        .await?
        .filter(|t| !t.enrolled)
    else {
        return Ok(Ok(EnrolOutcome::NothingPending));
    };
    if let Err(retry_after_secs) = reserve(state, account.id).await? {
        return Ok(Ok(EnrolOutcome::Throttled { retry_after_secs }));
    }
    let secret = open(key, account.id, &pending.secret_encrypted)?;
    let now = state.clock.now();
    let Some(step) = secret.matching_step(code, now.timestamp()) else {
        failed(state, account.id, "code incorrect (activation)").await?;
        return Ok(Ok(EnrolOutcome::Wrong(enrolment_view(
            state, account, &secret,
        )?)));
    };
    let recovery_codes = mfa::generate_recovery_codes();
    let hashes: Vec<String> = recovery_codes
        .iter()
        .map(|c| mfa::recovery_code_hash(c))
        .collect();
    let txn = state.db.begin().await?;
    if !repo::second_factor::confirm(&txn, account.id, &pending.secret_encrypted, step, now).await?
    {
        // Another enrolment page replaced the secret meanwhile, or another tab confirmed it.
        return Ok(Ok(EnrolOutcome::NothingPending));
    }
    repo::second_factor::replace_recovery_codes(&txn, account.id, &hashes, now).await?;
    repo::sessions::mark_second_factor(&txn, &user.session_hash, now).await?;
    repo::audit::record(
        &txn,
        account.id,
        Actor::Account(account.id),
        Action::SecondFactorEnrolled,
        Some("application d'authentification (TOTP), 10 codes de secours"),
        now,
    )
    .await?;
    txn.commit().await?;
    throttle::release(&state.db, &Limit::SecondFactor(account.id)).await?;
    Ok(Ok(EnrolOutcome::Enrolled { recovery_codes }))
}

/// The stored secret, decrypted; an error if the configured key cannot open it (the key was
/// changed: support resets the factor with `admin reset-mfa`).
fn open(key: &Key32, account_id: i32, sealed: &str) -> Result<TotpSecret, AppError> {
    mfa::decrypt(key, account_id, sealed).ok_or_else(|| {
        AppError::Unexpected(anyhow::anyhow!(
            "the TOTP secret of account {account_id} does not open with mfa.encryption_key \
             (was the key changed? `admin reset-mfa` makes the administrator enrol again)"
        ))
    })
}

/// Checks a sign-in code, a TOTP code or a recovery code (told apart by their form), and marks
/// the session as having passed the second factor.
///
/// # Errors
/// Database failures; a stored secret the configured key cannot open.
pub async fn verify(
    state: &AppState,
    user: &SessionUser,
    code: &str,
) -> Result<Result<CodeOutcome, NotConfigured>, AppError> {
    let key = match key(state) {
        Ok(key) => key,
        Err(e) => return Ok(Err(e)),
    };
    let account_id = user.account.id;
    if let Err(retry_after_secs) = reserve(state, account_id).await? {
        return Ok(Ok(CodeOutcome::Throttled { retry_after_secs }));
    }
    let now = state.clock.now();
    let recovery = mfa::is_recovery_code(code);
    let txn = state.db.begin().await?;
    let refusal = if recovery {
        let hash = mfa::recovery_code_hash(code);
        let used = repo::second_factor::use_recovery_code(&txn, account_id, &hash, now).await?;
        (!used).then_some((
            CodeOutcome::Wrong,
            "code de secours incorrect ou déjà utilisé",
        ))
    } else {
        let sealed = repo::second_factor::find(&txn, account_id)
            .await?
            .filter(|t| t.enrolled)
            .map(|t| t.secret_encrypted);
        let step = match sealed {
            Some(sealed) => open(key, account_id, &sealed)?.matching_step(code, now.timestamp()),
            None => None,
        };
        match step {
            None => Some((CodeOutcome::Wrong, "code incorrect")),
            Some(step) if !repo::second_factor::use_step(&txn, account_id, step).await? => {
                Some((CodeOutcome::Replayed, "code déjà utilisé (rejeu)"))
            }
            Some(_) => None,
        }
    };
    if let Some((outcome, detail)) = refusal {
        txn.rollback().await?;
        failed(state, account_id, detail).await?;
        return Ok(Ok(outcome));
    }
    let recovery_codes_left = if recovery {
        Some(repo::second_factor::recovery_codes_left(&txn, account_id).await?)
    } else {
        None
    };
    repo::sessions::mark_second_factor(&txn, &user.session_hash, now).await?;
    let detail = match recovery_codes_left {
        Some(left) => format!("code de secours ({left} restants)"),
        None => "application d'authentification (TOTP)".to_owned(),
    };
    repo::audit::record(
        &txn,
        account_id,
        Actor::Account(account_id),
        Action::SecondFactorPassed,
        Some(&detail),
        now,
    )
    .await?;
    txn.commit().await?;
    throttle::release(&state.db, &Limit::SecondFactor(account_id)).await?;
    Ok(Ok(CodeOutcome::Passed {
        recovery_codes_left,
    }))
}

/// Support's reset (`admin reset-mfa`): removes the TOTP secret and the recovery codes, and
/// the second factor the account's open sessions had passed, so the administrator enrols again
/// at the next `/admin` page. Returns whether there was a factor.
///
/// # Errors
/// Database failures.
pub async fn reset(
    db: &sea_orm::DatabaseConnection,
    account_id: i32,
    now: crate::clock::Timestamp,
) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let had = repo::second_factor::delete_all(&txn, account_id).await?;
    repo::sessions::clear_second_factor_of(&txn, account_id).await?;
    repo::audit::record(
        &txn,
        account_id,
        Actor::System,
        Action::SecondFactorReset,
        Some(if had {
            "secret TOTP et codes de secours supprimés"
        } else {
            "aucun second facteur enregistré"
        }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(had)
}
