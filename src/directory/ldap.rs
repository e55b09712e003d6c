//! [`Directory`] over LDAP (`ldap3`, async).
//!
//! One connection per call: connect, bind as the service, run the operation, unbind. Calls are
//! rare (one per published change, or a few per reconciliation), so a pool would buy nothing
//! and would have to detect dead connections after a slapd restart; a fresh connection is
//! simple and always recovers as soon as the server is back.
//!
//! Every network step is bounded by `directory.timeout_secs`: the TCP/TLS connect
//! (`LdapConnSettings::set_conn_timeout`) and each LDAP operation (`Ldap::with_timeout`).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, Mod, Scope, SearchEntry};
use secrecy::{ExposeSecret as _, SecretString};

use super::mapping::{MANAGED_ATTRIBUTES, OBJECT_CLASSES, attributes, entry_from_attributes};
use super::{Branch, Directory, MailboxEntry, entry_dn};
use crate::config::DirectorySettings;

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

    /// One-level search under `branch` with `filter`, parsed into entries.
    async fn search(&self, branch: Branch, filter: &str) -> anyhow::Result<Vec<MailboxEntry>> {
        let base = branch.dn(&self.base_dn);
        let mut ldap = self.connect().await?;
        let result = async {
            let (entries, _) = ldap
                .with_timeout(self.timeout)
                .search(&base, Scope::OneLevel, filter, MANAGED_ATTRIBUTES.to_vec())
                .await
                .and_then(|r| r.success())
                .with_context(|| format!("cannot search {base} for {filter}"))?;
            entries
                .into_iter()
                .map(|e| {
                    let e = SearchEntry::construct(e);
                    entry_from_attributes(branch, &e.attrs).with_context(|| e.dn.clone())
                })
                .collect()
        }
        .await;
        Self::finish(ldap, result).await
    }

    async fn upsert_with(&self, ldap: &mut Ldap, entry: &MailboxEntry) -> anyhow::Result<()> {
        let dn = entry_dn(&self.base_dn, entry.branch, &entry.mail);
        let wanted = attributes(entry);
        // Two rounds at most: an entry created or deleted by someone else between our read
        // and our write sends us once around again.
        for _ in 0..2 {
            match self.read(ldap, &dn).await? {
                None => {
                    let mut attrs: Vec<(String, HashSet<String>)> = vec![(
                        "objectClass".to_owned(),
                        OBJECT_CLASSES.iter().map(|c| (*c).to_owned()).collect(),
                    )];
                    attrs.extend(wanted.iter().filter(|(_, values)| !values.is_empty()).map(
                        |(name, values)| ((*name).to_owned(), values.iter().cloned().collect()),
                    ));
                    let result = ldap
                        .with_timeout(self.timeout)
                        .add(&dn, attrs)
                        .await
                        .with_context(|| format!("cannot add {dn}"))?;
                    if result.rc == RC_ENTRY_ALREADY_EXISTS {
                        continue;
                    }
                    result
                        .success()
                        .with_context(|| format!("cannot add {dn}"))?;
                    tracing::info!(%dn, "directory entry added");
                    return Ok(());
                }
                Some(current) => {
                    let mods = modifications(&current.attrs, &wanted);
                    if mods.is_empty() {
                        tracing::debug!(%dn, "directory entry already up to date");
                        return Ok(());
                    }
                    let changed: Vec<String> = mods.iter().map(mod_name).collect();
                    let result = ldap
                        .with_timeout(self.timeout)
                        .modify(&dn, mods)
                        .await
                        .with_context(|| format!("cannot modify {dn}"))?;
                    if result.rc == RC_NO_SUCH_OBJECT {
                        continue;
                    }
                    result
                        .success()
                        .with_context(|| format!("cannot modify {dn}"))?;
                    tracing::info!(%dn, changed = %changed.join(","), "directory entry updated");
                    return Ok(());
                }
            }
        }
        Err(anyhow!("{dn} kept changing under us; giving up this round"))
    }
}

/// The `Replace` modifications that make `current` (as read from the server) carry exactly
/// `wanted`: one per managed attribute whose values differ (compared as sets, names
/// case-insensitively), a valueless `Replace` removing an attribute that should be absent
/// (RFC 4511 §4.6). `objectClass` is replaced too when our classes are not all there (an entry
/// created by hand without the auxiliary class).
fn modifications(
    current: &HashMap<String, Vec<String>>,
    wanted: &[(&'static str, Vec<String>)],
) -> Vec<Mod<String>> {
    let current: HashMap<String, HashSet<&str>> = current
        .iter()
        .map(|(k, v)| {
            (
                k.to_ascii_lowercase(),
                v.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    let mut mods = Vec::new();
    let classes: HashSet<String> = current
        .get("objectclass")
        .map(|c| c.iter().map(|c| c.to_ascii_lowercase()).collect())
        .unwrap_or_default();
    if !OBJECT_CLASSES
        .iter()
        .all(|c| classes.contains(&c.to_ascii_lowercase()))
    {
        mods.push(Mod::Replace(
            "objectClass".to_owned(),
            OBJECT_CLASSES.iter().map(|c| (*c).to_owned()).collect(),
        ));
    }
    for (name, values) in wanted {
        let wanted_set: HashSet<&str> = values.iter().map(String::as_str).collect();
        let current_set = current
            .get(&name.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default();
        if wanted_set != current_set {
            mods.push(Mod::Replace(
                (*name).to_owned(),
                values.iter().cloned().collect(),
            ));
        }
    }
    mods
}

fn mod_name(m: &Mod<String>) -> String {
    match m {
        Mod::Add(n, _) | Mod::Delete(n, _) | Mod::Replace(n, _) | Mod::Increment(n, _) => n.clone(),
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
        let dn = entry_dn(&self.base_dn, branch, mail);
        let mut ldap = self.connect().await?;
        let result = async {
            let result = ldap
                .with_timeout(self.timeout)
                .delete(&dn)
                .await
                .with_context(|| format!("cannot delete {dn}"))?;
            match result.rc {
                RC_SUCCESS => tracing::info!(%dn, "directory entry removed"),
                RC_NO_SUCH_OBJECT => tracing::debug!(%dn, "directory entry already absent"),
                _ => {
                    return Err(LdapError::from(result))
                        .with_context(|| format!("cannot delete {dn}"));
                }
            }
            Ok(())
        }
        .await;
        Self::finish(ldap, result).await
    }

    async fn list(&self, branch: Branch) -> anyhow::Result<Vec<MailboxEntry>> {
        // Every entry named by an address, our auxiliary class or not: an entry added by hand
        // is then seen (and fixed or removed) by reconciliation.
        self.search(branch, "(mail=*)").await
    }

    async fn find(&self, branch: Branch, mail: &str) -> anyhow::Result<Option<MailboxEntry>> {
        // The assertion value is escaped per RFC 4515 §3 (`ldap3::ldap_escape`: `* ( ) \` and
        // NUL become `\2a \28 \29 \5c \00`), so an address cannot widen the filter.
        let filter = format!("(mail={})", ldap3::ldap_escape(mail));
        Ok(self.search(branch, &filter).await?.into_iter().next())
    }
}

#[cfg(test)]
mod tests {
    use super::super::mapping::tests::sample;
    use super::*;

    fn read_back(entry: &MailboxEntry) -> HashMap<String, Vec<String>> {
        let mut attrs: HashMap<String, Vec<String>> = attributes(entry)
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        attrs.insert(
            "objectClass".into(),
            OBJECT_CLASSES.iter().map(|c| (*c).to_owned()).collect(),
        );
        attrs
    }

    fn names(mods: &[Mod<String>]) -> Vec<String> {
        mods.iter().map(mod_name).collect()
    }

    #[test]
    fn an_up_to_date_entry_needs_no_modification() {
        let entry = sample(Branch::Mssante, "jean.dupont@pharmacien.oc.mssante.fr");
        assert!(modifications(&read_back(&entry), &attributes(&entry)).is_empty());
    }

    #[test]
    fn changed_fields_are_replaced_and_vanished_ones_removed() {
        let old = sample(Branch::Mssante, "jean.dupont@pharmacien.oc.mssante.fr");
        let mut new = old.clone();
        new.nom = "Durand".into();
        new.telephone = None;
        let mods = modifications(&read_back(&old), &attributes(&new));
        assert_eq!(names(&mods), ["cn", "sn", "displayName", "telephoneNumber"]);
        let removed = mods.iter().any(
            |m| matches!(m, Mod::Replace(n, values) if n == "telephoneNumber" && values.is_empty()),
        );
        assert!(removed, "a vanished optional field is a valueless replace");
    }

    #[test]
    fn attribute_names_from_the_server_are_matched_case_insensitively() {
        let entry = sample(Branch::Mssante, "x@y.fr");
        let lower: HashMap<String, Vec<String>> = read_back(&entry)
            .into_iter()
            .map(|(k, v)| (k.to_lowercase(), v))
            .collect();
        assert!(modifications(&lower, &attributes(&entry)).is_empty());
    }

    #[test]
    fn extra_values_set_by_hand_are_dropped() {
        let entry = sample(Branch::Mssante, "x@y.fr");
        let mut current = read_back(&entry);
        current.insert("cn".into(), vec!["Jean Dupont".into(), "JD".into()]);
        assert_eq!(names(&modifications(&current, &attributes(&entry))), ["cn"]);
    }

    #[test]
    fn a_missing_auxiliary_class_is_restored() {
        let entry = sample(Branch::Mssante, "x@y.fr");
        let mut current = read_back(&entry);
        current.insert(
            "objectClass".into(),
            vec![
                "top".into(),
                "person".into(),
                "organizationalPerson".into(),
                "inetOrgPerson".into(),
            ],
        );
        assert_eq!(
            names(&modifications(&current, &attributes(&entry))),
            ["objectClass"]
        );
    }

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
