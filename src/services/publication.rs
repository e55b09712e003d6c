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
    directory::{Branch, Directory, Holder, MailboxEntry, ReconcileReport, reconcile},
    domain::profile::{FIELDS, Raw, StoredProfile},
    domain::{IdentifierType, NationalId},
    repo,
};

/// The entries an account should have, per the rules above.
pub fn desired_entries(account: &Account, profile: &StoredProfile) -> Vec<MailboxEntry> {
    let (Some(address), Some(bal)) = (&account.mailbox_address, account.bal_type) else {
        return Vec::new();
    };
    if account.validated_at.is_none() || account.disabled {
        return Vec::new();
    }
    let opt = |text: &str| Some(text.to_owned()).filter(|t| !t.is_empty());
    let national_id = profile
        .type_identifiant
        .parse::<IdentifierType>()
        .ok()
        .and_then(|kind| NationalId::parse(kind, &profile.identifiant).ok());
    // Fields whose descriptor names an LDAP attribute (the field table).
    let published: Vec<(String, String)> = FIELDS
        .iter()
        .filter_map(|f| {
            let value = match profile.get(f.name)? {
                Raw::Text(text) => text.to_owned(),
                Raw::Flag(flag) => if flag { "O" } else { "N" }.to_owned(),
            };
            Some((f.ldap?.to_owned(), value)).filter(|(_, v)| !v.is_empty())
        })
        .collect();
    let entry = |branch| MailboxEntry {
        branch,
        mail: address.clone(),
        bal_type: bal.as_str().to_owned(),
        // A person: BoiteLettreMSS.responsable is not filled for PER (domain.md §3.4), so the
        // holder has no responsable at all.
        holder: Holder::Person {
            nom: account.nom.clone(),
            prenom: account.prenom.clone(),
            rpps: national_id
                .as_ref()
                .filter(|id| id.kind() == IdentifierType::Rpps)
                .map(|id| id.as_str().to_owned()),
            id_nat_ps: national_id.as_ref().map(NationalId::id_nat_ps),
            profession_code: profile.profession.clone(),
            savoir_faire: opt(&profile.specialite),
        },
        dematerialisation: profile.dematerialisation,
        liste_rouge: !profile.annuaire_mssante,
        service: opt(&profile.service),
        description: None,
        region: profile.region.clone(),
        departement: opt(&profile.departement),
        telephone: opt(&profile.telephone1),
        organisation: opt(&profile.raison_sociale),
        street: opt(&profile.adresse),
        postal_code: opt(&profile.code_postal),
        locality: opt(&profile.ville),
        published: published.clone(),
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
    let mut profiles: std::collections::HashMap<i32, StoredProfile> = repo::profiles::all(db)
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

/// TEMPORARY (replaced when the directory side lands).
pub async fn publish_org(
    _db: &DatabaseConnection,
    _directory: &dyn Directory,
    _org_id: i32,
    _now: Timestamp,
) -> anyhow::Result<()> {
    Ok(())
}
