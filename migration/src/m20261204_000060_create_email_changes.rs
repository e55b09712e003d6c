//! A contact address change waiting for its confirmation link (`email_tokens`, purpose
//! `change_email`): the account keeps its address until the new one is proved.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("email_changes")
                    .col(integer("account_id").primary_key())
                    .col(string_len("new_email", 320))
                    .col(timestamp_with_time_zone("requested_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_email_changes_account")
                            .from("email_changes", "account_id")
                            .to("accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("email_changes").to_owned())
            .await
    }
}
