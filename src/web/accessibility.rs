//! `GET /accessibilite`: the accessibility statement the RGAA requires, linked from every
//! page's footer.

use axum::{Router, routing::get};
use maud::Markup;

use super::context::Ctx;
use crate::auth::session::MaybeUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(urls::ACCESSIBILITY, get(statement))
}

async fn statement(MaybeUser(user): MaybeUser, ctx: Ctx) -> Markup {
    let ctx = if user.is_some() {
        ctx.for_user(None)
    } else {
        ctx.anonymous(None)
    };
    templates::pages::accessibility(&ctx)
}
