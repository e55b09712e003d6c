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
    #[error("database error")]
    Db(#[from] DbErr),
    #[error("unexpected error")]
    Unexpected(#[from] anyhow::Error),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Forbidden(_) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Db(_) | Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Title and message of the error page, in French. Internal details never reach the client.
    pub fn page_text(&self) -> (&'static str, &'static str) {
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
            Self::Db(_) | Self::Unexpected(_) => (
                "Erreur technique",
                "Une erreur inattendue s'est produite. Réessayez dans quelques instants ; si le \
                 problème persiste, contactez le support en indiquant la référence ci-dessous.",
            ),
        }
    }

    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Db(_) | Self::Unexpected(_))
    }
}

/// The error travels in the response extensions; `web::errors::render` turns it into a page
/// (it has the state the page needs) and logs it.
#[derive(Clone)]
pub struct ErrorExtension(pub Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        if let Self::TooManyRequests { retry_after_secs } = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
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
