//! The per-page context every template needs (service name, CSRF token, support footer).

use axum::{extract::FromRequestParts, http::request::Parts};
use templates::views::PageContext;

use crate::auth::csrf::CsrfToken;
use crate::{services::journey::Step, state::AppState};

/// Extracts the [`PageContext`] for an anonymous page; [`Ctx::for_user`] adapts it for a
/// signed-in one.
pub struct Ctx(pub PageContext);

impl FromRequestParts<AppState> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let csrf_token = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        Ok(Self(base(state, csrf_token)))
    }
}

impl Ctx {
    /// Signed in (shows the sign-out button), at `step` of the journey.
    pub fn for_user(mut self, step: Option<Step>) -> PageContext {
        self.0.signed_in = true;
        self.0.step = step.map(Step::indicator);
        self.0
    }

    pub fn with_notice(mut self, notice: &str) -> Self {
        self.0.notice = Some(notice.to_owned());
        self
    }

    pub fn anonymous(self, step: Option<templates::views::Step>) -> PageContext {
        PageContext { step, ..self.0 }
    }
}

/// The context with no CSRF token (error pages carry no form).
pub fn base(state: &AppState, csrf_token: String) -> PageContext {
    PageContext {
        service_name: state.settings.service_name.clone(),
        csrf_token,
        signed_in: false,
        support: state.support(),
        step: None,
        notice: None,
        psc_enabled: state.settings.psc.enabled,
    }
}
