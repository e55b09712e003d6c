//! The audit trail: every state change, appended in the transaction that makes it.

use entities::audit_event::{ActiveModel, Column, Entity, Model};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::clock::Timestamp;

/// Who acted.
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    /// The account holder themself.
    Account(i32),
    /// An administrator acting on someone else's account.
    Admin(i32),
    /// The service on its own (workers, command line).
    System,
}

impl Actor {
    fn label(self) -> String {
        match self {
            Self::Account(id) => format!("account:{id}"),
            Self::Admin(id) => format!("admin:{id}"),
            Self::System => "system".to_owned(),
        }
    }
}

/// What happened. The string forms are stable: reports and tests read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    AccountCreated,
    EmailConfirmed,
    SignedIn,
    SignedOut,
    CguAccepted,
    CguRefused,
    IdentifierAnswered,
    ProfileSubmitted,
    AdminGranted,
    AccountValidated,
    AccountRejected,
    AccountDisabled,
    DirectoryPublished,
    PscLinked,
    PscRefused,
    DirectoryPreferencesChanged,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccountCreated => "account_created",
            Self::EmailConfirmed => "email_confirmed",
            Self::SignedIn => "signed_in",
            Self::SignedOut => "signed_out",
            Self::CguAccepted => "cgu_accepted",
            Self::CguRefused => "cgu_refused",
            Self::IdentifierAnswered => "identifier_answered",
            Self::ProfileSubmitted => "profile_submitted",
            Self::AdminGranted => "admin_granted",
            Self::AccountValidated => "account_validated",
            Self::AccountRejected => "account_rejected",
            Self::AccountDisabled => "account_disabled",
            Self::DirectoryPublished => "directory_published",
            Self::PscLinked => "psc_linked",
            Self::PscRefused => "psc_refused",
            Self::DirectoryPreferencesChanged => "directory_preferences_changed",
        }
    }
}

pub async fn record(
    db: &impl ConnectionTrait,
    account_id: i32,
    actor: Actor,
    action: Action,
    detail: Option<&str>,
    now: Timestamp,
) -> Result<(), DbErr> {
    record_for(db, Some(account_id), actor, action, detail, now).await
}

/// Records an event that may concern no account (a refused Pro Santé Connect sign-in).
pub async fn record_for(
    db: &impl ConnectionTrait,
    account_id: Option<i32>,
    actor: Actor,
    action: Action,
    detail: Option<&str>,
    now: Timestamp,
) -> Result<(), DbErr> {
    ActiveModel {
        account_id: Set(account_id),
        actor: Set(actor.label()),
        action: Set(action.as_str().to_owned()),
        detail: Set(detail.map(str::to_owned)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// The account's history, oldest first.
pub async fn for_account(db: &impl ConnectionTrait, account_id: i32) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .order_by_asc(Column::Id)
        .all(db)
        .await
}
