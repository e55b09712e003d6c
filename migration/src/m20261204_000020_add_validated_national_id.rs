//! The national identifier a validated account carries, unique: two validated accounts can
//! never hold the same RPPS or ADELI (issue 8, defect 4).
//!
//! The identifier lives in `account_profiles` and the decision in `accounts`, and a partial
//! index cannot look across tables, so validation copies `TYPE:number` here in its own
//! transaction. A plain unique index on a nullable column is the arbiter on both SQLite and
//! PostgreSQL (NULLs are distinct in both), whatever the concurrency.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_accounts_validated_national_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("accounts")
                    .add_column(string_len_null("validated_national_id", 32))
                    .to_owned(),
            )
            .await?;
        // Accounts validated before this migration carry theirs too. Two of them sharing one
        // makes the index below fail: that must be sorted out by hand, not hidden.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE accounts SET validated_national_id = (\
                   SELECT p.type_identifiant || ':' || p.identifiant FROM account_profiles p \
                   WHERE p.account_id = accounts.id \
                     AND p.identifiant IS NOT NULL AND p.identifiant <> '' \
                     AND p.type_identifiant IS NOT NULL AND p.type_identifiant <> '') \
                 WHERE validated_at IS NOT NULL",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table("accounts")
                    .col("validated_national_id")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table("accounts").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("accounts")
                    .drop_column("validated_national_id")
                    .to_owned(),
            )
            .await
    }
}
