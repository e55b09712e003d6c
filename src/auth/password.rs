//! Password hashing with argon2id (OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1 by
//! default, all configurable). Hashing runs on the blocking pool, never on the async workers, and a
//! semaphore caps how many run at once so memory stays bounded under a login burst
//! (`max_concurrent_hashes` × `argon2_memory_kib`).

use std::sync::Arc;

use anyhow::Context;
use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{
        PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString, rand_core::OsRng,
    },
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::config::AuthSettings;

#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

struct Inner {
    argon2: Argon2<'static>,
    permits: Semaphore,
    /// A hash of a random password with the current parameters: verifying against it when the
    /// email is unknown costs as much as a real check, so timing does not reveal accounts.
    dummy_hash: String,
}

impl PasswordHasher {
    /// # Errors
    /// Invalid argon2 parameters.
    pub fn new(settings: &AuthSettings) -> anyhow::Result<Self> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let permits = match settings.max_concurrent_hashes {
            0 => std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            n => n,
        };
        let dummy_hash = hash_blocking(&argon2, &crate::auth::secrets::random_token())?;
        Ok(Self {
            inner: Arc::new(Inner {
                argon2,
                permits: Semaphore::new(permits),
                dummy_hash,
            }),
        })
    }

    /// Hashes a new password into a PHC string.
    ///
    /// # Errors
    /// Only on internal failure (closed semaphore, panicked task).
    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        let inner = self.inner.clone();
        self.run(move || hash_blocking(&inner.argon2, password.expose_secret()))
            .await
    }

    /// Checks `password` against `phc`, or against the dummy hash when there is no account
    /// (then always false). Parameters come from the PHC string, so older hashes still verify.
    ///
    /// # Errors
    /// Only on internal failure.
    pub async fn verify(
        &self,
        password: SecretString,
        phc: Option<String>,
    ) -> anyhow::Result<bool> {
        let inner = self.inner.clone();
        self.run(move || {
            let known = phc.is_some();
            let stored = phc.unwrap_or_else(|| inner.dummy_hash.clone());
            let parsed = PasswordHash::new(&stored)
                .map_err(|e| anyhow::anyhow!("stored hash does not parse: {e}"))?;
            let ok = inner
                .argon2
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok();
            Ok(known && ok)
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .context("hash limiter closed")?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(work))
            .instrument(tracing::debug_span!("argon2"))
            .await
            .context("hashing task failed")?
    }
}

fn hash_blocking(argon2: &Argon2<'_>, password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
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
