//! Rate-limit counters (fixed windows), shared by every instance through the database.

use entities::rate_limit::{Column, Entity};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Statement,
    sea_query::{Expr, ExprTrait},
};

/// The counter after a hit: how many hits its window holds, and when the window started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub hits: i32,
    pub window_start: i64,
}

/// Counts one hit for `key` and returns the counter, in ONE statement: concurrent requests on
/// any instance each get a distinct count, so "the 11th is refused" holds whatever the
/// concurrency (no check-then-act race). A window older than `window_secs` restarts at 1.
///
/// # Errors
/// Database failures.
pub async fn hit(
    db: &impl ConnectionTrait,
    key: &str,
    now: i64,
    window_secs: i64,
) -> Result<Counter, DbErr> {
    // `INSERT … ON CONFLICT … DO UPDATE … RETURNING` is atomic on both backends (SQLite ≥ 3.35,
    // PostgreSQL ≥ 9.5): the row is locked by the upsert itself.
    let sql = "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) \
               ON CONFLICT (key) DO UPDATE SET \
               hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 \
                           ELSE rate_limits.hits + 1 END, \
               window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 \
                                   ELSE rate_limits.window_start END \
               RETURNING hits, window_start";
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [key.into(), now.into(), (now - window_secs).into()],
    );
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("rate_limits upsert returned no row".to_owned()))?;
    Ok(Counter {
        hits: row.try_get("", "hits")?,
        window_start: row.try_get("", "window_start")?,
    })
}

/// Gives back one hit (a reservation that turned out not to count, e.g. a successful sign-in).
///
/// # Errors
/// Database failures.
pub async fn release(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Hits, Expr::col(Column::Hits).sub(1))
        .filter(Column::Key.eq(key))
        .filter(Column::Hits.gt(0))
        .exec(db)
        .await
        .map(|_| ())
}

/// Removes counters whose window started before `before` (Unix seconds).
///
/// # Errors
/// Database failures.
pub async fn purge(db: &impl ConnectionTrait, before: i64) -> Result<u64, DbErr> {
    Entity::delete_many()
        .filter(Column::WindowStart.lt(before))
        .exec(db)
        .await
        .map(|r| r.rows_affected)
}
