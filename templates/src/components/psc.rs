//! The Pro Santé Connect sign-in button. PSC is the ANS's OpenID Connect provider: professionals
//! sign in with their e-CPS (or CPS card). The button follows the official one (dark blue, "S'identifier
//! avec Pro Santé Connect", with a link explaining PSC below it), drawn in CSS: no image, no script.

use maud::{Markup, html};

use crate::views::PageContext;

/// The ANS page presenting Pro Santé Connect to professionals.
pub const PSC_INFO_URL: &str = "https://esante.gouv.fr/produits-services/pro-sante-connect";

/// The "S'identifier avec Pro Santé Connect" button: a plain link to [`urls::PSC_LOGIN`] (a GET
/// that redirects to PSC), followed by the "Qu'est-ce que Pro Santé Connect ?" line.
pub fn psc_button() -> Markup {
    html! {
        div.psc-connect {
            a.psc-button href=(urls::PSC_LOGIN) {
                span.psc-button-login { "S'identifier avec" }
                " "
                span.psc-button-brand { "Pro Santé Connect" }
            }
            p.psc-help {
                a href=(PSC_INFO_URL) target="_blank" rel="noopener" {
                    "Qu'est-ce que Pro Santé Connect ?"
                    span.visually-hidden { " (nouvelle fenêtre)" }
                }
            }
        }
    }
}

/// The "ou" line between two ways of signing in.
pub fn or_separator() -> Markup {
    html! { p.or-separator { "ou" } }
}

/// The PSC button then an "ou" separator, to place before the password form (or the password
/// calls to action). Renders nothing unless PSC is configured (`ctx.psc_enabled`).
pub fn psc_alternative(ctx: &PageContext) -> Markup {
    html! {
        @if ctx.psc_enabled {
            (psc_button())
            (or_separator())
        }
    }
}
