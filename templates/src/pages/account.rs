//! The account page shown while the account awaits validation (step 6).

use maud::{Markup, html};

use crate::layout;
use crate::views::{AccountView, PageContext};

/// The guide's example, used when the app has no example for the user's profession.
const DEFAULT_ADDRESS_EXAMPLE: &str = "prenom.nom@pharmacien.oc.mssante.fr";

fn account_summary(view: &AccountView) -> Markup {
    html! {
        dl.summary {
            dt { "Nom" }
            dd { (view.prenom) " " (view.nom) }
            dt { "Adresse mail" }
            dd { (view.email) }
            @if !view.bal_type.is_empty() {
                dt { "Type de boîte aux lettres" }
                dd { "BAL " (view.bal_type) }
            }
        }
    }
}

/// The "À noter" item about the mailbox address, which depends on the mailbox type.
fn address_note(service: &str, view: &AccountView) -> Markup {
    if view.bal_type == "MED" {
        return html! {
            li {
                "Votre compte BAL MED ne donne pas lieu à une adresse MSSanté : votre adresse "
                "est visible uniquement par les utilisateurs de la MSSanté " (service) "."
            }
        };
    }
    html! {
        li {
            "Une adresse MSSanté est associée à tous les comptes avec identifiant RPPS."
            br;
            @if let Some(example) = &view.address_example {
                "Ex : votre adresse MSSanté se présentera sous la forme " strong { (example) }
            } @else {
                "Ex : pour les pharmaciens l'adresse MSSanté se présente sous la forme "
                strong { (DEFAULT_ADDRESS_EXAMPLE) }
            }
        }
    }
}

/// The account is registered and waits for an administrator's validation.
pub fn account_pending(ctx: &PageContext, view: &AccountView) -> Markup {
    let service = ctx.service_name.as_str();
    let body = html! {
        h1 { "Votre compte est en attente de validation" }
        p {
            "Un administrateur " (service) " de votre région ou de votre structure doit "
            "vérifier votre compte avant validation."
        }
        p {
            "Le compte sera validé sous 24h à 48h par le " (ctx.support.organisation) ". "
            "Quand le compte est validé, une notification est envoyée par mail."
        }
        (account_summary(view))
        h2 { "À noter :" }
        ul {
            (address_note(service, view))
            li {
                "Les informations saisies dans le formulaire d'inscription peuvent être "
                "modifiées une fois le compte créé (voir le mode opératoire « Paramétrage "
                "d'une boîte aux lettres " (service) " »)."
            }
        }
    };
    layout::page(ctx, "Compte en attente de validation", body)
}
