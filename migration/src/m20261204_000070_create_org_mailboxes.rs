//! Organisational mailboxes (BAL ORG, issue 10): the box and its request (`org_mailboxes`), its
//! members and pending invitations (`org_members`), and its history (`org_events`).
//!
//! A box's state is read from its timestamps, as an account's is: pending until `validated_at`
//! or `rejected_at`, closed once `closed_at` is set. Its address, once assigned, is also put in
//! `reserved_addresses` (the arbiter between concurrent validations, and why it is never given to
//! anyone else after closure).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("org_mailboxes")
                    .col(pk_auto("id"))
                    .col(string_len("libelle", 200))
                    .col(string_len("local_wish", 64))
                    .col(string_len("raison_sociale", 200))
                    .col(string_len("structure_type", 8))
                    .col(string_len("structure_id", 16))
                    .col(string_len("service", 200))
                    .col(text("description"))
                    .col(string_len("adresse", 200))
                    .col(string_len("code_postal", 5))
                    .col(string_len("ville", 200))
                    .col(string_len("departement", 3))
                    .col(string_len("region", 3))
                    .col(string_len("telephone", 20))
                    .col(boolean("dematerialisation"))
                    .col(boolean("annuaire_mssante"))
                    .col(boolean("annuaire_medimail"))
                    .col(integer_null("requested_by"))
                    .col(timestamp_with_time_zone("requested_at"))
                    .col(timestamp_with_time_zone_null("validated_at"))
                    .col(string_len_null("mailbox_address", 254).unique_key())
                    .col(timestamp_with_time_zone_null("rejected_at"))
                    .col(text_null("rejection_reason"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    // A change of raison sociale or structure identifier waiting for an
                    // administrator: JSON of the new values, and when it was asked.
                    .col(text_null("pending_change"))
                    .col(timestamp_with_time_zone_null("change_requested_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_mailboxes_requester")
                            .from("org_mailboxes", "requested_by")
                            .to("accounts", "id")
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("org_members")
                    .col(pk_auto("id"))
                    .col(integer("org_id"))
                    .col(integer("account_id"))
                    // "responsable" or "membre".
                    .col(string_len("role", 16))
                    .col(timestamp_with_time_zone("invited_at"))
                    // Null while the invitation waits for the invitee's answer.
                    .col(timestamp_with_time_zone_null("joined_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_members_org")
                            .from("org_members", "org_id")
                            .to("org_mailboxes", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_members_account")
                            .from("org_members", "account_id")
                            .to("accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_org_members_org_account")
                    .table("org_members")
                    .col("org_id")
                    .col("account_id")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_org_members_account")
                    .table("org_members")
                    .col("account_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("org_events")
                    .col(pk_auto("id"))
                    .col(integer("org_id"))
                    // Actor label as in audit_events ("account:12", "admin:3", "system") and the
                    // name shown to members, as it was when the event happened.
                    .col(string_len("actor", 32))
                    .col(string_len("actor_name", 200))
                    .col(string_len("action", 64))
                    .col(text_null("detail"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_events_org")
                            .from("org_events", "org_id")
                            .to("org_mailboxes", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_org_events_org")
                    .table("org_events")
                    .col("org_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["org_events", "org_members", "org_mailboxes"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
