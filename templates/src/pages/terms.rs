//! Terms of use (CGU): acceptance and refusal pages (step 3).

use maud::{Markup, html};

use crate::components::{error_id, error_summary, form_title, post_form};
use crate::layout;
use crate::views::{CguView, PageContext};

/// The Accept / Refuse buttons: one form, the `decision` field tells which one was pressed.
/// The accept button carries `id="decision"` so the error summary link lands on it.
fn decision_buttons(error: Option<&str>) -> Markup {
    html! {
        div.field.decision.field-has-error[error.is_some()] {
            @if let Some(message) = error {
                p.field-error id=(error_id("decision")) { (message) }
            }
            div.actions {
                button.button id="decision" type="submit" name="decision" value="accepter"
                    aria-describedby=[error.map(|_| error_id("decision"))] { "Accepter" }
                button.button-secondary type="submit" name="decision" value="refuser" {
                    "Refuser"
                }
            }
        }
    }
}

/// The current CGU, to read and accept.
pub fn cgu(ctx: &PageContext, view: &CguView) -> Markup {
    let service = ctx.service_name.as_str();
    let body = html! {
        (error_summary(&view.errors))
        h1 { "Validation des CGU" }
        @if view.new_version {
            div.notice role="status" {
                p {
                    "Les conditions générales d'utilisation ont changé depuis votre dernière "
                    "acceptation. Veuillez prendre connaissance de la nouvelle version et "
                    "l'accepter pour continuer à utiliser " (service) "."
                }
            }
        }
        p {
            "Veuillez valider les CGU afin de pouvoir vous connecter à " (service) " : "
            a href=(urls::CGU_DOCUMENT) { "Télécharger les CGU" }
        }
        p.cgu-version { "Version " (view.version) }
        section.cgu-text tabindex="0"
            aria-label=(format!("Conditions générales d'utilisation de {service}")) {
            @for paragraph in &view.paragraphs {
                p { (paragraph) }
            }
        }
        (post_form(&ctx.csrf_token, urls::CGU, decision_buttons(view.errors.get("decision"))))
    };
    layout::page(
        ctx,
        &form_title("Validation des CGU", !view.errors.is_empty()),
        body,
    )
}

/// After refusing the CGU: the user has been signed out.
pub fn cgu_refused(ctx: &PageContext) -> Markup {
    let service = ctx.service_name.as_str();
    let support = &ctx.support;
    let body = html! {
        h1 { "Vous avez refusé les CGU" }
        p {
            "Le service " (service) " ne peut pas être utilisé sans accepter ses conditions "
            "générales d'utilisation. Vous avez été déconnecté."
        }
        p {
            "Vous pourrez les accepter plus tard : "
            a href=(urls::LOGIN) { "connectez-vous à nouveau" }
            " et les CGU vous seront de nouveau présentées."
        }
        @if !support.organisation.is_empty() {
            p {
                "Pour toute question sur les CGU, contactez le " (support.organisation)
                @if !support.phone.is_empty() { " au " (support.phone) }
                " (coordonnées en bas de page)."
            }
        }
    };
    layout::page(ctx, "CGU refusées", body)
}
