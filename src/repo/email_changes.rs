//! Contact address changes waiting for their confirmation link (`email_changes`).

use entities::email_change::{ActiveModel, Column, Entity};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, sea_query::OnConflict};

use crate::clock::Timestamp;

/// Records the address the account asked for, replacing an earlier request.
pub async fn upsert(
    db: &impl ConnectionTrait,
    account_id: i32,
    new_email: &str,
    now: Timestamp,
) -> Result<(), DbErr> {
    Entity::insert(ActiveModel {
        account_id: Set(account_id),
        new_email: Set(new_email.to_owned()),
        requested_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(Column::AccountId)
            .update_columns([Column::NewEmail, Column::RequestedAt])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// The address the account asked for, if a change waits.
pub async fn find(db: &impl ConnectionTrait, account_id: i32) -> Result<Option<String>, DbErr> {
    Ok(Entity::find_by_id(account_id)
        .one(db)
        .await?
        .map(|m| m.new_email))
}

pub async fn delete(db: &impl ConnectionTrait, account_id: i32) -> Result<(), DbErr> {
    Entity::delete_by_id(account_id).exec(db).await?;
    Ok(())
}
