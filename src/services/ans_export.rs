//! The national extraction export (issue 13): every box publication puts in the MSSanté
//! directory, written in the ANS's 31-column format (`directory::ans_export`). The command line
//! (`directory export --format ans`) exports everything; an administrator downloads the boxes of
//! their scope from the console.
//!
//! What is exported is exactly what `directory sync` makes the MSSanté branch hold
//! ([`publication::desired_all`]): validated, enabled PER boxes whose holder chose the MSSanté
//! directory and validated ORG boxes with "annuaire MSSanté" ticked. Liste rouge boxes, BAL MED
//! and operator-only entries are not in the national directory, so not in its extraction.

use sea_orm::DatabaseConnection;

use crate::directory::{
    Branch, Holder,
    ans_export::{self, Extras},
};
use crate::domain::{Nomenclatures, Scope};
use crate::services::publication::{self, Desired};

/// The extraction of the boxes `scopes` cover, sorted by address: the header line, then one
/// line per box, UTF-8, `\n`-terminated.
///
/// # Errors
/// Database failures.
pub async fn extraction(
    db: &DatabaseConnection,
    nomenclatures: &Nomenclatures,
    scopes: &[Scope],
) -> Result<String, sea_orm::DbErr> {
    let mut boxes: Vec<(Desired, Extras)> = publication::desired_all(db)
        .await?
        .into_iter()
        .filter(|d| d.entry.branch == Branch::Mssante)
        .filter(|d| {
            scopes
                .iter()
                .any(|s| s.covers(Some(&d.region), d.structure.as_deref()))
        })
        .map(|d| {
            let extras = extras(nomenclatures, &d);
            (d, extras)
        })
        .collect();
    boxes.sort_by(|(a, _), (b, _)| a.entry.mail.cmp(&b.entry.mail));
    Ok(ans_export::write(
        boxes.iter().map(|(d, extras)| (&d.entry, extras)),
    ))
}

/// The labels of a person's codes (TRE_G15, TRE_R38) and their structure.
fn extras(nomenclatures: &Nomenclatures, desired: &Desired) -> Extras {
    match &desired.entry.holder {
        Holder::Person {
            profession_code,
            savoir_faire,
            ..
        } => Extras {
            profession_label: nomenclatures
                .profession(profession_code)
                .map(|p| p.label.clone()),
            savoir_faire_label: savoir_faire
                .as_deref()
                .and_then(|code| nomenclatures.specialty(code))
                .map(|s| s.label.clone()),
            person_structure: desired.person_structure.clone(),
        },
        Holder::Organisation { .. } => Extras::default(),
    }
}
