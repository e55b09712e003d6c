//! Reusable pieces shared by the pages: the CSRF field, the error summary, forms, buttons, the
//! form fields of [`fields`] and the Pro Santé Connect button of [`psc`].

mod fields;
mod psc;

pub use fields::{Checkbox, Radio, RadioGroup, Select, TextField, Textarea, error_id, hint_id};
pub use psc::{PSC_INFO_URL, or_separator, psc_alternative, psc_button};

use maud::{Markup, Render, html};

use crate::views::FieldErrors;

/// The hidden anti-CSRF field every form carries.
#[derive(Debug, Clone, Copy)]
pub struct CsrfField<'a>(pub &'a str);

impl Render for CsrfField<'_> {
    fn render(&self) -> Markup {
        html! { input type="hidden" name="csrf_token" value=(self.0); }
    }
}

/// A `POST` form to `action` carrying the CSRF token. The server validates every field, so the
/// browser's own validation is turned off (`novalidate`) to keep one consistent error display.
pub fn post_form(csrf_token: &str, action: &str, body: Markup) -> Markup {
    html! {
        form method="post" action=(action) novalidate {
            (CsrfField(csrf_token))
            (body)
        }
    }
}

/// The primary submit button of a form.
pub fn submit_button(label: &str) -> Markup {
    html! { button.button type="submit" { (label) } }
}

/// A link styled as a button (calls to action on content pages).
pub fn button_link(href: &str, label: &str) -> Markup {
    html! { a.button href=(href) { (label) } }
}

/// The list of field errors at the top of a form, each linking to its field (`#{field}`).
/// Renders nothing when there is no error.
pub fn error_summary(errors: &FieldErrors) -> Markup {
    if errors.is_empty() {
        return html! {};
    }
    summary_box(html! {
        ul.error-summary-list {
            @for (field, message) in &errors.0 {
                li { a href=(format!("#{field}")) { (message) } }
            }
        }
    })
}

/// An error summary holding a single message not tied to a field (e.g. failed sign-in).
pub fn error_summary_message(message: &str) -> Markup {
    summary_box(html! { p { (message) } })
}

/// The summary box. `autofocus` + `tabindex="-1"` move the focus to it on page load without
/// JavaScript, so screen-reader users hear the errors first; `role="alert"` announces it.
fn summary_box(content: Markup) -> Markup {
    html! {
        div.error-summary id="error-summary" role="alert" tabindex="-1"
            aria-labelledby="error-summary-title" autofocus {
            h2.error-summary-title id="error-summary-title" { "Le formulaire contient des erreurs" }
            (content)
        }
    }
}

/// The sentence explaining the required-field marker.
pub fn required_note() -> Markup {
    html! { p.required-note { "Les champs obligatoires sont signalés par une astérisque." } }
}

/// A group of related fields. `hint` is `(id, text)`: the text is shown under the legend and
/// announced with the group through `aria-describedby`.
pub fn fieldset(legend: &str, hint: Option<(&str, &str)>, body: Markup) -> Markup {
    html! {
        fieldset.section aria-describedby=[hint.map(|(id, _)| id)] {
            legend { (legend) }
            @if let Some((id, text)) = hint {
                p.hint id=(id) { (text) }
            }
            (body)
        }
    }
}

/// The page title, prefixed with "Erreur : " when the form has errors, so the problem is the
/// first thing announced when the page loads.
pub fn form_title(title: &str, has_errors: bool) -> String {
    if has_errors {
        format!("Erreur : {title}")
    } else {
        title.to_owned()
    }
}
