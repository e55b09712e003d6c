//! A fresh database per test, and typed reads of what the app wrote: the one set of DB-read
//! helpers (`TestApp` keeps a few thin aliases for the PSC test files).
//!
//! The helpers are async, so `#[track_caller]` cannot point a failure at the test's line (on
//! an `async fn` it is a no-op on stable Rust): their panic messages name what was missing
//! instead, and the tests assert on the values they return.
//!
//! SQLite by default: a file in a temporary folder (a file, not `sqlite::memory:`, so a second
//! app can be built on the same database). With `TEST_DATABASE_URL` set to a PostgreSQL server
//! (e.g. `postgres://postgres@127.0.0.1:5432/postgres`), a database `t_{uuid}` is created
//! through it for each test; `.ci/run` drops them.

use entities::{
    account, account_profile, audit_event, cgu_acceptance, email_token, outbox, session,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Statement,
};
use tempfile::TempDir;
use uuid::Uuid;

/// Every table of the schema.
pub const TABLES: [&str; 20] = [
    "accounts",
    "account_profiles",
    "email_tokens",
    "cgu_acceptances",
    "sessions",
    "outbox",
    "audit_events",
    "admins",
    "psc_identities",
    "psc_flows",
    "rate_limits",
    "profile_change_requests",
    "email_changes",
    "reserved_addresses",
    "org_mailboxes",
    "org_members",
    "org_events",
    "reminder_runs",
    "reminder_notices",
    "annuaire_sante_checks",
];

/// The database of one test; the SQLite folder lives as long as this value.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<TempDir>,
}

impl TestDatabase {
    pub async fn create() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.trim().is_empty() => Self::postgres(admin_url.trim()).await,
            _ => Self::sqlite(),
        }
    }

    fn sqlite() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("mss-it-")
            .tempdir()
            .expect("create the database folder");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("db.sqlite").display()
        );
        Self {
            url,
            _dir: Some(dir),
        }
    }

    async fn postgres(admin_url: &str) -> Self {
        let name = format!("t_{}", Uuid::new_v4().simple());
        let admin = Database::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("connect to TEST_DATABASE_URL={admin_url}: {e}"));
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        let _ = admin.close().await;
        let mut url = reqwest::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        Self {
            url: url.to_string(),
            _dir: None,
        }
    }
}

/// `SELECT COUNT(*) FROM {table}`.
pub async fn count_rows(db: &DatabaseConnection, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("count rows of {table}: {e}"))
        .expect("COUNT(*) returns a row");
    row.try_get_by_index::<i64>(0)
        .unwrap_or_else(|e| panic!("read the count of {table}: {e}"))
}

/// The first column of the first row of `sql` as text; `None` when there is no row or it is
/// NULL.
pub async fn scalar_text(db: &DatabaseConnection, sql: &str) -> Option<String> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))?;
    row.try_get_by_index::<Option<String>>(0)
        .unwrap_or_else(|e| panic!("read {sql}: {e}"))
}

/// The first column of the first row of `sql` as an integer, 0 when there is no row.
pub async fn scalar_i64(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.map_or(0, |row| {
        row.try_get_by_index::<i64>(0)
            .unwrap_or_else(|e| panic!("read {sql}: {e}"))
    })
}

/// Row counts of every table, in [`TABLES`] order.
pub async fn table_counts(db: &DatabaseConnection) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push((table, count_rows(db, table).await));
    }
    counts
}

pub async fn find_account(db: &DatabaseConnection, email: &str) -> Option<account::Model> {
    account::Entity::find()
        .filter(account::Column::Email.eq(email.to_lowercase()))
        .one(db)
        .await
        .expect("query accounts")
}

pub async fn account(db: &DatabaseConnection, email: &str) -> account::Model {
    find_account(db, email)
        .await
        .unwrap_or_else(|| panic!("no account for {email}"))
}

/// The account row of `id`.
pub async fn account_by_id(db: &DatabaseConnection, id: i32) -> account::Model {
    account::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("query accounts")
        .unwrap_or_else(|| panic!("no account {id}"))
}

pub async fn find_profile(db: &DatabaseConnection, email: &str) -> Option<account_profile::Model> {
    let id = account(db, email).await.id;
    account_profile::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("query account_profiles")
}

pub async fn profile(db: &DatabaseConnection, email: &str) -> account_profile::Model {
    find_profile(db, email)
        .await
        .unwrap_or_else(|| panic!("no profile stored for {email}"))
}

/// Audit events of the account of `email`, oldest first.
pub async fn audit_events(db: &DatabaseConnection, email: &str) -> Vec<audit_event::Model> {
    let id = account(db, email).await.id;
    audit_of(db, id).await
}

/// Audit events of account `id`, oldest first.
pub async fn audit_of(db: &DatabaseConnection, id: i32) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::AccountId.eq(id))
        .order_by_asc(audit_event::Column::Id)
        .all(db)
        .await
        .expect("query audit_events")
}

/// Audit events of account `id` with `action`, oldest first.
pub async fn audit_actions(
    db: &DatabaseConnection,
    id: i32,
    action: &str,
) -> Vec<audit_event::Model> {
    audit_of(db, id)
        .await
        .into_iter()
        .filter(|e| e.action == action)
        .collect()
}

pub async fn cgu_acceptances(db: &DatabaseConnection, email: &str) -> Vec<cgu_acceptance::Model> {
    let id = account(db, email).await.id;
    cgu_acceptance::Entity::find()
        .filter(cgu_acceptance::Column::AccountId.eq(id))
        .order_by_asc(cgu_acceptance::Column::Id)
        .all(db)
        .await
        .expect("query cgu_acceptances")
}

pub async fn email_tokens(db: &DatabaseConnection, email: &str) -> Vec<email_token::Model> {
    let id = account(db, email).await.id;
    email_token::Entity::find()
        .filter(email_token::Column::AccountId.eq(id))
        .order_by_asc(email_token::Column::Id)
        .all(db)
        .await
        .expect("query email_tokens")
}

/// Outbox messages not delivered yet.
pub async fn pending_outbox(db: &DatabaseConnection) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::DoneAt.is_null())
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await
        .expect("query outbox")
}

/// Outbox rows of `kind` (`mail`, `directory`), done or not, oldest first.
pub async fn outbox_of_kind(db: &DatabaseConnection, kind: &str) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(kind))
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await
        .expect("query outbox")
}

/// `id_hash` of every stored session.
pub async fn session_id_hashes(db: &DatabaseConnection) -> Vec<String> {
    session::Entity::find()
        .all(db)
        .await
        .expect("query sessions")
        .into_iter()
        .map(|s| s.id_hash)
        .collect()
}

/// The account's session rows, oldest first.
pub async fn sessions_of(db: &DatabaseConnection, account_id: i32) -> Vec<session::Model> {
    session::Entity::find()
        .filter(session::Column::AccountId.eq(account_id))
        .order_by_asc(session::Column::CreatedAt)
        .all(db)
        .await
        .expect("read the sessions")
}

/// Disables account `id`, as `account disable` does (arrange step of tests about disabled
/// accounts).
pub async fn disable(db: &DatabaseConnection, id: i32, now: chrono::DateTime<chrono::FixedOffset>) {
    use sea_orm::{ActiveModelTrait, Set};
    account::ActiveModel {
        id: Set(id),
        disabled_at: Set(Some(now)),
        ..Default::default()
    }
    .update(db)
    .await
    .expect("disable the account");
}
