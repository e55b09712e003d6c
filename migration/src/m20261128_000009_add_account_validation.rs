//! The administrator's decision on an account, and the mailbox address it assigns.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const ACCOUNT_COLUMNS: [&str; 5] = [
    "validated_at",
    "rejected_at",
    "rejection_reason",
    "mailbox_address",
    "disabled_at",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One ALTER per column: SQLite cannot add several at once.
        for column in [
            timestamp_with_time_zone_null("validated_at"),
            timestamp_with_time_zone_null("rejected_at"),
            text_null("rejection_reason"),
            // Assigned once at validation and never changed (ANS rule).
            string_len_null("mailbox_address", 254),
            timestamp_with_time_zone_null("disabled_at"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("accounts")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // SQLite cannot add a UNIQUE column; a unique index does the same job (NULLs allowed).
        manager
            .create_index(
                Index::create()
                    .name("idx_accounts_mailbox_address")
                    .table("accounts")
                    .col("mailbox_address")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("account_profiles")
                    .add_column(string_len_null("identifiant_structure", 64))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_accounts_mailbox_address")
                    .table("accounts")
                    .to_owned(),
            )
            .await?;
        for column in ACCOUNT_COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table("accounts")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("account_profiles")
                    .drop_column("identifiant_structure")
                    .to_owned(),
            )
            .await
    }
}
