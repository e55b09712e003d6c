//! Reminders to administrators (issue 11): which daily run happened (`reminder_runs`, one row
//! per period: the instance that inserts it is the one that runs it), and which account was
//! announced past which threshold (`reminder_notices`: once per account and threshold).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("reminder_runs")
                    .col(string_len("period", 32).primary_key())
                    .col(timestamp_with_time_zone("ran_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("reminder_notices")
                    .col(integer("account_id"))
                    .col(integer("threshold_hours"))
                    .col(timestamp_with_time_zone("notified_at"))
                    .primary_key(Index::create().col("account_id").col("threshold_hours"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reminder_notices_account")
                            .from("reminder_notices", "account_id")
                            .to("accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["reminder_notices", "reminder_runs"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
