//! One function per page, each rendering its content inside [`crate::layout::page`].
//! Pages take the [`PageContext`](crate::views::PageContext) and their own view-model.

mod accessibility;
mod account;
mod admin;
mod admin_annuaire;
mod dashboard;
mod home;
mod org;
mod password;
mod professional;
mod psc;
mod registration;
mod second_factor;
mod session;
mod settings;
mod terms;

pub use accessibility::accessibility;
pub use account::{account_pending, account_status};
pub use admin::{admin_account, admin_queue};
pub use dashboard::dashboard;
pub use home::{error, landing};
pub use org::{admin_org, org_form, org_page};
pub use password::{change_password, forgot_password, reset_link_invalid, reset_password};
pub use professional::{identification, profile, profile_edit};
pub use psc::{psc_email, psc_error, psc_link};
pub use registration::{confirm, email_sent, link_invalid, signup};
pub use second_factor::{recovery_codes, second_factor_code, second_factor_enrol};
pub use session::login;
pub use settings::{
    closure, email_change, email_change_confirm, email_changed, sessions, settings,
};
pub use terms::{cgu, cgu_refused};

use maud::{Markup, html};

use crate::components::{TextField, post_form, submit_button};
use crate::views::PageContext;

/// The hint of the email field of the sign-up forms (password and Pro Santé Connect).
const EMAIL_HINT: &str = "Nous ne partagerons jamais votre adresse avec un tiers. \
                          Ex : pierre.dupont@gmail.com ou pdupont@pharmacie.du.centre.fr";

/// The "send me the confirmation mail again" form, shared by several pages.
fn resend_form(ctx: &PageContext, email: &str) -> Markup {
    post_form(
        &ctx.csrf_token,
        urls::SIGNUP_RESEND,
        html! {
            (TextField::new("email", "Adresse mail").email().value(email).autocomplete("email"))
            (submit_button("Renvoyer le mail"))
        },
    )
}

#[cfg(test)]
mod admin_tests;
#[cfg(test)]
mod profile_sample;
#[cfg(test)]
mod psc_tests;
#[cfg(test)]
mod tests;
