//! Every way a Pro Santé Connect step can end without signing in or linking, in one enum. The
//! web layer maps each variant to its French page and status (`web::psc`, one `IntoResponse`);
//! the `Display` text is the detail of the `psc_refused` audit row and of the log line.

use super::PscError;

/// A refused sign-in, link or registration step through Pro Santé Connect.
#[derive(Debug, thiserror::Error)]
pub enum PscRefusal {
    /// PSC is switched off in the configuration: its routes do not exist.
    #[error("Pro Santé Connect is not enabled")]
    NotEnabled,
    /// The user cancelled at PSC (`error=access_denied`, RFC 6749 §4.1.2.1).
    #[error("cancelled by the user (access_denied)")]
    Cancelled,
    /// The browser carries no live attempt: a forged callback, an expired attempt, or one
    /// replayed after it completed (the attempt is deleted then).
    #[error("no attempt for this browser (forged or replayed)")]
    UnknownAttempt,
    /// The attempt's callback was already used: each authorization response is single use
    /// (RFC 6749 §10.5, OpenID Connect Core §3.1.2.7).
    #[error("callback replayed")]
    Replayed,
    /// PSC answered with another `error` code (kept short: it is the provider's, or an
    /// attacker's, text).
    #[error("PSC error: {0}")]
    ProviderError(String),
    /// The `state` parameter is not the one sent with this attempt: a forged (CSRF) callback
    /// (RFC 6749 §10.12).
    #[error("state mismatch")]
    ForgedState,
    /// The callback's `iss` is not PSC's issuer: a mix-up attack (RFC 9207 §2.4).
    #[error("iss mismatch")]
    WrongIssuer,
    /// The callback carries no authorization code.
    #[error("no authorization code")]
    NoCode,
    /// PSC could not be reached or answered nonsense (network, 5xx, bad metadata).
    #[error("Pro Santé Connect unreachable: {0:#}")]
    Unavailable(anyhow::Error),
    /// The token exchange, the ID token or userinfo failed a check (OpenID Connect Core
    /// §3.1.3.7, §5.3.2).
    #[error("Pro Santé Connect response refused: {0}")]
    TokenRefused(String),
    /// The e-CPS is linked to another account, or the account to another e-CPS.
    #[error("identity already linked elsewhere")]
    AlreadyLinked,
    /// The e-CPS is linked to a disabled (or deleted) account. It gets the answer (and audit
    /// detail) of [`PscRefusal::AlreadyLinked`], so the page never tells that an account is
    /// disabled, as the password sign-in does not (OWASP ASVS 2.2).
    #[error("identity already linked elsewhere")]
    AccountDisabled,
    /// The account to link declares, in its profile, a national identifier other than the one
    /// PSC vouches for: linking would silently replace it (or tie someone else's e-CPS to the
    /// account), so it is refused and an administrator or the user sorts it out.
    #[error("the account declares another national identifier than PSC's")]
    IdentifierMismatch,
    /// The identity held after the callback is gone (attempt expired or finished): the email
    /// or password step cannot go on.
    #[error("no verified identity held for this browser")]
    Expired,
    /// PSC sent no usable name: no account can be created.
    #[error("PSC sent no usable name")]
    IncompleteIdentity,
    /// A database or other internal failure: an opaque 500, never a refusal page.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<PscError> for PscRefusal {
    fn from(e: PscError) -> Self {
        match e {
            PscError::Unavailable(e) => Self::Unavailable(e),
            PscError::Rejected(reason) => Self::TokenRefused(reason),
        }
    }
}

impl From<sea_orm::DbErr> for PscRefusal {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_keep_their_audit_text() {
        // The audit detail must not change when a `PscError` becomes a refusal.
        let e = PscError::Rejected("ID token: bad".into());
        let text = e.to_string();
        assert_eq!(PscRefusal::from(e).to_string(), text);
        let e = PscError::Unavailable(anyhow::anyhow!("down").context("fetching"));
        let text = e.to_string();
        assert_eq!(PscRefusal::from(e).to_string(), text);
    }
}
