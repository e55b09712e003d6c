//! Rate-limit counters shared by every instance: failed sign-ins per email, requests per client,
//! mails per address. One row per key and fixed window, bumped by an atomic upsert.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("rate_limits")
                    // e.g. `signin-email:pierre@example.fr`, `signup-client:192.0.2.1`.
                    .col(string_len("key", 320).primary_key())
                    // Start of the current window, in Unix seconds: an integer compares the same
                    // way on SQLite and PostgreSQL.
                    .col(big_integer("window_start"))
                    .col(integer("hits"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("rate_limits").to_owned())
            .await
    }
}
