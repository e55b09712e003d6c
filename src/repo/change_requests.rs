//! Pending changes to a validated account's identity fields (`profile_change_requests`).

use std::collections::BTreeMap;

use entities::profile_change_request::{ActiveModel, Column, Entity, Model};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, sea_query::OnConflict};

use crate::clock::Timestamp;
use crate::domain::profile::ChangeRequest;

/// Records the account's requested changes, replacing a pending request.
pub async fn upsert(
    db: &impl ConnectionTrait,
    account_id: i32,
    changes: &BTreeMap<String, String>,
    now: Timestamp,
) -> Result<(), DbErr> {
    let encoded = serde_json::to_string(changes).map_err(|e| DbErr::Custom(e.to_string()))?;
    Entity::insert(ActiveModel {
        account_id: Set(account_id),
        requested_at: Set(now),
        changes: Set(encoded),
    })
    .on_conflict(
        OnConflict::column(Column::AccountId)
            .update_columns([Column::RequestedAt, Column::Changes])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

pub async fn find(
    db: &impl ConnectionTrait,
    account_id: i32,
) -> Result<Option<ChangeRequest>, DbErr> {
    Entity::find_by_id(account_id)
        .one(db)
        .await?
        .map(to_domain)
        .transpose()
}

/// Every pending request, oldest first.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<ChangeRequest>, DbErr> {
    use sea_orm::QueryOrder;
    Entity::find()
        .order_by_asc(Column::RequestedAt)
        .all(db)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// Removes the account's request; whether there was one.
pub async fn delete(db: &impl ConnectionTrait, account_id: i32) -> Result<bool, DbErr> {
    let result = Entity::delete_by_id(account_id).exec(db).await?;
    Ok(result.rows_affected == 1)
}

fn to_domain(model: Model) -> Result<ChangeRequest, DbErr> {
    let changes = serde_json::from_str(&model.changes).map_err(|e| {
        DbErr::Custom(format!(
            "change request of account {}: {e}",
            model.account_id
        ))
    })?;
    Ok(ChangeRequest {
        account_id: model.account_id,
        requested_at: model.requested_at,
        changes,
    })
}
