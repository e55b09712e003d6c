//! The outbox worker: delivers due rows — mail over lettre, directory publication over LDAP,
//! Annuaire Santé lookups over HTTPS — retries failures with exponential backoff, and never
//! drops one. Delivery is at-least-once:
//! a crash between doing the work and recording it repeats it (harmless for the directory,
//! whose sync is idempotent; a rare duplicate for mail).

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::{Mutex, Notify, watch};

use crate::{
    annuaire_sante::PractitionerDirectory,
    clock::{SharedClock, Timestamp},
    config::Settings,
    directory::Directory,
    mail::{Mailer, SendError},
    outbox::{Job, JobKind, Publish},
    repo,
    services::{annuaire_sante, publication},
    state::OutboxSignal,
};

const BATCH: usize = 20;

/// How often the mail loop checks whether today's reminder digests are due.
const REMINDER_CHECK: Duration = Duration::from_secs(300);

pub struct Worker {
    db: DatabaseConnection,
    metrics: Arc<crate::metrics::Metrics>,
    /// For the links of the reminder digests.
    public_url: String,
    mailer: Mailer,
    /// None when `directory.enabled` is false: directory rows then wait.
    directory: Option<Arc<dyn Directory>>,
    /// None when `annuaire_sante.enabled` is false: no lookup is queued then.
    annuaire: Option<Arc<dyn PractitionerDirectory>>,
    settings: Arc<Settings>,
    clock: SharedClock,
    /// Held for a whole delivery pass of one kind, by the background loop and by [`drain`],
    /// so a drain that finds nothing due knows no delivery of that kind is still in flight
    /// in this process.
    ///
    /// [`drain`]: Worker::drain
    passes: [Mutex<()>; 3],
    /// Set on shutdown: a pass takes no new row.
    stopping: AtomicBool,
    /// Rows claimed and not yet recorded (id → lease end), so a shutdown that cuts a delivery
    /// short can hand them back ([`Worker::release_leases`]).
    leased: std::sync::Mutex<HashMap<i32, Timestamp>>,
}

/// What [`Worker::drain`] did, and what it left.
#[derive(Debug, Default)]
pub struct DrainReport {
    pub delivered: usize,
    pub abandoned: usize,
    /// Rows this worker delivers that are still waiting: their target is down (the row
    /// carries the error, and its next attempt is pushed back by the backoff).
    pub pending: Vec<repo::outbox::PendingRow>,
    /// Rows of a kind this worker does not deliver (directory rows while `directory.enabled`
    /// is off, lookups while `annuaire_sante.enabled` is): they wait, by configuration.
    pub parked: Vec<repo::outbox::PendingRow>,
}

/// One delivery pass over the due rows of a kind.
#[derive(Debug, Default)]
struct Pass {
    tried: usize,
    /// A transient failure ended the pass: the target is down, retrying now is pointless.
    stopped: bool,
}

/// Runs one delivery loop per kind, so a directory that hangs never holds back mail (and the
/// reverse), until `stop` turns true. Dropping the future (a shutdown that runs out of time)
/// aborts the loops with it: they live in a `JoinSet`.
pub async fn run(worker: Arc<Worker>, signal: OutboxSignal, stop: watch::Receiver<bool>) {
    let mut loops = tokio::task::JoinSet::new();
    loops.spawn(
        worker
            .clone()
            .run_kind(JobKind::Mail, signal.mail.clone(), stop.clone()),
    );
    if worker.directory.is_some() {
        loops.spawn(worker.clone().run_kind(
            JobKind::Directory,
            signal.directory.clone(),
            stop.clone(),
        ));
    }
    if worker.annuaire.is_some() {
        loops.spawn(worker.clone().run_kind(
            JobKind::AnnuaireSante,
            signal.annuaire_sante.clone(),
            stop.clone(),
        ));
    }
    while loops.join_next().await.is_some() {}
}

impl Worker {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: DatabaseConnection,
        mailer: Mailer,
        directory: Option<Arc<dyn Directory>>,
        annuaire: Option<Arc<dyn PractitionerDirectory>>,
        settings: Arc<Settings>,
        clock: SharedClock,
        metrics: Arc<crate::metrics::Metrics>,
        public_url: String,
    ) -> Self {
        let worker = Self {
            metrics,
            public_url,
            db,
            mailer,
            directory,
            annuaire,
            settings,
            clock,
            passes: [Mutex::new(()), Mutex::new(()), Mutex::new(())],
            stopping: AtomicBool::new(false),
            leased: std::sync::Mutex::new(HashMap::new()),
        };
        // So that an alert on the outbox's age can leave out the rows parked on purpose.
        for kind in JobKind::ALL {
            worker.metrics.outbox_enabled(kind, worker.delivers(kind));
        }
        worker
    }

    /// Shutdown, first step: the loops finish the row in hand and claim no other.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Shutdown, last step (after the loops ended or were cut short): rows this worker claimed
    /// and did not record become due now, so another instance delivers them without waiting
    /// for the lease to run out. Returns how many were handed back.
    pub async fn release_leases(&self) -> usize {
        let leased: Vec<(i32, Timestamp)> = self
            .leased
            .lock()
            .map(|mut held| held.drain().collect())
            .unwrap_or_default();
        let mut released = 0;
        for (id, until) in leased {
            match repo::outbox::release(&self.db, id, until, self.clock.now()).await {
                Ok(true) => released += 1,
                Ok(false) => {}
                Err(e) => tracing::warn!(outbox_id = id, error = %e, "releasing a lease failed"),
            }
        }
        released
    }

    fn hold(&self, row: &repo::outbox::Row) {
        if let Ok(mut held) = self.leased.lock() {
            held.insert(row.id, row.next_attempt_at);
        }
    }

    fn unhold(&self, row: &repo::outbox::Row) {
        if let Ok(mut held) = self.leased.lock() {
            held.remove(&row.id);
        }
    }

    /// Delivers every due row now, kind after kind, and returns when none is due any more.
    /// Rows whose target is down are tried once and stay pending (reported, with their
    /// error); directory rows wait when the directory is disabled. Tests call this instead of
    /// waiting for the background loops; it is safe alongside them (same lease, and the pass
    /// lock makes it wait for a background pass in flight).
    ///
    /// # Errors
    /// Database errors.
    pub async fn drain(&self) -> Result<DrainReport, DbErr> {
        let mut report = DrainReport::default();
        for kind in JobKind::ALL {
            if !self.delivers(kind) {
                continue;
            }
            let _pass = self.pass_lock(kind).lock().await;
            loop {
                let pass = self.deliver_unlocked(kind, &mut report).await?;
                if pass.tried == 0 || pass.stopped {
                    break;
                }
            }
        }
        let (pending, parked) = repo::outbox::pending(&self.db)
            .await?
            .into_iter()
            .partition(|row| {
                JobKind::ALL
                    .iter()
                    .find(|k| k.as_str() == row.kind)
                    .is_none_or(|k| self.delivers(*k))
            });
        report.pending = pending;
        report.parked = parked;
        Ok(report)
    }

    fn pass_lock(&self, kind: JobKind) -> &Mutex<()> {
        match kind {
            JobKind::Mail => &self.passes[0],
            JobKind::Directory => &self.passes[1],
            JobKind::AnnuaireSante => &self.passes[2],
        }
    }

    /// Whether this worker has what rows of `kind` need (a disabled target leaves them parked).
    fn delivers(&self, kind: JobKind) -> bool {
        match kind {
            JobKind::Mail => true,
            JobKind::Directory => self.directory.is_some(),
            JobKind::AnnuaireSante => self.annuaire.is_some(),
        }
    }

    async fn run_kind(
        self: Arc<Self>,
        kind: JobKind,
        wake: Arc<Notify>,
        mut stop: watch::Receiver<bool>,
    ) {
        let poll = Duration::from_millis(self.settings.mail.worker_poll_ms.max(10));
        let mut last_purge = tokio::time::Instant::now();
        // The first check comes one period after start, like the purge's.
        let mut last_reminder = tokio::time::Instant::now();
        loop {
            let full = match self.deliver(kind).await {
                Ok(pass) => pass.tried == BATCH,
                Err(e) => {
                    tracing::warn!(%kind, error = %e, "outbox pass failed");
                    false
                }
            };
            if kind == JobKind::Mail && last_reminder.elapsed() > REMINDER_CHECK {
                last_reminder = tokio::time::Instant::now();
                match self.remind().await {
                    Ok(Some(report)) => tracing::info!(?report, "reminder digests sent"),
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "reminder digests failed"),
                }
            }
            if kind == JobKind::Mail && last_purge.elapsed() > Duration::from_secs(3600) {
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
            if *stop.borrow() || self.stopping.load(Ordering::SeqCst) {
                return;
            }
        }
    }

    /// Sends today's reminder digests if they are due and no instance sent them yet
    /// (`services::reminders`). The background loop calls it every few minutes; tests call it
    /// directly.
    ///
    /// # Errors
    /// Database failures.
    pub async fn remind(&self) -> Result<Option<crate::services::reminders::Report>, DbErr> {
        crate::services::reminders::run_if_due(
            &self.db,
            &self.settings,
            &self.public_url,
            self.clock.now(),
        )
        .await
    }

    async fn purge(&self) {
        let now = self.clock.now();
        if let Err(e) = repo::sessions::purge_expired(&self.db, now).await {
            tracing::warn!(error = %e, "purging expired sessions failed");
        }
        if let Err(e) = repo::psc::purge_expired_flows(&self.db, now).await {
            tracing::warn!(error = %e, "purging expired PSC sign-in attempts failed");
        }
        match crate::services::registration::purge_unconfirmed(&self.db, &self.settings.auth, now)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(accounts = n, "purged unconfirmed accounts"),
            Err(e) => tracing::warn!(error = %e, "purging unconfirmed accounts failed"),
        }
        match crate::services::account::purge_closed(&self.db, &self.settings.retention, now).await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(accounts = n, "purged closed accounts"),
            Err(e) => tracing::warn!(error = %e, "purging closed accounts failed"),
        }
        if let Err(e) = crate::auth::throttle::purge(&self.db, now).await {
            tracing::warn!(error = %e, "purging rate-limit counters failed");
        }
    }

    async fn deliver(&self, kind: JobKind) -> Result<Pass, DbErr> {
        let _pass = self.pass_lock(kind).lock().await;
        self.deliver_unlocked(kind, &mut DrainReport::default())
            .await
    }

    /// Delivers up to `BATCH` due rows of `kind`, one claim at a time. A transient failure
    /// ends the pass: when the peer is down, one timeout per pass is enough, and the failed
    /// row's backoff lets the other rows go first next time. The caller holds the pass lock.
    async fn deliver_unlocked(
        &self,
        kind: JobKind,
        report: &mut DrainReport,
    ) -> Result<Pass, DbErr> {
        let timeout = match kind {
            JobKind::Mail => self.settings.mail.smtp_timeout_secs,
            JobKind::Directory => self.settings.directory.timeout_secs,
            // A lookup is two calls (the practitioner, then their exercises).
            JobKind::AnnuaireSante => self.settings.annuaire_sante.timeout_secs.saturating_mul(2),
        };
        // One row's lease outlasts its delivery (an SMTP timeout applies to each step of the
        // conversation), so no other instance picks it up meanwhile.
        let lease = chrono::Duration::seconds(
            i64::try_from(timeout.saturating_mul(10)).unwrap_or(3600) + 5,
        );
        let mut pass = Pass::default();
        while pass.tried < BATCH && !self.stopping.load(Ordering::SeqCst) {
            let Some(row) =
                repo::outbox::claim_next(&self.db, kind, lease, self.clock.now()).await?
            else {
                break;
            };
            pass.tried += 1;
            self.hold(&row);
            let outcome = self.handle(&row).await;
            // Recorded below whatever the outcome; a recording that fails leaves the lease to
            // run out, as a crash would.
            self.unhold(&row);
            match outcome {
                Ok(()) => {
                    repo::outbox::mark_done(&self.db, &row, self.clock.now()).await?;
                    self.metrics
                        .outbox_delivered
                        .get_or_create(&kind_labels(kind))
                        .inc();
                    report.delivered += 1;
                }
                Err(Failure::Permanent(e)) => {
                    let error = format!("{e:#}");
                    tracing::error!(outbox_id = row.id, %kind, error, "outbox row abandoned");
                    repo::outbox::abandon(&self.db, &row, &error, self.clock.now()).await?;
                    self.metrics
                        .outbox_abandoned
                        .get_or_create(&kind_labels(kind))
                        .inc();
                    report.abandoned += 1;
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
                        %kind,
                        attempts = row.attempts + 1,
                        error,
                        retry_in_ms = delay.num_milliseconds(),
                        "outbox delivery failed"
                    );
                    repo::outbox::mark_failed(&self.db, &row, delay, &error, self.clock.now())
                        .await?;
                    self.metrics
                        .outbox_failures
                        .get_or_create(&kind_labels(kind))
                        .inc();
                    pass.stopped = true;
                    return Ok(pass);
                }
            }
        }
        Ok(pass)
    }

    async fn handle(&self, row: &repo::outbox::Row) -> Result<(), Failure> {
        let job = Job::decode(&row.kind, &row.payload).map_err(|e| Failure::Permanent(e.into()))?;
        match job {
            Job::Mail(mail) => self.mailer.send(&mail).await.map_err(|e| match e {
                SendError::Permanent(e) => Failure::Permanent(e),
                SendError::Transient(e) => Failure::Transient(e),
            }),
            Job::Directory(target) => {
                let Some(directory) = &self.directory else {
                    return Err(Failure::Transient(anyhow::anyhow!(
                        "the directory is disabled"
                    )));
                };
                // Directory errors are retried: the sync is idempotent, and `directory sync`
                // repairs whatever a fixed configuration lets through.
                let (db, directory, now) = (&self.db, directory.as_ref(), self.clock.now());
                match target {
                    Publish::Account { account_id } => {
                        publication::publish_account(db, directory, account_id, now).await
                    }
                    Publish::Org { org_id } => {
                        publication::publish_org(db, directory, org_id, now).await
                    }
                }
                .map_err(Failure::Transient)
            }
            Job::AnnuaireSante(lookup) => {
                let Some(annuaire) = &self.annuaire else {
                    return Err(Failure::Transient(anyhow::anyhow!(
                        "the Annuaire Santé cross-check is disabled"
                    )));
                };
                // The answer, or the outage, is stored either way (the admin page shows
                // "vérification indisponible"); an outage is also retried with the backoff,
                // a refused key or a garbled answer is not (retrying cannot help).
                match annuaire_sante::run_lookup(
                    &self.db,
                    annuaire.as_ref(),
                    &self.settings.annuaire_sante,
                    lookup,
                    self.clock.now(),
                )
                .await
                {
                    Ok(annuaire_sante::Ran::Answered | annuaire_sante::Ran::Skipped) => Ok(()),
                    Ok(annuaire_sante::Ran::Unavailable(e)) => Err(Failure::Transient(e.into())),
                    Ok(annuaire_sante::Ran::Failed(e)) => Err(Failure::Permanent(e.into())),
                    Err(e) => Err(Failure::Transient(e.into())),
                }
            }
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

fn kind_labels(kind: JobKind) -> crate::metrics::KindLabels {
    crate::metrics::KindLabels {
        kind: kind.as_str().to_owned(),
    }
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
