//! Pro Santé Connect pages: the email a new PSC user gives, the link of an e-CPS to an existing
//! password account, and the failed sign-in page.

use maud::{Markup, html};

use crate::components::{
    TextField, button_link, error_summary, form_title, post_form, required_note, submit_button,
};
use crate::layout;
use crate::pages::EMAIL_HINT;
use crate::views::{PageContext, PscEmailView, PscErrorView, PscLinkView};

/// A new PSC user gives an email address: PSC sends none. The same confirmation mail as the
/// password sign-up follows.
pub fn psc_email(ctx: &PageContext, view: &PscEmailView) -> Markup {
    let errors = &view.errors;
    let title = "Votre adresse mail";
    let name = [view.prenom.trim(), view.nom.trim()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let fields = html! {
        (TextField::new("email", "Adresse mail").email().value(&view.email).required()
            .autocomplete("email").hint(EMAIL_HINT).errors(errors))
        (submit_button("Continuer"))
    };
    let body = html! {
        (error_summary(errors))
        h1 { (title) }
        p.lead {
            @if name.is_empty() { "Bonjour," } @else { "Bonjour " (name) "," }
        }
        p {
            "Vous êtes identifié(e) par Pro Santé Connect, qui ne transmet pas d'adresse mail. "
            "Indiquez l'adresse à laquelle vous souhaitez recevoir les informations de votre "
            "compte " (ctx.service_name) "."
        }
        p {
            "Nous allons vous envoyer un mail de confirmation à cette adresse : cliquez sur le "
            "lien qu'il contient pour poursuivre votre inscription."
        }
        (required_note())
        (post_form(&ctx.csrf_token, urls::PSC_EMAIL, fields))
    };
    layout::page(ctx, &form_title(title, !errors.is_empty()), body)
}

/// A PSC sign-in whose RPPS or email matches an account not linked yet: never a silent merge,
/// the account's password confirms the link. The password is never rendered back.
pub fn psc_link(ctx: &PageContext, view: &PscLinkView) -> Markup {
    let errors = &view.errors;
    let title = "Associer votre e-CPS à votre compte";
    let matched_on = view.matched_on.trim();
    let fields = html! {
        (TextField::new("mot_de_passe", "Mot de passe de ce compte").password().required()
            .autocomplete("current-password").errors(errors))
        div.actions {
            (submit_button("Associer et me connecter"))
            a.button-secondary href=(urls::HOME) { "Annuler" }
        }
    };
    let body = html! {
        (error_summary(errors))
        h1 { (title) }
        p {
            "Un compte " (ctx.service_name)
            @if !matched_on.is_empty() { " correspondant à votre " (matched_on) }
            " existe déjà : " strong.masked-email { (view.masked_email) } "."
        }
        p {
            "Pour associer votre e-CPS à ce compte, saisissez son mot de passe. Vous pourrez "
            "ensuite vous connecter avec Pro Santé Connect ou avec votre mot de passe."
        }
        p.hint {
            "Ce compte n'est pas le vôtre ? Annulez, puis contactez le support (coordonnées en bas "
            "de page)."
        }
        (required_note())
        (post_form(&ctx.csrf_token, urls::PSC_LINK, fields))
    };
    layout::page(ctx, &form_title(title, !errors.is_empty()), body)
}

/// A failed PSC sign-in (cancelled at PSC, PSC unreachable, replayed or forged callback…), with a
/// way to try again when it makes sense, and the password sign-in as the alternative.
pub fn psc_error(ctx: &PageContext, view: &PscErrorView) -> Markup {
    let body = html! {
        h1 { (view.title) }
        p { (view.message) }
        @if view.retry {
            div.actions { (button_link(urls::PSC_LOGIN, "Réessayer avec Pro Santé Connect")) }
            p {
                "Vous pouvez aussi "
                a href=(urls::LOGIN) { "vous connecter avec votre adresse mail et votre mot de passe" }
                "."
            }
        }
        p { a href=(urls::HOME) { "Retour à l'accueil" } }
    };
    layout::page(ctx, &view.title, body)
}
