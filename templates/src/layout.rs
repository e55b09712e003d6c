//! The page shell. [`page`] is the only function emitting `DOCTYPE`, `<head>`, the header and
//! the footer; pages pass it their content. No script and no inline style anywhere: the
//! Content-Security-Policy forbids both.

use maud::{DOCTYPE, Markup, html};

use crate::components::CsrfField;
use crate::views::{PageContext, Step, Support};

/// A full HTML page titled "{title} – {service}" around `body`; on the registration journey
/// "{title} – Étape N sur 6 – {service}", so the title names the step (RGAA 8.6).
pub fn page(ctx: &PageContext, title: &str, body: Markup) -> Markup {
    let step = ctx
        .step
        .map(|step| format!(" – Étape {} sur {}", step_index(step) + 1, STEPS.len()))
        .unwrap_or_default();
    html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // Confirmation URLs carry a token: never send them to other sites as Referer.
                // "same-origin" (unlike "no-referrer") keeps the Origin header on our own POSTs.
                meta name="referrer" content="same-origin";
                title { (title) (step) " – " (ctx.service_name) }
                link rel="stylesheet" href=(urls::STYLESHEET);
            }
            body {
                a.skip-link href="#contenu" { "Aller au contenu" }
                (header(ctx))
                main.container id="contenu" tabindex="-1" {
                    @if let Some(step) = ctx.step { (step_indicator(step)) }
                    @if let Some(notice) = &ctx.notice {
                        div.notice role="status" { p { (notice) } }
                    }
                    (body)
                }
                (footer(&ctx.support))
            }
        }
    }
}

fn header(ctx: &PageContext) -> Markup {
    html! {
        header.site-header {
            div.container.site-header-inner {
                div.brand {
                    a.service-name href=(urls::HOME) { (ctx.service_name) }
                    p.tagline { "Messagerie sécurisée de santé" }
                }
                @if ctx.signed_in {
                    form.logout method="post" action=(urls::LOGOUT) {
                        (CsrfField(&ctx.csrf_token))
                        button.button-secondary type="submit" { "Se déconnecter" }
                    }
                }
            }
        }
    }
}

/// The registration steps of the operator's guide, in order.
const STEPS: [&str; 6] = [
    "Inscription",
    "Confirmation de l'adresse mail",
    "Conditions générales d'utilisation",
    "Identification professionnelle",
    "Profil professionnel",
    "Validation du compte",
];

fn step_index(step: Step) -> usize {
    match step {
        Step::Inscription => 0,
        Step::Confirmation => 1,
        Step::Cgu => 2,
        Step::Identification => 3,
        Step::Profil => 4,
        Step::Validation => 5,
    }
}

/// Where the user is in the registration journey: "Étape N sur 6" in words, then the done
/// steps, the current one and the rest. The sentence is what a screen reader reads first in
/// `<main>`; the list names it with `aria-labelledby` and marks the current step.
pub fn step_indicator(current: Step) -> Markup {
    let current = step_index(current);
    html! {
        p.step-status id="etape-courante" {
            "Étape " (current + 1) " sur " (STEPS.len()) " : " strong { (STEPS[current]) }
        }
        ol.steps aria-labelledby="etape-courante" {
            @for (index, label) in STEPS.iter().enumerate() {
                @let done = index < current;
                @let is_current = index == current;
                li.step.step-done[done].step-current[is_current]
                    aria-current=[is_current.then_some("step")] {
                    span.step-number { (index + 1) }
                    span.step-label {
                        (label)
                        @if done { span.visually-hidden { " (terminée)" } }
                    }
                }
            }
        }
    }
}

/// `tel:` URI for a displayed phone number ("0 820 250 035" → "tel:0820250035").
pub(crate) fn tel_uri(phone: &str) -> String {
    let digits: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    format!("tel:{digits}")
}

/// The support contact block (end of the operator's guide). Empty settings are skipped.
pub fn footer(support: &Support) -> Markup {
    html! {
        footer.site-footer {
            div.container {
                h2.footer-title {
                    "Une question ? Besoin d'aide ? "
                    @if support.organisation.is_empty() {
                        "Contactez-nous !"
                    } @else {
                        "Contactez le " (support.organisation) " !"
                    }
                }
                ul.footer-contacts {
                    @if !support.form_url.is_empty() {
                        li { a href=(support.form_url) { "Formulaire en ligne" } }
                    }
                    @if !support.phone.is_empty() {
                        li {
                            a.phone href=(tel_uri(&support.phone)) { (support.phone) }
                            @if !support.phone_note.is_empty() {
                                " " span.phone-note { (support.phone_note) }
                            }
                        }
                    }
                    @if !support.hours.is_empty() {
                        li { (support.hours) }
                    }
                }
                @if !support.appointment_url.is_empty() {
                    p.footer-appointment {
                        a href=(support.appointment_url) { "Prenez RDV en ligne" }
                        " : service d'accompagnement à la création d'une BAL individuelle "
                        "et organisationnelle."
                    }
                }
                // The RGAA asks for the conformance status on every page, linked to the
                // statement.
                p.footer-legal {
                    a href=(urls::ACCESSIBILITY) { "Accessibilité : partiellement conforme" }
                }
            }
        }
    }
}
