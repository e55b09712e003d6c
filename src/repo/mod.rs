//! Database access, one module per aggregate. Functions take `&impl ConnectionTrait` so callers
//! can pass a transaction, and map entity models to the structs the services use.

pub mod accounts;
pub mod admins;
pub mod audit;
pub mod cgu;
pub mod outbox;
pub mod profiles;
pub mod psc;
pub mod queue;
pub mod rate_limits;
pub mod sessions;
pub mod tokens;

/// Timestamps are stored in UTC, to the microsecond: PostgreSQL keeps no more, and
/// compare-and-set updates compare a value we wrote with what was stored.
pub fn now() -> sea_orm::prelude::DateTimeWithTimeZone {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6).fixed_offset()
}
