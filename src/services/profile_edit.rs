//! `/compte/profil`: the user edits their profile after registration (issue 9), and the
//! administrators decide on identity changes.
//!
//! Before validation the pending profile is edited directly. Once validated, the fields that
//! apply at once (contact, address, activity details, directory and mail preferences) are saved
//! and published through the outbox; the identity fields ([`Field::identity`]: names,
//! profession, specialty, national identifier, région) become a [`ChangeRequest`], and the
//! current values stay in force and published until an administrator accepts it. The mailbox
//! address never changes (ANS rule), even when the names do.

use std::collections::BTreeMap;

use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};

use crate::domain::{Account, Action, Actor, PersonName};
use crate::{
    domain::profile::{ChangeRequest, FIELDS, Field, Profile, Raw, StoredProfile},
    outbox::{self, Job, Publish},
    repo,
    services::annuaire_sante,
    services::validation::{Decider, DecisionError},
    state::AppState,
};

/// What the edit page shows: the stored profile and the pending change request, if any.
#[derive(Debug, Clone)]
pub struct EditForm {
    pub stored: StoredProfile,
    pub request: Option<ChangeRequest>,
}

/// Loads [`EditForm`]; `None` when the account has no profile yet.
///
/// # Errors
/// Database failures.
pub async fn edit_form(
    db: &DatabaseConnection,
    account_id: i32,
) -> Result<Option<EditForm>, DbErr> {
    let Some(stored) = repo::profiles::find(db, account_id).await? else {
        return Ok(None);
    };
    let request = repo::change_requests::find(db, account_id).await?;
    Ok(Some(EditForm { stored, request }))
}

/// What an edit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EditOutcome {
    /// Values were saved (and, for a validated account, published).
    pub saved: bool,
    /// Identity fields differ from the validated ones: they wait for an administrator.
    pub requested: bool,
}

/// Saves an edit of the profile ([module doc](self)). A new request replaces the pending one;
/// a form that puts every identity field back to its current value withdraws it.
///
/// # Errors
/// Database failures, or an account without a profile.
pub async fn edit(
    state: &AppState,
    account: &Account,
    profile: &Profile,
) -> anyhow::Result<EditOutcome> {
    let now = state.clock.now();
    let new = profile.stored(account.id);
    let txn = state.db.begin().await?;
    let current = repo::profiles::find(&txn, account.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("account {} has no profile to edit", account.id))?;
    let names_changed =
        profile.nom.as_str() != account.nom || profile.prenom.as_str() != account.prenom;
    let mut outcome = EditOutcome::default();

    if account.validated_at.is_none() {
        // Nothing is published yet: the pending profile is what the administrator will read.
        if new != current || names_changed {
            repo::profiles::upsert(&txn, &new, now).await?;
            if annuaire_sante::declared(&new) != annuaire_sante::declared(&current) {
                annuaire_sante::enqueue(&txn, &state.settings.annuaire_sante, &new, false, now)
                    .await?;
            }
            repo::accounts::set_names(&txn, account.id, &profile.nom, &profile.prenom, now).await?;
            let detail = changed_labels(&current, &new, names_changed);
            record(&txn, account.id, Action::ProfileEdited, &detail, now).await?;
            outcome.saved = true;
        }
        txn.commit().await?;
        state.outbox.wake();
        return Ok(outcome);
    }

    let mut applied = current.clone();
    for field in FIELDS.iter().filter(|f| f.stored && !f.identity) {
        if let Some(value) = new.get(field.name) {
            applied.set(field.name, value);
        }
    }
    if applied != current {
        repo::profiles::upsert(&txn, &applied, now).await?;
        let detail = changed_labels(&current, &applied, false);
        record(&txn, account.id, Action::ProfileEdited, &detail, now).await?;
        if !account.disabled {
            outbox::push(
                &txn,
                &Job::Directory(Publish::Account {
                    account_id: account.id,
                }),
                now,
            )
            .await?;
        }
        outcome.saved = true;
    }
    let changes = identity_changes(account, &current, profile, &new);
    let pending = repo::change_requests::find(&txn, account.id).await?;
    if changes.is_empty() {
        if pending.is_some() {
            repo::change_requests::delete(&txn, account.id).await?;
            record(
                &txn,
                account.id,
                Action::ProfileChangeRequested,
                "demande retirée",
                now,
            )
            .await?;
        }
    } else if pending.as_ref().map(|p| &p.changes) != Some(&changes) {
        repo::change_requests::upsert(&txn, account.id, &changes, now).await?;
        let detail = describe(&changes, account, &current);
        record(
            &txn,
            account.id,
            Action::ProfileChangeRequested,
            &detail,
            now,
        )
        .await?;
        outcome.requested = true;
    } else {
        outcome.requested = true;
    }
    txn.commit().await?;
    if outcome.saved {
        state.outbox.wake();
    }
    Ok(outcome)
}

/// The identity fields whose submitted value differs from the validated one.
fn identity_changes(
    account: &Account,
    current: &StoredProfile,
    profile: &Profile,
    new: &StoredProfile,
) -> BTreeMap<String, String> {
    FIELDS
        .iter()
        .filter(|f| f.identity)
        .filter_map(|f| {
            let (old, requested) = match f.name {
                "nom" => (account.nom.as_str(), profile.nom.as_str()),
                "prenom" => (account.prenom.as_str(), profile.prenom.as_str()),
                name => (text(current.get(name)), text(new.get(name))),
            };
            (old != requested).then(|| (f.name.to_owned(), requested.to_owned()))
        })
        .collect()
}

/// The current value of an identity field (`nom`, `prenom`: the account's).
pub fn current_value<'a>(account: &'a Account, stored: &'a StoredProfile, field: &str) -> &'a str {
    match field {
        "nom" => &account.nom,
        "prenom" => &account.prenom,
        name => text(stored.get(name)),
    }
}

fn text(raw: Option<Raw<'_>>) -> &str {
    match raw {
        Some(Raw::Text(t)) => t,
        _ => "",
    }
}

fn field(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

/// "Téléphone 1, Ville" for the history.
fn changed_labels(before: &StoredProfile, after: &StoredProfile, names: bool) -> String {
    let mut labels: Vec<&str> = Vec::new();
    if names {
        labels.push("Nom et prénom");
    }
    labels.extend(
        FIELDS
            .iter()
            .filter(|f| f.stored && before.get(f.name) != after.get(f.name))
            .map(|f| f.admin_label()),
    );
    labels.join(", ")
}

/// "Nom : DUPONT → DURAND ; Région : 76 → 11" for the history.
fn describe(
    changes: &BTreeMap<String, String>,
    account: &Account,
    current: &StoredProfile,
) -> String {
    FIELDS
        .iter()
        .filter_map(|f| {
            let requested = changes.get(f.name)?;
            let old = current_value(account, current, f.name);
            Some(format!("{} : {old} → {requested}", f.admin_label()))
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

async fn record(
    txn: &impl sea_orm::ConnectionTrait,
    account_id: i32,
    action: Action,
    detail: &str,
    now: crate::clock::Timestamp,
) -> Result<(), DbErr> {
    repo::audit::record(
        txn,
        account_id,
        Actor::Account(account_id),
        action,
        Some(detail),
        now,
    )
    .await
}

/// An administrator accepts the account's pending change: the new values replace the current
/// ones and are published (the mailbox address stays). Refused like a validation when another
/// validated account carries the requested national identifier.
///
/// # Errors
/// [`DecisionError::NotPending`] without a pending request; [`DecisionError::IdentifierTaken`];
/// database failures.
pub async fn accept_change(
    state: &AppState,
    decider: Decider,
    account: &Account,
    stored: &StoredProfile,
) -> Result<(), DecisionError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let request = repo::change_requests::find(&txn, account.id)
        .await?
        .ok_or(DecisionError::NotPending)?;
    let detail = describe(&request.changes, account, stored);
    let mut row = stored.clone();
    let (mut nom, mut prenom) = (account.nom.clone(), account.prenom.clone());
    for (name, value) in &request.changes {
        match name.as_str() {
            "nom" => value.clone_into(&mut nom),
            "prenom" => value.clone_into(&mut prenom),
            name if field(name).is_some_and(|f| f.stored && f.identity) => {
                row.set(name, Raw::Text(value));
            }
            // A field that is no longer an identity field: not the administrator's to apply.
            _ => {}
        }
    }
    if let (Some(nom), Some(prenom)) = (PersonName::trusted(&nom), PersonName::trusted(&prenom)) {
        repo::accounts::set_names(&txn, account.id, &nom, &prenom, now).await?;
    }
    if account.validated_at.is_some() {
        let national_id = (!row.type_identifiant.is_empty() && !row.identifiant.is_empty())
            .then(|| format!("{}:{}", row.type_identifiant, row.identifiant));
        if let Some(id) = &national_id
            && repo::accounts::validated_with_national_id(&txn, id, account.id)
                .await?
                .is_some()
        {
            return Err(DecisionError::IdentifierTaken);
        }
        repo::accounts::set_validated_national_id(&txn, account.id, national_id.as_deref(), now)
            .await?;
    }
    repo::profiles::upsert(&txn, &row, now).await?;
    if annuaire_sante::declared(&row) != annuaire_sante::declared(stored) {
        annuaire_sante::enqueue(&txn, &state.settings.annuaire_sante, &row, false, now).await?;
    }
    repo::change_requests::delete(&txn, account.id).await?;
    repo::audit::record(
        &txn,
        account.id,
        decider.actor(),
        Action::ProfileChangeAccepted,
        Some(&detail),
        now,
    )
    .await?;
    let published = account.validated_at.is_some() && !account.disabled;
    if published {
        outbox::push(
            &txn,
            &Job::Directory(Publish::Account {
                account_id: account.id,
            }),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    // A directory publication, or a lookup of a changed identifier, may be waiting.
    state.outbox.wake();
    Ok(())
}

/// An administrator refuses the account's pending change, with a reason kept in the history.
///
/// # Errors
/// [`DecisionError::NotPending`] without a pending request; database failures.
pub async fn refuse_change(
    state: &AppState,
    decider: Decider,
    account: &Account,
    reason: &str,
) -> Result<(), DecisionError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    if !repo::change_requests::delete(&txn, account.id).await? {
        return Err(DecisionError::NotPending);
    }
    repo::audit::record(
        &txn,
        account.id,
        decider.actor(),
        Action::ProfileChangeRefused,
        Some(reason),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The pending change requests of accounts within `scopes`, oldest first, with their account
/// and profile.
///
/// # Errors
/// Database failures.
pub async fn pending_changes(
    db: &DatabaseConnection,
    scopes: &[crate::domain::Scope],
) -> Result<Vec<(Account, StoredProfile, ChangeRequest)>, DbErr> {
    let mut out = Vec::new();
    for request in repo::change_requests::all(db).await? {
        let (Some(account), Some(profile)) = (
            repo::accounts::find(db, request.account_id).await?,
            repo::profiles::find(db, request.account_id).await?,
        ) else {
            continue;
        };
        let structure = Some(profile.identifiant_structure.as_str()).filter(|s| !s.is_empty());
        if scopes
            .iter()
            .any(|s| s.covers(Some(&profile.region), structure))
        {
            out.push((account, profile, request));
        }
    }
    Ok(out)
}
