//! Administrators and their scopes.

use entities::admin::{ActiveModel, Column, Entity};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::clock::Timestamp;

/// What an administrator may see and decide on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    National,
    /// One région, by INSEE code.
    Region(String),
    /// One structure, by FINESS or Pro Santé Connect structure identifier.
    Structure(String),
}

impl Scope {
    /// Parses `national`, `region:76` or `structure:<id>`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().split_once(':') {
            None if raw.trim() == "national" => Some(Self::National),
            Some(("region", code)) if !code.trim().is_empty() => {
                Some(Self::Region(code.trim().to_uppercase()))
            }
            Some(("structure", id)) if !id.trim().is_empty() => {
                Some(Self::Structure(id.trim().to_owned()))
            }
            _ => None,
        }
    }

    pub fn as_string(&self) -> String {
        match self {
            Self::National => "national".to_owned(),
            Self::Region(code) => format!("region:{code}"),
            Self::Structure(id) => format!("structure:{id}"),
        }
    }

    /// Does this scope cover an account of `region` and `structure`?
    pub fn covers(&self, region: Option<&str>, structure: Option<&str>) -> bool {
        match self {
            Self::National => true,
            Self::Region(code) => region == Some(code.as_str()),
            Self::Structure(id) => structure == Some(id.as_str()),
        }
    }
}

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
