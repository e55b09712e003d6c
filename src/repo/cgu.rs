//! Acceptances of the terms of use.

use entities::cgu_acceptance::{ActiveModel, Column, Entity};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};

use crate::clock::Timestamp;

pub async fn has_accepted(
    db: &impl ConnectionTrait,
    account_id: i32,
    version: &str,
) -> Result<bool, DbErr> {
    Ok(Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::Version.eq(version))
        .count(db)
        .await?
        > 0)
}

/// Has the account ever accepted any version (to tell "new version" from "first time")?
pub async fn has_accepted_any(db: &impl ConnectionTrait, account_id: i32) -> Result<bool, DbErr> {
    Ok(Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .count(db)
        .await?
        > 0)
}

pub async fn record_acceptance(
    db: &impl ConnectionTrait,
    account_id: i32,
    version: &str,
    now: Timestamp,
) -> Result<(), DbErr> {
    ActiveModel {
        account_id: Set(account_id),
        version: Set(version.to_owned()),
        accepted_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// Every answer of the account: `(version, accepted_at)`, oldest first (the data export).
pub async fn acceptances_of(
    db: &impl ConnectionTrait,
    account_id: i32,
) -> Result<Vec<(String, Timestamp)>, DbErr> {
    use sea_orm::QueryOrder;
    Ok(Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .order_by_asc(Column::AcceptedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.version, m.accepted_at))
        .collect())
}
