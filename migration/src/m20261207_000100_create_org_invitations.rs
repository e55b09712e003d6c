//! BAL ORG invitations keyed by email (`org_invitations`), and every assigned address reserved.
//!
//! Invitations used to be `org_members` rows of an existing account with a null `joined_at`, so
//! the box's page showed an invitation (and the invitee's name) only when the address belonged to
//! an account: a responsable could tell which addresses have one. An invitation is now the
//! address the responsable typed, whatever lies behind it; `org_members` holds joined members
//! only. Existing invitations move over with their account's address.
//!
//! `reserved_addresses` becomes the one arbiter of every assigned address, PER/MED and ORG alike
//! (validation inserts into it in its transaction), so two validations of different kinds can
//! never be given the same address. Addresses already assigned to accounts are copied in.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                // `if_not_exists`: SQLite runs a migration outside a transaction, so a run
                // stopped after this statement must be able to start again.
                Table::create()
                    .table("org_invitations")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(integer("org_id"))
                    // As `EmailAddress` normalises it (trimmed, lower case), like `accounts.email`.
                    .col(string_len("email", 254))
                    .col(timestamp_with_time_zone("invited_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_invitations_org")
                            .from("org_invitations", "org_id")
                            .to("org_mailboxes", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_org_invitations_org_email")
                    .if_not_exists()
                    .table("org_invitations")
                    .col("org_id")
                    .col("email")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_org_invitations_email")
                    .if_not_exists()
                    .table("org_invitations")
                    .col("email")
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO org_invitations (org_id, email, invited_at) \
             SELECT m.org_id, a.email, m.invited_at FROM org_members m \
             JOIN accounts a ON a.id = m.account_id WHERE m.joined_at IS NULL",
        )
        .await?;
        db.execute_unprepared("DELETE FROM org_members WHERE joined_at IS NULL")
            .await?;
        db.execute_unprepared(
            "INSERT INTO reserved_addresses (address, reserved_at) \
             SELECT a.mailbox_address, a.validated_at FROM accounts a \
             WHERE a.mailbox_address IS NOT NULL AND a.validated_at IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM reserved_addresses r WHERE r.address = a.mailbox_address)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Invitations of existing accounts go back to `org_members`; those of other addresses
        // had no place there and are lost.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO org_members (org_id, account_id, role, invited_at, joined_at) \
                 SELECT i.org_id, a.id, 'membre', i.invited_at, NULL FROM org_invitations i \
                 JOIN accounts a ON a.email = i.email WHERE NOT EXISTS \
                 (SELECT 1 FROM org_members m WHERE m.org_id = i.org_id AND m.account_id = a.id)",
            )
            .await?;
        manager
            .drop_table(Table::drop().table("org_invitations").to_owned())
            .await
    }
}
