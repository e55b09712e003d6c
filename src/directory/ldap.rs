//! [`Directory`] over LDAP (`ldap3`, async).
//!
//! One connection per call: connect, bind as the service, run the operation(s), unbind. Calls
//! are rare (one per published change, or a few per reconciliation), so a pool would buy
//! nothing and would have to detect dead connections after a slapd restart; a fresh connection
//! is simple and always recovers as soon as the server is back.
//!
//! A reconciliation's writes ([`Directory::apply`]) share one connection and are pipelined:
//! LDAP lets a client send requests without waiting for earlier responses, matched by message
//! id (RFC 4511 §4.1.1), and `ldap3`'s `Ldap` handle is a cheap clone multiplexed over the
//! connection. Up to [`PIPELINE_WINDOW`] operations are in flight, so the client's round trips
//! no longer bound the rate: slapd's own write path does.
//!
//! Every network step is bounded by `directory.timeout_secs`: the TCP/TLS connect
//! (`LdapConnSettings::set_conn_timeout`) and each LDAP operation (`Ldap::with_timeout`).

use std::collections::HashSet;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use futures_util::{StreamExt as _, stream};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, Mod, Scope, SearchEntry};
use secrecy::{ExposeSecret as _, SecretString};

use super::mapping::{
    MANAGED_ATTRIBUTES, attributes, drift, entry_from_attributes, needs_recreate, object_classes,
};
use super::{Branch, Change, Directory, MailboxEntry, PublishedEntry, entry_dn};
use crate::config::DirectorySettings;

/// How many operations of one batch may be in flight on the connection at once. Enough to
/// keep slapd's worker threads (16 by default) and its single writer busy; small enough that
/// a queued operation stays well within `directory.timeout_secs`.
pub const PIPELINE_WINDOW: usize = 64;

/// LDAP result codes (RFC 4511 §4.1.9) this adapter tells apart.
const RC_SUCCESS: u32 = 0;
const RC_NO_SUCH_OBJECT: u32 = 32;
const RC_ENTRY_ALREADY_EXISTS: u32 = 68;

/// The LDAP annuaire, written with the service's bind DN.
pub struct LdapDirectory {
    url: String,
    bind_dn: String,
    bind_password: SecretString,
    base_dn: String,
    timeout: Duration,
}

impl std::fmt::Debug for LdapDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapDirectory")
            .field("url", &self.url)
            .field("bind_dn", &self.bind_dn)
            .field("base_dn", &self.base_dn)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl LdapDirectory {
    pub fn new(settings: &DirectorySettings) -> Self {
        Self {
            url: settings.url.to_string(),
            bind_dn: settings.bind_dn.clone(),
            bind_password: settings.bind_password.clone(),
            base_dn: settings.base_dn.trim().to_owned(),
            timeout: Duration::from_secs(settings.timeout_secs.max(1)),
        }
    }

    /// Connects and binds as the service.
    async fn connect(&self) -> anyhow::Result<Ldap> {
        let settings = LdapConnSettings::new().set_conn_timeout(self.timeout);
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &self.url)
            .await
            .with_context(|| format!("cannot connect to the LDAP directory at {}", self.url))?;
        ldap3::drive!(conn);
        ldap.with_timeout(self.timeout)
            .simple_bind(&self.bind_dn, self.bind_password.expose_secret())
            .await
            .and_then(|r| r.success())
            .with_context(|| format!("cannot bind to {} as {}", self.url, self.bind_dn))?;
        Ok(ldap)
    }

    /// Unbinds (closing the connection) and passes `result` through.
    async fn finish<T>(mut ldap: Ldap, result: anyhow::Result<T>) -> anyhow::Result<T> {
        if let Err(e) = ldap.unbind().await {
            tracing::debug!(error = %e, "LDAP unbind failed");
        }
        result
    }

    /// Reads one entry by DN (base-scope search), `None` when it does not exist.
    async fn read(&self, ldap: &mut Ldap, dn: &str) -> anyhow::Result<Option<SearchEntry>> {
        let mut attrs: Vec<&str> = MANAGED_ATTRIBUTES.to_vec();
        attrs.push("objectClass");
        let result = ldap
            .with_timeout(self.timeout)
            .search(dn, Scope::Base, "(objectClass=*)", attrs)
            .await
            .with_context(|| format!("cannot read {dn}"))?;
        if result.1.rc == RC_NO_SUCH_OBJECT {
            return Ok(None);
        }
        let (entries, _) = result
            .success()
            .with_context(|| format!("cannot read {dn}"))?;
        Ok(entries.into_iter().next().map(SearchEntry::construct))
    }

    /// One-level search under `branch` with `filter`: every managed attribute and
    /// `objectClass`, parsed and raw.
    async fn search(&self, branch: Branch, filter: &str) -> anyhow::Result<Vec<PublishedEntry>> {
        let base = branch.dn(&self.base_dn);
        let mut attrs: Vec<&str> = MANAGED_ATTRIBUTES.to_vec();
        attrs.push("objectClass");
        let mut ldap = self.connect().await?;
        let result = async {
            let (entries, _) = ldap
                .with_timeout(self.timeout)
                .search(&base, Scope::OneLevel, filter, attrs)
                .await
                .and_then(|r| r.success())
                .with_context(|| format!("cannot search {base} for {filter}"))?;
            entries
                .into_iter()
                .map(|e| {
                    let e = SearchEntry::construct(e);
                    let entry =
                        entry_from_attributes(branch, &e.attrs).with_context(|| e.dn.clone())?;
                    Ok(PublishedEntry {
                        entry,
                        attributes: e.attrs,
                    })
                })
                .collect()
        }
        .await;
        Self::finish(ldap, result).await
    }

    /// Adds `entry`, which a listing said was absent. `Ok(false)` when it exists after all
    /// (created by someone else since): the caller falls back to a read and a modify.
    ///
    /// The object classes are the holder's (`mapping::object_classes`), and attributes without
    /// a value are left out, so an organisation's entry is added without any person attribute.
    async fn add(&self, ldap: &mut Ldap, entry: &MailboxEntry) -> anyhow::Result<bool> {
        let dn = entry_dn(&self.base_dn, entry.branch, &entry.mail);
        let mut attrs: Vec<(String, HashSet<String>)> = vec![(
            "objectClass".to_owned(),
            object_classes(&entry.holder)
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
        )];
        attrs.extend(
            attributes(entry)
                .into_iter()
                .filter(|(_, values)| !values.is_empty())
                .map(|(name, values)| (name.to_owned(), values.into_iter().collect())),
        );
        let result = ldap
            .with_timeout(self.timeout)
            .add(&dn, attrs)
            .await
            .with_context(|| format!("cannot add {dn}"))?;
        if result.rc == RC_ENTRY_ALREADY_EXISTS {
            return Ok(false);
        }
        result
            .success()
            .with_context(|| format!("cannot add {dn}"))?;
        tracing::debug!(%dn, "directory entry added");
        Ok(true)
    }

    /// Replaces `changes` on the entry of `entry`. `Ok(false)` when the entry is gone (deleted
    /// by someone else since the listing): the caller falls back to an add.
    async fn replace(
        &self,
        ldap: &mut Ldap,
        entry: &MailboxEntry,
        changes: &[(String, Vec<String>)],
    ) -> anyhow::Result<bool> {
        let dn = entry_dn(&self.base_dn, entry.branch, &entry.mail);
        let mods: Vec<Mod<String>> = changes
            .iter()
            .map(|(name, values)| Mod::Replace(name.clone(), values.iter().cloned().collect()))
            .collect();
        let result = ldap
            .with_timeout(self.timeout)
            .modify(&dn, mods)
            .await
            .with_context(|| format!("cannot modify {dn}"))?;
        if result.rc == RC_NO_SUCH_OBJECT {
            return Ok(false);
        }
        result
            .success()
            .with_context(|| format!("cannot modify {dn}"))?;
        let changed: Vec<&str> = changes.iter().map(|(n, _)| n.as_str()).collect();
        tracing::info!(%dn, changed = %changed.join(","), "directory entry updated");
        Ok(true)
    }

    /// Deletes the entry; fine when it is already absent.
    async fn delete(&self, ldap: &mut Ldap, branch: Branch, mail: &str) -> anyhow::Result<()> {
        let dn = entry_dn(&self.base_dn, branch, mail);
        let result = ldap
            .with_timeout(self.timeout)
            .delete(&dn)
            .await
            .with_context(|| format!("cannot delete {dn}"))?;
        match result.rc {
            RC_SUCCESS => tracing::info!(%dn, "directory entry removed"),
            RC_NO_SUCH_OBJECT => tracing::debug!(%dn, "directory entry already absent"),
            _ => {
                return Err(LdapError::from(result)).with_context(|| format!("cannot delete {dn}"));
            }
        }
        Ok(())
    }

    /// One change of a batch; an entry that changed since the listing goes the long way.
    async fn apply_one(&self, ldap: &mut Ldap, change: &Change) -> anyhow::Result<()> {
        match change {
            Change::Add(entry) => {
                if !self.add(ldap, entry).await? {
                    self.upsert_with(ldap, entry).await?;
                }
            }
            Change::Replace { entry, attributes } => {
                if !self.replace(ldap, entry, attributes).await? {
                    self.upsert_with(ldap, entry).await?;
                }
            }
            Change::Recreate(entry) => self.recreate(ldap, entry).await?,
            Change::Remove { branch, mail } => self.delete(ldap, *branch, mail).await?,
        }
        Ok(())
    }

    /// Deletes the entry and adds it again, for an entry whose structural object class is not
    /// its holder's (see `mapping::needs_recreate`). Not atomic (LDAP has no transaction here):
    /// a failed add leaves the entry absent, which the outbox retry or the next `directory
    /// sync` repairs like any missing entry.
    async fn recreate(&self, ldap: &mut Ldap, entry: &MailboxEntry) -> anyhow::Result<()> {
        self.delete(ldap, entry.branch, &entry.mail).await?;
        if !self.add(ldap, entry).await? {
            // Created again by someone else in between: make it right the usual way.
            self.upsert_with(ldap, entry).await?;
        }
        let dn = entry_dn(&self.base_dn, entry.branch, &entry.mail);
        tracing::info!(%dn, "directory entry recreated with its holder's object classes");
        Ok(())
    }

    /// Reads the entry, then adds it or replaces what drifted (or deletes and adds it again
    /// when its structural class is not its holder's).
    async fn upsert_with(&self, ldap: &mut Ldap, entry: &MailboxEntry) -> anyhow::Result<()> {
        let dn = entry_dn(&self.base_dn, entry.branch, &entry.mail);
        // Two rounds at most: an entry created or deleted by someone else between our read
        // and our write sends us once around again.
        for _ in 0..2 {
            match self.read(ldap, &dn).await? {
                None => {
                    if self.add(ldap, entry).await? {
                        tracing::info!(%dn, "directory entry added");
                        return Ok(());
                    }
                }
                Some(current) if needs_recreate(&current.attrs, entry) => {
                    // A modify cannot change the structural class: delete it, and the next
                    // round adds it as its holder wants.
                    self.delete(ldap, entry.branch, &entry.mail).await?;
                }
                Some(current) => {
                    let changes = drift(&current.attrs, entry);
                    if changes.is_empty() {
                        tracing::debug!(%dn, "directory entry already up to date");
                        return Ok(());
                    }
                    if self.replace(ldap, entry, &changes).await? {
                        return Ok(());
                    }
                }
            }
        }
        Err(anyhow!("{dn} kept changing under us; giving up this round"))
    }
}

#[async_trait::async_trait]
impl Directory for LdapDirectory {
    async fn upsert(&self, entry: &MailboxEntry) -> anyhow::Result<()> {
        let mut ldap = self.connect().await?;
        let result = self.upsert_with(&mut ldap, entry).await;
        Self::finish(ldap, result).await
    }

    async fn remove(&self, branch: Branch, mail: &str) -> anyhow::Result<()> {
        let mut ldap = self.connect().await?;
        let result = self.delete(&mut ldap, branch, mail).await;
        Self::finish(ldap, result).await
    }

    async fn list(&self, branch: Branch) -> anyhow::Result<Vec<MailboxEntry>> {
        // Every entry named by an address, our auxiliary class or not: an entry added by hand
        // is then seen (and fixed or removed) by reconciliation.
        Ok(self
            .published(branch)
            .await?
            .into_iter()
            .map(|p| p.entry)
            .collect())
    }

    async fn published(&self, branch: Branch) -> anyhow::Result<Vec<PublishedEntry>> {
        self.search(branch, "(mail=*)").await
    }

    async fn apply(&self, changes: &[Change]) -> Vec<anyhow::Result<()>> {
        if changes.is_empty() {
            return Vec::new();
        }
        let ldap = match self.connect().await {
            Ok(ldap) => ldap,
            Err(e) => {
                let e = format!("{e:#}");
                return changes.iter().map(|_| Err(anyhow!("{e}"))).collect();
            }
        };
        // Each in-flight operation gets its own clone of the handle (its own message id and
        // timeout); results come back in completion order and are put back in request order.
        let mut operations = Vec::with_capacity(changes.len());
        for (i, change) in changes.iter().enumerate() {
            let mut ldap = ldap.clone();
            operations.push(async move { (i, self.apply_one(&mut ldap, change).await) });
        }
        let mut indexed: Vec<(usize, anyhow::Result<()>)> = stream::iter(operations)
            .buffer_unordered(PIPELINE_WINDOW)
            .collect()
            .await;
        indexed.sort_by_key(|(i, _)| *i);
        let results = indexed.into_iter().map(|(_, r)| r).collect();
        Self::finish(ldap, Ok(results)).await.unwrap_or_default()
    }

    async fn find(&self, branch: Branch, mail: &str) -> anyhow::Result<Option<MailboxEntry>> {
        // The assertion value is escaped per RFC 4515 §3 (`ldap3::ldap_escape`: `* ( ) \` and
        // NUL become `\2a \28 \29 \5c \00`), so an address cannot widen the filter.
        let filter = format!("(mail={})", ldap3::ldap_escape(mail));
        Ok(self
            .search(branch, &filter)
            .await?
            .into_iter()
            .next()
            .map(|p| p.entry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_not_in_debug_output() {
        let settings = DirectorySettings {
            bind_password: SecretString::from("s3cret-pw"),
            ..crate::config::Settings::defaults()
                .expect("the built-in defaults")
                .directory
        };
        let debug = format!("{:?}", LdapDirectory::new(&settings));
        assert!(!debug.contains("s3cret-pw"), "{debug}");
    }
}
