//! Schema history. Append-only: a merged migration is never edited; a change is a new file,
//! registered at the end of [`Migrator::migrations`].

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_accounts;
mod m20261128_000002_create_account_profiles;
mod m20261128_000003_create_email_tokens;
mod m20261128_000004_create_cgu_acceptances;
mod m20261128_000005_create_sessions;
mod m20261128_000006_create_outbox;
mod m20261128_000007_create_audit_events;
mod m20261128_000008_create_admins;
mod m20261128_000009_add_account_validation;
mod m20261128_000010_create_psc_tables;
mod m20261204_000001_create_rate_limits;
mod m20261204_000011_add_civilite_exercice;
mod m20261204_000020_add_validated_national_id;
mod m20261204_000040_account_lifecycle;
mod m20261204_000050_create_profile_change_requests;
mod m20261204_000060_create_email_changes;
mod m20261204_000070_create_org_mailboxes;
mod m20261204_000080_create_reminders;
mod m20261205_000200_create_admin_second_factor;
mod m20261206_000100_create_annuaire_sante_checks;
mod m20261207_000100_create_org_invitations;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_accounts::Migration),
            Box::new(m20261128_000002_create_account_profiles::Migration),
            Box::new(m20261128_000003_create_email_tokens::Migration),
            Box::new(m20261128_000004_create_cgu_acceptances::Migration),
            Box::new(m20261128_000005_create_sessions::Migration),
            Box::new(m20261128_000006_create_outbox::Migration),
            Box::new(m20261128_000007_create_audit_events::Migration),
            Box::new(m20261128_000008_create_admins::Migration),
            Box::new(m20261128_000009_add_account_validation::Migration),
            Box::new(m20261128_000010_create_psc_tables::Migration),
            Box::new(m20261204_000001_create_rate_limits::Migration),
            Box::new(m20261204_000011_add_civilite_exercice::Migration),
            Box::new(m20261204_000020_add_validated_national_id::Migration),
            Box::new(m20261204_000040_account_lifecycle::Migration),
            Box::new(m20261204_000050_create_profile_change_requests::Migration),
            Box::new(m20261204_000060_create_email_changes::Migration),
            Box::new(m20261204_000070_create_org_mailboxes::Migration),
            Box::new(m20261204_000080_create_reminders::Migration),
            Box::new(m20261205_000200_create_admin_second_factor::Migration),
            Box::new(m20261206_000100_create_annuaire_sante_checks::Migration),
            Box::new(m20261207_000100_create_org_invitations::Migration),
        ]
    }
}
