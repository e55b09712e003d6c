//! The sign-in page.

use maud::{Markup, html};

use crate::components::{
    TextField, error_summary_message, form_title, post_form, psc_alternative, submit_button,
};
use crate::layout;
use crate::views::{LoginView, PageContext};

/// Sign-in with Pro Santé Connect (when configured), or with email and password. A failed
/// attempt shows one generic message, whichever of the two was wrong, so the page never tells
/// whether an account exists.
pub fn login(ctx: &PageContext, view: &LoginView) -> Markup {
    let fields = html! {
        (TextField::new("email", "Adresse mail").email().value(&view.email).required()
            .autocomplete("email"))
        (TextField::new("mot_de_passe", "Mot de passe").password().required()
            .autocomplete("current-password"))
        (submit_button("Se connecter"))
    };
    let body = html! {
        @if let Some(error) = &view.error { (error_summary_message(error)) }
        h1 { "Se connecter" }
        (psc_alternative(ctx))
        (post_form(&ctx.csrf_token, urls::LOGIN, fields))
        p { a href=(urls::PASSWORD_FORGOT) { "Mot de passe oublié ?" } }
        p { a href=(urls::SIGNUP) { "Vous n'avez pas de compte ? Inscrivez-vous ici" } }
    };
    layout::page(ctx, &form_title("Connexion", view.error.is_some()), body)
}
