//! The transactional outbox. Rows are inserted in the same transaction as the change that
//! causes them; a worker claims due rows with a lease so several instances never deliver the
//! same row at once.

use chrono::Duration;
use entities::outbox::{ActiveModel, Column, Entity, Model};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, sea_query::Expr,
};

use super::now;

pub const MAIL: &str = "mail";
pub const DIRECTORY: &str = "directory";

pub async fn push(db: &impl ConnectionTrait, kind: &str, payload: String) -> Result<(), DbErr> {
    let now = now();
    ActiveModel {
        kind: Set(kind.to_owned()),
        payload: Set(payload),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        done_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// Claims up to `limit` due rows of `kind`. Claiming moves `next_attempt_at` forward by `lease`
/// with a compare-and-set on its old value: the update that matches wins, others skip the row.
/// A crashed worker's rows become due again when the lease ends.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    kind: &str,
    lease: Duration,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let now = now();
    let due = Entity::find()
        .filter(Column::Kind.eq(kind))
        .filter(Column::DoneAt.is_null())
        .filter(Column::NextAttemptAt.lte(now))
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut claimed = Vec::with_capacity(due.len());
    for row in due {
        let result = Entity::update_many()
            .col_expr(Column::NextAttemptAt, Expr::value(now + lease))
            .filter(Column::Id.eq(row.id))
            .filter(Column::NextAttemptAt.eq(row.next_attempt_at))
            .filter(Column::DoneAt.is_null())
            .exec(db)
            .await?;
        if result.rows_affected == 1 {
            claimed.push(row);
        }
    }
    Ok(claimed)
}

pub async fn mark_done(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::DoneAt, Expr::value(now()))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn mark_failed(
    db: &impl ConnectionTrait,
    id: i32,
    attempts: i32,
    retry_in: Duration,
    error: &str,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Attempts, Expr::value(attempts))
        .col_expr(Column::NextAttemptAt, Expr::value(now() + retry_in))
        .col_expr(Column::LastError, Expr::value(error.to_owned()))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Gives a claimed row back untried, due again after `delay` (its attempts unchanged).
pub async fn postpone(db: &impl ConnectionTrait, id: i32, delay: Duration) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::NextAttemptAt, Expr::value(now() + delay))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// What `directory status` prints.
#[derive(Debug)]
pub struct QueueStatus {
    pub pending: u64,
    pub oldest: Option<sea_orm::prelude::DateTimeWithTimeZone>,
    pub last_error: Option<String>,
}

pub async fn status(db: &impl ConnectionTrait, kind: &str) -> Result<QueueStatus, DbErr> {
    use sea_orm::PaginatorTrait;
    let pending = Entity::find()
        .filter(Column::Kind.eq(kind))
        .filter(Column::DoneAt.is_null());
    let oldest = pending.clone().order_by_asc(Column::Id).one(db).await?;
    let last_failed = Entity::find()
        .filter(Column::Kind.eq(kind))
        .filter(Column::LastError.is_not_null())
        .filter(Column::DoneAt.is_null())
        .order_by_desc(Column::NextAttemptAt)
        .one(db)
        .await?;
    Ok(QueueStatus {
        pending: pending.count(db).await?,
        oldest: oldest.map(|row| row.created_at),
        last_error: last_failed.and_then(|row| row.last_error),
    })
}
