//! Pro Santé Connect: linked identities and sign-in attempts in flight.

use std::collections::HashSet;

use chrono::Duration;
use entities::{psc_flow, psc_identity};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::Expr,
};

use crate::clock::Timestamp;
use crate::psc::{AuthStart, claims::PscIdentity};

pub type LinkedIdentity = psc_identity::Model;
pub type Flow = psc_flow::Model;

pub const PURPOSE_LOGIN: &str = "login";
pub const PURPOSE_LINK: &str = "link";

pub async fn find_by_sub(
    db: &impl ConnectionTrait,
    sub: &str,
) -> Result<Option<LinkedIdentity>, DbErr> {
    find_by(db, psc_identity::Column::Sub, sub).await
}

pub async fn find_by_rpps(
    db: &impl ConnectionTrait,
    rpps: &str,
) -> Result<Option<LinkedIdentity>, DbErr> {
    find_by(db, psc_identity::Column::Rpps, rpps).await
}

async fn find_by(
    db: &impl ConnectionTrait,
    column: psc_identity::Column,
    value: &str,
) -> Result<Option<LinkedIdentity>, DbErr> {
    psc_identity::Entity::find()
        .filter(column.eq(value))
        .one(db)
        .await
}

pub async fn find_by_account(
    db: &impl ConnectionTrait,
    account_id: i32,
) -> Result<Option<LinkedIdentity>, DbErr> {
    psc_identity::Entity::find_by_id(account_id).one(db).await
}

/// Which of `ids` have a linked identity (the admin queue's "verified" mark).
pub async fn linked_among(db: &impl ConnectionTrait, ids: &[i32]) -> Result<HashSet<i32>, DbErr> {
    Ok(psc_identity::Entity::find()
        .filter(psc_identity::Column::AccountId.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.account_id)
        .collect())
}

/// Links an identity to an account. The unique indexes on `sub` and `rpps` refuse a second
/// account for the same person.
pub async fn link(
    db: &impl ConnectionTrait,
    account_id: i32,
    identity: &PscIdentity,
    now: Timestamp,
) -> Result<(), DbErr> {
    let userinfo_json =
        serde_json::to_string(identity).map_err(|e| DbErr::Custom(e.to_string()))?;
    psc_identity::ActiveModel {
        account_id: Set(account_id),
        sub: Set(identity.sub.clone()),
        id_nat_ps: Set(identity.id_nat_ps.clone()),
        rpps: Set(identity.rpps.clone()),
        userinfo: Set(userinfo_json),
        linked_at: Set(now),
        last_login_at: Set(now),
    }
    .insert(db)
    .await
    .map(|_| ())
}

pub async fn touch_login(
    db: &impl ConnectionTrait,
    account_id: i32,
    identity: &PscIdentity,
    now: Timestamp,
) -> Result<(), DbErr> {
    let userinfo_json =
        serde_json::to_string(identity).map_err(|e| DbErr::Custom(e.to_string()))?;
    psc_identity::Entity::update_many()
        .col_expr(psc_identity::Column::LastLoginAt, Expr::value(now))
        .col_expr(psc_identity::Column::Userinfo, Expr::value(userinfo_json))
        .filter(psc_identity::Column::AccountId.eq(account_id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Records a new sign-in attempt, bound to the browser by `browser_hash`.
pub async fn create_flow(
    db: &impl ConnectionTrait,
    browser_hash: &str,
    start: &AuthStart,
    purpose: &str,
    account_id: Option<i32>,
    ttl: Duration,
    now: Timestamp,
) -> Result<(), DbErr> {
    psc_flow::ActiveModel {
        browser_hash: Set(browser_hash.to_owned()),
        state: Set(start.state.clone()),
        nonce: Set(start.nonce.clone()),
        pkce_verifier: Set(start.pkce_verifier.clone()),
        purpose: Set(purpose.to_owned()),
        account_id: Set(account_id),
        identity: Set(None),
        id_token: Set(None),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        callback_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// The browser's live attempt, if any.
pub async fn find_flow(
    db: &impl ConnectionTrait,
    browser_hash: &str,
    now: Timestamp,
) -> Result<Option<Flow>, DbErr> {
    Ok(psc_flow::Entity::find()
        .filter(psc_flow::Column::BrowserHash.eq(browser_hash))
        .one(db)
        .await?
        .filter(|f| f.expires_at > now))
}

/// Uses up the attempt's callback (compare-and-set): a replayed callback finds it used.
pub async fn consume_callback(
    db: &impl ConnectionTrait,
    id: i32,
    now: Timestamp,
) -> Result<bool, DbErr> {
    let result = psc_flow::Entity::update_many()
        .col_expr(psc_flow::Column::CallbackAt, Expr::value(now))
        .filter(psc_flow::Column::Id.eq(id))
        .filter(psc_flow::Column::CallbackAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Keeps the verified identity while the user gives an email or a password.
pub async fn hold_identity(
    db: &impl ConnectionTrait,
    id: i32,
    identity_json: &str,
    id_token: &str,
    account_id: Option<i32>,
) -> Result<(), DbErr> {
    psc_flow::Entity::update_many()
        .col_expr(
            psc_flow::Column::Identity,
            Expr::value(identity_json.to_owned()),
        )
        .col_expr(psc_flow::Column::IdToken, Expr::value(id_token.to_owned()))
        .col_expr(psc_flow::Column::AccountId, Expr::value(account_id))
        .filter(psc_flow::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn delete_flow(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    psc_flow::Entity::delete_by_id(id)
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn purge_expired_flows(db: &impl ConnectionTrait, now: Timestamp) -> Result<u64, DbErr> {
    Ok(psc_flow::Entity::delete_many()
        .filter(psc_flow::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}

/// The identity linked to an account, as PSC last described it.
pub async fn identity_of(
    db: &impl ConnectionTrait,
    account_id: i32,
) -> Result<Option<PscIdentity>, DbErr> {
    Ok(find_by_account(db, account_id)
        .await?
        .and_then(|linked| serde_json::from_str(&linked.userinfo).ok()))
}
