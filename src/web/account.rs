//! `GET /compte`: the account page; for now "waiting for validation".

use axum::{
    Router,
    response::{IntoResponse, Response},
    routing::get,
};

use super::{context::Ctx, session::SignedIn, urls};
use crate::{repo::accounts::BalType, services::journey::Step, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new().route(urls::ACCOUNT, get(account_get))
}

async fn account_get(user: SignedIn, ctx: Ctx) -> Response {
    if let Err(redirect) = user.require(Step::Pending) {
        return redirect.into_response();
    }
    let account = user.account();
    let view = templates::views::AccountView {
        prenom: account.prenom.clone(),
        nom: account.nom.clone(),
        email: account.email.clone(),
        bal_type: account.bal_type.unwrap_or(BalType::Med).as_str().to_owned(),
        address_example: None,
    };
    templates::pages::account_pending(&ctx.for_user(Some(Step::Pending)), &view).into_response()
}
