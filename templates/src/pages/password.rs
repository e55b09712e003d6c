//! Password reset ("Mot de passe oublié ?") and change pages.

use maud::{Markup, html};

use crate::components::{
    TextField, error_summary, form_title, post_form, required_note, submit_button,
};
use crate::layout;
use crate::pages::registration::password_policy;
use crate::views::{
    ChangePasswordView, FieldErrors, ForgotPasswordView, LinkInvalidView, PageContext,
    ResetPasswordView,
};

/// The new password and its confirmation, with the sign-up policy announced.
fn new_password_fields(errors: &FieldErrors) -> Markup {
    html! {
        (TextField::new("mot_de_passe", "Nouveau mot de passe").password().required()
            .autocomplete("new-password").hint(password_policy()).errors(errors))
        (TextField::new("confirmation_mot_de_passe", "Confirmer le nouveau mot de passe")
            .password().required().autocomplete("new-password").errors(errors))
    }
}

/// `/mot-de-passe/oubli`: the request form, then (`sent`) one answer whatever the address, so
/// the page never tells whether an account exists.
pub fn forgot_password(ctx: &PageContext, view: &ForgotPasswordView) -> Markup {
    let title = "Mot de passe oublié";
    let errors = &view.errors;
    let body = html! {
        (error_summary(errors))
        h1 { (title) }
        @if view.sent {
            div.notice role="status" {
                p {
                    "Si un compte correspond à cette adresse, un mail contenant un lien pour "
                    "choisir un nouveau mot de passe vient d'y être envoyé. Ce lien est valable "
                    (view.valid_minutes) " minutes."
                }
            }
            p {
                "Vous n'avez rien reçu ? Vérifiez votre dossier de courriers indésirables (spam), "
                "puis vous pouvez refaire une demande : seul le dernier lien envoyé fonctionne."
            }
        } @else {
            p {
                "Saisissez l'adresse mail de votre compte : nous vous enverrons un lien pour "
                "choisir un nouveau mot de passe."
            }
            p.hint {
                "Vous vous connectez avec Pro Santé Connect et n'avez pas de mot de passe ? "
                "Ce formulaire vous permet d'en créer un."
            }
        }
        (post_form(&ctx.csrf_token, urls::PASSWORD_FORGOT, html! {
            (TextField::new("email", "Adresse mail").email().value(&view.email).required()
                .autocomplete("email").errors(errors))
            (submit_button("Recevoir un lien"))
        }))
        p { a href=(urls::LOGIN) { "Retour à la connexion" } }
    };
    layout::page(ctx, &form_title(title, !errors.is_empty()), body)
}

/// The page behind the reset link: the new password form.
pub fn reset_password(ctx: &PageContext, view: &ResetPasswordView) -> Markup {
    let title = "Choisir un nouveau mot de passe";
    let errors = &view.errors;
    let body = html! {
        (error_summary(errors))
        h1 { (title) }
        p {
            "Une fois le mot de passe enregistré, toutes les sessions ouvertes sur votre compte "
            "sont fermées : vous vous connecterez avec le nouveau mot de passe."
        }
        (required_note())
        (post_form(&ctx.csrf_token, &view.action, html! {
            (new_password_fields(errors))
            (submit_button("Enregistrer le mot de passe"))
        }))
    };
    layout::page(ctx, &form_title(title, !errors.is_empty()), body)
}

/// An expired, used or unknown reset link.
pub fn reset_link_invalid(ctx: &PageContext, view: &LinkInvalidView) -> Markup {
    let title = "Ce lien n'est plus valide";
    let body = html! {
        h1 { (title) }
        p {
            @if view.expired {
                "Ce lien de réinitialisation du mot de passe a expiré."
            } @else {
                "Ce lien de réinitialisation du mot de passe a déjà été utilisé, a été remplacé "
                "par un lien plus récent, ou est incorrect."
            }
        }
        p { a href=(urls::PASSWORD_FORGOT) { "Demander un nouveau lien" } }
    };
    layout::page(ctx, title, body)
}

/// `/compte/mot-de-passe`. An account without a password (Pro Santé Connect only) is sent to
/// "Mot de passe oublié ?", whose mailed link proves the mailbox before a password is set.
pub fn change_password(ctx: &PageContext, view: &ChangePasswordView) -> Markup {
    let title = "Changer mon mot de passe";
    let errors = &view.errors;
    let body = html! {
        (error_summary(errors))
        p.back-link { a href=(urls::ACCOUNT) { "Retour à mon compte" } }
        h1 { (title) }
        @if view.has_password {
            p {
                "Les autres sessions ouvertes sur votre compte seront fermées ; celle-ci reste "
                "ouverte."
            }
            (required_note())
            (post_form(&ctx.csrf_token, urls::ACCOUNT_PASSWORD, html! {
                (TextField::new("mot_de_passe_actuel", "Mot de passe actuel").password()
                    .required().autocomplete("current-password").errors(errors))
                (new_password_fields(errors))
                (submit_button("Changer le mot de passe"))
            }))
        } @else {
            p {
                "Votre compte n'a pas de mot de passe : vous vous connectez avec Pro Santé "
                "Connect. Pour en créer un, utilisez "
                a href=(urls::PASSWORD_FORGOT) { "« Mot de passe oublié ? »" }
                " : un lien vous sera envoyé par mail."
            }
        }
    };
    layout::page(ctx, &form_title(title, !errors.is_empty()), body)
}
