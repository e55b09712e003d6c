//! The Annuaire Santé cross-checks (`annuaire_sante_checks`): one row per account, the latest
//! lookup of its declared identifier.

use std::collections::HashMap;

use entities::annuaire_sante_check::{ActiveModel, Column, Entity, Model};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::Expr,
};

use crate::annuaire_sante::{Outcome, Practitioner, StoredCheck};
use crate::clock::Timestamp;

/// Records that `identifier` is to be looked up for the account. A different identifier than
/// the stored one starts afresh (the old answer was about someone else's number).
pub async fn request(
    db: &impl ConnectionTrait,
    account_id: i32,
    identifier: &str,
    now: Timestamp,
) -> Result<(), DbErr> {
    match Entity::find_by_id(account_id).one(db).await? {
        Some(row) if row.identifier == identifier => {
            let mut row: ActiveModel = row.into();
            row.requested_at = Set(now);
            row.update(db).await?;
        }
        Some(row) => {
            let mut row: ActiveModel = row.into();
            row.identifier = Set(identifier.to_owned());
            row.requested_at = Set(now);
            row.outcome = Set(None);
            row.result = Set(None);
            row.error = Set(None);
            row.checked_at = Set(None);
            row.attempted_at = Set(None);
            row.update(db).await?;
        }
        None => {
            ActiveModel {
                account_id: Set(account_id),
                identifier: Set(identifier.to_owned()),
                requested_at: Set(now),
                outcome: Set(None),
                result: Set(None),
                error: Set(None),
                checked_at: Set(None),
                attempted_at: Set(None),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// Stores the directory's answer for `identifier` (found: its practitioner; unknown: none).
/// Nothing happens when the account declared another identifier meanwhile.
pub async fn record_answer(
    db: &impl ConnectionTrait,
    account_id: i32,
    identifier: &str,
    practitioner: Option<&Practitioner>,
    now: Timestamp,
) -> Result<(), DbErr> {
    let (outcome, result) = match practitioner {
        Some(p) => (
            Outcome::Found,
            Some(serde_json::to_string(p).map_err(|e| DbErr::Custom(e.to_string()))?),
        ),
        None => (Outcome::Unknown, None),
    };
    Entity::update_many()
        .col_expr(Column::Outcome, Expr::value(outcome.as_str()))
        .col_expr(Column::Result, Expr::value(result))
        .col_expr(Column::Error, Expr::value(Option::<String>::None))
        .col_expr(Column::CheckedAt, Expr::value(now))
        .col_expr(Column::AttemptedAt, Expr::value(now))
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::Identifier.eq(identifier))
        .exec(db)
        .await?;
    Ok(())
}

/// Records that a lookup ended without asking (a recent answer was reused).
pub async fn touch(
    db: &impl ConnectionTrait,
    account_id: i32,
    now: Timestamp,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::AttemptedAt, Expr::value(now))
        .filter(Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Stores that the directory gave no answer, keeping the last one it gave.
pub async fn record_unavailable(
    db: &impl ConnectionTrait,
    account_id: i32,
    identifier: &str,
    error: &str,
    now: Timestamp,
) -> Result<(), DbErr> {
    let error: String = error.chars().take(500).collect();
    Entity::update_many()
        .col_expr(Column::Outcome, Expr::value(Outcome::Unavailable.as_str()))
        .col_expr(Column::Error, Expr::value(error))
        .col_expr(Column::AttemptedAt, Expr::value(now))
        .filter(Column::AccountId.eq(account_id))
        .filter(Column::Identifier.eq(identifier))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn find(
    db: &impl ConnectionTrait,
    account_id: i32,
) -> Result<Option<StoredCheck>, DbErr> {
    Entity::find_by_id(account_id)
        .one(db)
        .await?
        .map(to_domain)
        .transpose()
}

/// The checks of `account_ids`, by account.
pub async fn of_accounts(
    db: &impl ConnectionTrait,
    account_ids: &[i32],
) -> Result<HashMap<i32, StoredCheck>, DbErr> {
    if account_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Entity::find()
        .filter(Column::AccountId.is_in(account_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| to_domain(m).map(|c| (c.account_id, c)))
        .collect()
}

fn to_domain(model: Model) -> Result<StoredCheck, DbErr> {
    let practitioner = model
        .result
        .as_deref()
        .map(serde_json::from_str::<Practitioner>)
        .transpose()
        .map_err(|e| {
            DbErr::Custom(format!(
                "Annuaire Santé check of account {}: {e}",
                model.account_id
            ))
        })?;
    Ok(StoredCheck {
        account_id: model.account_id,
        identifier: model.identifier,
        requested_at: model.requested_at,
        outcome: model.outcome.as_deref().and_then(Outcome::parse),
        practitioner,
        error: model.error,
        checked_at: model.checked_at,
        attempted_at: model.attempted_at,
    })
}
