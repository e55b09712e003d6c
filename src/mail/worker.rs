//! The outbox worker: delivers due mail, retries failures with exponential backoff, never drops
//! a message. Delivery is at-least-once: a crash between sending and marking done resends.

use std::{sync::Arc, time::Duration};

use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use super::{Mailer, OutgoingMail};
use crate::{config::Settings, repo, state::OutboxSignal};

const BATCH: u64 = 20;

pub async fn run(
    db: DatabaseConnection,
    mailer: Mailer,
    settings: Arc<Settings>,
    signal: OutboxSignal,
    mut stop: watch::Receiver<bool>,
) {
    let poll = Duration::from_millis(settings.mail.worker_poll_ms.max(10));
    let mut last_purge = tokio::time::Instant::now();
    loop {
        let delivered = match deliver_due(&db, &mailer, &settings).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "outbox pass failed");
                0
            }
        };
        if last_purge.elapsed() > Duration::from_secs(3600) {
            last_purge = tokio::time::Instant::now();
            if let Err(e) = repo::sessions::purge_expired(&db).await {
                tracing::warn!(error = %e, "purging expired sessions failed");
            }
        }
        if delivered as u64 == BATCH {
            continue; // more may be waiting
        }
        tokio::select! {
            () = signal.0.notified() => {}
            () = tokio::time::sleep(poll) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

async fn deliver_due(
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &Settings,
) -> Result<usize, sea_orm::DbErr> {
    // The lease outlasts one SMTP attempt, so no other instance picks the row up meanwhile.
    let lease = chrono::Duration::seconds(
        i64::try_from(settings.mail.smtp_timeout_secs).unwrap_or(60) * 3 + 5,
    );
    let rows = repo::outbox::claim_due(db, repo::outbox::MAIL, lease, BATCH).await?;
    let count = rows.len();
    for row in rows {
        let result = match serde_json::from_str::<OutgoingMail>(&row.payload) {
            Ok(mail) => mailer.send(&mail).await,
            Err(e) => Err(anyhow::anyhow!("unreadable payload: {e}")),
        };
        match result {
            Ok(()) => repo::outbox::mark_done(db, row.id).await?,
            Err(e) => {
                let attempts = row.attempts + 1;
                let delay = backoff(
                    settings.mail.retry_base_ms,
                    settings.mail.retry_max_secs,
                    attempts,
                );
                tracing::warn!(
                    outbox_id = row.id,
                    attempts,
                    error = format!("{e:#}"),
                    retry_in_ms = delay.num_milliseconds(),
                    "mail delivery failed"
                );
                repo::outbox::mark_failed(db, row.id, attempts, delay, &format!("{e:#}")).await?;
            }
        }
    }
    Ok(count)
}

/// `base × 2^(attempts-1)`, capped at `max_secs`.
fn backoff(base_ms: u64, max_secs: u64, attempts: i32) -> chrono::Duration {
    let exp = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    let ms = base_ms
        .saturating_mul(1u64 << exp)
        .min(max_secs.saturating_mul(1000));
    chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_then_caps() {
        assert_eq!(backoff(1000, 3600, 1).num_milliseconds(), 1000);
        assert_eq!(backoff(1000, 3600, 2).num_milliseconds(), 2000);
        assert_eq!(backoff(1000, 3600, 5).num_milliseconds(), 16000);
        assert_eq!(backoff(1000, 3600, 40).num_milliseconds(), 3_600_000);
    }
}
