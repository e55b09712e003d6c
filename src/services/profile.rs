//! The identifier question (step 5a) and the professional profile (step 5b).

use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};

use crate::domain::{Account, Action, Actor, BalType};
use crate::{
    clock::Timestamp,
    config::AnnuaireSanteSettings,
    domain::profile::{FIELDS, Profile, ProfileInput, Raw, StoredProfile},
    outbox::{self, Job, Publish},
    psc::claims::{ActivityChoice, PscIdentity},
    repo,
    services::annuaire_sante,
    services::validation::{self, Decider, DecisionError},
    state::AppState,
};

/// The Pro Santé Connect identity linked to the account, if any (it pre-fills the profile and
/// asserts the names and the identifier).
///
/// # Errors
/// Database failures.
pub async fn psc_identity(
    db: &DatabaseConnection,
    account_id: i32,
) -> Result<Option<PscIdentity>, DbErr> {
    repo::psc::identity_of(db, account_id).await
}

/// Pre-fills the profile form from one PSC activity: every field whose descriptor names a PSC
/// source (domain.md §1.10).
pub fn prefill(input: &mut ProfileInput, activity: &ActivityChoice) {
    for field in FIELDS {
        if let Some(value) = field.psc.and_then(|key| activity.prefill(key)) {
            input.set(field.name, value.as_raw());
        }
    }
}

/// Puts PSC's value in every field PSC asserts (the field table's `verified`), with the
/// profession and specialty of `activity`: for a linked account these are never the user's.
/// PSC's names are also kept as trusted, so that they pass even where they break the rules for
/// typed names.
pub fn lock_verified(
    input: &mut ProfileInput,
    identity: &PscIdentity,
    activity: Option<&ActivityChoice>,
) {
    for (name, value) in identity.verified_values(activity) {
        input.set(name, Raw::Text(&value));
    }
    input.trusted_names = Some((identity.nom.clone(), identity.prenom.clone()));
}

/// Whether every stored value PSC asserts is PSC's, and PSC vouches for a national identifier
/// and a profession: only then may `validation.auto_approve_psc` decide alone. A self-declared
/// value never reaches an automatic validation.
pub fn vouched_by_psc(identity: &PscIdentity, row: &StoredProfile) -> bool {
    let activity = identity.activity_matching(&row.profession, &row.specialite);
    identity.national_id().is_some()
        && identity.asserted("profession", activity).is_some()
        && FIELDS
            .iter()
            .filter(|f| f.verified && f.stored)
            .all(|f| identity.asserted(f.name, activity).as_deref() == Some(row_text(row, f.name)))
}

/// The fields of the account and its profile whose value is the one Pro Santé Connect asserts
/// (the admin detail page marks them "vérifié par Pro Santé Connect"), in form order.
pub fn verified_fields(
    identity: &PscIdentity,
    account: &Account,
    row: Option<&StoredProfile>,
) -> Vec<&'static str> {
    let activity = row.and_then(|r| identity.activity_matching(&r.profession, &r.specialite));
    FIELDS
        .iter()
        .filter(|f| f.verified)
        .filter(|f| {
            let Some(asserted) = identity.asserted(f.name, activity) else {
                return false;
            };
            let value = match f.name {
                "nom" => account.nom.as_str(),
                "prenom" => account.prenom.as_str(),
                name => match row {
                    Some(row) => row_text(row, name),
                    None => return false,
                },
            };
            // An identifier PSC does not vouch for is not "verified" as empty.
            !asserted.is_empty() && asserted == value
        })
        .map(|f| f.name)
        .collect()
}

fn row_text<'a>(row: &'a StoredProfile, name: &str) -> &'a str {
    match row.get(name) {
        Some(Raw::Text(text)) => text,
        _ => "",
    }
}

/// What the account page shows besides the account itself.
#[derive(Debug, Clone, Default)]
pub struct AccountPage {
    pub psc_linked: bool,
    /// The stored profile, once submitted (its directory visibility ticks).
    pub profile: Option<StoredProfile>,
}

/// Loads [`AccountPage`].
///
/// # Errors
/// Database failures.
pub async fn account_page(db: &DatabaseConnection, account_id: i32) -> Result<AccountPage, DbErr> {
    Ok(AccountPage {
        psc_linked: repo::psc::find_by_account(db, account_id).await?.is_some(),
        profile: repo::profiles::find(db, account_id).await?,
    })
}

/// "Avez-vous un numéro d'identifiant national ?" — yes gives a BAL PER, no a BAL MED.
///
/// # Errors
/// Database failures.
pub async fn answer_identification(
    db: &DatabaseConnection,
    account_id: i32,
    bal: BalType,
    now: Timestamp,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    repo::accounts::set_bal_type(&txn, account_id, bal, now).await?;
    let answer = match bal {
        BalType::Per => "oui",
        BalType::Med => "non",
    };
    repo::audit::record(
        &txn,
        account_id,
        Actor::Account(account_id),
        Action::IdentifierAnswered,
        Some(answer),
        now,
    )
    .await?;
    txn.commit().await
}

/// Saves the profile; the account then waits for validation — unless its identity was verified
/// by Pro Santé Connect, it is a BAL PER, `validation.auto_approve_psc` is on and the stored
/// profession and identifier are PSC's ([`vouched_by_psc`]): then it is validated at once,
/// exactly as an administrator would (recorded as automatic).
///
/// # Errors
/// Database failures, or the automatic validation failing.
pub async fn submit(
    state: &AppState,
    account: &Account,
    profile: &Profile,
    identity: Option<&PscIdentity>,
) -> anyhow::Result<()> {
    // An identifier Pro Santé Connect vouches for needs no lookup (the administrator can still
    // ask for one); any other is looked up in the Annuaire Santé, in the save's transaction.
    let vouched = identity
        .and_then(PscIdentity::national_id)
        .is_some_and(|id| profile.national_id() == Some(&id));
    let lookup = (!vouched).then_some(&state.settings.annuaire_sante);
    save(&state.db, account.id, profile, lookup, state.clock.now()).await?;
    state.outbox.wake();
    if let Some(identity) = identity
        && state.settings.validation.auto_approve_psc
        && account.bal_type == Some(BalType::Per)
        && let Some(account) = repo::accounts::find(&state.db, account.id).await?
        && let Some(row) = repo::profiles::find(&state.db, account.id).await?
        && vouched_by_psc(identity, &row)
    {
        match validation::validate(state, Decider::System, &account, &row).await {
            Ok(_) | Err(DecisionError::NotPending) => {}
            // The profile is saved: the account simply waits for an administrator.
            Err(e) => {
                tracing::warn!(account_id = account.id, error = %e, "automatic validation failed")
            }
        }
    }
    Ok(())
}

async fn save(
    db: &DatabaseConnection,
    account_id: i32,
    profile: &Profile,
    lookup: Option<&AnnuaireSanteSettings>,
    now: Timestamp,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    let stored = profile.stored(account_id);
    repo::profiles::upsert(&txn, &stored, now).await?;
    if let Some(settings) = lookup {
        annuaire_sante::enqueue(&txn, settings, &stored, false, now).await?;
    }
    repo::accounts::mark_profile_submitted(&txn, account_id, &profile.nom, &profile.prenom, now)
        .await?;
    repo::audit::record(
        &txn,
        account_id,
        Actor::Account(account_id),
        Action::ProfileSubmitted,
        None,
        now,
    )
    .await?;
    txn.commit().await
}

/// A validated user changes their directory visibility: unticking the MSSanté directory puts
/// the address on the liste rouge. The change and its directory sync are one transaction.
///
/// # Errors
/// Database failures.
pub async fn set_directory_visibility(
    state: &AppState,
    account_id: i32,
    annuaire_medimail: bool,
    annuaire_mssante: bool,
) -> Result<(), DbErr> {
    let yes_no = |b: bool| if b { "oui" } else { "non" };
    let detail = format!(
        "annuaire opérateur : {} ; annuaire MSSanté : {}",
        yes_no(annuaire_medimail),
        yes_no(annuaire_mssante)
    );
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    repo::profiles::set_visibility(&txn, account_id, annuaire_medimail, annuaire_mssante, now)
        .await?;
    repo::audit::record(
        &txn,
        account_id,
        Actor::Account(account_id),
        Action::DirectoryPreferencesChanged,
        Some(&detail),
        now,
    )
    .await?;
    outbox::push(&txn, &Job::Directory(Publish::Account { account_id }), now).await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(())
}
