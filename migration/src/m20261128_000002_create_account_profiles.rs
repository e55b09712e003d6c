//! The professional profile (step 5b), one per account.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("account_profiles")
                    .col(integer("account_id").primary_key())
                    .col(string_len_null("telephone1", 20))
                    .col(string_len_null("telephone2", 20))
                    .col(boolean("activite_liberale"))
                    // TRE_G15 code
                    .col(string_len("profession", 10))
                    // TRE_R38 code
                    .col(string_len_null("specialite", 10))
                    // `RPPS` or `ADELI`
                    .col(string_len_null("type_identifiant", 5))
                    .col(string_len_null("identifiant", 11))
                    .col(string_len_null("raison_sociale", 200))
                    .col(string_len_null("service", 200))
                    .col(string_len_null("adresse", 300))
                    .col(string_len_null("code_postal", 5))
                    .col(string_len_null("ville", 100))
                    .col(string_len_null("departement", 3))
                    // INSEE région code
                    .col(string_len("region", 3))
                    .col(boolean("annuaire_medimail"))
                    .col(boolean("annuaire_mssante"))
                    .col(boolean("dematerialisation"))
                    .col(boolean("notification_reception"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_profiles_account")
                            .from("account_profiles", "account_id")
                            .to("accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Admins filter the validation queue by région (next issue).
        manager
            .create_index(
                Index::create()
                    .name("idx_account_profiles_region")
                    .table("account_profiles")
                    .col("region")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("account_profiles").to_owned())
            .await
    }
}
