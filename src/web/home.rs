//! `GET /`: the landing page.

use axum::{Router, routing::get};
use maud::Markup;

use super::context::Ctx;
use crate::auth::session::MaybeUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(urls::HOME, get(home_get))
}

async fn home_get(MaybeUser(user): MaybeUser, ctx: Ctx) -> Markup {
    let ctx = if user.is_some() {
        ctx.for_user(None)
    } else {
        ctx.anonymous(None)
    };
    templates::pages::landing(&ctx)
}
