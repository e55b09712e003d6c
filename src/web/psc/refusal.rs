//! The one place a [`PscRefusal`] becomes a response: its status and French page. Causes the
//! user cannot act on differently share a page (a forged, replayed or mismatched callback all
//! say "start again"), so the page does not help an attacker tell them apart; the audit trail
//! keeps the exact cause.

use std::sync::Arc;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use templates::views::PscErrorView;

use crate::{error::AppError, psc::PscRefusal, web::errors::DeferredPage};

impl IntoResponse for PscRefusal {
    fn into_response(self) -> Response {
        let (status, title, message, retry) = match self {
            Self::NotEnabled => return AppError::NotFound.into_response(),
            Self::Unexpected(e) => return AppError::Unexpected(e).into_response(),
            Self::Cancelled => (
                StatusCode::OK,
                "Connexion annulée",
                "Vous avez annulé la connexion avec Pro Santé Connect. Vous pouvez réessayer, ou \
                 vous connecter avec votre mot de passe.",
                true,
            ),
            Self::UnknownAttempt
            | Self::Replayed
            | Self::ProviderError(_)
            | Self::ForgedState
            | Self::WrongIssuer
            | Self::NoCode => (
                StatusCode::BAD_REQUEST,
                "Connexion impossible",
                "Cette tentative de connexion avec Pro Santé Connect n'est plus valide (lien déjà \
                 utilisé, expiré ou incorrect). Recommencez depuis le début.",
                true,
            ),
            Self::Unavailable(_) => (
                StatusCode::BAD_GATEWAY,
                "Pro Santé Connect est indisponible",
                "Le service Pro Santé Connect ne répond pas pour le moment. Réessayez dans \
                 quelques instants, ou connectez-vous avec votre mot de passe.",
                true,
            ),
            Self::TokenRefused(_) => (
                StatusCode::FORBIDDEN,
                "Connexion refusée",
                "La réponse de Pro Santé Connect n'a pas pu être vérifiée : la connexion a été \
                 refusée par sécurité. Réessayez ; si le problème persiste, contactez le support.",
                true,
            ),
            Self::AlreadyLinked | Self::AccountDisabled => (
                StatusCode::CONFLICT,
                "e-CPS déjà associée",
                "Cette e-CPS est déjà associée à un autre compte, ou ce compte à une autre e-CPS. \
                 Contactez le support si vous pensez qu'il s'agit d'une erreur.",
                false,
            ),
            Self::IdentifierMismatch => (
                StatusCode::CONFLICT,
                "Identifiant national différent",
                "Le numéro RPPS ou ADELI indiqué dans le profil de ce compte n'est pas celui que \
                 Pro Santé Connect transmet pour cette e-CPS : l'association est refusée, pour \
                 qu'aucun compte ne porte l'identifiant d'une autre personne. Si le numéro du \
                 profil est erroné, contactez le support pour le faire corriger.",
                false,
            ),
            Self::Expired => (
                StatusCode::BAD_REQUEST,
                "Session Pro Santé Connect expirée",
                "Votre connexion avec Pro Santé Connect a expiré. Recommencez depuis le début.",
                true,
            ),
            Self::IncompleteIdentity => (
                StatusCode::BAD_REQUEST,
                "Identité incomplète",
                "Pro Santé Connect n'a pas transmis vos nom et prénom : le compte ne peut pas \
                 être créé. Contactez le support.",
                false,
            ),
        };
        let view = PscErrorView {
            title: title.into(),
            message: message.into(),
            retry,
        };
        let mut response = status.into_response();
        response
            .extensions_mut()
            .insert(DeferredPage(Arc::new(move |ctx| {
                templates::pages::psc_error(ctx, &view)
            })));
        response
    }
}
