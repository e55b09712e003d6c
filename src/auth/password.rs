//! Password hashing with argon2id (OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1 by
//! default, all configurable), on a small fixed pool of dedicated threads fed by a bounded queue.
//!
//! Why a pool of our own rather than `spawn_blocking` behind a semaphore:
//! - **Memory.** Each argon2 run needs `argon2_memory_kib` (19 MiB) of blocks. Allocated per
//!   call, the 19 MiB block is first served by `mmap`, but glibc then raises its dynamic mmap
//!   threshold to that size (up to 32 MiB), so later blocks come from the malloc arena of
//!   whichever thread runs the hash. Tokio's blocking pool has up to 512 threads, glibc up to
//!   8 arenas per core, and a freed block stays in its arena: RSS climbed to 0.7–1 GiB and never
//!   came back down although only two hashes ran at once. Here each worker allocates its blocks
//!   once and reuses them (`hash_password_into_with_memory`), so memory is
//!   `max_concurrent_hashes × argon2_memory_kib`, whatever the load.
//! - **Bounded waiting.** At most `max_queued_hashes` requests wait for a worker; the next one
//!   is refused at once ([`Overloaded`], a 503 with `Retry-After`) instead of queueing for
//!   seconds (OWASP ASVS 11.1.4, anti-automation; RFC 9110 §15.6.4).
//! - **No wasted work.** A job whose request went away (client gone, request timeout) is
//!   skipped when its turn comes.
//! - **Refusal before any other work.** A caller first takes a [`HashSlot`] (one atomic
//!   operation, no database, no lock), then does its database reads and rate-limit writes, then
//!   hashes. Under overload the excess is refused before it queues for a database connection
//!   (on SQLite there is only one), so the 503 comes in microseconds, not after the served
//!   requests' queries.
//! - **Priority.** The hashing threads run at a lower scheduling priority (nice 10, Linux
//!   `setpriority` through rustix's safe wrapper, since `unsafe` is forbidden here) than the
//!   async workers. When the hashes keep every core busy, a waking async worker preempts them at
//!   once, so refusals and page views are answered without waiting for a time slice, while an
//!   otherwise idle machine still gives the hashes every core (nice only matters under
//!   contention).

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
    mpsc,
};

use anyhow::Context;
use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng},
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::oneshot;

use crate::{config::AuthSettings, error::Overloaded};

#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

struct Inner {
    params: Params,
    jobs: mpsc::SyncSender<Job>,
    /// Hashes running or waiting (taken slots); at most `capacity`.
    taken: AtomicUsize,
    /// `max_concurrent_hashes + max_queued_hashes`.
    capacity: usize,
    stats: HashStats,
    /// A hash of a random password with the current parameters: verifying against it when the
    /// email is unknown costs as much as a real check, so timing does not reveal accounts.
    dummy_hash: String,
}

/// One unit of work for a hashing thread: it gets the thread's reusable memory blocks.
type Job = Box<dyn FnOnce(&mut [Block]) + Send>;

impl PasswordHasher {
    /// Starts `max_concurrent_hashes` hashing threads (0: one per CPU). They end when the last
    /// clone of the hasher is dropped.
    ///
    /// # Errors
    /// Invalid argon2 parameters, or a thread that cannot be started.
    pub fn new(settings: &AuthSettings) -> anyhow::Result<Self> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let workers = match settings.max_concurrent_hashes {
            0 => std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            n => n,
        };
        // Slots bound what is in flight, so the channel never fills: it holds every slot.
        let capacity = workers + settings.max_queued_hashes;
        let (jobs, queue) = mpsc::sync_channel::<Job>(capacity);
        let queue = Arc::new(Mutex::new(queue));
        let block_count = params.block_count();
        for n in 0..workers {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    lower_priority();
                    work(&queue, block_count);
                })
                .context("starting a hashing thread")?;
        }
        let dummy_hash = hash_with(&params, &crate::auth::secrets::random_token(), &mut [])?;
        Ok(Self {
            inner: Arc::new(Inner {
                params,
                jobs,
                taken: AtomicUsize::new(0),
                capacity,
                stats: HashStats::default(),
                dummy_hash,
            }),
        })
    }

    /// Takes a place among the hashes running or waiting, or refuses at once. Callers take it
    /// before any database work, so overload is refused before it costs anything else.
    ///
    /// # Errors
    /// [`Overloaded`] when `max_concurrent_hashes + max_queued_hashes` are already taken.
    pub fn reserve(&self) -> Result<HashSlot, Overloaded> {
        let inner = &self.inner;
        inner
            .taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |taken| {
                (taken < inner.capacity).then_some(taken + 1)
            })
            .map_err(|_| {
                inner.stats.rejections.inc();
                Overloaded
            })?;
        Ok(HashSlot {
            hasher: self.clone(),
        })
    }

    /// The hashing queue's counters, for the metrics (`crate::metrics`).
    pub fn stats(&self) -> &HashStats {
        &self.inner.stats
    }

    /// Hashes running or waiting now.
    pub fn queued(&self) -> usize {
        self.inner.taken.load(Ordering::Acquire)
    }

    /// Hashes a new password into a PHC string ([`HashSlot::hash`] after [`Self::reserve`]).
    ///
    /// # Errors
    /// [`Overloaded`] when every slot is taken; otherwise only on internal failure.
    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        self.reserve()?.hash(password).await
    }

    /// [`HashSlot::verify`] after [`Self::reserve`].
    ///
    /// # Errors
    /// [`Overloaded`] when every slot is taken; otherwise only on internal failure.
    pub async fn verify(
        &self,
        password: SecretString,
        phc: Option<String>,
    ) -> anyhow::Result<bool> {
        self.reserve()?.verify(password, phc).await
    }
}

/// What the hashing queue counts: how long a hash waited for a thread, and how many requests
/// were refused because the queue was full. Shared with the metrics registry (the
/// `prometheus-client` types are handles on one value).
#[derive(Debug, Clone)]
pub struct HashStats {
    pub wait: prometheus_client::metrics::histogram::Histogram,
    pub rejections: prometheus_client::metrics::counter::Counter,
}

impl Default for HashStats {
    fn default() -> Self {
        Self {
            // 100 µs … about 3 s.
            wait: prometheus_client::metrics::histogram::Histogram::new(
                prometheus_client::metrics::histogram::exponential_buckets(0.0001, 2.0, 15),
            ),
            rejections: prometheus_client::metrics::counter::Counter::default(),
        }
    }
}

/// A place taken among the hashes running or waiting ([`PasswordHasher::reserve`]); given back
/// when the hash is done, skipped, or the slot is dropped unused (a rate limit refused first).
pub struct HashSlot {
    hasher: PasswordHasher,
}

impl Drop for HashSlot {
    fn drop(&mut self) {
        self.hasher.inner.taken.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashSlot {
    /// Hashes a new password into a PHC string.
    ///
    /// # Errors
    /// Only on internal failure.
    pub async fn hash(self, password: SecretString) -> anyhow::Result<String> {
        let params = self.hasher.inner.params.clone();
        self.run(move |blocks| hash_with(&params, password.expose_secret(), blocks))
            .await
    }

    /// Checks `password` against `phc`, or against the dummy hash when there is no account
    /// (then always false). Parameters come from the PHC string, so older hashes still verify.
    ///
    /// # Errors
    /// Only on internal failure.
    pub async fn verify(self, password: SecretString, phc: Option<String>) -> anyhow::Result<bool> {
        let dummy = self.hasher.inner.dummy_hash.clone();
        self.run(move |blocks| {
            let known = phc.is_some();
            let stored = phc.unwrap_or(dummy);
            let ok = verify_with(password.expose_secret(), &stored, blocks)?;
            Ok(known && ok)
        })
        .await
    }

    async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce(&mut [Block]) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let (done, result) = oneshot::channel();
        let span = tracing::Span::current();
        let slot_stats = self.hasher.inner.stats.wait.clone();
        let jobs = self.hasher.inner.jobs.clone();
        let queued_at = std::time::Instant::now();
        let job: Job = Box::new(move |blocks| {
            slot_wait(&slot_stats, queued_at);
            // The slot is given back when the job ends, whether it ran or was skipped.
            let slot = self;
            // The request was dropped while it waited (client gone, request timeout): its
            // answer would be thrown away, so do not spend a hash on it.
            if done.is_closed() {
                return;
            }
            let outcome = span.in_scope(|| work(blocks));
            // Given back before the answer, so the caller never sees its own slot still taken.
            drop(slot);
            let _ = done.send(outcome);
        });
        match jobs.try_send(job) {
            Ok(()) => {}
            // Cannot happen: the channel holds as many jobs as there are slots.
            Err(mpsc::TrySendError::Full(_)) => return Err(Overloaded.into()),
            Err(mpsc::TrySendError::Disconnected(_)) => anyhow::bail!("hashing threads stopped"),
        }
        result.await.context("hashing thread failed")?
    }
}

fn slot_wait(wait: &prometheus_client::metrics::histogram::Histogram, since: std::time::Instant) {
    wait.observe(since.elapsed().as_secs_f64());
}

/// Nice 10 for the calling thread (on Linux `setpriority(PRIO_PROCESS, tid)` applies to one
/// thread). Best effort: without it the service still works, refusals are only slower under
/// overload.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(error) =
        rustix::process::setpriority_process(Some(rustix::thread::gettid()), HASH_THREAD_NICE)
    {
        tracing::warn!(%error, "could not lower the hashing threads' priority");
    }
}

/// The hashing threads' nice value: under contention the async workers (nice 0) get about
/// nine tenths of a core against one of them (CFS weights 1024 against 110).
const HASH_THREAD_NICE: i32 = 10;

/// A hashing thread: takes jobs until the hasher is dropped, reusing one set of blocks sized
/// for the configured parameters (allocated at the first job).
fn work(queue: &Mutex<mpsc::Receiver<Job>>, block_count: usize) {
    let mut blocks = Vec::new();
    loop {
        // Holding the lock while waiting is what makes the workers take turns; a poisoned lock
        // only means another worker panicked holding it, and the receiver is still sound.
        let job = {
            let queue = queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            queue.recv()
        };
        match job {
            Ok(job) => {
                if blocks.is_empty() {
                    blocks = vec![Block::default(); block_count];
                }
                job(&mut blocks);
            }
            Err(mpsc::RecvError) => return,
        }
    }
}

/// The memory for `params`: the thread's own blocks when they are large enough. A stored hash
/// made with more memory than today's setting gets a one-off allocation instead, so one legacy
/// hash does not keep the worker large.
fn memory_for<'a>(
    params: &Params,
    blocks: &'a mut [Block],
    spare: &'a mut Vec<Block>,
) -> &'a mut [Block] {
    let needed = params.block_count();
    if needed <= blocks.len() {
        &mut blocks[..needed]
    } else {
        spare.resize(needed, Block::default());
        spare
    }
}

fn hash_with(params: &Params, password: &str, blocks: &mut [Block]) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let mut spare = Vec::new();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            &mut out,
            memory_for(params, blocks, &mut spare),
        )
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| anyhow::anyhow!("params: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("output: {e}"))?),
    };
    Ok(phc.to_string())
}

/// What `Argon2::verify_password` does, with the caller's memory. The comparison of the
/// outputs is constant-time (`Output`'s `PartialEq`).
fn verify_with(password: &str, stored: &str, blocks: &mut [Block]) -> anyhow::Result<bool> {
    let parsed = PasswordHash::new(stored)
        .map_err(|e| anyhow::anyhow!("stored hash does not parse: {e}"))?;
    let algorithm = Algorithm::try_from(parsed.algorithm)
        .map_err(|e| anyhow::anyhow!("stored hash algorithm: {e}"))?;
    let version = parsed
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .map_err(|e| anyhow::anyhow!("stored hash version: {e}"))?;
    let params = Params::try_from(&parsed).map_err(|e| anyhow::anyhow!("stored params: {e}"))?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        anyhow::bail!("stored hash has no salt or output");
    };
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| anyhow::anyhow!("stored salt: {e}"))?;
    let mut out = vec![0u8; expected.len()];
    let mut spare = Vec::new();
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            &mut out,
            memory_for(&params, blocks, &mut spare),
        )
        .map_err(|e| anyhow::anyhow!("verifying failed: {e}"))?;
    Ok(Output::new(&out).is_ok_and(|out| out == expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> PasswordHasher {
        PasswordHasher::new(&AuthSettings {
            argon2_memory_kib: 1024,
            argon2_iterations: 1,
            ..crate::config::Settings::defaults().unwrap().auth
        })
        .unwrap()
    }

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let h = cheap();
        let phc = h.hash(SecretString::from("Correct-Horse-9")).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(
            h.verify(SecretString::from("Correct-Horse-9"), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(
            !h.verify(SecretString::from("wrong"), Some(phc))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let h = cheap();
        assert!(
            !h.verify(SecretString::from("anything"), None)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn hashes_made_by_the_argon2_crate_verify_and_ours_verify_there() {
        // Our reusable-memory path must stay interoperable with the standard PHC encoding,
        // including hashes made with other parameters (more memory than the workers hold).
        use argon2::{PasswordHasher as _, PasswordVerifier as _};
        let h = cheap();
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(2048, 2, 1, None).unwrap(),
        );
        let theirs = other
            .hash_password(b"Correct-Horse-9", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(
            h.verify(SecretString::from("Correct-Horse-9"), Some(theirs))
                .await
                .unwrap()
        );
        let ours = h.hash(SecretString::from("Correct-Horse-9")).await.unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"Correct-Horse-9", &PasswordHash::new(&ours).unwrap())
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_instead_of_waiting() {
        // One worker and room for two waiting jobs: of eight simultaneous requests, the two
        // that fit in the queue (plus at most one the worker took first) are served, and the
        // others are refused with `Overloaded` without waiting.
        let h = PasswordHasher::new(&AuthSettings {
            argon2_memory_kib: 4096,
            argon2_iterations: 4,
            max_concurrent_hashes: 1,
            max_queued_hashes: 2,
            ..crate::config::Settings::defaults().unwrap().auth
        })
        .unwrap();
        // Spawned on the test's single-threaded runtime, the eight tasks all run their first
        // poll (where they enqueue) before any job can complete.
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let h = h.clone();
                tokio::spawn(async move { h.verify(SecretString::from("x"), None).await })
            })
            .collect();
        let mut served = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => served += 1,
                Err(e) => assert!(e.downcast_ref::<Overloaded>().is_some(), "{e:#}"),
            }
        }
        assert!((2..=3).contains(&served), "served {served} of 8");
    }

    #[tokio::test]
    async fn slots_are_refused_beyond_running_plus_queued_and_given_back_when_dropped() {
        // One worker and one queue place: two slots, the third is refused without waiting.
        let h = PasswordHasher::new(&AuthSettings {
            argon2_memory_kib: 1024,
            argon2_iterations: 1,
            max_concurrent_hashes: 1,
            max_queued_hashes: 1,
            ..crate::config::Settings::defaults().unwrap().auth
        })
        .unwrap();
        let first = h.reserve().unwrap();
        let second = h.reserve().unwrap();
        assert!(h.reserve().is_err(), "a third slot was given");
        // A slot dropped unused (a rate limit refused first) is given back...
        drop(first);
        let third = h.reserve().unwrap();
        // ...and so is one whose hash ran.
        assert!(!third.verify(SecretString::from("x"), None).await.unwrap());
        let _fourth = h.reserve().unwrap();
        drop(second);
    }

    #[test]
    fn default_parameters_are_owasp_argon2id() {
        let s = crate::config::Settings::defaults().unwrap().auth;
        assert_eq!(
            (
                s.argon2_memory_kib,
                s.argon2_iterations,
                s.argon2_parallelism
            ),
            (19456, 2, 1)
        );
    }
}
