//! The administrators' second factor: the TOTP row (encrypted secret, enrolment, last step
//! used) and the recovery codes (hashed). Every "use" is one conditional UPDATE, so two
//! requests racing with one code cannot both succeed.

use entities::{admin_recovery_code as recovery, admin_totp as totp};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
    sea_query::{Expr, ExprTrait, Query},
};

use crate::clock::Timestamp;

/// An administrator's TOTP row.
#[derive(Debug, Clone)]
pub struct Totp {
    /// base64(nonce || ciphertext), see `auth::mfa::encrypt`.
    pub secret_encrypted: String,
    /// Confirmed by a first valid code; `false` while the enrolment page shows it.
    pub enrolled: bool,
}

pub async fn find(db: &impl ConnectionTrait, account_id: i32) -> Result<Option<Totp>, DbErr> {
    Ok(totp::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .map(|row| Totp {
            secret_encrypted: row.secret_encrypted,
            enrolled: row.enrolled_at.is_some(),
        }))
}

pub async fn is_enrolled(db: &impl ConnectionTrait, account_id: i32) -> Result<bool, DbErr> {
    Ok(find(db, account_id).await?.is_some_and(|t| t.enrolled))
}

/// Stores a new secret awaiting confirmation, replacing an earlier unconfirmed one. Fails (the
/// primary key) if the account already has a confirmed one.
pub async fn save_pending(
    db: &impl ConnectionTrait,
    account_id: i32,
    secret_encrypted: &str,
    now: Timestamp,
) -> Result<(), DbErr> {
    totp::Entity::delete_many()
        .filter(totp::Column::AccountId.eq(account_id))
        .filter(totp::Column::EnrolledAt.is_null())
        .exec(db)
        .await?;
    totp::ActiveModel {
        account_id: Set(account_id),
        secret_encrypted: Set(secret_encrypted.to_owned()),
        enrolled_at: Set(None),
        last_used_step: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// Confirms the pending secret `secret_encrypted` (the one the code was checked against: a
/// newer enrolment page may have replaced it meanwhile) and records `step` as used.
pub async fn confirm(
    db: &impl ConnectionTrait,
    account_id: i32,
    secret_encrypted: &str,
    step: i64,
    now: Timestamp,
) -> Result<bool, DbErr> {
    Ok(totp::Entity::update_many()
        .col_expr(totp::Column::EnrolledAt, Expr::value(now))
        .col_expr(totp::Column::LastUsedStep, Expr::value(step))
        .filter(totp::Column::AccountId.eq(account_id))
        .filter(totp::Column::EnrolledAt.is_null())
        .filter(totp::Column::SecretEncrypted.eq(secret_encrypted))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Records `step` as used if it is later than the last one used: `false` means the code (or
/// an earlier one) was already accepted, a replay (RFC 6238 §5.2).
pub async fn use_step(
    db: &impl ConnectionTrait,
    account_id: i32,
    step: i64,
) -> Result<bool, DbErr> {
    Ok(totp::Entity::update_many()
        .col_expr(totp::Column::LastUsedStep, Expr::value(step))
        .filter(totp::Column::AccountId.eq(account_id))
        .filter(totp::Column::EnrolledAt.is_not_null())
        .filter(
            totp::Column::LastUsedStep
                .is_null()
                .or(totp::Column::LastUsedStep.lt(step)),
        )
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Replaces the account's recovery codes with `hashes`.
pub async fn replace_recovery_codes(
    db: &impl ConnectionTrait,
    account_id: i32,
    hashes: &[String],
    now: Timestamp,
) -> Result<(), DbErr> {
    recovery::Entity::delete_many()
        .filter(recovery::Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    recovery::Entity::insert_many(hashes.iter().map(|hash| recovery::ActiveModel {
        account_id: Set(account_id),
        code_hash: Set(hash.clone()),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }))
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// Spends the unused recovery code with digest `hash`; `false` if there is none.
pub async fn use_recovery_code(
    db: &impl ConnectionTrait,
    account_id: i32,
    hash: &str,
    now: Timestamp,
) -> Result<bool, DbErr> {
    // One row at most: the same digest twice in one set is a 2^-80 event, and spending both
    // at once would only cost the holder a code.
    let one = Query::select()
        .column(recovery::Column::Id)
        .from(recovery::Entity)
        .and_where(recovery::Column::AccountId.eq(account_id))
        .and_where(recovery::Column::CodeHash.eq(hash))
        .and_where(recovery::Column::UsedAt.is_null())
        .limit(1)
        .to_owned();
    Ok(recovery::Entity::update_many()
        .col_expr(recovery::Column::UsedAt, Expr::value(now))
        .filter(recovery::Column::Id.in_subquery(one))
        .filter(recovery::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Unused recovery codes left.
pub async fn recovery_codes_left(db: &impl ConnectionTrait, account_id: i32) -> Result<u64, DbErr> {
    recovery::Entity::find()
        .filter(recovery::Column::AccountId.eq(account_id))
        .filter(recovery::Column::UsedAt.is_null())
        .count(db)
        .await
}

/// Removes the account's TOTP secret and recovery codes; whether there was a factor at all.
pub async fn delete_all(db: &impl ConnectionTrait, account_id: i32) -> Result<bool, DbErr> {
    let codes = recovery::Entity::delete_many()
        .filter(recovery::Column::AccountId.eq(account_id))
        .exec(db)
        .await?
        .rows_affected;
    let totp = totp::Entity::delete_many()
        .filter(totp::Column::AccountId.eq(account_id))
        .exec(db)
        .await?
        .rows_affected;
    Ok(totp + codes > 0)
}
