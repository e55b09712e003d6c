//! The audit trail: every state change, appended in the transaction that makes it.

use entities::audit_event::{ActiveModel, Column, Entity};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::clock::Timestamp;
use crate::domain::{Action, Actor, AuditEntry};

pub async fn record(
    db: &impl ConnectionTrait,
    account_id: i32,
    actor: Actor,
    action: Action,
    detail: Option<&str>,
    now: Timestamp,
) -> Result<(), DbErr> {
    record_for(db, Some(account_id), actor, action, detail, now).await
}

/// Records an event that may concern no account (a refused Pro Santé Connect sign-in).
pub async fn record_for(
    db: &impl ConnectionTrait,
    account_id: Option<i32>,
    actor: Actor,
    action: Action,
    detail: Option<&str>,
    now: Timestamp,
) -> Result<(), DbErr> {
    ActiveModel {
        account_id: Set(account_id),
        actor: Set(actor.label()),
        action: Set(action.as_str().to_owned()),
        detail: Set(detail.map(str::to_owned)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// The account's history, oldest first.
pub async fn for_account(
    db: &impl ConnectionTrait,
    account_id: i32,
) -> Result<Vec<AuditEntry>, DbErr> {
    Ok(Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .order_by_asc(Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| AuditEntry {
            at: e.created_at,
            actor: e.actor,
            action: e.action,
            detail: e.detail,
        })
        .collect())
}
