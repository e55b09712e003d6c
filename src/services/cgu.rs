//! Terms of use (CGU): the versioned documents in `cgu.dir` and their acceptance.

use anyhow::Context;
use sea_orm::{DatabaseConnection, TransactionTrait};

use crate::domain::{Action, Actor};
use crate::{
    clock::Timestamp,
    config::CguSettings,
    error::is_unique_violation,
    repo::{self},
};

/// The version every user must have accepted, loaded once at start-up. Publishing a new
/// version is a configuration change (`cgu.current`) and a restart.
#[derive(Debug)]
pub struct CguCatalog {
    pub version: String,
    pub text: String,
}

impl CguCatalog {
    /// # Errors
    /// The current version's file is missing or unreadable: the service refuses to start rather
    /// than ask users to accept a document it cannot show.
    pub fn load(settings: &CguSettings) -> anyhow::Result<Self> {
        let version = settings.current.trim();
        anyhow::ensure!(
            !version.is_empty()
                && version
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "cgu.current must be a plain version name, got {version:?}"
        );
        let path = settings.dir.join(format!("{version}.txt"));
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        Ok(Self {
            version: version.to_owned(),
            text,
        })
    }

    /// The text split on blank lines, for display.
    pub fn paragraphs(&self) -> Vec<String> {
        self.text
            .split("\n\n")
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect()
    }
}

/// Records the acceptance of the current version (idempotent: a double submit is one row).
///
/// # Errors
/// Database errors.
pub async fn accept(
    db: &DatabaseConnection,
    catalog: &CguCatalog,
    account_id: i32,
    now: Timestamp,
) -> Result<(), sea_orm::DbErr> {
    let txn = db.begin().await?;
    if repo::cgu::has_accepted(&txn, account_id, &catalog.version).await? {
        return Ok(());
    }
    match repo::cgu::record_acceptance(&txn, account_id, &catalog.version, now).await {
        // A double click raced us to the unique index: accepted all the same.
        Err(e) if is_unique_violation(&e) => return Ok(()),
        other => other?,
    }
    repo::audit::record(
        &txn,
        account_id,
        Actor::Account(account_id),
        Action::CguAccepted,
        Some(&catalog.version),
        now,
    )
    .await?;
    txn.commit().await
}

/// Records a refusal; the caller signs the user out.
///
/// # Errors
/// Database errors.
pub async fn refuse(
    db: &DatabaseConnection,
    catalog: &CguCatalog,
    account_id: i32,
    now: Timestamp,
) -> Result<(), sea_orm::DbErr> {
    repo::audit::record(
        db,
        account_id,
        Actor::Account(account_id),
        Action::CguRefused,
        Some(&catalog.version),
        now,
    )
    .await
}

/// Has the account ever accepted any version (to tell "new version" from "first time")?
///
/// # Errors
/// Database failures.
pub async fn has_accepted_any(
    db: &DatabaseConnection,
    account_id: i32,
) -> Result<bool, sea_orm::DbErr> {
    repo::cgu::has_accepted_any(db, account_id).await
}
