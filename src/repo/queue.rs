//! The validation queue: accounts that submitted their profile and wait for an administrator.
//! (Not the outbox, which is `outbox.rs`.)

use entities::{account, account_profile};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use crate::domain::{Account, QueueFilter, Scope, profile::StoredProfile};

/// Pending accounts within the filter, oldest submission first.
pub async fn pending(
    db: &impl ConnectionTrait,
    filter: &QueueFilter,
) -> Result<Vec<(Account, StoredProfile)>, DbErr> {
    let mut scope = Condition::any();
    for s in &filter.scopes {
        scope = match s {
            Scope::National => scope.add(Condition::all()),
            Scope::Region(code) => scope.add(account_profile::Column::Region.eq(code.as_str())),
            Scope::Structure(id) => {
                scope.add(account_profile::Column::IdentifiantStructure.eq(id.as_str()))
            }
        };
    }
    let mut query = account::Entity::find()
        .find_also_related(account_profile::Entity)
        .filter(account::Column::ProfileSubmittedAt.is_not_null())
        .filter(account::Column::ValidatedAt.is_null())
        .filter(account::Column::RejectedAt.is_null())
        .filter(account::Column::DisabledAt.is_null())
        .filter(scope);
    if let Some(region) = &filter.region {
        query = query.filter(account_profile::Column::Region.eq(region.as_str()));
    }
    if let Some(profession) = &filter.profession {
        query = query.filter(account_profile::Column::Profession.eq(profession.as_str()));
    }
    if let Some(bal) = &filter.bal_type {
        query = query.filter(account::Column::BalType.eq(bal.as_str()));
    }
    query
        .order_by_asc(account::Column::ProfileSubmittedAt)
        .order_by_asc(account::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(a, p)| p.map(|p| (a, p)))
        .map(|(a, p)| Ok((Account::from(a), super::profiles::to_domain(&p)?)))
        .collect()
}

/// Accounts decided (validated or rejected) at or after `since`, with their profile, for the
/// SLA dashboard. Scopes are applied by the caller.
pub async fn decided_since(
    db: &impl ConnectionTrait,
    since: crate::clock::Timestamp,
) -> Result<Vec<(Account, StoredProfile)>, DbErr> {
    account::Entity::find()
        .find_also_related(account_profile::Entity)
        .filter(account::Column::ProfileSubmittedAt.is_not_null())
        .filter(
            Condition::any()
                .add(account::Column::ValidatedAt.gte(since))
                .add(account::Column::RejectedAt.gte(since)),
        )
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(a, p)| p.map(|p| (a, p)))
        .map(|(a, p)| Ok((Account::from(a), super::profiles::to_domain(&p)?)))
        .collect()
}
