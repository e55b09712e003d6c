//! Every acceptance of the terms of use, with its version: the history is kept, the latest row
//! tells whether the current version was accepted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("cgu_acceptances")
                    .col(pk_auto("id"))
                    .col(integer("account_id"))
                    .col(string_len("version", 32))
                    .col(timestamp_with_time_zone("accepted_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cgu_acceptances_account")
                            .from("cgu_acceptances", "account_id")
                            .to("accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cgu_acceptances_account_version")
                    .table("cgu_acceptances")
                    .col("account_id")
                    .col("version")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("cgu_acceptances").to_owned())
            .await
    }
}
