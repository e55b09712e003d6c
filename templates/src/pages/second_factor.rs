//! The administrators' second factor: enrolment (QR code and secret), the code page, and the
//! recovery codes shown once.

use maud::{Markup, PreEscaped, html};

use crate::components::{TextField, error_summary, form_title, post_form, submit_button};
use crate::layout;
use crate::views::{PageContext, RecoveryCodesView, SecondFactorCodeView, SecondFactorEnrolView};

/// The code field, shared by both forms: digits, filled in by password managers as a one-time
/// code (`autocomplete="one-time-code"`).
fn code_field<'a>(
    label: &'a str,
    errors: &'a crate::views::FieldErrors,
    hint: Markup,
) -> TextField<'a> {
    TextField::new("code", label)
        .required()
        .autocomplete("one-time-code")
        .hint(hint)
        .errors(errors)
}

/// The secret in groups of four characters, as authenticator apps accept it typed in.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `/admin/double-authentification`.
pub fn second_factor_enrol(ctx: &PageContext, view: &SecondFactorEnrolView) -> Markup {
    let title = "Activer la double authentification";
    let errors = &view.errors;
    let body = html! {
        (error_summary(errors))
        h1 { (title) }
        @if view.unavailable {
            div.notice role="alert" {
                p {
                    "La double authentification n'est pas encore configurée sur ce service : "
                    "l'accès à la console d'administration est impossible pour le moment. "
                    "Contactez le support, ou connectez-vous avec Pro Santé Connect."
                }
            }
        } @else {
            p {
                "La console d'administration exige un second facteur d'authentification. "
                "Installez une application d'authentification (FreeOTP, Google Authenticator, "
                "Microsoft Authenticator…) sur votre téléphone, puis :"
            }
            ol {
                li { "scannez ce QR code avec l'application ;" }
                li { "saisissez ci-dessous le code à 6 chiffres qu'elle affiche." }
            }
            figure.qr-code {
                (PreEscaped(&view.qr_svg))
                figcaption {
                    "Impossible de scanner ? Saisissez cette clé dans l'application "
                    "(type « basé sur le temps ») : "
                    code.totp-secret { (grouped(&view.secret)) }
                }
            }
            (post_form(&ctx.csrf_token, urls::ADMIN_SECOND_FACTOR, html! {
                (code_field("Code à 6 chiffres", errors,
                    html! { "Le code change toutes les 30 secondes." }).inputmode("numeric"))
                (submit_button("Activer"))
            }))
        }
    };
    layout::page(ctx, &form_title(title, !errors.is_empty()), body)
}

/// `/admin/double-authentification/code`.
pub fn second_factor_code(ctx: &PageContext, view: &SecondFactorCodeView) -> Markup {
    let title = "Double authentification";
    let errors = &view.errors;
    let body = html! {
        (error_summary(errors))
        h1 { (title) }
        p {
            "Pour ouvrir la console d'administration, saisissez le code à 6 chiffres affiché "
            "par votre application d'authentification."
        }
        (post_form(&ctx.csrf_token, urls::ADMIN_SECOND_FACTOR_CODE, html! {
            (code_field("Code", errors, html! {
                "Téléphone perdu ? Saisissez l'un de vos codes de secours (chacun ne sert "
                "qu'une fois)."
            }))
            (submit_button("Valider"))
        }))
        p.hint {
            "Plus de téléphone ni de code de secours ? Contactez le support : il réinitialisera "
            "votre double authentification."
        }
    };
    layout::page(ctx, &form_title(title, !errors.is_empty()), body)
}

/// The answer to a successful enrolment: the recovery codes, shown this once.
pub fn recovery_codes(ctx: &PageContext, view: &RecoveryCodesView) -> Markup {
    let title = "Vos codes de secours";
    let body = html! {
        h1 { (title) }
        div.notice role="status" {
            p { "La double authentification est activée." }
        }
        p {
            "Conservez ces " (view.codes.len()) " codes en lieu sûr (gestionnaire de mots de "
            "passe, papier sous clé) : chacun remplace une fois le code de l'application si "
            "vous perdez votre téléphone. Ils ne seront plus jamais affichés."
        }
        ul.recovery-codes {
            @for code in &view.codes { li { code { (code) } } }
        }
        p { a.button href=(urls::ADMIN) { "J'ai noté mes codes, continuer vers la console" } }
    };
    layout::page(ctx, title, body)
}
