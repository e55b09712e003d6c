//! The professional profile (step 5b). Columns are read and written generically from the
//! field table (`domain::profile::FIELDS`): a stored field's column has the field's name, so a
//! new field needs no code here.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use entities::account_profile::{ActiveModel, Column, Entity, Model};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ModelTrait, QueryFilter,
    Set, Value, sea_query::OnConflict,
};

use crate::clock::Timestamp;
use crate::domain::profile::{FIELDS, Raw, StoredProfile};

/// The account's stored profile, if it submitted one. Nom and prénom are the account's, not
/// read here.
pub async fn find(
    db: &impl ConnectionTrait,
    account_id: i32,
) -> Result<Option<StoredProfile>, DbErr> {
    Entity::find_by_id(account_id)
        .one(db)
        .await?
        .map(|m| to_domain(&m))
        .transpose()
}

/// The stored columns of the field table.
fn stored_columns() -> Result<Vec<(&'static str, Column)>, DbErr> {
    FIELDS
        .iter()
        .filter(|f| f.stored)
        .map(|f| {
            Column::from_str(f.name)
                .map(|c| (f.name, c))
                .map_err(|_| DbErr::Custom(format!("no column for profile field {}", f.name)))
        })
        .collect()
}

/// Maps a row to the domain: NULL is "" (absent).
pub(crate) fn to_domain(model: &Model) -> Result<StoredProfile, DbErr> {
    let mut profile = StoredProfile {
        account_id: model.account_id,
        ..StoredProfile::default()
    };
    for (name, column) in stored_columns()? {
        match model.get(column) {
            Value::String(text) => profile.set(name, Raw::Text(text.as_deref().unwrap_or(""))),
            Value::Bool(flag) => profile.set(name, Raw::Flag(flag.unwrap_or(false))),
            other => {
                return Err(DbErr::Custom(format!(
                    "profile column {name}: unexpected value {other:?}"
                )));
            }
        }
    }
    Ok(profile)
}

/// Every profile, for reconciliation with the directory (one query instead of one per
/// account).
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<StoredProfile>, DbErr> {
    Entity::find()
        .all(db)
        .await?
        .iter()
        .map(to_domain)
        .collect()
}

/// Inserts or replaces the account's profile.
pub async fn upsert(
    db: &impl ConnectionTrait,
    profile: &StoredProfile,
    now: Timestamp,
) -> Result<(), DbErr> {
    let columns = stored_columns()?;
    let mut model = ActiveModel {
        account_id: Set(profile.account_id),
        updated_at: Set(now),
        ..Default::default()
    };
    for (name, column) in &columns {
        let value = match profile.get(name) {
            Some(Raw::Flag(flag)) => Value::Bool(Some(flag)),
            // An absent optional value is NULL; a NOT NULL column always gets its text.
            Some(Raw::Text(text)) if text.is_empty() && column.def().is_null() => {
                Value::String(None)
            }
            Some(Raw::Text(text)) => Value::String(Some(text.to_owned())),
            None => continue,
        };
        model.try_set(*column, value)?;
    }
    let updated = columns.iter().map(|(_, c)| *c).chain([Column::UpdatedAt]);
    Entity::insert(model)
        .on_conflict(
            OnConflict::column(Column::AccountId)
                .update_columns(updated)
                .to_owned(),
        )
        .exec(db)
        .await
        .map(|_| ())
}

/// The account whose profile declares this RPPS, if any.
pub async fn account_with_rpps(
    db: &impl ConnectionTrait,
    rpps: &str,
) -> Result<Option<i32>, DbErr> {
    Ok(Entity::find()
        .filter(Column::TypeIdentifiant.eq("RPPS"))
        .filter(Column::Identifiant.eq(rpps))
        .one(db)
        .await?
        .map(|p| p.account_id))
}

/// Every account claiming one of `identifiers` (`(type, number)`): those whose profile declares
/// it, and, for an RPPS, those linked to an e-CPS carrying it. Keyed by the identifier.
pub async fn claimants(
    db: &impl ConnectionTrait,
    identifiers: &[(String, String)],
) -> Result<HashMap<(String, String), HashSet<i32>>, DbErr> {
    let mut claims: HashMap<(String, String), HashSet<i32>> = HashMap::new();
    if identifiers.is_empty() {
        return Ok(claims);
    }
    let numbers = identifiers.iter().map(|(_, n)| n.clone());
    for m in Entity::find()
        .filter(Column::Identifiant.is_in(numbers.clone()))
        .all(db)
        .await?
    {
        if let (Some(kind), Some(number)) = (m.type_identifiant, m.identifiant) {
            claims
                .entry((kind, number))
                .or_default()
                .insert(m.account_id);
        }
    }
    for linked in entities::psc_identity::Entity::find()
        .filter(entities::psc_identity::Column::Rpps.is_in(numbers))
        .all(db)
        .await?
    {
        if let Some(rpps) = linked.rpps {
            claims
                .entry(("RPPS".to_owned(), rpps))
                .or_default()
                .insert(linked.account_id);
        }
    }
    Ok(claims)
}

/// Changes the directory visibility ticks (liste rouge).
pub async fn set_visibility(
    db: &impl ConnectionTrait,
    account_id: i32,
    annuaire_medimail: bool,
    annuaire_mssante: bool,
    now: Timestamp,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    Entity::update_many()
        .col_expr(Column::AnnuaireMedimail, Expr::value(annuaire_medimail))
        .col_expr(Column::AnnuaireMssante, Expr::value(annuaire_mssante))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::AccountId.eq(account_id))
        .exec(db)
        .await
        .map(|_| ())
}
