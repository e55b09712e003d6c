//! Administrators' decisions: validate (assign the mailbox address, mail the user, publish) or
//! reject (with a reason, mailed to the user). Each decision, its mail and its directory sync
//! are one transaction.

use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};

use crate::domain::{Account, Action, Actor, AuditEntry, BalType, QueueFilter, Scope};
use crate::{
    clock::Timestamp,
    domain::mailbox::{AddressPattern, MailboxAddress},
    domain::profile::StoredProfile,
    error::is_unique_violation,
    mail::OutgoingMail,
    outbox::{self, Job, Publish},
    repo,
    services::{annuaire_sante, profile},
    state::AppState,
};

/// The longest rejection reason kept (it is mailed to the user).
pub const MAX_REASON_CHARS: usize = 2000;
/// Homonym suffixes tried before giving up (jean.dupont, jean.dupont2 … jean.dupont999).
const MAX_SUFFIX: u32 = 999;

#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    #[error("no such account")]
    NotFound,
    #[error("account outside the administrator's scope")]
    OutOfScope,
    #[error("account is not waiting for validation")]
    NotPending,
    #[error("the names give no usable address")]
    NoAddress,
    /// Another validated account carries this national identifier (issue 8, defect 4).
    #[error("another validated account carries this national identifier")]
    IdentifierTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for DecisionError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// Who decides.
#[derive(Debug, Clone, Copy)]
pub enum Decider {
    Admin(i32),
    /// Automatic validation (e.g. Pro Santé Connect-verified accounts).
    System,
}

impl Decider {
    /// Why, for the audit trail: an automatic validation says so.
    fn detail(self, address: &str) -> String {
        match self {
            Self::Admin(_) => address.to_owned(),
            Self::System => format!(
                "{address} (validation automatique, identité vérifiée par Pro Santé Connect)"
            ),
        }
    }

    pub fn actor(self) -> Actor {
        match self {
            Self::Admin(id) => Actor::Admin(id),
            Self::System => Actor::System,
        }
    }
}

/// One account of the administrators' queue.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    pub account: Account,
    pub profile: StoredProfile,
    /// The identity was verified by Pro Santé Connect.
    pub psc_verified: bool,
    /// Another account claims the same national identifier (its profile, or its e-CPS).
    pub contested: bool,
    /// What the Annuaire Santé cross-check found wrong, if anything.
    pub annuaire: Option<annuaire_sante::Flag>,
}

/// The pending accounts within the filter, oldest first, and the time they are measured at.
///
/// # Errors
/// Database failures.
pub async fn pending_queue(
    db: &DatabaseConnection,
    filter: &QueueFilter,
    now: Timestamp,
) -> Result<(Vec<QueueEntry>, Timestamp), DbErr> {
    let pending = repo::queue::pending(db, filter).await?;
    let ids: Vec<i32> = pending.iter().map(|(a, _)| a.id).collect();
    let verified = repo::psc::linked_among(db, &ids).await?;
    let identifiers: Vec<_> = pending
        .iter()
        .filter_map(|(_, p)| identifier_of(p))
        .collect();
    let claims = repo::profiles::claimants(db, &identifiers).await?;
    let checks = repo::annuaire_checks::of_accounts(db, &ids).await?;
    let entries = pending
        .into_iter()
        .map(|(account, profile)| QueueEntry {
            annuaire: checks
                .get(&account.id)
                .and_then(|check| annuaire_sante::flag(check, &account, &profile)),
            psc_verified: verified.contains(&account.id),
            contested: identifier_of(&profile)
                .and_then(|key| claims.get(&key))
                .is_some_and(|ids| ids.iter().any(|&id| id != account.id)),
            account,
            profile,
        })
        .collect();
    Ok((entries, now))
}

/// What the administrators' detail page shows besides the account and its profile.
#[derive(Debug, Clone)]
pub struct AccountDetail {
    /// The audit trail, oldest first.
    pub history: Vec<AuditEntry>,
    pub psc_verified: bool,
    /// The profile fields whose stored value Pro Santé Connect asserts (field names).
    pub verified_fields: Vec<&'static str>,
    /// The other accounts claiming the same national identifier, by id.
    pub contested_by: Vec<i32>,
    /// A pending change to the identity fields.
    pub change_request: Option<crate::domain::profile::ChangeRequest>,
    /// The Annuaire Santé cross-check of the identifier the profile declares now.
    pub annuaire: Option<crate::annuaire_sante::StoredCheck>,
}

/// The profile's `(type, number)`, when it declares one.
fn identifier_of(profile: &StoredProfile) -> Option<(String, String)> {
    (!profile.type_identifiant.is_empty() && !profile.identifiant.is_empty()).then(|| {
        (
            profile.type_identifiant.clone(),
            profile.identifiant.clone(),
        )
    })
}

/// Loads [`AccountDetail`].
///
/// # Errors
/// Database failures.
pub async fn account_detail(
    db: &DatabaseConnection,
    account: &Account,
    profile: Option<&StoredProfile>,
) -> Result<AccountDetail, DbErr> {
    let identity = repo::psc::identity_of(db, account.id).await?;
    let verified_fields = identity
        .as_ref()
        .map(|i| profile::verified_fields(i, account, profile))
        .unwrap_or_default();
    let mut contested_by = Vec::new();
    if let Some(key) = profile.and_then(identifier_of) {
        let claims = repo::profiles::claimants(db, std::slice::from_ref(&key)).await?;
        contested_by = claims
            .get(&key)
            .map(|ids| ids.iter().copied().filter(|&id| id != account.id).collect())
            .unwrap_or_default();
        contested_by.sort_unstable();
    }
    Ok(AccountDetail {
        history: repo::audit::for_account(db, account.id).await?,
        psc_verified: repo::psc::find_by_account(db, account.id).await?.is_some(),
        verified_fields,
        contested_by,
        change_request: repo::change_requests::find(db, account.id).await?,
        annuaire: match profile {
            Some(profile) => annuaire_sante::current(db, profile).await?,
            None => None,
        },
    })
}

/// Records that an administrator opened an account's detail page: reading someone's personal
/// data is traced like changing it (OWASP ASVS 7.1.3, 8.3.5).
///
/// # Errors
/// Database failures.
pub async fn record_viewed(
    db: &DatabaseConnection,
    admin_id: i32,
    account_id: i32,
    now: Timestamp,
) -> Result<(), DbErr> {
    repo::audit::record(
        db,
        account_id,
        Actor::Admin(admin_id),
        Action::ProfileViewed,
        None,
        now,
    )
    .await
}

/// Loads an account for an administrator: 404 if absent, 403 outside their scopes.
///
/// # Errors
/// [`DecisionError::NotFound`], [`DecisionError::OutOfScope`].
pub async fn load_in_scope(
    db: &DatabaseConnection,
    scopes: &[Scope],
    account_id: i32,
) -> Result<(Account, Option<StoredProfile>), DecisionError> {
    let account = repo::accounts::find(db, account_id)
        .await?
        .ok_or(DecisionError::NotFound)?;
    let profile = repo::profiles::find(db, account_id).await?;
    let region = profile.as_ref().map(|p| p.region.as_str());
    let structure = profile
        .as_ref()
        .map(|p| p.identifiant_structure.as_str())
        .filter(|s| !s.is_empty());
    if !scopes.iter().any(|s| s.covers(region, structure)) {
        return Err(DecisionError::OutOfScope);
    }
    Ok((account, profile))
}

/// Validates a pending account: assigns its address (unique; homonyms get 2, 3…), records the
/// decision, pushes the mail and the directory publication to the outbox.
///
/// # Errors
/// See [`DecisionError`].
pub async fn validate(
    state: &AppState,
    decider: Decider,
    account: &Account,
    profile: &StoredProfile,
) -> Result<MailboxAddress, DecisionError> {
    if !account.is_pending() {
        return Err(DecisionError::NotPending);
    }
    let bal = account.bal_type.ok_or(DecisionError::NotPending)?;
    let addresses = &state.settings.addresses;
    let pattern = match bal {
        BalType::Per => &addresses.per_pattern,
        BalType::Med => &addresses.med_pattern,
    };
    let pattern = AddressPattern::parse(pattern)
        .map_err(|e| anyhow::anyhow!("invalid address pattern: {e}"))?;
    let profession = addresses
        .professions
        .get(&profile.profession)
        .ok_or_else(|| anyhow::anyhow!("no address label for profession {}", profile.profession))?;
    let region = addresses
        .regions
        .get(&profile.region)
        .ok_or_else(|| anyhow::anyhow!("no address label for région {}", profile.region))?;

    let national_id = national_id_key(profile);
    // Try jean.dupont, then jean.dupont2, 3… The unique index on the address is the arbiter:
    // two concurrent validations of homonyms may pick the same candidate; the loser's insert
    // fails and it moves on to the next suffix.
    let mut suffix = None;
    loop {
        let address = pattern
            .render(&account.prenom, &account.nom, profession, region, suffix)
            .map_err(|_| DecisionError::NoAddress)?;
        match try_validate(state, decider, account, national_id.as_deref(), &address).await {
            Ok(true) => {
                state.outbox.wake();
                return Ok(address);
            }
            Ok(false) => return Err(DecisionError::NotPending),
            Err(Attempt::IdentifierTaken) => return Err(DecisionError::IdentifierTaken),
            // A unique index said no: the address, or the identifier validated meanwhile by a
            // concurrent decision on another account (then the check below sees it).
            Err(Attempt::Taken)
                if identifier_taken(state, account, national_id.as_deref()).await? =>
            {
                return Err(DecisionError::IdentifierTaken);
            }
            Err(Attempt::Taken) => {
                let next = suffix.map_or(2, |n| n + 1);
                if next > MAX_SUFFIX {
                    return Err(DecisionError::NoAddress);
                }
                suffix = Some(next);
            }
            Err(Attempt::Db(e)) => return Err(e.into()),
        }
    }
}

/// `TYPE:number` of the profile's national identifier, as `accounts.validated_national_id`
/// holds it.
fn national_id_key(profile: &StoredProfile) -> Option<String> {
    (!profile.type_identifiant.is_empty() && !profile.identifiant.is_empty())
        .then(|| format!("{}:{}", profile.type_identifiant, profile.identifiant))
}

async fn identifier_taken(
    state: &AppState,
    account: &Account,
    national_id: Option<&str>,
) -> Result<bool, DbErr> {
    match national_id {
        Some(id) => Ok(
            repo::accounts::validated_with_national_id(&state.db, id, account.id)
                .await?
                .is_some(),
        ),
        None => Ok(false),
    }
}

enum Attempt {
    Taken,
    IdentifierTaken,
    Db(DbErr),
}

impl From<DbErr> for Attempt {
    fn from(e: DbErr) -> Self {
        if is_unique_violation(&e) {
            Self::Taken
        } else {
            Self::Db(e)
        }
    }
}

async fn try_validate(
    state: &AppState,
    decider: Decider,
    account: &Account,
    national_id: Option<&str>,
    address: &MailboxAddress,
) -> Result<bool, Attempt> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    // Checked here for a clear answer; the unique index on `validated_national_id` is what
    // holds under concurrent validations.
    if let Some(id) = national_id
        && repo::accounts::validated_with_national_id(&txn, id, account.id)
            .await?
            .is_some()
    {
        return Err(Attempt::IdentifierTaken);
    }
    if repo::accounts::address_taken(&txn, address.as_str()).await? {
        return Err(Attempt::Taken);
    }
    // Reserved for ever, in the table ORG validations reserve in too: its primary key settles a
    // PER and an ORG validation racing for one address (the loser gets a unique violation).
    repo::accounts::reserve_address(&txn, address.as_str(), now).await?;
    if !repo::accounts::set_validated(&txn, account.id, address.as_str(), national_id, now).await? {
        return Ok(false);
    }
    repo::audit::record(
        &txn,
        account.id,
        decider.actor(),
        Action::AccountValidated,
        Some(&decider.detail(address.as_str())),
        now,
    )
    .await?;
    let rendered = templates::email::validation(&templates::views::ValidationMail {
        service_name: state.settings.service_name.clone(),
        prenom: account.prenom.clone(),
        address: address.as_str().to_owned(),
        bal_type: account.bal_type.map_or("MED", BalType::as_str).to_owned(),
        login_link: state.public_url.join(urls::LOGIN),
        support: state.support(),
    });
    let mail = OutgoingMail::new(&account.email, rendered, None);
    outbox::push(&txn, &Job::Mail(mail), now).await?;
    let account_id = account.id;
    outbox::push(&txn, &Job::Directory(Publish::Account { account_id }), now).await?;
    txn.commit().await?;
    Ok(true)
}

/// Rejects a pending account with a reason, mailed to the user.
///
/// # Errors
/// See [`DecisionError`].
pub async fn reject(
    state: &AppState,
    decider: Decider,
    account: &Account,
    reason: &str,
) -> Result<(), DecisionError> {
    if !account.is_pending() {
        return Err(DecisionError::NotPending);
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    if !repo::accounts::set_rejected(&txn, account.id, reason, now).await? {
        return Err(DecisionError::NotPending);
    }
    repo::audit::record(
        &txn,
        account.id,
        decider.actor(),
        Action::AccountRejected,
        Some(reason),
        now,
    )
    .await?;
    let rendered = templates::email::rejection(&templates::views::RejectionMail {
        service_name: state.settings.service_name.clone(),
        prenom: account.prenom.clone(),
        reason: reason.to_owned(),
        support: state.support(),
    });
    let mail = OutgoingMail::new(&account.email, rendered, None);
    outbox::push(&txn, &Job::Mail(mail), now).await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}

/// Disables an account: its holder is signed out everywhere and can no longer sign in, and it
/// leaves the directory (the entries are removed by the worker). `motif` goes to the history.
///
/// # Errors
/// Database failures.
pub async fn disable(
    db: &DatabaseConnection,
    decider: Decider,
    account_id: i32,
    motif: Option<&str>,
    now: Timestamp,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    repo::accounts::set_disabled(&txn, account_id, now).await?;
    repo::sessions::delete_all_of(&txn, account_id, None).await?;
    repo::audit::record(
        &txn,
        account_id,
        decider.actor(),
        Action::AccountDisabled,
        motif,
        now,
    )
    .await?;
    outbox::push(&txn, &Job::Directory(Publish::Account { account_id }), now).await?;
    txn.commit().await
}

/// Re-enables a disabled account; a validated one gets its directory entries back (the worker
/// recomputes them). A closed account stays closed: returns false.
///
/// # Errors
/// Database failures.
pub async fn reactivate(
    db: &DatabaseConnection,
    decider: Decider,
    account_id: i32,
    now: Timestamp,
) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    if !repo::accounts::set_enabled(&txn, account_id, now).await? {
        return Ok(false);
    }
    repo::audit::record(
        &txn,
        account_id,
        decider.actor(),
        Action::AccountReactivated,
        None,
        now,
    )
    .await?;
    outbox::push(&txn, &Job::Directory(Publish::Account { account_id }), now).await?;
    txn.commit().await?;
    Ok(true)
}
