//! Administrators and their scopes.

use entities::admin::{ActiveModel, Column, Entity};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::clock::Timestamp;
use crate::domain::Scope;

/// Grants `scope` (idempotent).
pub async fn grant(
    db: &impl ConnectionTrait,
    account_id: i32,
    scope: &Scope,
    now: Timestamp,
) -> Result<(), DbErr> {
    if scopes_of(db, account_id).await?.contains(scope) {
        return Ok(());
    }
    ActiveModel {
        account_id: Set(account_id),
        scope: Set(scope.as_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}

pub async fn scopes_of(db: &impl ConnectionTrait, account_id: i32) -> Result<Vec<Scope>, DbErr> {
    Ok(Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .all(db)
        .await?
        .iter()
        .filter_map(|row| Scope::parse(&row.scope))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::Scope;

    #[test]
    fn scopes_parse_and_print_back() {
        for raw in ["national", "region:76", "structure:310000000"] {
            assert_eq!(Scope::parse(raw).unwrap().as_string(), raw);
        }
        assert_eq!(Scope::parse("region:2a"), Some(Scope::Region("2A".into())));
        assert_eq!(Scope::parse("region:"), None);
        assert_eq!(Scope::parse("everything"), None);
    }

    #[test]
    fn a_regional_scope_covers_only_its_region() {
        let scope = Scope::Region("76".into());
        assert!(scope.covers(Some("76"), None));
        assert!(!scope.covers(Some("11"), None));
        assert!(Scope::National.covers(None, None));
        assert!(Scope::Structure("X".into()).covers(Some("11"), Some("X")));
    }
}
