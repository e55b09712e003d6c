//! Publication of validated mailboxes to the LDAP annuaire.
//!
//! Rules (issue: "Publication rules"):
//! - a validated BAL PER whose holder ticked "annuaire MSSanté" is in the MSSanté branch;
//!   unticking it (liste rouge) removes it from there;
//! - "annuaire Medimail" governs the operator-only branch, the only one a BAL MED ever enters;
//! - a disabled account is in neither branch.
//!
//! Every change pushes a `Job::Directory` to the outbox, naming the account, in the transaction of the
//! change. The worker recomputes the account's entries from the database when it runs, so it
//! is idempotent and converges: replaying a row, or running several, gives the same directory.

use sea_orm::DatabaseConnection;

use crate::domain::{Account, Action, Actor, BalType};
use crate::{
    clock::Timestamp,
    directory::{Branch, Directory, MailboxEntry, ReconcileReport, reconcile},
    domain::{IdentifierType, NationalId},
    repo::{self, profiles::ProfileRow},
};

/// The entries an account should have, per the rules above.
pub fn desired_entries(account: &Account, profile: &ProfileRow) -> Vec<MailboxEntry> {
    let (Some(address), Some(bal)) = (&account.mailbox_address, account.bal_type) else {
        return Vec::new();
    };
    if account.validated_at.is_none() || account.disabled {
        return Vec::new();
    }
    let national_id = match (&profile.type_identifiant, &profile.identifiant) {
        (Some(kind), Some(id)) => kind
            .parse::<IdentifierType>()
            .ok()
            .and_then(|kind| NationalId::parse(kind, id).ok()),
        _ => None,
    };
    let entry = |branch| MailboxEntry {
        branch,
        mail: address.clone(),
        bal_type: bal.as_str().to_owned(),
        nom: account.nom.clone(),
        prenom: account.prenom.clone(),
        rpps: national_id
            .as_ref()
            .filter(|id| id.kind() == IdentifierType::Rpps)
            .map(|id| id.as_str().to_owned()),
        id_nat_ps: national_id.as_ref().map(NationalId::id_nat_ps),
        profession_code: profile.profession.clone(),
        savoir_faire: profile.specialite.clone(),
        dematerialisation: profile.dematerialisation,
        liste_rouge: !profile.annuaire_mssante,
        service: profile.service.clone(),
        description: None,
        // BoiteLettreMSS.responsable is not filled for PER (domain.md §3.4).
        responsable: None,
        region: profile.region.clone(),
        departement: profile.departement.clone(),
        telephone: profile.telephone1.clone(),
        organisation: profile.raison_sociale.clone(),
        street: profile.adresse.clone(),
        postal_code: profile.code_postal.clone(),
        locality: profile.ville.clone(),
    };
    let mut entries = Vec::new();
    if bal == BalType::Per && profile.annuaire_mssante {
        entries.push(entry(Branch::Mssante));
    }
    if profile.annuaire_medimail {
        entries.push(entry(Branch::Operateur));
    }
    entries
}

/// Makes the directory match the database for one account, and records what it did.
///
/// # Errors
/// Directory or database failures (the worker retries).
pub async fn publish_account(
    db: &DatabaseConnection,
    directory: &dyn Directory,
    account_id: i32,
    now: Timestamp,
) -> anyhow::Result<()> {
    let Some(account) = repo::accounts::find(db, account_id).await? else {
        return Ok(()); // deleted: `directory sync` removes orphans
    };
    let desired = match repo::profiles::find(db, account_id).await? {
        Some(profile) => desired_entries(&account, &profile),
        None => Vec::new(),
    };
    let Some(address) = account.mailbox_address.as_deref() else {
        return Ok(()); // never validated, so never published
    };
    let mut done = Vec::new();
    for branch in [Branch::Mssante, Branch::Operateur] {
        match desired.iter().find(|e| e.branch == branch) {
            Some(entry) => {
                directory.upsert(entry).await?;
                done.push(format!("{}: publiée", branch_label(branch)));
            }
            None => {
                directory.remove(branch, address).await?;
                done.push(format!("{}: absente", branch_label(branch)));
            }
        }
    }
    repo::audit::record(
        db,
        account_id,
        Actor::System,
        Action::DirectoryPublished,
        Some(&done.join(" ; ")),
        now,
    )
    .await?;
    Ok(())
}

/// Reconciles the whole directory with the database (`mss-onboarding directory sync`).
///
/// # Errors
/// Directory or database failures.
pub async fn reconcile_all(
    db: &DatabaseConnection,
    directory: &dyn Directory,
) -> anyhow::Result<ReconcileReport> {
    let mut profiles: std::collections::HashMap<i32, ProfileRow> = repo::profiles::all(db)
        .await?
        .into_iter()
        .map(|p| (p.account_id, p))
        .collect();
    let mut desired = Vec::new();
    for account in repo::accounts::all_validated(db).await? {
        if let Some(profile) = profiles.remove(&account.id) {
            desired.extend(desired_entries(&account, &profile));
        }
    }
    reconcile(directory, &desired).await
}

fn branch_label(branch: Branch) -> &'static str {
    match branch {
        Branch::Mssante => "annuaire MSSanté",
        Branch::Operateur => "annuaire opérateur",
    }
}
