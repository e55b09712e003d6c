//! `GET /`: the landing page, and `GET /accessibilite`: the accessibility statement the RGAA
//! requires, linked from every page's footer. Both are open to anyone, signed in or not.

use axum::{Router, routing::get};
use maud::Markup;
use templates::views::PageContext;

use super::context::Ctx;
use crate::auth::session::MaybeUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::HOME, get(home_get))
        .route(urls::ACCESSIBILITY, get(accessibility_get))
}

async fn home_get(user: MaybeUser, ctx: Ctx) -> Markup {
    templates::pages::landing(&visitor(user, ctx))
}

async fn accessibility_get(user: MaybeUser, ctx: Ctx) -> Markup {
    templates::pages::accessibility(&visitor(user, ctx))
}

/// The page context of a public page: with the sign-out button when someone is signed in.
fn visitor(MaybeUser(user): MaybeUser, ctx: Ctx) -> PageContext {
    if user.is_some() {
        ctx.for_user(None)
    } else {
        ctx.anonymous(None)
    }
}
