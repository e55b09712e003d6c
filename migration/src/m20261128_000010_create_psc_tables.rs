//! Pro Santé Connect: identities linked to accounts, sign-in attempts in flight, and the ID
//! token of PSC sessions (needed for RP-initiated logout).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("psc_identities")
                    .col(integer("account_id").primary_key())
                    // PSC's `sub`: stable per person.
                    .col(string_len_uniq("sub", 255))
                    // SubjectNameID, e.g. 8 + RPPS.
                    .col(string_len("id_nat_ps", 64))
                    // An RPPS is linked to at most one account.
                    .col(string_len_null("rpps", 11))
                    // The last userinfo received, as JSON (pre-fill, admin view).
                    .col(text("userinfo"))
                    .col(timestamp_with_time_zone("linked_at"))
                    .col(timestamp_with_time_zone("last_login_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_psc_identities_account")
                            .from("psc_identities", "account_id")
                            .to("accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_psc_identities_rpps")
                    .table("psc_identities")
                    .col("rpps")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("psc_flows")
                    .col(pk_auto("id"))
                    // SHA-256 of the random value in the browser's cookie: binds the attempt to
                    // the browser that started it.
                    .col(string_len_uniq("browser_hash", 64))
                    .col(string_len("state", 128))
                    .col(string_len("nonce", 128))
                    .col(string_len("pkce_verifier", 128))
                    // `login` or `link` (a signed-in account adding its e-CPS).
                    .col(string_len("purpose", 16))
                    .col(integer_null("account_id"))
                    // After a verified callback: the identity waiting for an email or a
                    // password (JSON).
                    .col(text_null("identity"))
                    .col(text_null("id_token"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("callback_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("sessions")
                    .add_column(text_null("psc_id_token"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("sessions")
                    .drop_column("psc_id_token")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("psc_flows").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("psc_identities").to_owned())
            .await
    }
}
