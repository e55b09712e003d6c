//! Single-use tokens sent by mail. The raw token only ever exists in the mail; the table holds
//! its SHA-256 (OWASP ASVS 2.5 / 3.5: tokens stored hashed, random, expiring, single use).

use chrono::Duration;
use entities::email_token::{ActiveModel, Column, Entity};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, sea_query::Expr,
};

use crate::auth::secrets;
use crate::clock::Timestamp;

pub const CONFIRM_EMAIL: &str = "confirm_email";
/// A password reset link (`auth.reset_validity_minutes`).
pub const RESET_PASSWORD: &str = "reset_password";
pub const CHANGE_EMAIL: &str = "change_email";

/// What a presented token turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenState {
    Valid {
        id: i32,
        account_id: i32,
    },
    Expired,
    /// Already used, revoked, or never issued: the same answer for all three.
    Unknown,
}

/// Creates a token for `account_id` and returns the raw value to put in the link. Earlier
/// unused tokens of the same purpose are revoked: only the latest link works.
pub async fn issue(
    db: &impl ConnectionTrait,
    account_id: i32,
    purpose: &str,
    validity: Duration,
    now: Timestamp,
) -> Result<String, DbErr> {
    Entity::update_many()
        .col_expr(Column::UsedAt, Expr::value(now))
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::Purpose.eq(purpose))
        .filter(Column::UsedAt.is_null())
        .exec(db)
        .await?;
    let raw = secrets::random_token();
    ActiveModel {
        account_id: Set(account_id),
        purpose: Set(purpose.to_owned()),
        token_hash: Set(secrets::sha256_hex(&raw)),
        created_at: Set(now),
        expires_at: Set(now + validity),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(raw)
}

/// When the latest token of `purpose` was issued to the account (resend throttle).
pub async fn latest_issued_at(
    db: &impl ConnectionTrait,
    account_id: i32,
    purpose: &str,
) -> Result<Option<sea_orm::prelude::DateTimeWithTimeZone>, DbErr> {
    Ok(Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::Purpose.eq(purpose))
        .order_by_desc(Column::CreatedAt)
        .one(db)
        .await?
        .map(|t| t.created_at))
}

pub async fn check(
    db: &impl ConnectionTrait,
    raw: &str,
    purpose: &str,
    now: Timestamp,
) -> Result<TokenState, DbErr> {
    let Some(token) = Entity::find()
        .filter(Column::TokenHash.eq(secrets::sha256_hex(raw)))
        .filter(Column::Purpose.eq(purpose))
        .one(db)
        .await?
    else {
        return Ok(TokenState::Unknown);
    };
    Ok(if token.used_at.is_some() {
        TokenState::Unknown
    } else if token.expires_at <= now {
        TokenState::Expired
    } else {
        TokenState::Valid {
            id: token.id,
            account_id: token.account_id,
        }
    })
}

/// Marks the token used. Returns false when another request used it first, so a link
/// clicked twice at once is consumed once.
pub async fn consume(db: &impl ConnectionTrait, id: i32, now: Timestamp) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::UsedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
