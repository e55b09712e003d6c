//! Sign-up and email confirmation pages.

use maud::{Markup, html};

use crate::components::{
    TextField, error_summary, form_title, post_form, psc_alternative, required_note, submit_button,
};
use crate::layout;
use crate::pages::{EMAIL_HINT, resend_form};
use crate::views::{ConfirmView, EmailSentView, LinkInvalidView, PageContext, SignupView};

/// The password policy, announced with the password field.
pub(crate) fn password_policy() -> Markup {
    html! {
        p { "Le mot de passe doit contenir :" }
        ul.policy {
            li { "8 caractères minimum" }
            li { "Une lettre majuscule" }
            li { "Une lettre minuscule" }
            li { "Un chiffre" }
            li { "Un caractère spécial" }
        }
    }
}

/// The sign-up form (step 1), after the Pro Santé Connect button when PSC is configured.
pub fn signup(ctx: &PageContext, view: &SignupView) -> Markup {
    let service = ctx.service_name.as_str();
    let errors = &view.errors;
    let fields = html! {
        (TextField::new("nom", "Nom").value(&view.nom).required()
            .autocomplete("family-name").errors(errors))
        (TextField::new("prenom", "Prénom").value(&view.prenom).required()
            .autocomplete("given-name").errors(errors))
        (TextField::new("email", "Adresse mail").email().value(&view.email).required()
            .autocomplete("email").hint(EMAIL_HINT).errors(errors))
        (TextField::new("mot_de_passe", "Mot de passe").password().required()
            .autocomplete("new-password").hint(password_policy()).errors(errors))
        (TextField::new("confirmation_mot_de_passe", "Confirmer le mot de passe").password()
            .required().autocomplete("new-password").errors(errors))
        (submit_button(&format!("Créer mon compte {service}")))
    };
    let body = html! {
        (error_summary(errors))
        h1 { "Inscrivez-vous à " (service) }
        (psc_alternative(ctx))
        (required_note())
        (post_form(&ctx.csrf_token, urls::SIGNUP, fields))
        p { "Vous avez déjà un compte ? " a href=(urls::LOGIN) { "Connectez-vous" } }
    };
    layout::page(ctx, &form_title("Inscription", !errors.is_empty()), body)
}

/// "Check your mailbox" (step 2), after sign-up, after a resend request, or when a signed-in
/// user has not confirmed the address yet. The wording never tells whether an account exists.
pub fn email_sent(ctx: &PageContext, view: &EmailSentView) -> Markup {
    let title = if view.awaiting_confirmation {
        "Confirmez votre adresse mail"
    } else {
        "Consultez votre messagerie"
    };
    let body = html! {
        h1 { (title) }
        @if view.awaiting_confirmation {
            p {
                "Votre compte est créé, mais vous devez d'abord confirmer votre adresse mail "
                "pour poursuivre votre inscription."
            }
        }
        @if view.resent {
            div.notice role="status" {
                p {
                    "Si un compte en attente de confirmation correspond à cette adresse, un "
                    "nouveau mail vient d'être envoyé."
                }
            }
        } @else {
            p {
                @if let Some(email) = &view.email {
                    "Un mail a été envoyé à l'adresse " strong { (email) } "."
                } @else {
                    "Un mail a été envoyé à l'adresse que vous avez saisie."
                }
            }
        }
        p {
            "Cliquez sur le lien de confirmation qu'il contient. Ce lien est valable "
            (view.valid_hours) " heures."
        }
        h2 { "Vous n'avez pas reçu le mail ?" }
        p {
            "Vérifiez votre dossier de courriers indésirables (spam). Vous pouvez aussi "
            "demander un nouvel envoi :"
        }
        (resend_form(ctx, view.email.as_deref().unwrap_or_default()))
    };
    layout::page(ctx, title, body)
}

/// The page behind the mail's link: confirming takes a click (a POST), because mail scanners
/// open every link they find and would otherwise confirm the address on the user's behalf.
pub fn confirm(ctx: &PageContext, view: &ConfirmView) -> Markup {
    let title = "Confirmer votre adresse mail";
    let body = html! {
        h1 { (title) }
        p { "Pour confirmer votre adresse mail, cliquez sur le bouton ci-dessous." }
        p.hint {
            "Ce clic est nécessaire : les logiciels de sécurité de certaines messageries ouvrent "
            "automatiquement les liens reçus, et ne doivent pas confirmer l'adresse à votre place."
        }
        (post_form(&ctx.csrf_token, &view.action, submit_button("Confirmer mon adresse")))
    };
    layout::page(ctx, title, body)
}

/// An expired, used or unknown confirmation link.
pub fn link_invalid(ctx: &PageContext, view: &LinkInvalidView) -> Markup {
    let title = "Ce lien n'est plus valide";
    let body = html! {
        h1 { (title) }
        p {
            @if view.expired {
                "Ce lien de confirmation a expiré."
            } @else {
                "Ce lien de confirmation a déjà été utilisé ou est incorrect."
            }
        }
        h2 { "Recevoir un nouveau lien" }
        p {
            "Si vous n'avez pas encore confirmé votre adresse, saisissez-la pour recevoir un "
            "nouveau mail de confirmation :"
        }
        (resend_form(ctx, ""))
        p {
            "Votre adresse est déjà confirmée ? " a href=(urls::LOGIN) { "Connectez-vous" }
        }
    };
    layout::page(ctx, title, body)
}
