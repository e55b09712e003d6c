//! One row per person who signed up. The registration step is derived from these columns.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("accounts")
                    .col(pk_auto("id"))
                    // Lower-cased; the unique index is what prevents double sign-ups under races.
                    .col(string_len_uniq("email", 254))
                    // PHC string; null for accounts that sign in only through Pro Santé Connect.
                    .col(string_null("password_hash"))
                    .col(string_len("nom", 100))
                    .col(string_len("prenom", 100))
                    .col(timestamp_with_time_zone_null("email_confirmed_at"))
                    // `PER` or `MED`; null until the identifier question is answered.
                    .col(string_len_null("bal_type", 3))
                    .col(timestamp_with_time_zone_null("profile_submitted_at"))
                    // Last time a mail of the registration kind was queued (resend throttle).
                    .col(timestamp_with_time_zone_null("last_mail_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("accounts").to_owned())
            .await
    }
}
