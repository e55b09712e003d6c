//! Server-side sessions. The cookie holds a random id; the table holds its SHA-256, so a
//! database leak does not let anyone hijack a session.

use chrono::Duration;
use entities::session::{ActiveModel, Column, Entity, Model};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::Expr,
};

use crate::auth::secrets;
use crate::clock::Timestamp;

/// Creates a session and returns the raw id for the cookie.
pub async fn create(
    db: &impl ConnectionTrait,
    account_id: i32,
    absolute: Duration,
    psc_id_token: Option<&str>,
    now: Timestamp,
) -> Result<String, DbErr> {
    let raw = secrets::random_token();
    ActiveModel {
        id_hash: Set(secrets::sha256_hex(&raw)),
        account_id: Set(account_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + absolute),
        psc_id_token: Set(psc_id_token.map(str::to_owned)),
    }
    .insert(db)
    .await?;
    Ok(raw)
}

/// The live session for a raw cookie value, if any. Idle and absolute timeouts are enforced
/// here (OWASP ASVS 3.3).
pub async fn find_live(
    db: &impl ConnectionTrait,
    raw: &str,
    idle: Duration,
    now: Timestamp,
) -> Result<Option<Model>, DbErr> {
    Ok(Entity::find_by_id(secrets::sha256_hex(raw))
        .one(db)
        .await?
        .filter(|s| s.expires_at > now && s.last_seen_at + idle > now))
}

/// Slides the idle timeout. Callers throttle this so a page view is not a write every time.
pub async fn touch(db: &impl ConnectionTrait, id_hash: &str, now: Timestamp) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::LastSeenAt, Expr::value(now))
        .filter(Column::IdHash.eq(id_hash))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn delete(db: &impl ConnectionTrait, id_hash: &str) -> Result<(), DbErr> {
    Entity::delete_by_id(id_hash.to_owned())
        .exec(db)
        .await
        .map(|_| ())
}

/// Ends every session of an account but `keep` (the hash of the one to leave signed in, if
/// any): after a password reset or change, a browser holding the old password's session is out.
pub async fn delete_for_account(
    db: &impl ConnectionTrait,
    account_id: i32,
    keep: Option<&str>,
) -> Result<u64, DbErr> {
    let mut query = Entity::delete_many().filter(Column::AccountId.eq(account_id));
    if let Some(keep) = keep {
        query = query.filter(Column::IdHash.ne(keep));
    }
    Ok(query.exec(db).await?.rows_affected)
}

/// Removes expired sessions (run by the worker now and then).
pub async fn purge_expired(db: &impl ConnectionTrait, now: Timestamp) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}
