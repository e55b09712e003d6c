//! The identifier question (step 5a) and the professional profile (step 5b).

use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};

use crate::{
    domain::profile::Profile,
    repo::{
        self,
        accounts::BalType,
        audit::{Action, Actor},
    },
};

/// "Avez-vous un numéro d'identifiant national ?" — yes gives a BAL PER, no a BAL MED.
///
/// # Errors
/// Database failures.
pub async fn answer_identification(
    db: &DatabaseConnection,
    account_id: i32,
    bal: BalType,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    repo::accounts::set_bal_type(&txn, account_id, bal).await?;
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
    )
    .await?;
    txn.commit().await
}

/// Saves the profile; the account then waits for validation.
///
/// # Errors
/// Database failures.
pub async fn submit(
    db: &DatabaseConnection,
    account_id: i32,
    profile: &Profile,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    repo::profiles::upsert(&txn, account_id, profile).await?;
    repo::accounts::mark_profile_submitted(&txn, account_id, &profile.nom, &profile.prenom).await?;
    repo::audit::record(
        &txn,
        account_id,
        Actor::Account(account_id),
        Action::ProfileSubmitted,
        None,
    )
    .await?;
    txn.commit().await
}
