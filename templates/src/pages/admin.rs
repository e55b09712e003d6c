//! The administrators' console: the queue of accounts awaiting validation and the detail page
//! where an account is validated or rejected.

use std::cmp::Reverse;

use maud::{Markup, html};

use crate::components::{Select, Textarea, error_summary, form_title, post_form};
use crate::layout;
use crate::views::{
    AdminAccountView, AdminQueueView, AuditRow, ChangeRow, PageContext, QueueRow, SelectOption,
};

/// Waiting times (whole hours) past which an account is marked late.
const LATE_24: i64 = 24;
const LATE_48: i64 = 48;

/// "1 compte", "3 comptes".
fn accounts(count: usize) -> String {
    if count > 1 {
        format!("{count} comptes")
    } else {
        format!("{count} compte")
    }
}

/// The Pro Santé Connect badge: the account's identity was verified through PSC.
fn psc_badge() -> Markup {
    html! { span.badge.badge-verified { "Identité vérifiée par Pro Santé Connect" } }
}

/// Two accounts or more claim one national identifier (a squatted RPPS, or a typo).
fn contested_badge() -> Markup {
    html! { span.badge.badge-rejected.contested { "Identifiant revendiqué par plusieurs comptes" } }
}

/// The late mark of a waiting time, as a class and a text: the text carries the meaning, the
/// colour only repeats it.
fn late_mark(age_hours: i64) -> Option<(&'static str, &'static str)> {
    if age_hours >= LATE_48 {
        Some(("late-48", "plus de 48 h"))
    } else if age_hours >= LATE_24 {
        Some(("late-24", "plus de 24 h"))
    } else {
        None
    }
}

fn bal_types() -> Vec<SelectOption> {
    ["PER", "MED", "ORG"]
        .into_iter()
        .map(|t| SelectOption {
            value: t.to_owned(),
            label: format!("BAL {t}"),
        })
        .collect()
}

/// The queue of accounts awaiting validation within the admin's scope, oldest first.
pub fn admin_queue(ctx: &PageContext, view: &AdminQueueView) -> Markup {
    let title = "Comptes en attente de validation";
    // Oldest first whatever order the app used; a stable sort keeps its order among equals.
    let mut rows: Vec<&QueueRow> = view.rows.iter().collect();
    rows.sort_by_key(|row| Reverse(row.age_hours));
    let filtered = !(view.filter_region.is_empty()
        && view.filter_profession.is_empty()
        && view.filter_bal_type.is_empty());
    let body = html! {
        div.wide {
            h1 { (title) }
            p.scope { "Périmètre : " strong { (view.scope_label) } }
            p.dashboard-links {
                a href=(urls::ADMIN_DASHBOARD) { "Tableau de bord des délais" }
                " · "
                a href=(urls::ADMIN_QUEUE_CSV) download { "Exporter la file d'attente (CSV)" }
                " · "
                a href=(urls::ADMIN_EXPORT_ANNUAIRE) download {
                    "Exporter les BAL publiées (format de l'extraction ANS)"
                }
            }
            (queue_counts(view))
            (queue_filters(view, filtered))
            @if rows.is_empty() {
                div.empty-state role="status" {
                    p {
                        @if filtered {
                            "Aucun compte en attente de validation ne correspond à ces filtres."
                        } @else {
                            "Aucun compte en attente de validation."
                        }
                    }
                }
            } @else {
                (queue_table(&rows))
            }
            @if !view.changes.is_empty() { (changes_table(&view.changes)) }
        }
    };
    layout::page(ctx, title, body)
}

/// Validated accounts whose identity change waits for a decision.
fn changes_table(rows: &[ChangeRow]) -> Markup {
    html! {
        h2 id="changes-title" { "Modifications à valider" }
        div.table-wrapper role="region" aria-labelledby="changes-title" tabindex="0" {
            table.data-table.changes {
                caption.visually-hidden {
                    (accounts(rows.len())) " avec une modification d'identité à valider"
                }
                thead {
                    tr {
                        th scope="col" { "Nom" }
                        th scope="col" { "Adresse mail" }
                        th scope="col" { "Champs modifiés" }
                        th scope="col" { "Demandée le" }
                    }
                }
                tbody {
                    @for row in rows {
                        tr {
                            th scope="row" {
                                a href=(row.href) {
                                    (row.nom) " " (row.prenom)
                                }
                                " " span.badge.badge-pending { "Modification à valider" }
                            }
                            td.email { (row.email) }
                            td { (row.fields) }
                            td { (row.requested_at) }
                        }
                    }
                }
            }
        }
    }
}

fn queue_counts(view: &AdminQueueView) -> Markup {
    html! {
        ul.counts aria-label="Décompte des comptes en attente" {
            li.count {
                span.count-value { (view.total_pending) }
                " " span.count-label { "en attente" }
            }
            li.count.late-24[view.over_24h > 0] {
                span.count-value { (view.over_24h) }
                " " span.count-label { "depuis plus de 24 h" }
            }
            li.count.late-48[view.over_48h > 0] {
                span.count-value { (view.over_48h) }
                " " span.count-label { "depuis plus de 48 h" }
            }
        }
    }
}

/// The filters: a GET form (it changes nothing, so it carries no CSRF token and its URL can be
/// bookmarked).
fn queue_filters(view: &AdminQueueView, filtered: bool) -> Markup {
    let bal_types = bal_types();
    html! {
        form.filters method="get" action=(urls::ADMIN) aria-label="Filtrer les comptes" {
            div.filter-fields {
                (Select::new("region", "Région", &view.filter_region)
                    .empty_option("Toutes les régions").options(&view.regions))
                (Select::new("profession", "Profession", &view.filter_profession)
                    .empty_option("Toutes les professions").options(&view.professions))
                (Select::new("bal_type", "Type de BAL", &view.filter_bal_type)
                    .empty_option("Tous les types").options(&bal_types))
            }
            div.actions {
                button.button type="submit" { "Filtrer" }
                @if filtered {
                    a.button-secondary href=(urls::ADMIN) { "Effacer les filtres" }
                }
            }
        }
    }
}

fn queue_table(rows: &[&QueueRow]) -> Markup {
    html! {
        div.table-wrapper role="region" aria-labelledby="queue-caption" tabindex="0" {
            table.data-table {
                caption id="queue-caption" {
                    (accounts(rows.len())) " en attente de validation, du plus ancien au plus "
                    "récent"
                }
                thead {
                    tr {
                        th scope="col" { "Nom" }
                        th scope="col" { "Prénom" }
                        th scope="col" { "Email" }
                        th scope="col" { "Profession" }
                        th scope="col" { "Région" }
                        th scope="col" { "BAL" }
                        th scope="col" { "Inscrit le" }
                        th scope="col" { "Attente" }
                        th scope="col" { "Identité" }
                        th scope="col" { span.visually-hidden { "Action" } }
                    }
                }
                tbody {
                    @for row in rows { (queue_row(row)) }
                }
            }
        }
    }
}

fn queue_row(row: &QueueRow) -> Markup {
    let late = late_mark(row.age_hours);
    html! {
        tr {
            th scope="row" { (row.nom) }
            td { (row.prenom) }
            td.email { (row.email) }
            td { (row.profession) }
            td { (row.region) }
            td { (row.bal_type) }
            td { (row.submitted_at) }
            td.age {
                (row.age)
                @if let Some((class, text)) = late {
                    " " span.late-mark.(class) { (text) }
                }
            }
            td {
                @if row.psc_verified { (psc_badge()) }
                @else { span.muted { "Non vérifiée" } }
                @if row.contested { " " (contested_badge()) }
                @if let Some(mark) = &row.annuaire_mark {
                    " " span.badge.badge-rejected.annuaire-mark { (mark) }
                }
            }
            td {
                a href=(row.href) {
                    "Examiner"
                    span.visually-hidden {
                        @if row.bal_type == "ORG" { " la demande de BAL " (row.nom) }
                        @else { " le compte de " (row.prenom) " " (row.nom) }
                    }
                }
            }
        }
    }
}

/// The status as a badge; its colour follows the known labels.
fn status_badge(view: &AdminAccountView) -> Markup {
    let class = if view.pending {
        "badge-pending"
    } else if view.status == "Refusé" {
        "badge-rejected"
    } else if view.status == "Validé" {
        "badge-validated"
    } else {
        "badge-neutral"
    };
    html! { span.badge.(class) { (view.status) } }
}

/// Every field the user gave, in form order; those Pro Santé Connect asserts are marked.
fn account_fields(fields: &[(String, String)], verified: &[String]) -> Markup {
    html! {
        dl.summary.account-fields {
            @for (label, value) in fields {
                dt { (label) }
                dd {
                    @if value.trim().is_empty() { span.muted { "Non renseigné" } }
                    @else { (value) }
                    @if verified.contains(label) {
                        " " span.badge.badge-verified.psc-field { "vérifié par Pro Santé Connect" }
                    }
                }
            }
        }
    }
}

fn checks(view: &AdminAccountView) -> Markup {
    html! {
        h2 { "Vérifications" }
        ul.checks {
            li {
                @if view.psc_verified { (psc_badge()) }
                @else { "Identité non vérifiée par Pro Santé Connect" }
            }
            @if !view.psc_verified_fields.is_empty() {
                li.psc-verified-fields {
                    "Vérifié par Pro Santé Connect : " (view.psc_verified_fields.join(", "))
                }
            }
            @if !view.contested_by.is_empty() {
                li.contested {
                    strong { "Identifiant revendiqué par plusieurs comptes" }
                    " : aussi déclaré par "
                    @for (i, id) in view.contested_by.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href=(urls::admin_account(*id)) { "le compte n° " (id) }
                    }
                    "."
                }
            }
            li {
                "Contrôle de l'identifiant national : "
                @if let Some(check) = &view.identifier_check { strong { (check) } }
                @else { "sans objet (aucun identifiant saisi)" }
            }
        }
    }
}

/// The history of an account or a box, oldest first; `caption` names it for screen readers.
pub(super) fn history_table(history: &[AuditRow], caption: &str) -> Markup {
    html! {
        h2 { "Historique" }
        @if history.is_empty() {
            p { "Aucun événement enregistré." }
        } @else {
            div.table-wrapper role="region" aria-labelledby="history-caption" tabindex="0" {
                table.data-table {
                    caption.visually-hidden id="history-caption" { (caption) }
                    thead {
                        tr {
                            th scope="col" { "Date" }
                            th scope="col" { "Acteur" }
                            th scope="col" { "Action" }
                            th scope="col" { "Détail" }
                        }
                    }
                    tbody {
                        @for row in history {
                            tr {
                                th scope="row" { (row.at) }
                                td { (row.actor) }
                                td { (row.action) }
                                td.detail { (row.detail) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The two decisions, each its own POST form.
fn decision_forms(ctx: &PageContext, view: &AdminAccountView) -> Markup {
    let reject_fields = html! {
        (Textarea::new("motif", "Motif du refus (envoyé à l'utilisateur)").value(&view.motif)
            .required().hint("Expliquez ce qui manque ou ce qui est incorrect : ce texte est \
                              repris tel quel dans le mail envoyé à l'utilisateur.")
            .errors(&view.errors))
        button.button.button-danger type="submit" { "Refuser le compte" }
    };
    html! {
        h2 { "Décision" }
        div.decisions {
            section.decision aria-labelledby="validate-title" {
                h3 id="validate-title" { "Valider" }
                p {
                    "Le compte est activé, son adresse de messagerie lui est attribuée et "
                    "l'utilisateur en est informé par mail."
                }
                (post_form(&ctx.csrf_token, &urls::admin_validate(view.id), html! {
                    button.button type="submit" { "Valider le compte" }
                }))
            }
            section.decision aria-labelledby="reject-title" {
                h3 id="reject-title" { "Refuser" }
                (post_form(&ctx.csrf_token, &urls::admin_reject(view.id), reject_fields))
            }
        }
    }
}

/// Mails the user a reset link. The administrator never sees nor chooses the password.
fn password_reset_form(ctx: &PageContext, view: &AdminAccountView) -> Markup {
    html! {
        section.password-reset aria-labelledby="password-reset-title" {
            h2 id="password-reset-title" { "Mot de passe" }
            p {
                "Envoyer à l'utilisateur un lien pour choisir un nouveau mot de passe. Vous ne "
                "voyez ni ne choisissez ce mot de passe."
            }
            (post_form(&ctx.csrf_token, &urls::admin_password_reset(view.id), html! {
                button.button.button-secondary type="submit" {
                    "Envoyer un lien de réinitialisation du mot de passe"
                }
            }))
        }
    }
}

/// The pending identity change, old and new values side by side, and its two decisions.
fn change_request(ctx: &PageContext, view: &AdminAccountView) -> Markup {
    let refuse_fields = html! {
        (Textarea::new("motif_modification", "Motif du refus de la modification")
            .value(&view.change_motif).required()
            .hint("Conservé dans l'historique du compte.")
            .errors(&view.change_errors))
        button.button.button-danger type="submit" { "Refuser la modification" }
    };
    html! {
        h2 id="change-title" { "Modification à valider" }
        p {
            "L'utilisateur demande à modifier des informations d'identité. Les valeurs actuelles "
            "restent en vigueur et publiées jusqu'à votre décision ; l'adresse de messagerie ne "
            "change pas."
        }
        div.table-wrapper role="region" aria-labelledby="change-title" tabindex="0" {
            table.data-table.change-request {
                thead {
                    tr {
                        th scope="col" { "Champ" }
                        th scope="col" { "Valeur actuelle" }
                        th scope="col" { "Valeur demandée" }
                    }
                }
                tbody {
                    @for (label, current, requested) in &view.change_request {
                        tr {
                            th scope="row" { (label) }
                            td.current { (current) }
                            td.requested { (requested) }
                        }
                    }
                }
            }
        }
        div.decisions {
            section.decision aria-labelledby="change-accept-title" {
                h3 id="change-accept-title" { "Accepter" }
                (post_form(&ctx.csrf_token, &urls::admin_change_accept(view.id), html! {
                    button.button type="submit" { "Accepter la modification" }
                }))
            }
            section.decision aria-labelledby="change-refuse-title" {
                h3 id="change-refuse-title" { "Refuser" }
                (post_form(&ctx.csrf_token, &urls::admin_change_refuse(view.id), refuse_fields))
            }
        }
    }
}

/// Disabling a decided account (reason required, kept in the history), or re-enabling it.
/// A pending account is decided instead; a closed one stays closed.
fn disable_forms(ctx: &PageContext, view: &AdminAccountView) -> Markup {
    html! {
        @if view.closed {
            h2 { "Compte fermé" }
            p { "Le titulaire a fermé ce compte : il ne peut pas être réactivé." }
        } @else if view.disabled {
            section.decision.reactivate aria-labelledby="reactivate-title" {
                h2 id="reactivate-title" { "Réactiver le compte" }
                p {
                    "Le titulaire peut de nouveau se connecter ; un compte validé retrouve sa "
                    "place dans les annuaires."
                }
                (post_form(&ctx.csrf_token, &urls::admin_reactivate(view.id), html! {
                    button.button type="submit" { "Réactiver le compte" }
                }))
            }
        } @else if !view.pending {
            section.decision.disable aria-labelledby="disable-title" {
                h2 id="disable-title" { "Désactiver le compte" }
                p {
                    "Le titulaire est déconnecté partout et ne peut plus se connecter ; son "
                    "adresse est retirée des annuaires."
                }
                (post_form(&ctx.csrf_token, &urls::admin_disable(view.id), html! {
                    (Textarea::new("motif", "Motif de la désactivation").value(&view.motif)
                        .required().hint("Conservé dans l'historique du compte.")
                        .errors(&view.errors))
                    button.button.button-danger type="submit" { "Désactiver le compte" }
                }))
            }
        }
    }
}

/// One account, with everything needed to decide, and the decision forms while it is pending.
pub fn admin_account(ctx: &PageContext, view: &AdminAccountView) -> Markup {
    let heading = format!("Examen du compte n° {}", view.id);
    let body = html! {
        p.back-link { a href=(urls::ADMIN) { "Retour aux comptes en attente" } }
        (error_summary(&view.errors))
        (error_summary(&view.change_errors))
        h1 { (heading) }
        p.status { "Statut : " (status_badge(view)) }
        @if let Some(address) = &view.mailbox_address {
            p { "Adresse attribuée : " strong.mailbox-address-inline { (address) } }
        }
        @if let Some(reason) = &view.rejection_reason {
            h2 { "Motif du refus" }
            blockquote.reason { p { (reason) } }
        }
        h2 { "Informations saisies par l'utilisateur" }
        (account_fields(&view.fields, &view.psc_verified_fields))
        (checks(view))
        @if let Some(annuaire) = &view.annuaire {
            (super::admin_annuaire::annuaire_section(ctx, annuaire))
        }
        @if view.pending { (decision_forms(ctx, view)) }
        @if !view.disabled { (password_reset_form(ctx, view)) }
        @if !view.change_request.is_empty() { (change_request(ctx, view)) }
        (disable_forms(ctx, view))
        (history_table(&view.history, "Historique du compte"))
    };
    let errors = !view.errors.is_empty() || !view.change_errors.is_empty();
    layout::page(ctx, &form_title(&heading, errors), body)
}
