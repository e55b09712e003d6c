//! The account's settings (issue 9): the hub `/compte/parametres`, the sessions page
//! `/compte/sessions` and the closure page `/compte/fermeture`.

use maud::{Markup, html};

use crate::components::{
    TextField, Textarea, button_link, error_summary, error_summary_message, form_title, post_form,
    submit_button,
};
use crate::layout;
use crate::views::{ClosureView, EmailChangeView, PageContext, SessionsView, SettingsView};

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "Oui",
        Some(false) => "Non",
        None => "Non renseigné",
    }
}

/// The settings hub: one section per theme of the guide's "Paramétrage", each linking to the
/// page that changes it.
pub fn settings(ctx: &PageContext, view: &SettingsView) -> Markup {
    let service = ctx.service_name.as_str();
    let body = html! {
        p.back-link { a href=(urls::ACCOUNT) { "Retour à mon compte" } }
        h1 { "Paramètres du compte" }
        section.settings-section #profil aria-labelledby="profil-title" {
            h2 id="profil-title" { "Profil" }
            p {
                "Les informations professionnelles saisies lors de votre inscription. Une "
                "modification de votre identité (nom, profession, identifiant national, région) "
                "est soumise à un administrateur une fois le compte validé."
            }
            p { a href=(urls::ACCOUNT_PROFILE) { "Modifier mon profil" } }
        }
        section.settings-section #visibilite aria-labelledby="visibilite-title" {
            h2 id="visibilite-title" { "Visibilité et dématérialisation" }
            dl.summary {
                dt { "Annuaire " (service) }
                dd { (yes_no(Some(view.annuaire_medimail))) }
                dt { "Annuaire MSSanté" }
                dd { (yes_no(Some(view.annuaire_mssante))) }
                dt { "Dématérialisation" }
                dd { (yes_no(view.dematerialisation)) }
            }
            p { a href=(urls::ACCOUNT_PROFILE) { "Modifier la dématérialisation" } }
            @if view.validated {
                p { a href=(format!("{}#annuaire", urls::ACCOUNT)) {
                    "Modifier ma visibilité dans les annuaires"
                } }
            } @else {
                p { "Votre visibilité dans les annuaires se règle une fois le compte validé." }
            }
        }
        section.settings-section #notifications aria-labelledby="notifications-title" {
            h2 id="notifications-title" { "Notifications" }
            dl.summary {
                dt { "Notification de réception des messages" }
                dd { (yes_no(view.notification)) }
            }
            p { a href=(urls::ACCOUNT_PROFILE) { "Modifier mes notifications" } }
        }
        section.settings-section #securite aria-labelledby="securite-title" {
            h2 id="securite-title" { "Sécurité" }
            ul.settings-links {
                li {
                    a href=(urls::ACCOUNT_PASSWORD) {
                        @if view.has_password { "Changer mon mot de passe" }
                        @else { "Définir un mot de passe" }
                    }
                }
                li {
                    "Carte e-CPS : "
                    @if view.psc_linked {
                        "associée à ce compte (Pro Santé Connect)."
                    } @else if view.psc_enabled {
                        a href=(urls::PSC_ASSOCIATE) { "associer ma e-CPS (Pro Santé Connect)" }
                    } @else {
                        "non associée."
                    }
                }
                li { a href=(urls::ACCOUNT_SESSIONS) { "Mes sessions ouvertes" } }
            }
        }
        section.settings-section #adresse-mail aria-labelledby="email-title" {
            h2 id="email-title" { "Adresse mail" }
            p { "Adresse mail de contact et de connexion : " strong.settings-email { (view.email) } }
            p { a href=(urls::ACCOUNT_EMAIL) { "Changer d'adresse mail" } }
        }
        section.settings-section #donnees aria-labelledby="donnees-title" {
            h2 id="donnees-title" { "Mes données" }
            p {
                "Téléchargez toutes les données personnelles que " (service) " conserve sur "
                "votre compte, dans un fichier JSON."
            }
            p { a href=(urls::ACCOUNT_EXPORT) download { "Télécharger mes données" } }
        }
        section.settings-section #fermeture aria-labelledby="fermeture-title" {
            h2 id="fermeture-title" { "Fermer mon compte" }
            p { a href=(urls::ACCOUNT_CLOSE) { "Fermer mon compte" } }
        }
    };
    layout::page(ctx, "Paramètres du compte", body)
}

/// The live sessions, the current one marked, each with its close button.
pub fn sessions(ctx: &PageContext, view: &SessionsView) -> Markup {
    let others = view.sessions.iter().filter(|s| !s.current).count();
    let body = html! {
        p.back-link { a href=(urls::ACCOUNT_SETTINGS) { "Retour aux paramètres" } }
        h1 { "Mes sessions ouvertes" }
        p {
            "Chaque navigateur connecté à votre compte a sa session. Fermez celles que vous ne "
            "reconnaissez pas, puis changez votre mot de passe."
        }
        div.table-wrapper role="region" aria-labelledby="sessions-caption" tabindex="0" {
            table.data-table.sessions {
                caption.visually-hidden id="sessions-caption" { "Sessions ouvertes" }
                thead {
                    tr {
                        th scope="col" { "Navigateur" }
                        th scope="col" { "Adresse" }
                        th scope="col" { "Ouverte le" }
                        th scope="col" { "Dernière activité" }
                        th scope="col" { span.visually-hidden { "Action" } }
                    }
                }
                tbody {
                    @for row in &view.sessions {
                        tr.session data-current[row.current] {
                            th scope="row" {
                                (row.browser)
                                @if row.current {
                                    " " span.badge.badge-neutral.current-session { "cette session" }
                                }
                            }
                            td.client-ip { (row.client_ip) }
                            td { (row.started_at) }
                            td { (row.last_seen_at) }
                            td {
                                @if !row.current {
                                    (post_form(&ctx.csrf_token, urls::ACCOUNT_SESSIONS_CLOSE, html! {
                                        input type="hidden" name="session" value=(row.public_id);
                                        button.button-secondary type="submit" { "Fermer" }
                                    }))
                                }
                            }
                        }
                    }
                }
            }
        }
        @if others > 0 {
            (post_form(&ctx.csrf_token, urls::ACCOUNT_SESSIONS_CLOSE, html! {
                input type="hidden" name="session" value="toutes";
                (submit_button("Fermer toutes les autres sessions"))
            }))
        }
    };
    layout::page(ctx, "Mes sessions ouvertes", body)
}

/// Closing the account: what it does, then the password and an optional reason. A PSC-only
/// account (no password) is told to ask support.
pub fn closure(ctx: &PageContext, view: &ClosureView) -> Markup {
    let service = ctx.service_name.as_str();
    let title = "Fermer mon compte";
    let body = html! {
        p.back-link { a href=(urls::ACCOUNT_SETTINGS) { "Retour aux paramètres" } }
        (error_summary(&view.errors))
        @if !view.last_responsable_of.is_empty() {
            (error_summary_message(&format!(
                "Votre compte n'a pas été fermé : vous êtes le seul responsable de la BAL \
                 organisationnelle {}. Nommez un autre membre responsable, ou fermez la BAL, \
                 depuis sa page, puis fermez votre compte.",
                view.last_responsable_of.iter().map(|l| format!("« {l} »")).collect::<Vec<_>>().join(", ")
            )))
            p { a href=(urls::ACCOUNT) { "Voir mes BAL organisationnelles" } }
        }
        h1 { (title) }
        p { "Fermer votre compte " (service) " :" }
        ul {
            li { "vous déconnecte de tous vos navigateurs ;" }
            li { "retire votre adresse des annuaires ;" }
            @if let Some(address) = &view.mailbox_address {
                li {
                    "arrête votre adresse " strong { (address) } ", qui restera réservée : elle "
                    "ne sera jamais attribuée à quelqu'un d'autre ;"
                }
            }
            li {
                "conserve vos données " (view.retention_days) " jours, puis les supprime. "
                "Téléchargez-les avant si vous le souhaitez : "
                a href=(urls::ACCOUNT_EXPORT) download { "mes données" } "."
            }
        }
        @if view.psc_reauthenticated {
            (post_form(&ctx.csrf_token, urls::ACCOUNT_CLOSE, html! {
                (Textarea::new("motif", "Motif (facultatif)").value(&view.motif)
                    .hint("Nous aide à améliorer le service.").errors(&view.errors))
                button.button.button-danger type="submit" { "Fermer définitivement mon compte" }
            }))
        } @else if !view.has_password {
            (psc_reauth_prompt())
        } @else {
            (post_form(&ctx.csrf_token, urls::ACCOUNT_CLOSE, html! {
                (TextField::new("mot_de_passe_actuel", "Mot de passe actuel").password()
                    .required().autocomplete("current-password").errors(&view.errors))
                (Textarea::new("motif", "Motif (facultatif)").value(&view.motif)
                    .hint("Nous aide à améliorer le service.").errors(&view.errors))
                button.button.button-danger type="submit" { "Fermer définitivement mon compte" }
            }))
        }
    };
    layout::page(
        ctx,
        &form_title(
            title,
            !view.errors.is_empty() || !view.last_responsable_of.is_empty(),
        ),
        body,
    )
}

/// `/compte/email`: the new address and the current password; after a request, the same
/// answer whether or not the address was free.
pub fn email_change(ctx: &PageContext, view: &EmailChangeView) -> Markup {
    let title = "Changer d'adresse mail";
    let body = html! {
        p.back-link { a href=(urls::ACCOUNT_SETTINGS) { "Retour aux paramètres" } }
        (error_summary(&view.errors))
        h1 { (title) }
        p { "Adresse actuelle : " strong.current-email { (view.current_email) } }
        @if view.sent {
            div.notice role="status" {
                p {
                    "Si cette adresse peut être utilisée, un lien de confirmation vient d'y être "
                    "envoyé. Votre adresse ne change qu'une fois ce lien suivi. Un message "
                    "d'information a aussi été envoyé à votre adresse actuelle."
                }
            }
        } @else if view.has_password {
            p {
                "Un lien de confirmation sera envoyé à la nouvelle adresse : le changement n'a "
                "lieu qu'une fois ce lien suivi. Votre adresse actuelle en est informée."
            }
            (post_form(&ctx.csrf_token, urls::ACCOUNT_EMAIL, html! {
                (TextField::new("nouvel_email", "Nouvelle adresse mail").email()
                    .value(&view.nouvel_email).required().errors(&view.errors))
                (TextField::new("mot_de_passe_actuel", "Mot de passe actuel").password()
                    .required().autocomplete("current-password").errors(&view.errors))
                (submit_button("Envoyer le lien de confirmation"))
            }))
        } @else if view.psc_reauthenticated {
            p {
                "Vous venez de vous connecter avec Pro Santé Connect : un lien de confirmation "
                "sera envoyé à la nouvelle adresse, et votre adresse actuelle en sera informée."
            }
            (post_form(&ctx.csrf_token, urls::ACCOUNT_EMAIL, html! {
                (TextField::new("nouvel_email", "Nouvelle adresse mail").email()
                    .value(&view.nouvel_email).required().errors(&view.errors))
                (submit_button("Envoyer le lien de confirmation"))
            }))
        } @else {
            (psc_reauth_prompt())
        }
    };
    layout::page(ctx, &form_title(title, !view.errors.is_empty()), body)
}

/// `GET /compte/email/confirmation/{token}`: a button, so that a mail scanner fetching the
/// link does not use it up.
pub fn email_change_confirm(ctx: &PageContext, action: &str) -> Markup {
    let title = "Confirmer votre nouvelle adresse mail";
    let body = html! {
        h1 { (title) }
        p { "Confirmez pour faire de cette adresse l'adresse de contact de votre compte." }
        (post_form(&ctx.csrf_token, action, html! {
            (submit_button("Confirmer ma nouvelle adresse"))
        }))
    };
    layout::page(ctx, title, body)
}

/// The change is done.
pub fn email_changed(ctx: &PageContext, new_email: &str) -> Markup {
    let title = "Adresse mail modifiée";
    let body = html! {
        h1 { (title) }
        p {
            "L'adresse de contact de votre compte est désormais " strong { (new_email) } ". "
            "Utilisez-la pour vous connecter."
        }
        p { a href=(urls::LOGIN) { "Se connecter" } }
    };
    layout::page(ctx, title, body)
}

/// An account without a password confirms a sensitive change by signing in again with Pro
/// Santé Connect (a link: the CSP's form-action would stop a form redirecting to PSC).
fn psc_reauth_prompt() -> Markup {
    html! {
        div.psc-reauth {
            p {
                "Votre compte n'a pas de mot de passe : pour confirmer qu'il s'agit bien de vous, "
                "reconnectez-vous avec Pro Santé Connect, puis revenez sur cette page dans les "
                "minutes qui suivent."
            }
            (button_link(urls::PSC_LOGIN, "Se reconnecter avec Pro Santé Connect"))
        }
    }
}

/// The account page's link to the settings hub.
pub(super) fn settings_link() -> Markup {
    html! { p.settings-link { (button_link(urls::ACCOUNT_SETTINGS, "Paramètres du compte")) } }
}
