//! The Annuaire Santé cross-check of an account's declared identifier (issue 13): one row per
//! account, the latest lookup. `identifier` is what was (or is to be) looked up (`RPPS:…`);
//! `outcome` the last attempt's answer (`found`, `unknown`, `unavailable`), `result` the
//! practitioner found (JSON) and `checked_at` when the directory last answered.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("annuaire_sante_checks")
                    .col(integer("account_id").primary_key())
                    .col(string_len("identifier", 32))
                    .col(timestamp_with_time_zone("requested_at"))
                    .col(string_len_null("outcome", 16))
                    .col(text_null("result"))
                    .col(string_len_null("error", 500))
                    .col(timestamp_with_time_zone_null("checked_at"))
                    .col(timestamp_with_time_zone_null("attempted_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_annuaire_sante_checks_account")
                            .from("annuaire_sante_checks", "account_id")
                            .to("accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("annuaire_sante_checks").to_owned())
            .await
    }
}
