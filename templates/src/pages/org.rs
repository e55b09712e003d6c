//! Organisational mailboxes (BAL ORG): the request and edit forms, the members' page, and the
//! administrators' page.

use maud::{Markup, html};

use super::admin::history_table;
use crate::components::{
    Checkbox, Select, TextField, Textarea, error_summary, fieldset, form_title, post_form,
    required_note, submit_button,
};
use crate::layout;
use crate::views::{AdminOrgView, OrgFormView, OrgMemberRow, OrgView, PageContext, SelectOption};

fn structure_types() -> Vec<SelectOption> {
    ["FINESS", "SIRET"]
        .into_iter()
        .map(|t| SelectOption {
            value: t.to_owned(),
            label: t.to_owned(),
        })
        .collect()
}

/// `/bal-org/nouvelle` and `/bal-org/{id}/modifier`: one form, the request also naming the
/// wished local part.
pub fn org_form(ctx: &PageContext, view: &OrgFormView) -> Markup {
    let v = &view.values;
    let errors = &view.errors;
    let types = structure_types();
    let editing = view.id.is_some();
    let title = if editing {
        "Modifier la BAL organisationnelle"
    } else {
        "Demander une BAL organisationnelle"
    };
    let action = view.id.map_or_else(
        || urls::ORG_NEW.to_owned(),
        |id| urls::org_action(urls::ORG_EDIT, id, None),
    );
    let fields = html! {
        (fieldset("La boîte aux lettres", None, html! {
            (TextField::new("libelle", "Libellé").value(&v.libelle).required()
                .hint("Le nom affiché dans l'annuaire, par exemple « Secrétariat de cardiologie ».")
                .errors(errors))
            @if let Some(address) = &view.address {
                p.readonly-value { "Adresse : " strong { (address) } " (elle ne change jamais)" }
            } @else if !editing {
                (TextField::new("identifiant_local", "Identifiant souhaité").value(&v.identifiant_local)
                    .required()
                    .hint("La partie de l'adresse avant « @ », par exemple secretariat.cardiologie. \
                           Accents et espaces sont convertis ; si elle est déjà prise, un numéro \
                           est ajouté à la fin.")
                    .errors(errors))
            }
            (TextField::new("service", "Service de rattachement").value(&v.service).errors(errors))
            (Textarea::new("description", "Description").value(&v.description)
                .hint("À quoi sert cette boîte, qui la lit.").errors(errors))
            (TextField::new("telephone", "Téléphone").tel().value(&v.telephone).errors(errors))
        }))
        (fieldset("La structure", None, html! {
            @if let Some(change) = &view.pending_change {
                div.notice role="status" {
                    p { "Modification en attente de validation par un administrateur : " (change) }
                }
            }
            @if editing && view.address.is_some() {
                p.hint {
                    "Un changement de raison sociale ou d'identifiant de structure est soumis à "
                    "la validation d'un administrateur ; les valeurs actuelles restent publiées "
                    "d'ici là."
                }
            }
            (TextField::new("raison_sociale", "Raison sociale").value(&v.raison_sociale).required()
                .errors(errors))
            (Select::new("type_identifiant_structure", "Type d'identifiant de la structure",
                    &v.type_identifiant_structure)
                .required().empty_option("Choisir").options(&types).errors(errors))
            (TextField::new("identifiant_structure", "Identifiant de la structure")
                .value(&v.identifiant_structure).required().inputmode("numeric")
                .hint("FINESS : 9 caractères ; SIRET : 14 chiffres. La clé de contrôle est vérifiée.")
                .errors(errors))
        }))
        (fieldset("Adresse de la structure", None, html! {
            (TextField::new("adresse", "Adresse").value(&v.adresse).errors(errors))
            (TextField::new("code_postal", "Code postal").value(&v.code_postal).inputmode("numeric")
                .hint("Le département et la région en sont déduits s'ils sont laissés vides.")
                .errors(errors))
            (TextField::new("ville", "Ville").value(&v.ville).errors(errors))
            (Select::new("departement", "Département", &v.departement)
                .empty_option("Déduit du code postal").options(&view.departements).errors(errors))
            (Select::new("region", "Région", &v.region).required()
                .empty_option("Déduite du département").options(&view.regions).errors(errors))
        }))
        (fieldset("Préférences", None, html! {
            (Checkbox::new("dematerialisation",
                "Accepte la dématérialisation (zéro papier)", v.dematerialisation).errors(errors))
            (Checkbox::new("annuaire_mssante",
                "Publier cette boîte dans l'annuaire MSSanté", v.annuaire_mssante)
                .hint("Visible par tous les utilisateurs de MSSanté.").errors(errors))
            (Checkbox::new("annuaire_medimail",
                &format!("Publier cette boîte dans l'annuaire {}", ctx.service_name),
                v.annuaire_medimail).errors(errors))
        }))
        (submit_button(if editing { "Enregistrer" } else { "Envoyer la demande" }))
    };
    let body = html! {
        p.back-link {
            @if let Some(id) = view.id { a href=(urls::org(id)) { "Retour à la BAL" } }
            @else { a href=(urls::ACCOUNT) { "Retour à mon compte" } }
        }
        (error_summary(errors))
        h1 { (title) }
        @if !editing {
            p {
                "Une BAL organisationnelle (BAL ORG) est partagée par plusieurs professionnels, "
                "avec ou sans identifiant, sous la responsabilité d'une structure. Elle donne lieu "
                "à une adresse MSSanté dans l'annuaire national, visible par tous les utilisateurs "
                "de MSSanté."
            }
            p {
                "Vous en serez le premier responsable : vous pourrez y inviter les membres de "
                "l'équipe, qui y accèdent depuis leur propre compte individuel. La demande est "
                "examinée par un administrateur de la région ou de la structure."
            }
        }
        (required_note())
        (post_form(&ctx.csrf_token, &action, fields))
    };
    layout::page(ctx, &form_title(title, !errors.is_empty()), body)
}

fn fields_list(fields: &[(String, String)]) -> Markup {
    html! {
        dl.summary.org-fields {
            @for (label, value) in fields {
                dt { (label) }
                dd {
                    @if value.trim().is_empty() { span.muted { "Non renseigné" } }
                    @else { (value) }
                }
            }
        }
    }
}

fn status_badge(status: &str, pending: bool, rejected: bool) -> Markup {
    let class = if pending {
        "badge-pending"
    } else if rejected {
        "badge-rejected"
    } else if status == "Validée" {
        "badge-validated"
    } else {
        "badge-neutral"
    };
    html! { span.badge.org-status.(class) { (status) } }
}

/// `/bal-org/{id}`: status, address, members, history; responsables also manage.
pub fn org_page(ctx: &PageContext, view: &OrgView) -> Markup {
    let open = !view.closed && !view.rejected;
    let manage = view.responsable && open;
    let body = html! {
        p.back-link { a href=(urls::ACCOUNT) { "Retour à mon compte" } }
        @if let Some(error) = &view.error {
            div.error-summary role="alert" tabindex="-1" autofocus {
                p { (error) }
            }
        }
        (error_summary(&view.invite_errors))
        h1 { (view.libelle) }
        p { "BAL organisationnelle — " (status_badge(&view.status, view.pending, view.rejected)) }
        @if let Some(address) = &view.address {
            div.mailbox-address {
                p.mailbox-address-label { "Adresse MSSanté :" }
                p.mailbox-address-value { (address) }
            }
        }
        @if view.pending {
            p {
                "La demande attend la validation d'un administrateur de la région ou de la "
                "structure (sous 24h à 48h). Les responsables sont informés par mail."
            }
        }
        @if view.rejected {
            h2 { "Motif du refus" }
            blockquote.reason { p { (view.rejection_reason.as_deref().unwrap_or("Aucun motif n'a été précisé.")) } }
        }
        @if view.closed {
            p { "Cette boîte est fermée : elle n'apparaît plus dans les annuaires et son adresse reste réservée." }
        }
        @if let Some(change) = &view.pending_change {
            div.notice role="status" { p { "Modification en attente de validation : " (change) } }
        }
        h2 { "Informations" }
        (fields_list(&view.fields))
        @if manage {
            p { a href=(urls::org_action(urls::ORG_EDIT, view.id, None)) { "Modifier les informations" } }
        }
        (members_section(ctx, view, manage))
        @if open {
            section.org-leave aria-labelledby="leave-title" {
                h2 id="leave-title" { "Quitter la BAL" }
                p { "Vous n'aurez plus accès à cette boîte. Une boîte garde toujours au moins un responsable." }
                (post_form(&ctx.csrf_token, &urls::org_action(urls::ORG_LEAVE, view.id, None), html! {
                    button.button.button-secondary type="submit" { "Quitter cette BAL" }
                }))
            }
        }
        @if manage {
            section.org-close aria-labelledby="close-title" {
                h2 id="close-title" { "Fermer la BAL" }
                p {
                    "La boîte est retirée des annuaires et tous les membres en sont informés. "
                    "Son adresse reste réservée : elle ne sera jamais attribuée à une autre boîte."
                }
                (post_form(&ctx.csrf_token, &urls::org_action(urls::ORG_CLOSE, view.id, None), html! {
                    button.button.button-danger type="submit" { "Fermer définitivement cette BAL" }
                }))
            }
        }
        (history_table(&view.history, "Historique de la BAL"))
    };
    layout::page(
        ctx,
        &format!("BAL organisationnelle {}", view.libelle),
        body,
    )
}

fn members_section(ctx: &PageContext, view: &OrgView, manage: bool) -> Markup {
    html! {
        h2 id="members-title" { "Membres" }
        div.table-wrapper role="region" aria-labelledby="members-title" tabindex="0" {
            table.data-table.org-members {
                thead {
                    tr {
                        th scope="col" { "Nom" }
                        th scope="col" { "Adresse mail" }
                        th scope="col" { "Rôle" }
                        @if manage { th scope="col" { "Actions" } }
                    }
                }
                tbody {
                    @for member in &view.members { (member_row(ctx, view, member, manage)) }
                }
            }
        }
        @if manage && !view.invitations.is_empty() {
            h3 id="invitations-title" { "Invitations en attente de réponse" }
            div.table-wrapper role="region" aria-labelledby="invitations-title" tabindex="0" {
                table.data-table.org-invitations {
                    thead {
                        tr {
                            th scope="col" { "Adresse mail" }
                            th scope="col" { "Envoyée le" }
                            th scope="col" { "Action" }
                        }
                    }
                    tbody {
                        @for invitation in &view.invitations {
                            tr {
                                th scope="row" { (invitation.email) }
                                td { (invitation.invited_at) }
                                td {
                                    (post_form(&ctx.csrf_token, &urls::org_invitation_withdraw(view.id, invitation.id), html! {
                                        button.button.button-small.button-danger type="submit" {
                                            "Annuler l'invitation"
                                            span.visually-hidden { " : " (invitation.email) }
                                        }
                                    }))
                                }
                            }
                        }
                    }
                }
            }
        }
        @if manage {
            section.org-invite aria-labelledby="invite-title" {
                h3 id="invite-title" { "Inviter un membre" }
                p {
                    "Indiquez l'adresse mail du compte individuel de la personne. Elle reçoit un "
                    "mail : si elle n'a pas encore de compte, il l'invite à en créer un avec cette "
                    "adresse, et l'invitation l'attendra sur sa page « Mon compte »."
                }
                (post_form(&ctx.csrf_token, &urls::org_action(urls::ORG_MEMBERS, view.id, None), html! {
                    (TextField::new("email", "Adresse mail").email().value(&view.invite_email)
                        .required().errors(&view.invite_errors))
                    (submit_button("Inviter"))
                }))
            }
        }
    }
}

fn member_row(ctx: &PageContext, view: &OrgView, member: &OrgMemberRow, manage: bool) -> Markup {
    let action = |pattern| urls::org_action(pattern, view.id, Some(member.account_id));
    let button = |pattern, label: &str, class: &str| {
        post_form(
            &ctx.csrf_token,
            &action(pattern),
            html! {
                button.button.button-small.(class) type="submit" {
                    (label) span.visually-hidden { " : " (member.name) }
                }
            },
        )
    };
    html! {
        tr {
            th scope="row" { (member.name) }
            td.email { (member.email) }
            td { (member.role) }
            @if manage {
                td.member-actions {
                    @if member.account_id != view.viewer_id {
                        @if !member.responsable {
                            (button(urls::ORG_MEMBER_PROMOTE, "Nommer responsable", "button-secondary"))
                        }
                        @if member.responsable {
                            (button(urls::ORG_MEMBER_DEMOTE, "Retirer le rôle de responsable", "button-secondary"))
                        }
                        (button(urls::ORG_MEMBER_REMOVE, "Retirer", "button-danger"))
                    }
                }
            }
        }
    }
}

/// `/admin/bal-org/{id}`: the request, its checks, the requester, the decision forms.
pub fn admin_org(ctx: &PageContext, view: &AdminOrgView) -> Markup {
    let body = html! {
        div.wide {
            p.back-link { a href=(urls::ADMIN) { "Retour à la file d'attente" } }
            (error_summary(&view.errors))
            (error_summary(&view.change_errors))
            h1 { "BAL organisationnelle : " (view.libelle) }
            p { (status_badge(&view.status, view.pending, view.rejection_reason.is_some())) }
            @if let Some(address) = &view.address {
                p { "Adresse : " strong.org-address { (address) } }
            }
            @if let Some(reason) = &view.rejection_reason {
                p { "Motif du refus : " (reason) }
            }
            (fields_list(&view.fields))
            h2 { "Vérifications" }
            ul.checks {
                li.key-check {
                    "Contrôle de l'identifiant de structure : "
                    strong.key-valid[view.key_valid] { (view.key_check) }
                }
                li.requester {
                    "Demandée par : "
                    @if let Some((id, name, email, status)) = &view.requester {
                        a href=(urls::admin_account(*id)) { (name) } " (" (email) ", compte " (status) ")"
                    } @else {
                        "compte supprimé"
                    }
                }
            }
            h2 id="admin-members-title" { "Membres" }
            ul.org-members {
                @for member in &view.members {
                    li {
                        (member.name) " — " (member.email) " — " (member.role)
                    }
                }
            }
            @if view.pending { (org_decisions(ctx, view)) }
            @if let Some((current, requested)) = &view.pending_change { (org_change(ctx, view, current, requested)) }
            (history_table(&view.history, "Historique de la BAL"))
        }
    };
    let title = form_title(
        &format!("BAL ORG {}", view.libelle),
        !(view.errors.is_empty() && view.change_errors.is_empty()),
    );
    layout::page(ctx, &title, body)
}

fn org_decisions(ctx: &PageContext, view: &AdminOrgView) -> Markup {
    html! {
        h2 { "Décision" }
        div.decisions {
            section.decision aria-labelledby="validate-title" {
                h3 id="validate-title" { "Valider" }
                p { "L'adresse est attribuée, la boîte est publiée et chaque responsable en est informé par mail." }
                // `vue`: the request as this page shows it; a decision is never taken on a
                // request a responsable edited after the page was shown.
                (post_form(&ctx.csrf_token, &urls::org_action(urls::ADMIN_ORG_VALIDATE, view.id, None), html! {
                    input type="hidden" name="vue" value=(view.request_seen);
                    button.button type="submit" { "Valider la BAL" }
                }))
            }
            section.decision aria-labelledby="reject-title" {
                h3 id="reject-title" { "Refuser" }
                (post_form(&ctx.csrf_token, &urls::org_action(urls::ADMIN_ORG_REJECT, view.id, None), html! {
                    input type="hidden" name="vue" value=(view.request_seen);
                    (Textarea::new("motif", "Motif du refus (envoyé aux responsables)").value(&view.motif)
                        .required().errors(&view.errors))
                    button.button.button-danger type="submit" { "Refuser la demande" }
                }))
            }
        }
    }
}

fn org_change(ctx: &PageContext, view: &AdminOrgView, current: &str, requested: &str) -> Markup {
    html! {
        h2 { "Modification à valider" }
        dl.summary {
            dt { "Valeurs actuelles" } dd.current { (current) }
            dt { "Valeurs demandées" } dd.requested { (requested) }
        }
        div.decisions {
            // `demande`: the change as this page shows it, so that a decision never applies to a
            // change a responsable made after the page was shown.
            (post_form(&ctx.csrf_token, &urls::org_action(urls::ADMIN_ORG_CHANGE_ACCEPT, view.id, None), html! {
                input type="hidden" name="demande" value=(view.change_seen);
                button.button type="submit" { "Accepter la modification" }
            }))
            (post_form(&ctx.csrf_token, &urls::org_action(urls::ADMIN_ORG_CHANGE_REFUSE, view.id, None), html! {
                input type="hidden" name="demande" value=(view.change_seen);
                (Textarea::new("motif_modification", "Motif du refus de la modification")
                    .value(&view.change_motif).required().errors(&view.change_errors))
                button.button.button-danger type="submit" { "Refuser la modification" }
            }))
        }
    }
}
