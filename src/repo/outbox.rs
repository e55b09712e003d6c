//! The transactional outbox. Rows are inserted in the same transaction as the change that
//! causes them; a worker claims due rows with a lease so several instances never deliver the
//! same row at once.

use chrono::Duration;
use entities::outbox::{ActiveModel, Column, Entity, Model};

/// A stored row, as the worker claims it.
pub type Row = Model;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, sea_query::Expr,
};

use crate::{clock::Timestamp, outbox::JobKind};

/// Stores an encoded job (`crate::outbox::push` is the way in).
pub async fn push(
    db: &impl ConnectionTrait,
    kind: JobKind,
    payload: String,
    now: Timestamp,
) -> Result<(), DbErr> {
    ActiveModel {
        kind: Set(kind.as_str().to_owned()),
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

/// Claims the next due row of `kind` (earliest due first, so a row pushed back by its backoff
/// lets the others through). Claiming moves `next_attempt_at` forward by `lease` with a
/// compare-and-set on its old value: the update that matches wins, other instances skip the
/// row. The returned row carries the lease (`next_attempt_at`); a crashed worker's row becomes
/// due again when it ends.
pub async fn claim_next(
    db: &impl ConnectionTrait,
    kind: JobKind,
    lease: Duration,
    now: Timestamp,
) -> Result<Option<Model>, DbErr> {
    let due = Entity::find()
        .filter(Column::Kind.eq(kind.as_str()))
        .filter(Column::DoneAt.is_null())
        .filter(Column::NextAttemptAt.lte(now))
        .order_by_asc(Column::NextAttemptAt)
        .order_by_asc(Column::Id)
        .limit(5)
        .all(db)
        .await?;
    for mut row in due {
        let leased_until = now + lease;
        let result = Entity::update_many()
            .col_expr(Column::NextAttemptAt, Expr::value(leased_until))
            .filter(Column::Id.eq(row.id))
            .filter(Column::NextAttemptAt.eq(row.next_attempt_at))
            .filter(Column::DoneAt.is_null())
            .exec(db)
            .await?;
        if result.rows_affected == 1 {
            row.next_attempt_at = leased_until;
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// Records a delivery, if this worker still holds the lease, and empties the payload: a sent
/// mail's links (confirmation tokens) have no business staying in the database.
pub async fn mark_done(
    db: &impl ConnectionTrait,
    row: &Model,
    now: Timestamp,
) -> Result<(), DbErr> {
    finish(db, row, None, now).await
}

/// Gives up on a row that can never succeed (unparsable payload, refused recipient), keeping
/// the reason; `directory status` and the logs show it.
pub async fn abandon(
    db: &impl ConnectionTrait,
    row: &Model,
    error: &str,
    now: Timestamp,
) -> Result<(), DbErr> {
    finish(db, row, Some(format!("abandoned: {error}")), now).await
}

async fn finish(
    db: &impl ConnectionTrait,
    row: &Model,
    error: Option<String>,
    now: Timestamp,
) -> Result<(), DbErr> {
    let mut update = Entity::update_many()
        .col_expr(Column::DoneAt, Expr::value(now))
        .col_expr(Column::Payload, Expr::value("{}"));
    if let Some(error) = error {
        update = update.col_expr(Column::LastError, Expr::value(error));
    }
    update
        .filter(Column::Id.eq(row.id))
        .filter(Column::NextAttemptAt.eq(row.next_attempt_at))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn mark_failed(
    db: &impl ConnectionTrait,
    row: &Model,
    retry_in: Duration,
    error: &str,
    now: Timestamp,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Attempts, Expr::value(row.attempts + 1))
        .col_expr(Column::NextAttemptAt, Expr::value(now + retry_in))
        .col_expr(Column::LastError, Expr::value(error.to_owned()))
        .filter(Column::Id.eq(row.id))
        .filter(Column::NextAttemptAt.eq(row.next_attempt_at))
        .exec(db)
        .await
        .map(|_| ())
}

/// Hands a claimed row back (shutdown): due now, if this worker still holds its lease
/// (`leased_until`) and it is not done. True when the row was released.
pub async fn release(
    db: &impl ConnectionTrait,
    id: i32,
    leased_until: Timestamp,
    now: Timestamp,
) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::NextAttemptAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::NextAttemptAt.eq(leased_until))
        .filter(Column::DoneAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// A row not delivered yet, as a drain reports it.
#[derive(Debug, Clone)]
pub struct PendingRow {
    pub id: i32,
    pub kind: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// Every row not delivered yet, oldest first.
pub async fn pending(db: &impl ConnectionTrait) -> Result<Vec<PendingRow>, DbErr> {
    Ok(Entity::find()
        .filter(Column::DoneAt.is_null())
        .order_by_asc(Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| PendingRow {
            id: row.id,
            kind: row.kind,
            attempts: row.attempts,
            last_error: row.last_error,
        })
        .collect())
}

/// What `directory status` prints.
#[derive(Debug)]
pub struct OutboxStatus {
    pub pending: u64,
    pub oldest: Option<sea_orm::prelude::DateTimeWithTimeZone>,
    pub last_error: Option<String>,
}

pub async fn status(db: &impl ConnectionTrait, kind: JobKind) -> Result<OutboxStatus, DbErr> {
    use sea_orm::PaginatorTrait;
    let pending = Entity::find()
        .filter(Column::Kind.eq(kind.as_str()))
        .filter(Column::DoneAt.is_null());
    let oldest = pending.clone().order_by_asc(Column::Id).one(db).await?;
    let last_failed = Entity::find()
        .filter(Column::Kind.eq(kind.as_str()))
        .filter(Column::LastError.is_not_null())
        .filter(Column::DoneAt.is_null())
        .order_by_desc(Column::NextAttemptAt)
        .one(db)
        .await?;
    Ok(OutboxStatus {
        pending: pending.count(db).await?,
        oldest: oldest.map(|row| row.created_at),
        last_error: last_failed.and_then(|row| row.last_error),
    })
}
