//! Server-side sessions. The cookie holds a random id; the table holds its SHA-256, so a
//! database leak does not let anyone hijack a session.

use chrono::Duration;
use entities::session::{ActiveModel, Column, Entity, Model};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, sea_query::Expr,
};

use crate::auth::secrets;
use crate::clock::Timestamp;

/// Where a session was opened from, as the sessions page shows it.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub user_agent: Option<String>,
    pub client_ip: Option<String>,
}

/// The longest User-Agent kept (the column's size; real ones are a few hundred bytes).
const MAX_USER_AGENT: usize = 512;

/// Creates a session and returns the raw id for the cookie.
pub async fn create(
    db: &impl ConnectionTrait,
    account_id: i32,
    absolute: Duration,
    psc_id_token: Option<&str>,
    origin: &Origin,
    now: Timestamp,
) -> Result<String, DbErr> {
    let raw = secrets::random_token();
    let user_agent = origin.user_agent.as_deref().map(|ua| {
        let mut end = ua.len().min(MAX_USER_AGENT);
        while !ua.is_char_boundary(end) {
            end -= 1;
        }
        ua[..end].to_owned()
    });
    ActiveModel {
        public_id: Set(secrets::random_token()[..32].to_owned()),
        user_agent: Set(user_agent),
        client_ip: Set(origin.client_ip.clone()),
        id_hash: Set(secrets::sha256_hex(&raw)),
        account_id: Set(account_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + absolute),
        psc_id_token: Set(psc_id_token.map(str::to_owned)),
        second_factor_at: Set(None),
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

/// The account's live sessions (not expired, not idle), newest activity first.
pub async fn live_of(
    db: &impl ConnectionTrait,
    account_id: i32,
    idle: Duration,
    now: Timestamp,
) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::ExpiresAt.gt(now))
        .filter(Column::LastSeenAt.gt(now - idle))
        .order_by_desc(Column::LastSeenAt)
        .all(db)
        .await
}

/// Every session row of the account, live or not (the data export).
pub async fn all_of(db: &impl ConnectionTrait, account_id: i32) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .order_by_asc(Column::CreatedAt)
        .all(db)
        .await
}

/// Ends the account's session named by its public id; false if it names none of theirs.
pub async fn delete_public(
    db: &impl ConnectionTrait,
    account_id: i32,
    public_id: &str,
) -> Result<bool, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::PublicId.eq(public_id))
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

/// Ends every session of the account but `keep` (a hash), or all of them; returns how many.
pub async fn delete_all_of(
    db: &impl ConnectionTrait,
    account_id: i32,
    keep: Option<&str>,
) -> Result<u64, DbErr> {
    let mut delete = Entity::delete_many().filter(Column::AccountId.eq(account_id));
    if let Some(keep) = keep {
        delete = delete.filter(Column::IdHash.ne(keep));
    }
    Ok(delete.exec(db).await?.rows_affected)
}

/// Removes expired sessions (run by the worker now and then).
pub async fn purge_expired(db: &impl ConnectionTrait, now: Timestamp) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}

/// Records that the session passed the administrator's second factor (its id stays the same:
/// the sign-in already rotated it).
pub async fn mark_second_factor(
    db: &impl ConnectionTrait,
    id_hash: &str,
    now: Timestamp,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::SecondFactorAt, Expr::value(now))
        .filter(Column::IdHash.eq(id_hash))
        .exec(db)
        .await
        .map(|_| ())
}

/// Forgets the second factor every session of the account passed (its factor was reset).
pub async fn clear_second_factor_of(
    db: &impl ConnectionTrait,
    account_id: i32,
) -> Result<u64, DbErr> {
    Ok(Entity::update_many()
        .col_expr(
            Column::SecondFactorAt,
            Expr::value(Option::<Timestamp>::None),
        )
        .filter(Column::AccountId.eq(account_id))
        .exec(db)
        .await?
        .rows_affected)
}
