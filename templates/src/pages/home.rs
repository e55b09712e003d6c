//! The landing page and the error page.

use maud::{Markup, html};

use crate::components::{button_link, psc_alternative};
use crate::layout;
use crate::views::{ErrorView, PageContext};

/// The home page: what the service is, the two kinds of mailbox, and where to start.
pub fn landing(ctx: &PageContext) -> Markup {
    let service = ctx.service_name.as_str();
    let body = html! {
        h1 { "La messagerie sécurisée de santé " (service) }
        p.lead {
            (service) " est une messagerie sécurisée de santé de l'espace de confiance MSSanté. "
            "Elle permet aux professionnels de santé d'échanger en toute sécurité les données de "
            "santé de leurs patients."
        }
        h2 { "Un compte individuel nominatif, trois types de boîte aux lettres" }
        dl.bal-types {
            dt { "BAL PER" }
            dd {
                "Boîte aux lettres personnelle, pour les professionnels de santé disposant d'un "
                "identifiant national (RPPS ou ADELI). Elle donne lieu à une adresse MSSanté "
                "publiée dans l'annuaire national de l'ANS, visible par tous les utilisateurs de "
                "MSSanté (Medimail, Mailiz, Lifen…)."
            }
            dt { "BAL MED" }
            dd {
                "Boîte aux lettres " (service) ", pour les professionnels de santé sans "
                "identifiant national. Elle ne donne pas lieu à une adresse MSSanté : l'adresse "
                "est visible uniquement par les utilisateurs de la MSSanté " (service) "."
            }
            dt { "BAL ORG" }
            dd {
                "Boîte aux lettres organisationnelle, partagée par plusieurs professionnels avec "
                "ou sans identifiant (un secrétariat, un service). Elle donne lieu à une adresse "
                "MSSanté dans l'annuaire MSSanté national de l'ANS, visible par tous les "
                "utilisateurs de MSSanté. On ne peut y accéder qu'à partir d'un compte individuel "
                "nominatif : créez d'abord le vôtre, puis demandez-la depuis votre compte."
            }
        }
        p {
            "Le type de votre boîte personnelle (PER ou MED) dépend de votre réponse à la "
            "question sur l'identifiant national, posée pendant l'inscription."
        }
        (psc_alternative(ctx))
        div.actions {
            (button_link(urls::SIGNUP, "Créer mon compte"))
            a.button-secondary href=(urls::LOGIN) { "Se connecter" }
        }
    };
    layout::page(ctx, "Accueil", body)
}

/// An error page (404, 403, 500…). The reference lets support find the matching log line.
pub fn error(ctx: &PageContext, view: &ErrorView) -> Markup {
    let body = html! {
        h1 { (view.title) }
        p { (view.message) }
        @if let Some(request_id) = &view.request_id {
            p.reference { "Référence : " code { (request_id) } }
        }
        p { a href=(urls::HOME) { "Retour à l'accueil" } }
    };
    layout::page(ctx, &view.title, body)
}
