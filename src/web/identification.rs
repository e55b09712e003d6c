//! Step 5a: `/identification` — "do you have a national identifier (RPPS/ADELI)?".
//! Yes makes a personal MSSanté mailbox (BAL PER), no a BAL MED visible only inside the operator.

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use templates::views::{FieldErrors, IdentificationView};

use super::{context::Ctx, form::AppForm};
use crate::auth::session::SignedIn;
use crate::domain::BalType;
use crate::{
    error::Result,
    services::{journey::Step, profile},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route(
        urls::IDENTIFICATION,
        get(identification_get).post(identification_post),
    )
}

async fn identification_get(user: SignedIn, ctx: Ctx) -> Response {
    if let Err(redirect) = user.require(Step::Identification) {
        return redirect.into_response();
    }
    let ctx = ctx.for_user(Some(Step::Identification));
    templates::pages::identification(&ctx, &IdentificationView::default()).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IdentificationForm {
    identifiant_national: String,
}

async fn identification_post(
    State(state): State<AppState>,
    user: SignedIn,
    ctx: Ctx,
    AppForm(form): AppForm<IdentificationForm>,
) -> Result<Response> {
    if let Err(redirect) = user.require(Step::Identification) {
        return Ok(redirect.into_response());
    }
    let bal = match form.identifiant_national.as_str() {
        "oui" => BalType::Per,
        "non" => BalType::Med,
        _ => {
            let mut errors = FieldErrors::new();
            errors.add(
                "identifiant_national",
                "Indiquez si vous avez un numéro d'identifiant national (RPPS ou ADELI).",
            );
            let view = IdentificationView {
                answer: None,
                errors,
            };
            let ctx = ctx.for_user(Some(Step::Identification));
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                templates::pages::identification(&ctx, &view),
            )
                .into_response());
        }
    };
    profile::answer_identification(&state.db, user.account().id, bal, state.clock.now()).await?;
    Ok(Redirect::to(urls::PROFILE).into_response())
}
