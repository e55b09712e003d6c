//! One application error. Client-facing variants say what went wrong in French on an HTML page;
//! internal ones are opaque: logged once (by `web::errors::render`) with the request id, which
//! the page shows so support can find the log line.

use std::sync::Arc;

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sea_orm::{DbErr, SqlErr};

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("CSRF token missing or invalid")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// Over a rate limit: the page says to wait, `Retry-After` says how long (RFC 9110 §10.2.3).
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// The service cannot answer now (request timeout); see also [`AppError::is_unavailable`].
    #[error("service unavailable: {0}")]
    Unavailable(&'static str),
    #[error("database error")]
    Db(#[from] DbErr),
    #[error("unexpected error")]
    Unexpected(#[from] anyhow::Error),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        if self.is_unavailable() {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Forbidden(_) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Db(_) | Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Title and message of the error page, in French. Internal details never reach the client.
    pub fn page_text(&self) -> (&'static str, &'static str) {
        if self.is_unavailable() {
            return (
                "Service momentanément indisponible",
                "Le service est très sollicité ou en maintenance. Votre demande n'a pas été \
                 traitée : réessayez dans quelques instants.",
            );
        }
        match self {
            Self::NotFound => (
                "Page introuvable",
                "La page demandée n'existe pas ou n'est plus disponible.",
            ),
            Self::MethodNotAllowed => (
                "Action non autorisée",
                "Cette adresse ne permet pas cette action.",
            ),
            Self::Forbidden(_) => (
                "Accès refusé",
                "Votre compte n'a pas accès à cette page ou à ce compte.",
            ),
            Self::Csrf => (
                "Action refusée",
                "Votre formulaire a expiré ou ne provient pas de ce site. Revenez à la page \
                 précédente, rechargez-la et recommencez.",
            ),
            Self::BadRequest(_) => ("Requête invalide", "Les données envoyées sont mal formées."),
            Self::PayloadTooLarge => (
                "Données trop volumineuses",
                "Les données envoyées dépassent la taille autorisée.",
            ),
            Self::UnsupportedMediaType => (
                "Format non pris en charge",
                "Les données doivent être envoyées depuis le formulaire du site.",
            ),
            Self::TooManyRequests { .. } => (
                "Trop de tentatives",
                "Veuillez patienter quelques minutes avant de réessayer.",
            ),
            // Only reached for the cases `is_unavailable` does not cover.
            Self::Unavailable(_) | Self::Db(_) | Self::Unexpected(_) => (
                "Erreur technique",
                "Une erreur inattendue s'est produite. Réessayez dans quelques instants ; si le \
                 problème persiste, contactez le support en indiquant la référence ci-dessous.",
            ),
        }
    }

    /// Opaque errors, logged with the request id. A 503 is not one: it is a known state of the
    /// service (overload, database down), logged as a refusal.
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Db(_) | Self::Unexpected(_)) && !self.is_unavailable()
    }

    /// The service cannot answer now but will again by itself: every password-hashing slot
    /// and queue place is taken ([`Overloaded`]), the database cannot be reached within
    /// `database.acquire_timeout_secs`, or the request ran out of time. The client gets 503 with
    /// `Retry-After` (RFC 9110 §15.6.4, §10.2.3) rather than a 500, wherever in a service the
    /// failure was wrapped.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unavailable(_) => true,
            Self::Db(e) => is_db_unreachable(e),
            Self::Unexpected(e) => e.chain().any(|cause| {
                cause.downcast_ref::<Overloaded>().is_some()
                    || cause.downcast_ref::<DbErr>().is_some_and(is_db_unreachable)
            }),
            _ => false,
        }
    }

    /// Seconds a client should wait before retrying, for 503 answers.
    /// The `Retry-After` of a refusal that passes with time: a rate limit's own window, or the
    /// fixed delay of a 503.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            _ => self.is_unavailable().then_some(u64::from(RETRY_AFTER_SECS)),
        }
    }
}

/// The `Retry-After` of every 503: long enough for a hash queue to drain or a database
/// fail-over to finish, short enough that a person retrying by hand is not put off.
pub const RETRY_AFTER_SECS: u32 = 5;

/// Every password-hashing thread is busy and `auth.max_queued_hashes` requests already wait.
#[derive(Debug, thiserror::Error)]
#[error("password hashing is saturated")]
pub struct Overloaded;

/// The database could not be reached: no pooled connection within the acquire timeout, or the
/// connection failed at the network level (PostgreSQL stopped, restarted, unreachable).
pub fn is_db_unreachable(err: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx::Error as Sqlx};
    match err {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => matches!(
            e.as_ref(),
            Sqlx::Io(_)
                | Sqlx::PoolTimedOut
                | Sqlx::PoolClosed
                | Sqlx::WorkerCrashed
                | Sqlx::Tls(_)
        ),
        DbErr::Conn(_) => true,
        _ => false,
    }
}

/// The error travels in the response extensions; `web::errors::render` turns it into a page
/// (it has the state the page needs) and logs it.
#[derive(Clone)]
pub struct ErrorExtension(pub Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        if let Some(secs) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
            .extensions_mut()
            .insert(ErrorExtension(Arc::new(self)));
        response
    }
}

/// True when `err` is a unique-constraint violation (a concurrent insert won the race).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

impl AppError {
    /// The page for a plain-text rejection that did not come through [`AppError`] (axum's own
    /// `Path`/`Query` extractors, routing): same status, our page instead of bare text.
    pub fn from_status(status: StatusCode) -> Option<Self> {
        Some(match status {
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
                Self::BadRequest(String::new())
            }
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType,
            _ => return None,
        })
    }
}
