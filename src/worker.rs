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
    mail::{Mailer, OutgoingMail, SendError},
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
        match crate::services::registration::purge_unconfirmed(&self.db, &self.settings.auth).await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(accounts = n, "purged unconfirmed accounts"),
            Err(e) => tracing::warn!(error = %e, "purging unconfirmed accounts failed"),
        }
        let now = repo::now().timestamp();
        if let Err(e) = crate::auth::throttle::purge(&self.db, now).await {
            tracing::warn!(error = %e, "purging rate-limit counters failed");
        }
    }

    /// Delivers up to `BATCH` due rows of `kind`, one claim at a time, and returns how many
    /// it tried. A transient failure ends the pass: when the peer is down, one timeout per pass
    /// is enough, and the failed row's backoff lets the other rows go first next time.
    async fn deliver(&self, kind: &str) -> Result<usize, sea_orm::DbErr> {
        let timeout = if kind == repo::outbox::MAIL {
            self.settings.mail.smtp_timeout_secs
        } else {
            self.settings.directory.timeout_secs
        };
        // One row's lease outlasts its delivery (an SMTP timeout applies to each step of the
        // conversation), so no other instance picks it up meanwhile.
        let lease = chrono::Duration::seconds(
            i64::try_from(timeout.saturating_mul(10)).unwrap_or(3600) + 5,
        );
        let mut tried = 0;
        while tried < BATCH as usize {
            let Some(row) = repo::outbox::claim_next(&self.db, kind, lease).await? else {
                break;
            };
            tried += 1;
            match self.handle(kind, &row.payload).await {
                Ok(()) => repo::outbox::mark_done(&self.db, &row).await?,
                Err(Failure::Permanent(e)) => {
                    let error = format!("{e:#}");
                    tracing::error!(outbox_id = row.id, kind, error, "outbox row abandoned");
                    repo::outbox::abandon(&self.db, &row, &error).await?;
                }
                Err(Failure::Transient(e)) => {
                    let delay = backoff(
                        self.settings.mail.retry_base_ms,
                        self.settings.mail.retry_max_secs,
                        row.attempts + 1,
                    );
                    let error = format!("{e:#}");
                    tracing::warn!(
                        outbox_id = row.id,
                        kind,
                        attempts = row.attempts + 1,
                        error,
                        retry_in_ms = delay.num_milliseconds(),
                        "outbox delivery failed"
                    );
                    repo::outbox::mark_failed(&self.db, &row, delay, &error).await?;
                    return Ok(0);
                }
            }
        }
        Ok(tried)
    }

    async fn handle(&self, kind: &str, payload: &str) -> Result<(), Failure> {
        match (kind, &self.directory) {
            (repo::outbox::MAIL, _) => {
                let mail: OutgoingMail = serde_json::from_str(payload)
                    .map_err(|e| Failure::Permanent(anyhow::anyhow!("unreadable payload: {e}")))?;
                self.mailer.send(&mail).await.map_err(|e| match e {
                    SendError::Permanent(e) => Failure::Permanent(e),
                    SendError::Transient(e) => Failure::Transient(e),
                })
            }
            (repo::outbox::DIRECTORY, Some(directory)) => {
                let account_id = publication::parse_payload(payload).map_err(Failure::Permanent)?;
                // Directory errors are retried: the sync is idempotent, and `directory sync`
                // repairs whatever a fixed configuration lets through.
                publication::publish_account(&self.db, directory.as_ref(), account_id)
                    .await
                    .map_err(Failure::Transient)
            }
            _ => Err(Failure::Permanent(anyhow::anyhow!(
                "no handler for outbox kind {kind}"
            ))),
        }
    }
}

enum Failure {
    /// Retrying cannot help: the row is abandoned, with its reason.
    Permanent(anyhow::Error),
    /// Try again after the backoff.
    Transient(anyhow::Error),
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
