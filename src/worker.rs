//! The outbox worker: delivers due rows — mail over lettre, directory publication over LDAP —
//! retries failures with exponential backoff, and never drops one. Delivery is at-least-once:
//! a crash between doing the work and recording it repeats it (harmless for the directory,
//! whose sync is idempotent; a rare duplicate for mail).

use std::{sync::Arc, time::Duration};

use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, watch};

use crate::{
    config::Settings,
    directory::Directory,
    mail::{Mailer, OutgoingMail},
    repo,
    services::publication,
    state::OutboxSignal,
};

const BATCH: u64 = 20;

pub struct Worker {
    pub db: DatabaseConnection,
    pub mailer: Mailer,
    /// None when `directory.enabled` is false: directory rows then wait.
    pub directory: Option<Arc<dyn Directory>>,
    pub settings: Arc<Settings>,
}

/// Runs one delivery loop per kind, so a directory that hangs never holds back mail (and the
/// reverse), until `stop` turns true.
pub async fn run(worker: Worker, signal: OutboxSignal, stop: watch::Receiver<bool>) {
    let worker = Arc::new(worker);
    let mut loops = vec![tokio::spawn(worker.clone().run_kind(
        repo::outbox::MAIL,
        signal.mail.clone(),
        stop.clone(),
    ))];
    if worker.directory.is_some() {
        loops.push(tokio::spawn(worker.clone().run_kind(
            repo::outbox::DIRECTORY,
            signal.directory.clone(),
            stop.clone(),
        )));
    }
    for handle in loops {
        let _ = handle.await;
    }
}

impl Worker {
    async fn run_kind(
        self: Arc<Self>,
        kind: &'static str,
        wake: Arc<Notify>,
        mut stop: watch::Receiver<bool>,
    ) {
        let poll = Duration::from_millis(self.settings.mail.worker_poll_ms.max(10));
        let mut last_purge = tokio::time::Instant::now();
        loop {
            let full = match self.deliver(kind).await {
                Ok(count) => count == BATCH as usize,
                Err(e) => {
                    tracing::warn!(kind, error = %e, "outbox pass failed");
                    false
                }
            };
            if kind == repo::outbox::MAIL && last_purge.elapsed() > Duration::from_secs(3600) {
                last_purge = tokio::time::Instant::now();
                self.purge().await;
            }
            if full {
                continue; // a full batch: more may be waiting
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }

    async fn purge(&self) {
        if let Err(e) = repo::sessions::purge_expired(&self.db).await {
            tracing::warn!(error = %e, "purging expired sessions failed");
        }
        if let Err(e) = repo::psc::purge_expired_flows(&self.db).await {
            tracing::warn!(error = %e, "purging expired PSC sign-in attempts failed");
        }
    }

    /// Delivers one batch of due rows of `kind`. At the first failure the rest of the batch is
    /// postponed untried: when the peer is down, one timeout per pass is enough.
    async fn deliver(&self, kind: &str) -> Result<usize, sea_orm::DbErr> {
        let timeout = if kind == repo::outbox::MAIL {
            self.settings.mail.smtp_timeout_secs
        } else {
            self.settings.directory.timeout_secs
        };
        // The lease outlasts a whole batch, so no other instance picks these rows up meanwhile.
        let lease = chrono::Duration::seconds(
            i64::try_from(timeout.saturating_mul(BATCH + 1)).unwrap_or(3600) + 5,
        );
        let rows = repo::outbox::claim_due(&self.db, kind, lease, BATCH).await?;
        let count = rows.len();
        let mut rows = rows.into_iter();
        while let Some(row) = rows.next() {
            match self.handle(kind, &row.payload).await {
                Ok(()) => repo::outbox::mark_done(&self.db, row.id).await?,
                Err(e) => {
                    let attempts = row.attempts + 1;
                    let delay = backoff(
                        self.settings.mail.retry_base_ms,
                        self.settings.mail.retry_max_secs,
                        attempts,
                    );
                    let error = format!("{e:#}");
                    tracing::warn!(
                        outbox_id = row.id,
                        kind,
                        attempts,
                        error,
                        retry_in_ms = delay.num_milliseconds(),
                        "outbox delivery failed"
                    );
                    repo::outbox::mark_failed(&self.db, row.id, attempts, delay, &error).await?;
                    for untried in rows.by_ref() {
                        repo::outbox::postpone(&self.db, untried.id, delay).await?;
                    }
                }
            }
        }
        Ok(count)
    }

    async fn handle(&self, kind: &str, payload: &str) -> anyhow::Result<()> {
        match (kind, &self.directory) {
            (repo::outbox::MAIL, _) => {
                let mail: OutgoingMail = serde_json::from_str(payload)?;
                self.mailer.send(&mail).await
            }
            (repo::outbox::DIRECTORY, Some(directory)) => {
                let account_id = publication::parse_payload(payload)?;
                publication::publish_account(&self.db, directory.as_ref(), account_id).await
            }
            _ => anyhow::bail!("no handler for outbox kind {kind}"),
        }
    }
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
