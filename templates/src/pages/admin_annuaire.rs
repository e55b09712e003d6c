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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::PractitionerRoleView;

    fn ctx() -> PageContext {
        PageContext {
            csrf_token: "csrf-123".into(),
            ..PageContext::default()
        }
    }

    fn found() -> AnnuaireCheckView {
        AnnuaireCheckView {
            status: AnnuaireStatus::Found,
            identifier: "RPPS 10001234567".into(),
            checked_at: Some("04/12/2026 14:05 UTC".into()),
            psc_verified: false,
            practitioner: Some(PractitionerView {
                active: true,
                names: vec!["DR CLAIRE MARTIN".into()],
                roles: vec![PractitionerRoleView {
                    active: true,
                    profession: "Pharmacien (21)".into(),
                    savoir_faire: Vec::new(),
                    organisation: "PHARMACIE <DU> CENTRE".into(),
                    region: "Occitanie".into(),
                }],
            }),
            comparison: vec![
                ComparisonRow {
                    label: "Nom".into(),
                    typed: "Durand".into(),
                    directory: "MARTIN".into(),
                    agrees: Some(false),
                },
                ComparisonRow {
                    label: "Région".into(),
                    typed: "Occitanie".into(),
                    directory: String::new(),
                    agrees: None,
                },
            ],
            refresh_action: "/admin/comptes/7/annuaire-sante".into(),
        }
    }

    #[test]
    fn a_mismatch_is_written_out_not_only_coloured() {
        let html = annuaire_section(&ctx(), &found()).into_string();
        assert!(
            html.contains(r#"<tr class="mismatch"><th scope="row">Nom</th>"#),
            "{html}"
        );
        assert!(html.contains(r#"<strong class="mismatch-mark">Écart</strong>"#));
        assert!(html.contains("Non comparable"));
        assert!(html.contains("Non disponible"));
        assert!(html.contains("PHARMACIE &lt;DU&gt; CENTRE"), "escaped");
    }

    #[test]
    fn the_refresh_posts_with_the_csrf_token_except_while_in_progress_or_disabled() {
        let html = annuaire_section(&ctx(), &found()).into_string();
        assert!(html.contains(r#"action="/admin/comptes/7/annuaire-sante""#));
        assert!(html.contains(r#"value="csrf-123""#));
        assert!(html.contains("Actualiser la vérification"));
        for status in [AnnuaireStatus::InProgress, AnnuaireStatus::Disabled] {
            let view = AnnuaireCheckView { status, ..found() };
            let html = annuaire_section(&ctx(), &view).into_string();
            assert!(!html.contains("<form"), "{status:?}: {html}");
        }
    }

    #[test]
    fn an_outage_reads_unavailable_with_a_retry() {
        let view = AnnuaireCheckView {
            status: AnnuaireStatus::Unavailable,
            ..found()
        };
        let html = annuaire_section(&ctx(), &view).into_string();
        assert!(html.contains("<strong>Vérification indisponible</strong>"));
        assert!(html.contains("Réessayer la vérification"));
        assert!(html.contains("Le dernier résultat ci-dessous date du 04/12/2026 14:05 UTC."));
    }
}
