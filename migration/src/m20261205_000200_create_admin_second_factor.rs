//! The administrators' second factor (issue 11): a TOTP secret per administrator (RFC 6238),
//! stored encrypted, with the last time step used (replay, RFC 6238 §5.2); ten single-use
//! recovery codes, stored hashed; and, on the session, when it passed the second factor.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("admin_totp")
                    .col(integer("account_id").primary_key())
                    // base64(nonce || XChaCha20-Poly1305 ciphertext) under `mfa.encryption_key`.
                    .col(text("secret_encrypted"))
                    // NULL while the secret is shown but not yet confirmed by a first code.
                    .col(timestamp_with_time_zone_null("enrolled_at"))
                    // The last accepted time step (Unix time / 30): a code is accepted once.
                    .col(big_integer_null("last_used_step"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_totp_account")
                            .from("admin_totp", "account_id")
                            .to("accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("admin_recovery_codes")
                    .col(pk_auto("id"))
                    .col(integer("account_id"))
                    // Hex SHA-256 of the normalised code.
                    .col(string_len("code_hash", 64))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_recovery_codes_account")
                            .from("admin_recovery_codes", "account_id")
                            .to("accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_admin_recovery_codes_account")
                    .table("admin_recovery_codes")
                    .col("account_id")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("sessions")
                    .add_column(timestamp_with_time_zone_null("second_factor_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("sessions")
                    .drop_column("second_factor_at")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("admin_recovery_codes").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("admin_totp").to_owned())
            .await
    }
}
