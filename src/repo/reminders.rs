//! Reminder runs and notices (issue 11).

use entities::{admin, reminder_notice, reminder_run};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::OnConflict,
};

use crate::clock::Timestamp;
use crate::domain::Scope;

/// Records that `period` ran: the insert is what elects one instance per period (the others
/// hit the primary key). Run inside the transaction that does the work, so a failed run leaves
/// the period free for the next try.
pub async fn claim(db: &impl ConnectionTrait, period: &str, now: Timestamp) -> Result<(), DbErr> {
    reminder_run::ActiveModel {
        period: Set(period.to_owned()),
        ran_at: Set(now),
    }
    .insert(db)
    .await
    .map(|_| ())
}

pub async fn has_run(db: &impl ConnectionTrait, period: &str) -> Result<bool, DbErr> {
    Ok(reminder_run::Entity::find_by_id(period.to_owned())
        .one(db)
        .await?
        .is_some())
}

/// The thresholds (hours) already announced for these accounts.
pub async fn notices(
    db: &impl ConnectionTrait,
    account_ids: &[i32],
) -> Result<Vec<(i32, i32)>, DbErr> {
    Ok(reminder_notice::Entity::find()
        .filter(reminder_notice::Column::AccountId.is_in(account_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.account_id, n.threshold_hours))
        .collect())
}

pub async fn record_notice(
    db: &impl ConnectionTrait,
    account_id: i32,
    threshold_hours: i32,
    now: Timestamp,
) -> Result<(), DbErr> {
    reminder_notice::Entity::insert(reminder_notice::ActiveModel {
        account_id: Set(account_id),
        threshold_hours: Set(threshold_hours),
        notified_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            reminder_notice::Column::AccountId,
            reminder_notice::Column::ThresholdHours,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// Every administrator: (account id, scopes).
pub async fn administrators(db: &impl ConnectionTrait) -> Result<Vec<(i32, Vec<Scope>)>, DbErr> {
    let mut admins: Vec<(i32, Vec<Scope>)> = Vec::new();
    for row in admin::Entity::find().all(db).await? {
        let Some(scope) = Scope::parse(&row.scope) else {
            continue;
        };
        match admins.iter_mut().find(|(id, _)| *id == row.account_id) {
            Some((_, scopes)) => scopes.push(scope),
            None => admins.push((row.account_id, vec![scope])),
        }
    }
    Ok(admins)
}
