//! A validated account's requested change to its identity fields (names, profession,
//! specialty, national identifier, région), waiting for an administrator: the current values
//! stay in force and published until it is accepted. One pending request per account; a new
//! one replaces it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("profile_change_requests")
                    .col(integer("account_id").primary_key())
                    .col(timestamp_with_time_zone("requested_at"))
                    // JSON object: field name → requested raw value.
                    .col(text("changes"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_profile_change_requests_account")
                            .from("profile_change_requests", "account_id")
                            .to("accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("profile_change_requests").to_owned())
            .await
    }
}
