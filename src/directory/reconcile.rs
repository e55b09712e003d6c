//! Reconciliation: make the directory equal what the database says should be published.

use std::collections::{HashMap, HashSet};

use anyhow::{anyhow, bail};

use super::mapping::{drift, needs_recreate};
use super::{Branch, Change, Directory, MailboxEntry, PublishedEntry};

/// What a reconciliation did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Desired entries that were missing and have been created.
    pub added: usize,
    /// Entries that existed with different attributes and have been fixed (by a modify, or by
    /// a delete and an add when the holder's structural object class was not theirs).
    pub updated: usize,
    /// Entries that were not desired (orphans) and have been deleted.
    pub removed: usize,
    /// Desired entries that were already right.
    pub unchanged: usize,
}

impl std::fmt::Display for ReconcileReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "added {}, updated {}, removed {}, unchanged {}",
            self.added, self.updated, self.removed, self.unchanged
        )
    }
}

/// Identity of an entry: its branch and its address (addresses compare case-insensitively, as
/// the `mail` RDN does in the directory).
fn key(branch: Branch, mail: &str) -> (Branch, String) {
    (branch, mail.to_lowercase())
}

/// Makes the directory equal `desired` (for both branches): adds missing, fixes drift, removes
/// orphans (entries whose (branch, mail) is not desired).
///
/// Both branches are listed once, with the raw values of every managed attribute, and drift is
/// judged on the FULL value sets (`mapping::drift`): `cn`/`displayName` changed by hand, a
/// second value added by hand and a managed attribute that should be absent are all repaired,
/// while `None` and an empty string stay the same. The writes are then computed from that
/// listing (no read per entry) and handed to [`Directory::apply`] in one batch, which the LDAP
/// adapter pipelines. An entry whose structural object class is not its holder's (a person's
/// entry where an organisational box is wanted) is deleted and added again
/// (`Change::Recreate`). The same mailbox may be desired in both branches. A failed write does not
/// stop the others: every entry is tried, then the first failure is returned (with the counts
/// so far); running it again converges. Failing to list a branch stops at once, before
/// anything is written.
pub async fn reconcile(
    dir: &dyn Directory,
    desired: &[MailboxEntry],
) -> anyhow::Result<ReconcileReport> {
    let mut seen = HashSet::new();
    for entry in desired {
        if !seen.insert(key(entry.branch, &entry.mail)) {
            bail!("{} is desired twice in {}", entry.mail, entry.branch);
        }
    }

    let mut present: HashMap<(Branch, String), PublishedEntry> = HashMap::new();
    for branch in Branch::ALL {
        for published in dir.published(branch).await? {
            present.insert(key(branch, &published.entry.mail), published);
        }
    }

    let mut report = ReconcileReport::default();
    let mut changes = Vec::new();
    for entry in desired {
        match present.remove(&key(entry.branch, &entry.mail)) {
            None => changes.push(Change::Add(entry.clone())),
            Some(current) if needs_recreate(&current.attributes, entry) => {
                changes.push(Change::Recreate(entry.clone()));
            }
            Some(current) => {
                let attributes = drift(&current.attributes, entry);
                if attributes.is_empty() {
                    report.unchanged += 1;
                } else {
                    changes.push(Change::Replace {
                        entry: entry.clone(),
                        attributes,
                    });
                }
            }
        }
    }
    let mut orphans: Vec<PublishedEntry> = present.into_values().collect();
    orphans.sort_by(|a, b| {
        (a.entry.branch.rdn(), &a.entry.mail).cmp(&(b.entry.branch.rdn(), &b.entry.mail))
    });
    changes.extend(orphans.into_iter().map(|o| Change::Remove {
        branch: o.entry.branch,
        mail: o.entry.mail,
    }));

    let results = dir.apply(&changes).await;
    if results.len() != changes.len() {
        bail!(
            "the directory answered {} results for {} changes",
            results.len(),
            changes.len()
        );
    }
    let mut failures: Vec<anyhow::Error> = Vec::new();
    for (change, result) in changes.iter().zip(results) {
        match (change, result) {
            (Change::Add(_), Ok(())) => report.added += 1,
            (Change::Replace { .. } | Change::Recreate(_), Ok(())) => report.updated += 1,
            (Change::Remove { .. }, Ok(())) => report.removed += 1,
            (_, Err(e)) => failures.push(e),
        }
    }

    match failures.into_iter().next() {
        None => {
            tracing::info!(%report, "directory reconciled");
            Ok(report)
        }
        Some(first) => Err(anyhow!(
            "directory reconciliation incomplete ({report}); first failure: {first:#}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::super::Holder;
    use super::super::mapping::tests::{sample, sample_org};
    use super::*;

    /// In-memory directory keyed like the real one (branch, lowercase address); `fail_on`
    /// makes writes to one address fail.
    #[derive(Default)]
    struct FakeDirectory {
        entries: Mutex<HashMap<(Branch, String), MailboxEntry>>,
        writes: Mutex<usize>,
        fail_on: Option<String>,
    }

    impl FakeDirectory {
        fn with(entries: &[MailboxEntry]) -> Self {
            let fake = Self::default();
            for e in entries {
                fake.store().insert(key(e.branch, &e.mail), e.clone());
            }
            fake
        }

        fn store(&self) -> std::sync::MutexGuard<'_, HashMap<(Branch, String), MailboxEntry>> {
            self.entries.lock().unwrap_or_else(|e| e.into_inner())
        }

        fn writes(&self) -> usize {
            *self.writes.lock().unwrap_or_else(|e| e.into_inner())
        }

        fn write(&self, mail: &str) -> anyhow::Result<()> {
            if self.fail_on.as_deref() == Some(mail) {
                bail!("injected failure for {mail}");
            }
            *self.writes.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            Ok(())
        }

        fn sorted(&self) -> Vec<MailboxEntry> {
            let mut all: Vec<MailboxEntry> = self.store().values().cloned().collect();
            all.sort_by(|a, b| {
                (a.mail.as_str(), a.branch.rdn()).cmp(&(b.mail.as_str(), b.branch.rdn()))
            });
            all
        }
    }

    #[async_trait::async_trait]
    impl Directory for FakeDirectory {
        async fn upsert(&self, entry: &MailboxEntry) -> anyhow::Result<()> {
            self.write(&entry.mail)?;
            self.store()
                .insert(key(entry.branch, &entry.mail), entry.clone());
            Ok(())
        }

        async fn remove(&self, branch: Branch, mail: &str) -> anyhow::Result<()> {
            self.write(mail)?;
            self.store().remove(&key(branch, mail));
            Ok(())
        }

        async fn list(&self, branch: Branch) -> anyhow::Result<Vec<MailboxEntry>> {
            Ok(self
                .store()
                .values()
                .filter(|e| e.branch == branch)
                .cloned()
                .collect())
        }

        async fn find(&self, branch: Branch, mail: &str) -> anyhow::Result<Option<MailboxEntry>> {
            Ok(self.store().get(&key(branch, mail)).cloned())
        }
    }

    fn sorted(mut entries: Vec<MailboxEntry>) -> Vec<MailboxEntry> {
        entries.sort_by(|a, b| {
            (a.mail.as_str(), a.branch.rdn()).cmp(&(b.mail.as_str(), b.branch.rdn()))
        });
        entries
    }

    #[tokio::test]
    async fn an_empty_directory_gets_every_desired_entry() {
        // Arrange
        let dir = FakeDirectory::default();
        let desired = vec![
            sample(Branch::Mssante, "a@pharmacien.oc.mssante.fr"),
            sample(Branch::Operateur, "a@pharmacien.oc.mssante.fr"),
            sample(Branch::Operateur, "b@medimail.fr"),
        ];
        // Act
        let report = reconcile(&dir, &desired).await;
        // Assert
        assert_eq!(
            report.ok(),
            Some(ReconcileReport {
                added: 3,
                ..ReconcileReport::default()
            })
        );
        assert_eq!(dir.sorted(), sorted(desired));
    }

    #[tokio::test]
    async fn drift_is_fixed_orphans_removed_and_the_rest_left_alone() {
        // Arrange
        let right = sample(Branch::Mssante, "right@x.mssante.fr");
        let mut drifted = sample(Branch::Mssante, "drift@x.mssante.fr");
        let orphan = sample(Branch::Mssante, "orphan@x.mssante.fr");
        let moved_away = sample(Branch::Operateur, "right@x.mssante.fr");
        let missing = sample(Branch::Operateur, "missing@medimail.fr");
        let mut stale = drifted.clone();
        stale.liste_rouge = true;
        stale.telephone = None;
        let dir = FakeDirectory::with(&[right.clone(), stale, orphan, moved_away]);
        if let Holder::Person { nom, .. } = &mut drifted.holder {
            *nom = "Nouveau".into();
        }
        let desired = vec![right, drifted, missing];
        // Act
        let report = reconcile(&dir, &desired).await;
        // Assert
        assert_eq!(
            report.ok(),
            Some(ReconcileReport {
                added: 1,
                updated: 1,
                removed: 2,
                unchanged: 1
            })
        );
        assert_eq!(dir.sorted(), sorted(desired));
    }

    #[tokio::test]
    async fn a_second_run_changes_nothing() {
        let dir = FakeDirectory::with(&[sample(Branch::Mssante, "old@x.fr")]);
        let desired = vec![
            sample(Branch::Mssante, "a@x.fr"),
            sample(Branch::Operateur, "b@x.fr"),
        ];
        assert!(reconcile(&dir, &desired).await.is_ok());
        let writes = dir.writes();

        let report = reconcile(&dir, &desired).await;

        assert_eq!(
            report.ok(),
            Some(ReconcileReport {
                unchanged: 2,
                ..ReconcileReport::default()
            })
        );
        assert_eq!(dir.writes(), writes, "no write when nothing differs");
    }

    #[tokio::test]
    async fn empty_optionals_are_not_drift() {
        let stored = sample(Branch::Mssante, "jean.dupont@x.fr");
        let dir = FakeDirectory::with(std::slice::from_ref(&stored));
        let mut desired = stored.clone();
        desired.service = Some(String::new());

        let report = reconcile(&dir, &[desired]).await;

        assert_eq!(
            report.ok(),
            Some(ReconcileReport {
                unchanged: 1,
                ..ReconcileReport::default()
            })
        );
    }

    #[tokio::test]
    async fn nothing_desired_empties_both_branches() {
        let dir = FakeDirectory::with(&[
            sample(Branch::Mssante, "a@x.fr"),
            sample(Branch::Operateur, "b@x.fr"),
        ]);
        let report = reconcile(&dir, &[]).await;
        assert_eq!(
            report.ok(),
            Some(ReconcileReport {
                removed: 2,
                ..ReconcileReport::default()
            })
        );
        assert!(dir.sorted().is_empty());
    }

    #[tokio::test]
    async fn a_failed_write_does_not_stop_the_others_and_is_reported() {
        let dir = FakeDirectory {
            fail_on: Some("bad@x.fr".into()),
            ..FakeDirectory::with(&[sample(Branch::Mssante, "orphan@x.fr")])
        };
        let desired = vec![
            sample(Branch::Mssante, "bad@x.fr"),
            sample(Branch::Mssante, "good@x.fr"),
        ];

        let err = reconcile(&dir, &desired)
            .await
            .err()
            .map(|e| format!("{e:#}"));

        let err = err.unwrap_or_default();
        assert!(err.contains("injected failure for bad@x.fr"), "{err}");
        assert!(err.contains("added 1, updated 0, removed 1"), "{err}");
        assert_eq!(dir.sorted(), vec![sample(Branch::Mssante, "good@x.fr")]);
    }

    #[tokio::test]
    async fn a_mailbox_desired_twice_in_a_branch_is_refused_before_any_write() {
        let dir = FakeDirectory::with(&[sample(Branch::Mssante, "orphan@x.fr")]);
        let desired = vec![
            sample(Branch::Mssante, "a@x.fr"),
            sample(Branch::Mssante, "A@x.fr"),
        ];
        assert!(reconcile(&dir, &desired).await.is_err());
        assert_eq!(dir.writes(), 0);
    }

    #[tokio::test]
    async fn org_entries_are_reconciled_like_person_entries_and_a_changed_holder_kind_is_recreated()
    {
        // Arrange: an ORG whose responsables changed, an ORG missing, and an address that
        // was a person's entry and is now wanted as an ORG.
        let stored_org = sample_org(Branch::Mssante, "secretariat@oc.mssante.fr");
        let mut wanted_org = stored_org.clone();
        wanted_org.holder = Holder::organisation(
            "Secrétariat de cardiologie",
            Some("1340780477".into()),
            ["zoe.roux@medecin.oc.mssante.fr".to_owned()],
        );
        let missing_org = sample_org(Branch::Operateur, "accueil@medimail.fr");
        let was_person = sample(Branch::Mssante, "accueil@oc.mssante.fr");
        let now_org = sample_org(Branch::Mssante, "accueil@oc.mssante.fr");
        let dir = FakeDirectory::with(&[stored_org, was_person]);
        let desired = vec![wanted_org, missing_org, now_org];

        // Act
        let report = reconcile(&dir, &desired).await;

        // Assert
        assert_eq!(
            report.ok(),
            Some(ReconcileReport {
                added: 1,
                updated: 2,
                ..ReconcileReport::default()
            })
        );
        assert_eq!(dir.sorted(), sorted(desired.clone()));
        assert_eq!(
            reconcile(&dir, &desired).await.ok(),
            Some(ReconcileReport {
                unchanged: 3,
                ..ReconcileReport::default()
            })
        );
    }
}
