//! The account page: awaiting validation (step 6), then validated or rejected.

use maud::{Markup, html};

use crate::components::{Checkbox, button_link, fieldset, post_form, submit_button};
use crate::layout;
use crate::views::{AccountStatusView, AccountView, PageContext, Support};

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
            @if let Some(date) = &view.submitted_on {
                dt { "Demande envoyée le" }
                dd { (date) }
            }
            @if let Some(date) = &view.validated_on {
                dt { "Compte validé le" }
                dd { (date) }
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
    layout::page(ctx, PENDING_TITLE, pending_content(ctx, view, html! {}))
}

const PENDING_TITLE: &str = "Compte en attente de validation";

/// The content of the pending page, shared with [`account_status`], which passes its Pro Santé
/// Connect section as `psc` (shown after the summary).
fn pending_content(ctx: &PageContext, view: &AccountView, psc: Markup) -> Markup {
    let service = ctx.service_name.as_str();
    html! {
        h1 { "Votre compte est en attente de validation" }
        p {
            "Un administrateur " (service) " de votre région ou de votre structure doit "
            "vérifier votre compte avant validation."
        }
        p {
            "Le compte sera validé sous 24h à 48h par le " (ctx.support.organisation) ". "
            "Quand le compte est validé, une notification est envoyée par mail."
        }
        @if view.overdue {
            div.notice.notice-overdue role="status" {
                p {
                    strong { "Votre demande attend depuis plus de 48 heures." }
                    " Nous vous prions de nous excuser pour ce délai. Les administrateurs en ont "
                    "été informés ; vous pouvez aussi contacter "
                    @if ctx.support.organisation.is_empty() { "le support" }
                    @else { "le " (ctx.support.organisation) }
                    " :"
                }
                (support_contact(&ctx.support))
            }
        }
        (account_summary(view))
        (profile_edit_link())
        (psc)
        (password_section())
        h2 { "À noter :" }
        ul {
            (address_note(service, view))
            li {
                "Les informations saisies dans le formulaire d'inscription peuvent être "
                "modifiées une fois le compte créé (voir le mode opératoire « Paramétrage "
                "d'une boîte aux lettres " (service) " »)."
            }
        }
    }
}

/// The account page after registration: validated (with the address), rejected (with the
/// reason and the support contact) or still pending (same content as [`account_pending`]).
/// `validated` wins if both flags are set.
pub fn account_status(ctx: &PageContext, view: &AccountStatusView) -> Markup {
    let summary = AccountView {
        prenom: view.prenom.clone(),
        nom: view.nom.clone(),
        email: view.email.clone(),
        bal_type: view.bal_type.clone(),
        address_example: None,
        overdue: view.overdue,
        submitted_on: view.submitted_on.clone(),
        validated_on: view.validated_on.clone(),
    };
    // The profile is complete on every branch: the settings hub is open.
    let psc = html! {
        (psc_section(view))
        (orgs_section(ctx, view))
        (super::settings::settings_link())
    };
    if view.validated {
        let body = html! { (validated_content(ctx, view, &summary)) (psc) (password_section()) };
        layout::page(ctx, "Compte validé", body)
    } else if view.rejected {
        let body = html! { (rejected_content(ctx, view)) (psc) (password_section()) };
        layout::page(ctx, "Demande d'inscription refusée", body)
    } else {
        layout::page(ctx, PENDING_TITLE, pending_content(ctx, &summary, psc))
    }
}

/// The user's BAL ORG (member, responsable, or invited) and the way to request one.
fn orgs_section(ctx: &PageContext, view: &AccountStatusView) -> Markup {
    if view.orgs.is_empty() && !view.may_request_org {
        return html! {};
    }
    html! {
        section.account-orgs aria-labelledby="account-orgs-title" {
            h2 id="account-orgs-title" { "BAL organisationnelles" }
            @if !view.orgs.is_empty() {
                ul.org-list {
                    @for org in &view.orgs {
                        li {
                            @if org.invitation {
                                "Invitation à rejoindre " strong { (org.libelle) }
                                @if !view.may_request_org {
                                    p.hint {
                                        "Vous pourrez accepter cette invitation une fois votre "
                                        "compte individuel validé."
                                    }
                                }
                                div.invitation-actions {
                                    @if view.may_request_org {
                                        (post_form(&ctx.csrf_token,
                                            &urls::org_action(urls::ORG_INVITATION_ACCEPT, org.id, None),
                                            html! { button.button.button-small type="submit" {
                                                "Accepter" span.visually-hidden { " l'invitation à " (org.libelle) }
                                            } }))
                                    }
                                    (post_form(&ctx.csrf_token,
                                        &urls::org_action(urls::ORG_INVITATION_DECLINE, org.id, None),
                                        html! { button.button.button-small.button-secondary type="submit" {
                                            "Refuser" span.visually-hidden { " l'invitation à " (org.libelle) }
                                        } }))
                                }
                            } @else {
                                a href=(urls::org(org.id)) { (org.libelle) }
                                " — " (org.role) " — " (org.status)
                                @if let Some(address) = &org.address { " — " span.org-address { (address) } }
                            }
                        }
                    }
                }
            }
            @if view.may_request_org {
                p { a.button.button-secondary href=(urls::ORG_NEW) { "Demander une BAL organisationnelle" } }
            }
        }
    }
}

/// The link to `/compte/mot-de-passe`.
fn password_section() -> Markup {
    html! {
        section.account-password aria-labelledby="account-password-title" {
            h2 id="account-password-title" { "Mot de passe" }
            p { a href=(urls::ACCOUNT_PASSWORD) { "Changer mon mot de passe" } }
        }
    }
}

/// Pro Santé Connect on the account page: says the account is linked to an e-CPS, or offers to
/// link it when PSC is configured. Linking is a POST (with the CSRF token) that starts the PSC
/// flow, so no other site can trigger it.
fn psc_section(view: &AccountStatusView) -> Markup {
    html! {
        @if view.psc_linked {
            p.psc-linked { "Votre compte est associé à Pro Santé Connect." }
        } @else if view.psc_enabled {
            section.psc-associate aria-labelledby="psc-associate-title" {
                h2 id="psc-associate-title" { "Pro Santé Connect" }
                p {
                    "Associez votre e-CPS (ou votre carte CPS) à ce compte pour vous connecter "
                    "avec Pro Santé Connect, sans mot de passe."
                }
                // A link, not a form: the CSP's form-action would stop a form submission
                // that redirects to PSC's authorization endpoint on another host.
                (button_link(urls::PSC_ASSOCIATE, "Associer ma e-CPS (Pro Santé Connect)"))
            }
        }
    }
}

fn validated_content(ctx: &PageContext, view: &AccountStatusView, summary: &AccountView) -> Markup {
    let service = ctx.service_name.as_str();
    let is_med = view.bal_type == "MED";
    html! {
        h1 { "Votre compte est validé" }
        p {
            "Un administrateur a vérifié et validé votre compte : vous pouvez utiliser la "
            "messagerie sécurisée " (service) "."
        }
        @if let Some(address) = &view.mailbox_address {
            div.mailbox-address {
                p.mailbox-address-label {
                    @if is_med { "Votre adresse de messagerie " (service) " :" }
                    @else { "Votre adresse MSSanté :" }
                }
                p.mailbox-address-value { (address) }
            }
        } @else {
            p { "Votre adresse de messagerie vous est communiquée par mail." }
        }
        @if is_med {
            p {
                "Votre compte BAL MED ne donne pas lieu à une adresse MSSanté : votre adresse "
                "est visible uniquement par les utilisateurs de la MSSanté " (service) "."
            }
        } @else {
            p {
                "C'est une adresse MSSanté visible dans l'annuaire national : tous les "
                "utilisateurs de MSSanté (Medimail, Mailiz, Lifen…) peuvent la trouver et vous "
                "écrire en toute sécurité, sauf si vous avez choisi de ne pas apparaître dans "
                "l'annuaire MSSanté (liste rouge)."
            }
        }
        (account_summary(summary))
        (profile_edit_link())
        (directory_form(ctx, view, is_med))
    }
}

/// The guide: "Les informations saisies dans le formulaire d'inscription peuvent être modifiées
/// une fois le compte créé".
fn profile_edit_link() -> Markup {
    html! { p.profile-edit { a href=(urls::ACCOUNT_PROFILE) { "Modifier mon profil" } } }
}

/// The guide's "Visibilité dans les annuaires", changeable after validation: unticking the
/// MSSanté directory puts the address on the liste rouge.
fn directory_form(ctx: &PageContext, view: &AccountStatusView, is_med: bool) -> Markup {
    let service = ctx.service_name.as_str();
    let body = html! {
        (fieldset("Visibilité dans les annuaires", None, html! {
            (Checkbox::new("annuaire_medimail",
                &format!("Je souhaite apparaître dans l'annuaire {service}"),
                view.annuaire_medimail))
            @if !is_med {
                (Checkbox::new("annuaire_mssante", "Je souhaite apparaître dans l'annuaire MSSanté",
                    view.annuaire_mssante))
            }
        }))
        (submit_button("Enregistrer mes préférences"))
    };
    html! { div #annuaire { (post_form(&ctx.csrf_token, urls::ACCOUNT_DIRECTORY, body)) } }
}

fn rejected_content(ctx: &PageContext, view: &AccountStatusView) -> Markup {
    let service = ctx.service_name.as_str();
    let support = &ctx.support;
    let reason = view
        .rejection_reason
        .as_deref()
        .map(str::trim)
        .filter(|reason| !reason.is_empty());
    html! {
        h1 { "Votre demande d'inscription a été refusée" }
        p {
            "Un administrateur " (service) " a examiné votre demande d'inscription et ne l'a "
            "pas validée."
        }
        h2 { "Motif du refus" }
        @if let Some(reason) = reason {
            blockquote.reason { p { (reason) } }
        } @else {
            p { "Aucun motif n'a été précisé." }
        }
        h2 { "Que faire ?" }
        p {
            "Si vous pensez qu'il s'agit d'une erreur, ou pour savoir comment compléter votre "
            "demande, contactez "
            @if support.organisation.is_empty() { "le support" }
            @else { "le " (support.organisation) }
            " :"
        }
        (support_contact(support))
    }
}

/// The support's phone and online form, as a list (empty settings are skipped).
fn support_contact(support: &Support) -> Markup {
    html! {
        ul.support-contact {
            @if !support.phone.is_empty() {
                li {
                    "Par téléphone : "
                    a.phone href=(layout::tel_uri(&support.phone)) { (support.phone) }
                    @if !support.hours.is_empty() { " (" (support.hours) ")" }
                }
            }
            @if !support.form_url.is_empty() {
                li { a href=(support.form_url) { "Par le formulaire en ligne" } }
            }
            @if support.phone.is_empty() && support.form_url.is_empty() {
                li { "Coordonnées en bas de page." }
            }
        }
    }
}
