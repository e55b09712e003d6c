//! Living with the account (issue 9): what the sessions page shows, account closure, and the
//! mailbox addresses that stay reserved after a closed account is purged.
//!
//! - `sessions.public_id`: an opaque random id the sessions page names a session by, so the
//!   page never shows the cookie value or its stored hash. Sessions opened before this
//!   migration get one here.
//! - `sessions.user_agent`, `sessions.client_ip`: recorded at sign-in, shown to the holder.
//! - `accounts.closed_at`: the holder closed the account; the worker purges it
//!   `retention.closed_days` later.
//! - `reserved_addresses`: the mailbox address of a purged account. Validation never assigns
//!   it again (ANS: an MSSanté address is never reassigned to someone else).

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const PUBLIC_ID_INDEX: &str = "idx_sessions_public_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            string_len_null("public_id", 32),
            string_len_null("user_agent", 512),
            string_len_null("client_ip", 64),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table("sessions")
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        let random = match manager.get_database_backend() {
            DatabaseBackend::Postgres => "md5(random()::text || id_hash)",
            _ => "lower(hex(randomblob(16)))",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE sessions SET public_id = {random} WHERE public_id IS NULL"
            ))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(PUBLIC_ID_INDEX)
                    .table("sessions")
                    .col("public_id")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("accounts")
                    .add_column(timestamp_with_time_zone_null("closed_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("reserved_addresses")
                    .col(string_len("address", 320).primary_key())
                    .col(timestamp_with_time_zone("reserved_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("reserved_addresses").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("accounts")
                    .drop_column("closed_at")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(PUBLIC_ID_INDEX)
                    .table("sessions")
                    .to_owned(),
            )
            .await?;
        for column in ["client_ip", "user_agent", "public_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("sessions")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
