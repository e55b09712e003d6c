pub use super::account::Entity as Account;
pub use super::account_profile::Entity as AccountProfile;
pub use super::admin::Entity as Admin;
pub use super::audit_event::Entity as AuditEvent;
pub use super::cgu_acceptance::Entity as CguAcceptance;
pub use super::email_token::Entity as EmailToken;
pub use super::outbox::Entity as Outbox;
pub use super::session::Entity as Session;
