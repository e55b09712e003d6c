//! Probes for load balancers and orchestrators; each answers within a second, whatever the
//! pool's acquire timeout.
//! - `GET /livez`, the process's liveness: 200 whenever it answers, without touching the
//!   database. For an orchestrator's liveness probe, which restarts what fails it: restarting
//!   every instance during a database outage would help nothing and lose the requests in flight.
//! - `GET /healthz`, the service's health: 200 when the database answers, 503 otherwise (issue
//!   8: a load balancer learns of an outage within a second).
//! - `GET /readyz`, readiness: 200 when the database answers and every migration this binary
//!   knows is applied, 503 otherwise (a new instance started before `mss-onboarding migrate`
//!   receives no traffic). Migrations applied by a newer version are no reason to stop
//!   serving: they are append-only, so the old version keeps working during a rolling update.

use std::{collections::HashSet, time::Duration};

use axum::{Router, extract::State, http::StatusCode, routing::get};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

use crate::state::AppState;

/// Under the one second load balancers are promised, with room for the HTTP round trip.
const PING_TIMEOUT: Duration = Duration::from_millis(800);

pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::LIVEZ, get(livez_get))
        .route(urls::HEALTHZ, get(healthz_get))
        .route(urls::READYZ, get(readyz_get))
}

async fn livez_get() -> &'static str {
    "ok"
}

async fn healthz_get(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(PING_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(_)) | Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

async fn readyz_get(State(state): State<AppState>) -> (StatusCode, String) {
    match tokio::time::timeout(PING_TIMEOUT, pending_migrations(&state.db)).await {
        Ok(Ok(pending)) if pending.is_empty() => (StatusCode::OK, "ready".into()),
        Ok(Ok(pending)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("pending migrations: {}", pending.join(", ")),
        ),
        Ok(Err(_)) | Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable".into(),
        ),
    }
}

/// The migrations of this binary that the database has not recorded. One read of the
/// migration table, and no write: sea-orm-migration's own `get_pending_migrations` creates the
/// table when missing, and fails when the database knows a migration this binary does not.
async fn pending_migrations(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations",
        ))
        .await?;
    let applied: HashSet<String> = rows
        .iter()
        .map(|row| row.try_get::<String>("", "version"))
        .collect::<Result<_, _>>()?;
    Ok(Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .filter(|name| !applied.contains(name))
        .collect())
}
