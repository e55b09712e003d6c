//! Rate limits (OWASP ASVS 2.2.1 anti-automation, 11.1.4): counted in the database so every
//! instance behind a load balancer shares them, and *reserved before the work they protect*.
//!
//! A request first takes a slot with one atomic upsert ([`repo::rate_limits::hit`]); only a
//! request that got a slot under the limit goes on to hash a password or send a mail. So 200
//! concurrent wrong passwords for one email lead to at most `auth.max_failed_signins` argon2
//! verifications: there is no "check, then count later" gap to race through. A successful
//! sign-in gives its slot back, so only failures use up an email's allowance.
//!
//! Keys name the subject, never store a password: `signin-email:{email}`,
//! `signup-client:{ip}`, `mail-address:{email}`…

use std::net::IpAddr;

use sea_orm::{ConnectionTrait, DbErr};

use crate::{clock::Timestamp, config::AuthSettings, domain::EmailAddress, repo};

/// One kind of limit, with its subject.
#[derive(Debug, Clone)]
pub enum Limit {
    /// Password verifications for one email (`auth.max_failed_signins`).
    SignInEmail(EmailAddress),
    /// Sign-in attempts from one client (`auth.max_signins_per_client`).
    SignInClient(IpAddr),
    /// Sign-ups from one client (`auth.max_signups_per_client`).
    SignUpClient(IpAddr),
    /// Confirmation-link resend requests from one client (`auth.max_resends_per_client`).
    ResendClient(IpAddr),
    /// e-CPS linking attempts from one client (`auth.max_psc_links_per_client`).
    PscLinkClient(IpAddr),
    /// Password reset requests from one client (`auth.max_resets_per_client`).
    ResetClient(IpAddr),
    /// Registration and password reset mails to one address per day (`auth.max_mails_per_address_per_day`).
    MailsToAddress(EmailAddress),
    /// Second-factor codes of one administrator, by account id
    /// (`auth.max_failed_second_factor_codes`).
    SecondFactor(i32),
}

const DAY_SECS: i64 = 24 * 60 * 60;

impl Limit {
    fn key(&self) -> String {
        match self {
            Self::SignInEmail(email) => format!("signin-email:{}", email.as_str()),
            Self::SignInClient(ip) => format!("signin-client:{ip}"),
            Self::SignUpClient(ip) => format!("signup-client:{ip}"),
            Self::ResendClient(ip) => format!("resend-client:{ip}"),
            Self::PscLinkClient(ip) => format!("psclink-client:{ip}"),
            Self::ResetClient(ip) => format!("reset-client:{ip}"),
            Self::MailsToAddress(email) => format!("mail-address:{}", email.as_str()),
            Self::SecondFactor(account_id) => format!("second-factor:{account_id}"),
        }
    }

    /// (maximum per window, window in seconds).
    fn bounds(&self, auth: &AuthSettings) -> (i32, i64) {
        let window = auth.throttle_window_minutes * 60;
        match self {
            Self::SignInEmail(_) => (auth.max_failed_signins, window),
            Self::SignInClient(_) => (auth.max_signins_per_client, window),
            Self::SignUpClient(_) => (auth.max_signups_per_client, window),
            Self::ResendClient(_) => (auth.max_resends_per_client, window),
            Self::PscLinkClient(_) => (auth.max_psc_links_per_client, window),
            Self::ResetClient(_) => (auth.max_resets_per_client, window),
            Self::MailsToAddress(_) => (auth.max_mails_per_address_per_day, DAY_SECS),
            Self::SecondFactor(_) => (auth.max_failed_second_factor_codes, window),
        }
    }
}

/// Over the limit: come back after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_secs: u64,
    /// This request is the first one refused in its window (worth one audit entry).
    pub first_refusal: bool,
}

/// Takes one slot of `limit` at `now`.
///
/// # Errors
/// `Ok(Err(Throttled))` when the window is full; `Err` on database failures.
pub async fn reserve(
    db: &impl ConnectionTrait,
    auth: &AuthSettings,
    limit: &Limit,
    now: Timestamp,
) -> Result<Result<(), Throttled>, DbErr> {
    let now = now.timestamp();
    let (max, window) = limit.bounds(auth);
    let counter = repo::rate_limits::hit(db, &limit.key(), now, window).await?;
    if counter.hits <= max {
        return Ok(Ok(()));
    }
    let retry_after_secs = u64::try_from(counter.window_start + window - now)
        .unwrap_or(0)
        .max(1);
    Ok(Err(Throttled {
        retry_after_secs,
        first_refusal: counter.hits == max + 1,
    }))
}

/// Gives back a slot taken by [`reserve`] that should not count (a successful sign-in).
///
/// # Errors
/// Database failures.
pub async fn release(db: &impl ConnectionTrait, limit: &Limit) -> Result<(), DbErr> {
    repo::rate_limits::release(db, &limit.key()).await
}

/// Forgets counters whose window is over (the longest window is a day).
///
/// # Errors
/// Database failures.
pub async fn purge(db: &impl ConnectionTrait, now: Timestamp) -> Result<u64, DbErr> {
    repo::rate_limits::purge(db, now.timestamp() - DAY_SECS).await
}
