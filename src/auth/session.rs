//! Who is signed in. The cookie carries a random id; the session row (by its hash) names the
//! account. Extractors: [`MaybeUser`] for pages open to all, [`SignedIn`] for the journey's
//! steps (anonymous visitors are sent to the sign-in page).

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::CookieJar;
use chrono::Duration;

use super::{client::ClientIp, cookies::CookieNames};
use crate::domain::{Account, Scope};
use crate::{
    auth::secrets,
    error::AppError,
    repo::{self},
    services::journey::{self, Step},
    state::AppState,
};

/// A live session and its account.
#[derive(Clone, Debug)]
pub struct SessionUser {
    pub session_hash: String,
    pub account: Account,
    /// The ID token of a Pro Santé Connect sign-in (RP-initiated logout needs it).
    pub psc_id_token: Option<String>,
    /// When this session began (its sign-in).
    pub signed_in_at: crate::clock::Timestamp,
    /// When this session passed the administrator's second factor (TOTP or recovery code).
    pub second_factor_at: Option<crate::clock::Timestamp>,
}

impl SessionUser {
    /// How the holder proves it is them again before a sensitive change (OWASP ASVS 3.7.1):
    /// the password, or for an account without one a Pro Santé Connect sign-in at most
    /// `auth.reauth_minutes` old. `None`: no password and no recent PSC sign-in.
    pub fn proof<'a>(&self, password: &'a str, state: &AppState) -> Option<Proof<'a>> {
        if self.account.password_hash.is_some() {
            return Some(Proof::Password(password));
        }
        self.psc_reauthenticated(state).then_some(Proof::RecentPsc)
    }

    /// The session passed a second factor: a TOTP or recovery code, or a sign-in through Pro
    /// Santé Connect, whose e-CPS is itself strong (multi-factor) authentication. Only PSC
    /// sign-ins store an ID token on the session.
    pub fn second_factor_passed(&self) -> bool {
        self.second_factor_at.is_some() || self.psc_id_token.is_some()
    }

    /// An account without a password signed in with Pro Santé Connect at most
    /// `auth.reauth_minutes` ago: that sign-in stands for the password ([`Self::proof`]).
    pub fn psc_reauthenticated(&self, state: &AppState) -> bool {
        let age = state.clock.now() - self.signed_in_at;
        self.account.password_hash.is_none()
            && self.psc_id_token.is_some()
            && age <= Duration::minutes(state.settings.auth.reauth_minutes)
    }
}

/// See [`SessionUser::proof`].
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    Password(&'a str),
    RecentPsc,
}

/// The signed-in user, if any.
pub struct MaybeUser(pub Option<SessionUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let names = CookieNames::new(state.public_url.is_https());
        let Some(raw) = jar.get(names.session).map(|c| c.value().to_owned()) else {
            return Ok(Self(None));
        };
        let idle = Duration::minutes(state.settings.auth.session_idle_minutes);
        let now = state.clock.now();
        let Some(session) = repo::sessions::find_live(&state.db, &raw, idle, now).await? else {
            return Ok(Self(None));
        };
        // A disabled account's sessions stop working at once.
        let Some(account) = repo::accounts::find(&state.db, session.account_id)
            .await?
            .filter(|a| !a.disabled)
        else {
            return Ok(Self(None));
        };
        // Every log line of the request names the account from here on (the `http` span of
        // `web::router` declares the field).
        tracing::Span::current().record("account_id", account.id);
        // Slide the idle timeout at most once a minute: a page view is not a write each time.
        if now - session.last_seen_at > Duration::minutes(1) {
            repo::sessions::touch(&state.db, &session.id_hash, now).await?;
        }
        Ok(Self(Some(SessionUser {
            session_hash: session.id_hash,
            account,
            psc_id_token: session.psc_id_token,
            signed_in_at: session.created_at,
            second_factor_at: session.second_factor_at,
        })))
    }
}

/// The hash of the session id the browser presents, live or not, so sign-in can end it
/// (rotation) and sign-out can delete it.
pub fn presented_session(jar: &CookieJar, https: bool) -> Option<String> {
    jar.get(CookieNames::new(https).session)
        .map(|c| secrets::sha256_hex(c.value()))
}

/// The browser that is signing in: the session it came with (ended at sign-in, session
/// fixation), and where it is, recorded with the new session for the sessions page.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    /// The hash of the session cookie presented, live or not.
    pub previous: Option<String>,
    pub origin: repo::sessions::Origin,
}

impl FromRequestParts<AppState> for Browser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state).await?;
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Self {
            previous: presented_session(&jar, state.public_url.is_https()),
            origin: repo::sessions::Origin {
                user_agent,
                client_ip: Some(ip.to_string()),
            },
        })
    }
}

/// A signed-in user and the step of the journey they are at.
pub struct SignedIn {
    pub user: SessionUser,
    pub step: Step,
}

impl SignedIn {
    /// Continue only at `expected`; anywhere else, go to the current step (visiting another
    /// step's URL must not skip or revisit steps).
    ///
    /// # Errors
    /// A redirect response to the current step.
    pub fn require(&self, expected: Step) -> Result<(), Redirect> {
        if self.step == expected {
            Ok(())
        } else {
            Err(Redirect::to(self.step.url()))
        }
    }

    pub fn account(&self) -> &Account {
        &self.user.account
    }
}

/// Rejection of [`SignedIn`] and [`AdminUser`]: to the sign-in page, to the second factor
/// (an administrator who has not passed it), or an error.
pub enum NotSignedIn {
    Anonymous,
    /// 303 to the second-factor enrolment or code page.
    SecondFactor(&'static str),
    Error(AppError),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            Self::Anonymous => Redirect::to(urls::LOGIN).into_response(),
            Self::SecondFactor(to) => Redirect::to(to).into_response(),
            Self::Error(e) => e.into_response(),
        }
    }
}

/// The session's user, or the rejection that sends an anonymous visitor to sign in.
async fn signed_in_user(parts: &mut Parts, state: &AppState) -> Result<SessionUser, NotSignedIn> {
    let MaybeUser(user) = MaybeUser::from_request_parts(parts, state)
        .await
        .map_err(NotSignedIn::Error)?;
    user.ok_or(NotSignedIn::Anonymous)
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NotSignedIn> {
        let user = signed_in_user(parts, state).await?;
        let step = journey::current_step(&state.db, &user.account, &state.cgu.version)
            .await
            .map_err(|e| NotSignedIn::Error(e.into()))?;
        Ok(Self { user, step })
    }
}

/// A signed-in administrator and their scopes, past the second factor (OWASP ASVS 4.3.1).
/// Anonymous visitors go to the sign-in page; signed-in non-administrators get 403; an
/// administrator whose session has not passed the second factor goes to enrol one (none yet)
/// or to type a code. Every `/admin` handler takes this extractor, so none can skip the check.
pub struct AdminUser {
    pub user: SessionUser,
    pub scopes: Vec<Scope>,
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NotSignedIn> {
        let AdminBeforeSecondFactor { user, scopes } =
            AdminBeforeSecondFactor::from_request_parts(parts, state).await?;
        if !user.second_factor_passed() {
            let enrolled = repo::second_factor::is_enrolled(&state.db, user.account.id)
                .await
                .map_err(|e| NotSignedIn::Error(e.into()))?;
            return Err(NotSignedIn::SecondFactor(if enrolled {
                urls::ADMIN_SECOND_FACTOR_CODE
            } else {
                urls::ADMIN_SECOND_FACTOR
            }));
        }
        Ok(Self { user, scopes })
    }
}

/// A signed-in administrator (confirmed email, at least one scope) who may not have passed the
/// second factor yet: only the second-factor pages take it.
pub struct AdminBeforeSecondFactor {
    pub user: SessionUser,
    pub scopes: Vec<Scope>,
}

impl FromRequestParts<AppState> for AdminBeforeSecondFactor {
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NotSignedIn> {
        let user = signed_in_user(parts, state).await?;
        // Administrative power needs a proven mailbox, whatever scopes the database holds.
        if !user.account.email_confirmed {
            return Err(NotSignedIn::Error(AppError::Forbidden(
                "administrator without a confirmed email",
            )));
        }
        let scopes = repo::admins::scopes_of(&state.db, user.account.id)
            .await
            .map_err(|e| NotSignedIn::Error(e.into()))?;
        if scopes.is_empty() {
            return Err(NotSignedIn::Error(AppError::Forbidden(
                "not an administrator",
            )));
        }
        Ok(Self { user, scopes })
    }
}
