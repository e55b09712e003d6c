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

use crate::domain::org::{OrgAction, OrgBox, OrgStatus, Role};
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
    // Its address is the contact of the boxes it is responsable of: a closed or disabled
    // account leaves their `mssResponsable`, a reactivated one comes back.
    for org_id in repo::orgs::where_responsable(db, account_id).await? {
        publish_org(db, directory, org_id, now).await?;
    }
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
    let desired: Vec<MailboxEntry> = desired_all(db)
        .await?
        .into_iter()
        .map(|d| d.entry)
        .collect();
    reconcile(directory, &desired).await
}

/// One entry publication wants, with what the entry itself does not say about its holder.
#[derive(Debug, Clone)]
pub struct Desired {
    pub entry: MailboxEntry,
    /// The holder's région (INSEE code), for administrators' scopes.
    pub region: String,
    /// The holder's structure identifier as scopes name it (`structure:<id>`).
    pub structure: Option<String>,
    /// A person's structure as an idNatStruct (`1` + FINESS), when the profile names one; an
    /// organisation's is in its entry.
    pub person_structure: Option<String>,
}

/// Every entry of every account and BAL ORG, per the rules above: what `directory sync` makes
/// the directory equal, and what the national extraction export writes (its MSSanté branch).
///
/// # Errors
/// Database failures.
pub async fn desired_all(db: &DatabaseConnection) -> Result<Vec<Desired>, sea_orm::DbErr> {
    let mut profiles: std::collections::HashMap<i32, StoredProfile> = repo::profiles::all(db)
        .await?
        .into_iter()
        .map(|p| (p.account_id, p))
        .collect();
    let mut desired = Vec::new();
    for account in repo::accounts::all_validated(db).await? {
        if let Some(profile) = profiles.remove(&account.id) {
            let structure = Some(profile.identifiant_structure.clone()).filter(|s| !s.is_empty());
            let person_structure = crate::domain::Finess::parse(&profile.identifiant_structure)
                .ok()
                .map(|finess| format!("1{}", finess.as_str()));
            desired.extend(
                desired_entries(&account, &profile)
                    .into_iter()
                    .map(|entry| Desired {
                        entry,
                        region: profile.region.clone(),
                        structure: structure.clone(),
                        person_structure: person_structure.clone(),
                    }),
            );
        }
    }
    for org in repo::orgs::all_validated(db).await? {
        let responsables = responsable_addresses(db, org.id).await?;
        desired.extend(
            desired_org_entries(&org, &responsables)
                .into_iter()
                .map(|entry| Desired {
                    entry,
                    region: org.region.clone(),
                    structure: org.structure().map(str::to_owned),
                    person_structure: None,
                }),
        );
    }
    Ok(desired)
}

fn branch_label(branch: Branch) -> &'static str {
    match branch {
        Branch::Mssante => "annuaire MSSanté",
        Branch::Operateur => "annuaire opérateur",
    }
}

/// The entries a BAL ORG should have (issue 10): a validated box that is not closed is in the
/// MSSanté branch when `annuaire_mssante` is ticked (unticked: liste rouge) and in the
/// operator branch when `annuaire_medimail` is. Its contact (`mssResponsable`) is the set of
/// `responsables`: the addresses of its responsables' own mailboxes. Members are not published,
/// as the MOS does not publish them.
pub fn desired_org_entries(org: &OrgBox, responsables: &[String]) -> Vec<MailboxEntry> {
    let Some(address) = &org.mailbox_address else {
        return Vec::new();
    };
    if org.status() != OrgStatus::Validated {
        return Vec::new();
    }
    let opt = |text: &str| Some(text.to_owned()).filter(|t| !t.is_empty());
    let entry = |branch| MailboxEntry {
        branch,
        mail: address.clone(),
        bal_type: "ORG".to_owned(),
        holder: Holder::organisation(
            org.libelle.clone(),
            org.id_nat_struct(),
            responsables.iter().cloned(),
        ),
        dematerialisation: org.dematerialisation,
        liste_rouge: !org.annuaire_mssante,
        service: opt(&org.service),
        description: opt(&org.description),
        region: org.region.clone(),
        departement: opt(&org.departement),
        telephone: opt(&org.telephone),
        organisation: opt(&org.raison_sociale),
        street: opt(&org.adresse),
        postal_code: opt(&org.code_postal),
        locality: opt(&org.ville),
        published: Vec::new(),
    };
    let mut entries = Vec::new();
    if org.annuaire_mssante {
        entries.push(entry(Branch::Mssante));
    }
    if org.annuaire_medimail {
        entries.push(entry(Branch::Operateur));
    }
    entries
}

/// The published contacts of a box: its joined responsables' own addresses, when their account
/// is validated and enabled.
async fn responsable_addresses(
    db: &DatabaseConnection,
    org_id: i32,
) -> Result<Vec<String>, sea_orm::DbErr> {
    Ok(repo::orgs::members(db, org_id)
        .await?
        .into_iter()
        .filter(|m| m.active && m.role == Role::Responsable)
        .filter_map(|m| m.mailbox_address)
        .collect())
}

/// Makes the directory match the database for one BAL ORG, and records it in the box's
/// history.
///
/// # Errors
/// Directory or database failures (the worker retries).
pub async fn publish_org(
    db: &DatabaseConnection,
    directory: &dyn Directory,
    org_id: i32,
    now: Timestamp,
) -> anyhow::Result<()> {
    let Some(org) = repo::orgs::find(db, org_id).await? else {
        return Ok(());
    };
    let Some(address) = org.mailbox_address.as_deref() else {
        return Ok(()); // never validated, so never published
    };
    let responsables = responsable_addresses(db, org_id).await?;
    let desired = desired_org_entries(&org, &responsables);
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
    repo::orgs::record(
        db,
        org_id,
        Actor::System,
        "Service",
        OrgAction::Published,
        Some(&done.join(" ; ")),
        now,
    )
    .await?;
    Ok(())
}
