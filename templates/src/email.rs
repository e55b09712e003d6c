//! Emails, each a subject / plain-text / HTML triple sent as `multipart/alternative`.
//!
//! The text part prints every link in full on its own line, so it works in any mail client and
//! can be copied. The HTML part is a small standalone document (mails cannot use the site's
//! stylesheet, hence the inline styles) that shows the link as a button and in full.

use maud::{DOCTYPE, Markup, html};

use crate::views::{
    AccountClosedMail, AccountExistsMail, ConfirmationMail, EcpsLinkedMail, Email, EmailChangeMail,
    EmailChangeNoticeMail, NoticeMail, PasswordChangedMail, PasswordResetMail, RejectionMail,
    Support, ValidationMail,
};

const BUTTON_STYLE: &str = "display:inline-block;padding:12px 20px;background:#1d4f91;\
                            color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold";

fn greeting(prenom: &str) -> String {
    if prenom.trim().is_empty() {
        "Bonjour,".to_owned()
    } else {
        format!("Bonjour {prenom},")
    }
}

fn hours(count: u32) -> String {
    if count > 1 {
        format!("{count} heures")
    } else {
        format!("{count} heure")
    }
}

/// Support contact lines, skipping settings that are empty.
fn support_lines(support: &Support) -> Vec<String> {
    let mut lines = Vec::new();
    if !support.phone.is_empty() {
        let mut line = format!("Téléphone : {}", support.phone);
        if !support.phone_note.is_empty() {
            line = format!("{line} ({})", support.phone_note);
        }
        if !support.hours.is_empty() {
            line = format!("{line}, {}", support.hours);
        }
        lines.push(line);
    }
    if !support.form_url.is_empty() {
        lines.push(format!("Formulaire en ligne : {}", support.form_url));
    }
    lines
}

fn support_heading(support: &Support) -> String {
    if support.organisation.is_empty() {
        "Une question ? Besoin d'aide ? Contactez-nous :".to_owned()
    } else {
        format!(
            "Une question ? Besoin d'aide ? Contactez le {} :",
            support.organisation
        )
    }
}

fn signature_text(service: &str, support: &Support) -> String {
    let mut text = format!("--\nL'équipe {service}\n\n{}\n", support_heading(support));
    for line in support_lines(support) {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

fn signature_html(service: &str, support: &Support) -> Markup {
    html! {
        hr style="border:none;border-top:1px solid #d0d5dd;margin:24px 0";
        p { "L'équipe " (service) }
        p style="color:#4a5565;font-size:14px" {
            (support_heading(support))
            @for line in support_lines(support) { br; (line) }
        }
    }
}

/// The link as a button, then printed in full for clients that hide or break buttons.
fn link_block(link: &str, label: &str) -> Markup {
    html! {
        p style="margin:24px 0" { a href=(link) style=(BUTTON_STYLE) { (label) } }
        p {
            "Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :"
            br;
            a href=(link) style="color:#1d4f91;word-break:break-all" { (link) }
        }
    }
}

/// A standalone HTML mail document.
fn document(subject: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (subject) }
            }
            body style="margin:0;padding:24px;background:#f4f6f9;color:#1b1f24;\
                        font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5" {
                div style="max-width:600px;margin:0 auto;background:#ffffff;padding:24px;\
                           border-top:4px solid #1d4f91" {
                    (body)
                }
            }
        }
    }
    .into_string()
}

/// The mail with the link that confirms a new account's address.
pub fn confirmation(m: &ConfirmationMail) -> Email {
    let service = m.service_name.as_str();
    let subject = format!("Confirmez votre adresse mail – {service}");
    let greeting = greeting("");
    let validity = hours(m.valid_hours);
    let ignore = "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : \
                  aucun compte ne sera activé sans confirmation.";
    let text = format!(
        "{greeting}\n\n\
         Vous venez de créer un compte {service}. Pour confirmer votre adresse mail, cliquez sur \
         le lien ci-dessous ou copiez-le dans votre navigateur :\n\n\
         {link}\n\n\
         Ce lien est valable {validity}.\n\n\
         {ignore}\n\n\
         {signature}",
        link = m.link,
        signature = signature_text(service, &m.support),
    );
    let html = document(
        &subject,
        html! {
            p { (greeting) }
            p {
                "Vous venez de créer un compte " (service) ". Pour confirmer votre adresse "
                "mail, cliquez sur le lien ci-dessous."
            }
            (link_block(&m.link, "Confirmer mon adresse mail"))
            p { "Ce lien est valable " (validity) "." }
            p { (ignore) }
            (signature_html(service, &m.support))
        },
    );
    Email {
        subject,
        text,
        html,
    }
}

/// Sent instead of a confirmation mail when someone signs up with an address that already has
/// an account, so the sign-up page itself never reveals that the account exists.
pub fn account_exists(m: &AccountExistsMail) -> Email {
    let service = m.service_name.as_str();
    let subject = format!("Votre compte {service}");
    let greeting = greeting("");
    let attempt = format!(
        "Quelqu'un, probablement vous, a essayé de créer un compte {service} avec cette adresse \
         mail. Un compte existe déjà pour cette adresse : il n'est pas nécessaire d'en créer un \
         nouveau."
    );
    let forgotten = forgotten_password(&m.support);
    let ignore = "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre \
                  compte n'a pas été modifié.";
    let text = format!(
        "{greeting}\n\n{attempt}\n\n\
         Pour vous connecter, utilisez le lien suivant :\n\n\
         {link}\n\n\
         {forgotten}\n\n\
         {ignore}\n\n\
         {signature}",
        link = m.login_link,
        signature = signature_text(service, &m.support),
    );
    let html = document(
        &subject,
        html! {
            p { (greeting) }
            p { (attempt) }
            p { "Pour vous connecter, utilisez le lien ci-dessous." }
            (link_block(&m.login_link, "Me connecter"))
            p { (forgotten) }
            p { (ignore) }
            (signature_html(service, &m.support))
        },
    );
    Email {
        subject,
        text,
        html,
    }
}

fn minutes(count: u32) -> String {
    if count > 1 {
        format!("{count} minutes")
    } else {
        format!("{count} minute")
    }
}

/// The link that lets the user choose a new password (asked by them, or by an administrator).
pub fn password_reset(m: &PasswordResetMail) -> Email {
    let service = m.service_name.as_str();
    let subject = format!("Réinitialisation de votre mot de passe – {service}");
    let greeting = greeting("");
    let request = if m.by_admin {
        format!(
            "Un administrateur {service} vous envoie, à votre demande ou à celle du support, un              lien pour choisir un nouveau mot de passe pour votre compte."
        )
    } else {
        format!(
            "Une demande de réinitialisation du mot de passe a été faite pour le compte {service}              associé à cette adresse mail."
        )
    };
    let validity = minutes(m.valid_minutes);
    let ignore = "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot                   de passe actuel reste valable tant que ce lien n'est pas utilisé.";
    let text = format!(
        "{greeting}\n\n{request}\n\n\
         Pour choisir un nouveau mot de passe, cliquez sur le lien ci-dessous ou copiez-le dans \
         votre navigateur :\n\n\
         {link}\n\n\
         Ce lien est valable {validity} et ne peut servir qu'une fois.\n\n\
         {ignore}\n\n\
         {signature}",
        link = m.link,
        signature = signature_text(service, &m.support),
    );
    let html = document(
        &subject,
        html! {
            p { (greeting) }
            p { (request) }
            p { "Pour choisir un nouveau mot de passe, cliquez sur le lien ci-dessous." }
            (link_block(&m.link, "Choisir un nouveau mot de passe"))
            p { "Ce lien est valable " (validity) " et ne peut servir qu'une fois." }
            p { (ignore) }
            (signature_html(service, &m.support))
        },
    );
    Email {
        subject,
        text,
        html,
    }
}

/// The notice sent after a password reset or change, telling how to react if it was not the
/// account holder.
pub fn password_changed(m: &PasswordChangedMail) -> Email {
    let service = m.service_name.as_str();
    let subject = format!("Votre mot de passe a été modifié – {service}");
    let greeting = greeting("");
    let what = format!(
        "Le mot de passe de votre compte {service} a été modifié. Les sessions ouvertes avec \
         l'ancien mot de passe ont été fermées."
    );
    let contact = support_name(&m.support);
    let not_you = format!(
        "Si vous n'êtes pas à l'origine de ce changement, choisissez tout de suite un nouveau mot \
         de passe avec « Mot de passe oublié ? » et contactez {contact} (coordonnées \
         ci-dessous)."
    );
    let text = format!(
        "{greeting}\n\n{what}\n\n\
         Si c'est bien vous, vous n'avez rien à faire. Pour vous connecter :\n\n\
         {login}\n\n\
         {not_you}\n\n\
         {forgot}\n\n\
         {signature}",
        login = m.login_link,
        forgot = m.forgot_link,
        signature = signature_text(service, &m.support),
    );
    let html = document(
        &subject,
        html! {
            p { (greeting) }
            p { (what) }
            p { "Si c'est bien vous, vous n'avez rien à faire." }
            p { (not_you) }
            (link_block(&m.forgot_link, "Mot de passe oublié ?"))
            (signature_html(service, &m.support))
        },
    );
    Email {
        subject,
        text,
        html,
    }
}

/// To the new address: the link that confirms it. Nothing changes until it is followed.
pub fn email_change_link(m: &EmailChangeMail) -> Email {
    let service = m.service_name.as_str();
    let subject = format!("Confirmez votre nouvelle adresse mail – {service}");
    let greeting = greeting("");
    let validity = hours(m.valid_hours);
    let what = format!(
        "Une demande a été faite pour que cette adresse devienne l'adresse de contact d'un compte \
         {service}. Pour la confirmer, cliquez sur le lien ci-dessous ou copiez-le dans votre \
         navigateur :"
    );
    let ignore = "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : rien ne \
                  change sans confirmation.";
    let text = format!(
        "{greeting}\n\n{what}\n\n{link}\n\nCe lien est valable {validity}.\n\n{ignore}\n\n\
         {signature}",
        link = m.link,
        signature = signature_text(service, &m.support),
    );
    let html = document(
        &subject,
        html! {
            p { (greeting) }
            p { (what) }
            (link_block(&m.link, "Confirmer ma nouvelle adresse"))
            p { "Ce lien est valable " (validity) "." }
            p { (ignore) }
            (signature_html(service, &m.support))
        },
    );
    Email {
        subject,
        text,
        html,
    }
}

/// To the current address when a change is asked, then to both once it is confirmed: says
/// how to react to a change the holder did not make.
pub fn email_change_notice(m: &EmailChangeNoticeMail) -> Email {
    let service = m.service_name.as_str();
    let (subject, what) = if m.done {
        (
            format!("Votre adresse mail a été modifiée – {service}"),
            format!(
                "L'adresse de contact de votre compte {service} est désormais {}.",
                m.new_email
            ),
        )
    } else {
        (
            format!("Demande de changement d'adresse mail – {service}"),
            format!(
                "Une demande a été faite pour remplacer l'adresse de contact de votre compte \
                 {service} par {}. Le changement n'aura lieu que si cette nouvelle adresse est \
                 confirmée.",
                m.new_email
            ),
        )
    };
    security_notice(
        service,
        subject,
        &what,
        "ce changement",
        &m.forgot_link,
        &m.support,
    )
}

/// To the holder when an e-CPS (Pro Santé Connect) is linked to the account.
pub fn ecps_linked(m: &EcpsLinkedMail) -> Email {
    let service = m.service_name.as_str();
    security_notice(
        service,
        format!("Carte e-CPS associée à votre compte – {service}"),
        &format!(
            "Une carte e-CPS (Pro Santé Connect) vient d'être associée à votre compte {service} : \
             elle permet désormais de s'y connecter."
        ),
        "cette association",
        &m.forgot_link,
        &m.support,
    )
}

/// A notice about a change to the account: what happened, then what to do if the holder did
/// not do `act` (choose a new password, call support).
fn security_notice(
    service: &str,
    subject: String,
    what: &str,
    act: &str,
    forgot_link: &str,
    support: &Support,
) -> Email {
    let greeting = greeting("");
    let contact = support_name(support);
    let not_you = format!(
        "Si vous n'êtes pas à l'origine de {act}, choisissez tout de suite un nouveau mot de \
         passe avec « Mot de passe oublié ? » et contactez {contact} (coordonnées ci-dessous)."
    );
    let text = format!(
        "{greeting}\n\n{what}\n\n{not_you}\n\n{forgot_link}\n\n{signature}",
        signature = signature_text(service, support),
    );
    let html = document(
        &subject,
        html! {
            p { (greeting) }
            p { (what) }
            p { (not_you) }
            (link_block(forgot_link, "Mot de passe oublié ?"))
            (signature_html(service, support))
        },
    );
    Email {
        subject,
        text,
        html,
    }
}

/// "le support" or "le {organisation}", to write "contactez …".
fn support_name(support: &Support) -> String {
    if support.organisation.is_empty() {
        "le support".to_owned()
    } else {
        format!("le {}", support.organisation)
    }
}

/// A forgotten password: the "Mot de passe oublié ?" link of the sign-in page mails a reset
/// link; support, whose contact details follow in the signature, helps otherwise.
fn forgotten_password(support: &Support) -> String {
    let contact = support_name(support);
    format!(
        "Si vous avez oublié votre mot de passe, cliquez sur « Mot de passe oublié ? » sur la \
         page de connexion : un lien pour en choisir un nouveau vous sera envoyé. En cas de \
         difficulté, contactez {contact} (coordonnées ci-dessous)."
    )
}

/// What the new address means, which depends on the mailbox type.
fn address_meaning(service: &str, bal_type: &str) -> String {
    if bal_type == "MED" {
        format!(
            "Votre compte BAL MED ne donne pas lieu à une adresse MSSanté : cette adresse est \
             visible uniquement par les utilisateurs de la MSSanté {service}."
        )
    } else {
        "C'est une adresse MSSanté, visible dans l'annuaire national (sauf si vous avez choisi \
         de ne pas y apparaître) : tous les utilisateurs de MSSanté peuvent vous écrire en toute \
         sécurité."
            .to_owned()
    }
}

/// Sent when an administrator validates the account: the new address, then the sign-in link.
pub fn validation(m: &ValidationMail) -> Email {
    let service = m.service_name.as_str();
    let subject = format!("Votre compte {service} est validé");
    let greeting = greeting(&m.prenom);
    let validated = format!(
        "Un administrateur a vérifié et validé votre compte {service} : vous pouvez dès \
         maintenant utiliser votre messagerie sécurisée de santé."
    );
    let address_intro = if m.bal_type == "MED" {
        format!("Votre adresse de messagerie {service} (BAL MED) :")
    } else {
        "Votre adresse MSSanté (BAL PER) :".to_owned()
    };
    let meaning = address_meaning(service, &m.bal_type);
    let text = format!(
        "{greeting}\n\n{validated}\n\n\
         {address_intro}\n\n\
         {address}\n\n\
         {meaning}\n\n\
         Pour vous connecter, utilisez le lien suivant :\n\n\
         {link}\n\n\
         {signature}",
        address = m.address,
        link = m.login_link,
        signature = signature_text(service, &m.support),
    );
    let html = document(
        &subject,
        html! {
            p { (greeting) }
            p { (validated) }
            p { (address_intro) }
            p style="margin:16px 0;padding:12px 16px;background:#e8eef7;\
                     border-left:4px solid #1d4f91;font-size:18px;font-weight:bold;\
                     word-break:break-all" {
                (m.address)
            }
            p { (meaning) }
            p { "Pour vous connecter, utilisez le lien ci-dessous." }
            (link_block(&m.login_link, "Me connecter"))
            (signature_html(service, &m.support))
        },
    );
    Email {
        subject,
        text,
        html,
    }
}

/// Sent when an administrator rejects the registration: the reason, quoted, and whom to contact.
pub fn rejection(m: &RejectionMail) -> Email {
    let service = m.service_name.as_str();
    let subject = format!("Votre demande d'inscription à {service}");
    let greeting = greeting(&m.prenom);
    let refused = format!(
        "Un administrateur {service} a examiné votre demande d'inscription et ne l'a pas \
         validée."
    );
    let reason = m.reason.trim();
    let next = format!(
        "Que faire ? Si vous pensez qu'il s'agit d'une erreur, ou pour savoir comment compléter \
         votre demande, contactez {} (coordonnées ci-dessous).",
        support_name(&m.support)
    );
    let no_reason = "Aucun motif n'a été précisé.";
    let quoted = if reason.is_empty() {
        no_reason.to_owned()
    } else {
        format!("Motif du refus :\n\n{}", quote(reason))
    };
    let text = format!(
        "{greeting}\n\n{refused}\n\n{quoted}\n\n{next}\n\n{signature}",
        signature = signature_text(service, &m.support),
    );
    let html = document(
        &subject,
        html! {
            p { (greeting) }
            p { (refused) }
            @if reason.is_empty() {
                p { (no_reason) }
            } @else {
                p { "Motif du refus :" }
                blockquote style="margin:16px 0;padding:12px 16px;background:#f4f6f9;\
                                  border-left:4px solid #8a94a6" {
                    @for (index, line) in reason.lines().enumerate() {
                        @if index > 0 { br; }
                        (line)
                    }
                }
            }
            p { (next) }
            (signature_html(service, &m.support))
        },
    );
    Email {
        subject,
        text,
        html,
    }
}

/// Sent when the holder closes their account (`/compte/fermeture`).
pub fn account_closed(m: &AccountClosedMail) -> Email {
    let service = m.service_name.as_str();
    let subject = format!("Fermeture de votre compte {service}");
    let greeting = greeting(&m.prenom);
    let closed = format!(
        "Votre compte {service} a été fermé à votre demande : vous ne pouvez plus vous y \
         connecter, et votre adresse n'apparaît plus dans les annuaires."
    );
    let address = m.mailbox_address.as_ref().map(|a| {
        format!("L'adresse {a} reste réservée : elle ne sera jamais attribuée à quelqu'un d'autre.")
    });
    let retention = format!(
        "Vos données sont conservées {} jours, puis supprimées.",
        m.retention_days
    );
    let not_you = format!(
        "Si vous n'êtes pas à l'origine de cette fermeture, contactez {} sans attendre \
         (coordonnées ci-dessous).",
        support_name(&m.support)
    );
    let mut paragraphs = vec![greeting.clone(), closed.clone()];
    paragraphs.extend(address.clone());
    paragraphs.push(retention.clone());
    paragraphs.push(not_you.clone());
    paragraphs.push(signature_text(service, &m.support));
    let text = paragraphs.join("\n\n");
    let html = document(
        &subject,
        html! {
            p { (greeting) }
            p { (closed) }
            @if let Some(address) = &address { p { (address) } }
            p { (retention) }
            p { (not_you) }
            (signature_html(service, &m.support))
        },
    );
    Email {
        subject,
        text,
        html,
    }
}

/// A notice mail: the caller writes the paragraphs; this lays them out like the other mails (greeting, highlighted address, quoted reason, button and full link, signature).
pub fn notice_mail(m: &NoticeMail) -> Email {
    let service = m.service_name.as_str();
    let greeting = greeting(&m.prenom);
    let reason = m.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let mut parts = vec![greeting.clone()];
    for (index, paragraph) in m.paragraphs.iter().enumerate() {
        parts.push(paragraph.clone());
        if index == 0 {
            parts.extend(m.highlight.clone());
        }
    }
    if let Some(reason) = reason {
        parts.push(format!("Motif :\n\n{}", quote(reason)));
    }
    if let Some((url, _)) = &m.link {
        parts.push(url.clone());
    }
    parts.push(signature_text(service, &m.support));
    let html = document(
        &m.subject,
        html! {
            p { (greeting) }
            @for (index, paragraph) in m.paragraphs.iter().enumerate() {
                p { (paragraph) }
                @if index == 0 {
                    @if let Some(address) = &m.highlight {
                        p style="margin:16px 0;padding:12px 16px;background:#e8eef7;\
                                 border-left:4px solid #1d4f91;font-size:18px;font-weight:bold;\
                                 word-break:break-all" {
                            (address)
                        }
                    }
                }
            }
            @if let Some(reason) = reason {
                p { "Motif :" }
                blockquote style="margin:16px 0;padding:12px 16px;background:#f4f6f9;\
                                  border-left:4px solid #8a94a6" {
                    @for (index, line) in reason.lines().enumerate() {
                        @if index > 0 { br; }
                        (line)
                    }
                }
            }
            @if let Some((url, label)) = &m.link { (link_block(url, label)) }
            (signature_html(service, &m.support))
        },
    );
    Email {
        subject: m.subject.clone(),
        text: parts.join("\n\n"),
        html,
    }
}

/// Quotes a text the way mail clients do: every line prefixed with "> ".
fn quote(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                ">".to_owned()
            } else {
                format!("> {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn support() -> Support {
        Support {
            organisation: "Centre de services du GRADeS Occitanie".into(),
            phone: "0 820 250 035".into(),
            phone_note: "Service 0,09 € / appel + prix appel".into(),
            hours: "8h30 - 18h30 du lundi au vendredi".into(),
            form_url: "https://assistance.example.fr".into(),
            appointment_url: String::new(),
        }
    }

    #[test]
    fn the_reset_mail_prints_the_link_and_its_validity_in_minutes() {
        let link = "https://mss.example.fr/mot-de-passe/reinitialisation/abc_DEF-123";
        let mail = password_reset(&PasswordResetMail {
            service_name: "Medimail".into(),
            link: link.into(),
            valid_minutes: 60,
            by_admin: false,
            support: support(),
        });
        assert_eq!(
            mail.subject,
            "Réinitialisation de votre mot de passe – Medimail"
        );
        assert!(
            mail.text.starts_with("Bonjour,\n"),
            "no name: the address may be unproven"
        );
        assert!(mail.text.lines().any(|l| l == link));
        assert!(mail.text.contains("valable 60 minutes"));
        assert!(mail.html.contains(link));
        let by_admin = password_reset(&PasswordResetMail {
            by_admin: true,
            link: link.into(),
            valid_minutes: 60,
            ..PasswordResetMail::default()
        });
        assert!(by_admin.text.contains("Un administrateur"));
    }

    #[test]
    fn the_password_changed_notice_says_how_to_reach_support() {
        let mail = password_changed(&PasswordChangedMail {
            service_name: "Medimail".into(),
            login_link: "https://mss.example.fr/connexion".into(),
            forgot_link: "https://mss.example.fr/mot-de-passe/oubli".into(),
            support: support(),
        });
        assert_eq!(mail.subject, "Votre mot de passe a été modifié – Medimail");
        assert!(
            mail.text
                .contains("contactez le Centre de services du GRADeS Occitanie")
        );
        assert!(mail.text.contains("Téléphone : 0 820 250 035"));
        assert!(
            mail.text
                .lines()
                .any(|l| l == "https://mss.example.fr/mot-de-passe/oubli")
        );
    }

    #[test]
    fn the_confirmation_mail_prints_the_link_on_its_own_line() {
        let link = "https://mss.example.fr/confirmation/abc_DEF-123?x=1&y=2";
        let mail = confirmation(&ConfirmationMail {
            service_name: "Medimail".into(),
            link: link.into(),
            valid_hours: 24,
            support: support(),
        });
        assert_eq!(mail.subject, "Confirmez votre adresse mail – Medimail");
        // Greets neutrally: the address is not proven yet.
        assert!(mail.text.starts_with("Bonjour,\n"));
        assert!(mail.text.lines().any(|line| line == link));
        assert!(mail.text.contains("valable 24 heures"));
        assert!(
            mail.text
                .contains("Si vous n'êtes pas à l'origine de cette demande")
        );
        assert!(mail.text.contains("Téléphone : 0 820 250 035"));
        // In HTML the `&` of the query string is escaped, in the href and in the printed link.
        let escaped = "https://mss.example.fr/confirmation/abc_DEF-123?x=1&amp;y=2";
        assert!(mail.html.starts_with("<!DOCTYPE html>"));
        assert_eq!(mail.html.matches(&format!("href=\"{escaped}\"")).count(), 2);
        assert!(mail.html.contains(&format!(">{escaped}</a>")));
    }

    #[test]
    fn the_account_exists_mail_links_to_sign_in_and_support() {
        let mail = account_exists(&AccountExistsMail {
            service_name: "Medimail".into(),
            login_link: "https://mss.example.fr/connexion".into(),
            support: support(),
        });
        assert_eq!(mail.subject, "Votre compte Medimail");
        assert!(mail.text.starts_with("Bonjour,\n"));
        assert!(
            mail.text
                .lines()
                .any(|l| l == "https://mss.example.fr/connexion")
        );
        assert!(
            mail.text
                .contains("Un compte existe déjà pour cette adresse")
        );
        assert!(mail.text.contains("oublié votre mot de passe"));
        assert!(
            mail.text
                .contains("Formulaire en ligne : https://assistance.example.fr")
        );
        assert!(
            mail.html
                .contains(r#"href="https://mss.example.fr/connexion""#)
        );
    }

    #[test]
    fn the_validation_mail_prints_the_address_and_link_on_their_own_lines() {
        let mail = validation(&ValidationMail {
            service_name: "Medimail".into(),
            prenom: "Pierre".into(),
            address: "pierre.dupont@pharmacien.oc.mssante.fr".into(),
            bal_type: "PER".into(),
            login_link: "https://mss.example.fr/connexion".into(),
            support: support(),
        });
        assert_eq!(mail.subject, "Votre compte Medimail est validé");
        assert!(mail.text.starts_with("Bonjour Pierre,\n"));
        assert!(
            mail.text
                .lines()
                .any(|l| l == "pierre.dupont@pharmacien.oc.mssante.fr")
        );
        assert!(
            mail.text
                .lines()
                .any(|l| l == "https://mss.example.fr/connexion")
        );
        assert!(mail.text.contains("Votre adresse MSSanté (BAL PER) :"));
        assert!(mail.text.contains("visible dans l'annuaire national"));
        assert!(mail.text.contains("Téléphone : 0 820 250 035"));
        assert!(mail.html.starts_with("<!DOCTYPE html>"));
        assert!(
            mail.html
                .contains(">pierre.dupont@pharmacien.oc.mssante.fr</p>")
        );
        assert!(
            mail.html
                .contains(r#"href="https://mss.example.fr/connexion""#)
        );
    }

    #[test]
    fn the_validation_mail_of_a_med_mailbox_does_not_promise_the_national_directory() {
        let mail = validation(&ValidationMail {
            service_name: "Medimail".into(),
            prenom: "Paul".into(),
            address: "paul.martin@medimail.example.fr".into(),
            bal_type: "MED".into(),
            login_link: "https://mss.example.fr/connexion".into(),
            support: Support::default(),
        });
        assert!(
            mail.text
                .contains("Votre adresse de messagerie Medimail (BAL MED) :")
        );
        assert!(
            mail.text
                .contains("visible uniquement par les utilisateurs de la MSSanté")
        );
        assert!(!mail.text.contains("annuaire national"));
    }

    #[test]
    fn the_rejection_mail_quotes_the_reason_and_points_to_support() {
        let mail = rejection(&RejectionMail {
            service_name: "Medimail".into(),
            prenom: "Pierre".into(),
            reason: "Numéro RPPS incorrect.\nMerci de <vérifier> & renvoyer.\n".into(),
            support: support(),
        });
        assert_eq!(mail.subject, "Votre demande d'inscription à Medimail");
        assert!(mail.text.contains(
            "Motif du refus :\n\n> Numéro RPPS incorrect.\n> Merci de <vérifier> & renvoyer.\n\n"
        ));
        assert!(
            mail.text
                .contains("contactez le Centre de services du GRADeS Occitanie")
        );
        assert!(
            mail.text
                .contains("Formulaire en ligne : https://assistance.example.fr")
        );
        assert!(
            mail.html
                .contains("Numéro RPPS incorrect.<br>Merci de &lt;vérifier&gt; &amp; renvoyer.")
        );
        assert!(!mail.html.contains("<vérifier>"));
    }

    #[test]
    fn the_rejection_mail_without_reason_says_so() {
        let mail = rejection(&RejectionMail {
            service_name: "Medimail".into(),
            prenom: String::new(),
            reason: "  ".into(),
            support: Support::default(),
        });
        assert!(mail.text.contains("Aucun motif n'a été précisé."));
        assert!(mail.text.contains("contactez le support"));
        assert!(!mail.html.contains("<blockquote"));
    }

    #[test]
    fn user_data_in_mails_is_escaped_in_html() {
        let mail = validation(&ValidationMail {
            service_name: "Medimail".into(),
            prenom: "<b>Pierre</b>".into(),
            address: "pierre.dupont@pharmacien.oc.mssante.fr".into(),
            bal_type: "PER".into(),
            login_link: "https://mss.example.fr/connexion".into(),
            support: Support::default(),
        });
        assert!(mail.html.contains("Bonjour &lt;b&gt;Pierre&lt;/b&gt;,"));
    }
}
