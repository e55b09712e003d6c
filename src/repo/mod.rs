//! Database access, one module per aggregate. Functions take `&impl ConnectionTrait` so callers
//! can pass a transaction, and map entity models to the structs the services use.

pub mod accounts;
pub mod admins;
pub mod annuaire_checks;
pub mod audit;
pub mod cgu;
pub mod change_requests;
pub mod email_changes;
pub mod orgs;
pub mod outbox;
pub mod profiles;
pub mod psc;
pub mod queue;
pub mod rate_limits;
pub mod reminders;
pub mod second_factor;
pub mod sessions;
pub mod tokens;
