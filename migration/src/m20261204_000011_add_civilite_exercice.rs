//! The civilité d'exercice of the profile (TRE_R11_CiviliteExercice code, e.g. "DR").

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("account_profiles")
                    .add_column(string_len_null("civilite_exercice", 8))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("account_profiles")
                    .drop_column("civilite_exercice")
                    .to_owned(),
            )
            .await
    }
}
