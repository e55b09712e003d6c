//! The Annuaire Santé cross-check on the administrators' detail page (issue 13): what the
//! national directory says about the declared identifier, set beside what the user typed.
//! Every state is written out in words (a mismatch says "Écart", an unknown identifier says so),
//! colour only repeats it; an outage reads "Vérification indisponible" with a retry button.

use maud::{Markup, html};

use crate::components::post_form;
use crate::views::{
    AnnuaireCheckView, AnnuaireStatus, ComparisonRow, PageContext, PractitionerView,
};

/// The section, with its refresh button when the check is enabled.
pub(super) fn annuaire_section(ctx: &PageContext, view: &AnnuaireCheckView) -> Markup {
    let when = view.checked_at.as_deref();
    html! {
        section.annuaire-sante aria-labelledby="annuaire-title" {
            h2 id="annuaire-title" { "Annuaire Santé" }
            p { "Identifiant recherché : " strong { (view.identifier) } }
            @if view.psc_verified {
                p.psc-note {
                    "Identité vérifiée par Pro Santé Connect : la vérification auprès de "
                    "l'Annuaire Santé n'est pas nécessaire, elle reste possible."
                }
            }
            @match view.status {
                AnnuaireStatus::Disabled => {
                    p.annuaire-status {
                        "La vérification auprès de l'Annuaire Santé n'est pas activée sur ce "
                        "service."
                    }
                }
                AnnuaireStatus::NotRequested => {
                    p.annuaire-status { "Aucune vérification demandée." }
                }
                AnnuaireStatus::InProgress => {
                    p.annuaire-status role="status" {
                        strong { "Vérification en cours" }
                        " : le résultat s'affichera en rechargeant la page."
                    }
                }
                AnnuaireStatus::Unavailable => {
                    p.annuaire-status.annuaire-unavailable role="status" {
                        strong { "Vérification indisponible" }
                        " : l'Annuaire Santé n'a pas répondu. Réessayez plus tard."
                        @if let Some(when) = when {
                            " Le dernier résultat ci-dessous date du " (when) "."
                        }
                    }
                }
                AnnuaireStatus::Unknown => {
                    p.annuaire-status.annuaire-unknown {
                        strong { "Identifiant inconnu de l'Annuaire Santé" }
                        " : aucun professionnel ne porte ce numéro"
                        @if let Some(when) = when { " (vérifié le " (when) ")" }
                        "."
                    }
                }
                AnnuaireStatus::Found => {
                    p.annuaire-status {
                        "Professionnel trouvé"
                        @if let Some(when) = when { " (vérifié le " (when) ")" }
                        "."
                    }
                }
            }
            @if let Some(practitioner) = &view.practitioner {
                (practitioner_details(practitioner))
            }
            @if !view.comparison.is_empty() { (comparison_table(&view.comparison)) }
            @if view.status != AnnuaireStatus::Disabled && view.status != AnnuaireStatus::InProgress {
                (post_form(&ctx.csrf_token, &view.refresh_action, html! {
                    button.button.button-secondary type="submit" {
                        @match view.status {
                            AnnuaireStatus::Unavailable => "Réessayer la vérification",
                            AnnuaireStatus::NotRequested => "Vérifier dans l'Annuaire Santé",
                            _ => "Actualiser la vérification",
                        }
                    }
                }))
            }
        }
    }
}

fn practitioner_details(p: &PractitionerView) -> Markup {
    html! {
        dl.summary.annuaire-practitioner {
            dt { "Noms d'exercice" }
            dd { (p.names.join(" ; ")) }
            dt { "Situation" }
            dd {
                @if p.active { "Actif" }
                @else { strong.annuaire-inactive { "Inactif dans l'Annuaire Santé" } }
            }
        }
        @if p.roles.is_empty() {
            p { "Aucun exercice professionnel n'est publié." }
        } @else {
            div.table-wrapper role="region" aria-labelledby="annuaire-roles-caption" tabindex="0" {
                table.data-table.annuaire-roles {
                    caption id="annuaire-roles-caption" { "Exercices publiés dans l'Annuaire Santé" }
                    thead {
                        tr {
                            th scope="col" { "Profession" }
                            th scope="col" { "Savoir-faire" }
                            th scope="col" { "Structure" }
                            th scope="col" { "Région" }
                            th scope="col" { "Situation" }
                        }
                    }
                    tbody {
                        @for role in &p.roles {
                            tr {
                                th scope="row" { (role.profession) }
                                td { (role.savoir_faire.join(", ")) }
                                td { (role.organisation) }
                                td { (role.region) }
                                td { @if role.active { "Actif" } @else { strong { "Inactif" } } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn comparison_table(rows: &[ComparisonRow]) -> Markup {
    html! {
        div.table-wrapper role="region" aria-labelledby="annuaire-comparison-caption" tabindex="0" {
            table.data-table.annuaire-comparison {
                caption id="annuaire-comparison-caption" {
                    "Saisie de l'utilisateur et Annuaire Santé côte à côte"
                }
                thead {
                    tr {
                        th scope="col" { "Donnée" }
                        th scope="col" { "Saisie par l'utilisateur" }
                        th scope="col" { "Annuaire Santé" }
                        th scope="col" { "Concordance" }
                    }
                }
                tbody {
                    @for row in rows {
                        tr.mismatch[row.agrees == Some(false)] {
                            th scope="row" { (row.label) }
                            td { (row.typed) }
                            td {
                                @if row.directory.is_empty() { span.muted { "Non disponible" } }
                                @else { (row.directory) }
                            }
                            td.agreement {
                                @match row.agrees {
                                    Some(true) => { "Concorde" }
                                    Some(false) => { strong.mismatch-mark { "Écart" } }
                                    None => { span.muted { "Non comparable" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
