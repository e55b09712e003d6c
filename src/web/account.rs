//! `GET /compte`: the account page — waiting for validation, validated (with the mailbox
//! address), or rejected (with the reason).

use axum::{
    Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
};

use super::{context::Ctx, session::SignedIn, urls};
use crate::{
    error::Result,
    repo::{self, accounts::BalType},
    services::journey::Step,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route(urls::ACCOUNT, get(account_get))
}

async fn account_get(State(state): State<AppState>, user: SignedIn, ctx: Ctx) -> Result<Response> {
    if let Err(redirect) = user.require(Step::Pending) {
        return Ok(redirect.into_response());
    }
    let account = user.account();
    let psc_linked = repo::psc::find_by_account(&state.db, account.id)
        .await?
        .is_some();
    let view = templates::views::AccountStatusView {
        prenom: account.prenom.clone(),
        nom: account.nom.clone(),
        email: account.email.clone(),
        bal_type: account.bal_type.unwrap_or(BalType::Med).as_str().to_owned(),
        mailbox_address: account.mailbox_address.clone(),
        rejection_reason: account.rejection_reason.clone(),
        validated: account.validated_at.is_some(),
        rejected: account.rejected_at.is_some(),
        psc_enabled: state.psc.is_some(),
        psc_linked,
    };
    Ok(templates::pages::account_status(&ctx.for_user(Some(Step::Pending)), &view).into_response())
}
