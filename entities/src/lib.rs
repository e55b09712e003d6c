//! sea-orm entities, one module per table, in the format `sea-orm-cli generate entity --lib`
//! produces. They mirror `migration/`: when a migration changes a table, change its entity to
//! match (a regenerate must show no diff). Behaviour lives in the app's `repo/`, never here.

pub mod prelude;

pub mod account;
pub mod account_profile;
pub mod admin;
pub mod admin_recovery_code;
pub mod admin_totp;
pub mod annuaire_sante_check;
pub mod audit_event;
pub mod cgu_acceptance;
pub mod email_change;
pub mod email_token;
pub mod org_event;
pub mod org_invitation;
pub mod org_mailbox;
pub mod org_member;
pub mod outbox;
pub mod profile_change_request;
pub mod psc_flow;
pub mod psc_identity;
pub mod rate_limit;
pub mod reminder_notice;
pub mod reminder_run;
pub mod reserved_address;
pub mod session;
