//! The LDAP annuaire: where validated mailboxes are published for directory consumers.
//!
//! The directory side (schema, slapd configuration, base entries, DIT documentation) ships in
//! `config/ldap/`. This module is the application side:
//!
//! - [`MailboxEntry`]: one published mailbox, as the rest of the application sees it;
//! - [`Directory`]: the small trait the outbox worker and `directory sync` use (upsert, remove,
//!   list, find), so that they can be tested without a server;
//! - [`LdapDirectory`]: the implementation over `ldap3`;
//! - [`reconcile`]: makes the directory equal a desired set of entries;
//! - [`ans_export`]: the same entries written in the ANS's national extraction format.
//!
//! DIT: entries live one level under `ou=mssante,{base_dn}` (MSSanté-visible, anyone may read)
//! or `ou=operateur,{base_dn}` (operator-only, bound clients only), named `mail=<address>`.
//! Every user-supplied value put into a DN is escaped per RFC 4514 (`ldap3::dn_escape`), and
//! every value put into a search filter per RFC 4515 (`ldap3::ldap_escape`).

pub mod ans_export;
mod ldap;
mod mapping;
mod reconcile;

pub use ldap::LdapDirectory;
pub use mapping::{attributes, drift, entry_from_attributes, object_classes};
pub use reconcile::{ReconcileReport, reconcile};

/// The two branches of the DIT under the base DN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Branch {
    /// `ou=mssante`: MSSanté-visible mailboxes; anyone may read them, anonymous included.
    Mssante,
    /// `ou=operateur`: operator-only mailboxes (e.g. BAL MED); only bound clients may read them.
    Operateur,
}

impl Branch {
    /// Both branches, in a fixed order.
    pub const ALL: [Branch; 2] = [Branch::Mssante, Branch::Operateur];

    /// The branch's RDN under the base DN.
    pub fn rdn(self) -> &'static str {
        match self {
            Branch::Mssante => "ou=mssante",
            Branch::Operateur => "ou=operateur",
        }
    }

    /// The DN of the branch entry: `ou=…,{base_dn}`. The base DN comes from configuration and
    /// is already a DN, so it is not escaped.
    pub fn dn(self, base_dn: &str) -> String {
        format!("{},{}", self.rdn(), base_dn.trim())
    }
}

impl std::fmt::Display for Branch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.rdn())
    }
}

/// The DN of a mailbox entry: `mail=<address>,ou=…,{base_dn}`.
///
/// The address is escaped as an RDN attribute value per RFC 4514 §2.4 (`ldap3::dn_escape`:
/// `" + , ; < = > \` and NUL anywhere, a leading space or `#`, a trailing space), so that an
/// address can never add RDN components or climb out of its branch.
pub fn entry_dn(base_dn: &str, branch: Branch, mail: &str) -> String {
    format!("mail={},{}", ldap3::dn_escape(mail), branch.dn(base_dn))
}

/// Who a mailbox belongs to: the part of an entry that differs between a personal box and an
/// organisational one, and which decides its object classes (`mapping::object_classes`).
///
/// See `config/ldap/README.md` for the attribute each field maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// A practitioner's box (BAL PER, or MED): `inetOrgPerson` + `mssanteBoiteLettre`.
    Person {
        /// `sn`.
        nom: String,
        /// `givenName`; `cn` and `displayName` are "prenom nom".
        prenom: String,
        /// `mssRpps`.
        rpps: Option<String>,
        /// `mssIdNatPs`: 8 + RPPS, or 0 + ADELI.
        id_nat_ps: Option<String>,
        /// TRE_G15 code (`mssCodeProfession`).
        profession_code: String,
        /// TRE_R38 code (`mssCodeSavoirFaire`).
        savoir_faire: Option<String>,
    },
    /// An organisational box (BAL ORG): `organizationalRole` + `mssanteBoiteLettre`, with no
    /// person attribute (no `sn`, `givenName`, `mssRpps`, `mssIdNatPs`, `mssCodeProfession`,
    /// `mssCodeSavoirFaire`). Its `bal_type` is `ORG`.
    Organisation {
        /// The box's libellé: `cn` and `displayName`.
        libelle: String,
        /// `mssIdNatStruct`: the structure's national identifier WITH its TRE_G07 type prefix,
        /// as the caller computes it (`1` + FINESS, `3` + SIRET, …).
        id_nat_struct: Option<String>,
        /// `mssResponsable`, one value per responsable: their mailbox addresses. Order does not
        /// matter (LDAP values are a set); duplicates and empty strings are dropped when
        /// written. Build it with [`Holder::organisation`] (sorted, deduplicated) for the entry
        /// to compare equal to what `find`/`list` read back.
        responsables: Vec<String>,
    },
}

/// One published mailbox (BAL): a person's (`inetOrgPerson`) or an organisation's
/// (`organizationalRole`) entry, plus the auxiliary `mssanteBoiteLettre`.
///
/// See `config/ldap/README.md` for the attribute each field maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxEntry {
    /// Which branch of the DIT the entry lives in (part of its DN).
    pub branch: Branch,
    /// The mailbox address (`mail`, and the RDN `mail=<escaped address>`).
    pub mail: String,
    /// TRE_R257 BAL type (`mssTypeBal`): "PER", "MED" or "ORG" (with [`Holder::Organisation`]);
    /// parsing an entry back reads an `Organisation` holder exactly when this is "ORG".
    pub bal_type: String,
    /// The holder: person or organisation attributes.
    pub holder: Holder,
    /// `mssDematerialisation`: "O" / "N".
    pub dematerialisation: bool,
    /// `mssListeRouge`: "O" / "N".
    pub liste_rouge: bool,
    /// `mssService` (service de rattachement).
    pub service: Option<String>,
    /// `mssDescription`.
    pub description: Option<String>,
    /// INSEE région code (`mssRegion`).
    pub region: String,
    /// INSEE département code (`mssDepartement`).
    pub departement: Option<String>,
    /// `telephoneNumber` (E.164).
    pub telephone: Option<String>,
    /// `o` (raison sociale of the structure).
    pub organisation: Option<String>,
    /// `street`.
    pub street: Option<String>,
    /// `postalCode`.
    pub postal_code: Option<String>,
    /// `l` (locality).
    pub locality: Option<String>,
    /// The attributes of profile fields whose descriptor names one (`domain::profile::FIELDS`),
    /// `(attribute, value)` in table order, empty values left out.
    pub published: Vec<(String, String)>,
}

/// An entry as the directory holds it: parsed, and with the raw values of every managed
/// attribute and of `objectClass` (names as the server spells them), which is what drift is
/// judged on (`mapping::drift`): the parsed entry alone hides `cn`, `displayName` and extra
/// values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedEntry {
    pub entry: MailboxEntry,
    pub attributes: std::collections::HashMap<String, Vec<String>>,
}

/// One write of a reconciliation, computed from a listing (so no read is needed before it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Create the entry, which was not listed.
    Add(MailboxEntry),
    /// Replace these attributes of the listed entry (`(name, values)`, no value removes the
    /// attribute), as computed by [`drift`].
    Replace {
        entry: MailboxEntry,
        attributes: Vec<(String, Vec<String>)>,
    },
    /// Delete the listed entry and add it again: its structural object class is not the one of
    /// its holder (a person entry where an organisation's is wanted, or the reverse), and a
    /// modify may not change the structural class of an entry (RFC 4512 §2.4.2; slapd answers
    /// objectClassModsProhibited).
    Recreate(MailboxEntry),
    /// Delete the entry.
    Remove { branch: Branch, mail: String },
}

/// Where mailboxes are published. Implemented by [`LdapDirectory`]; tests use fakes.
#[async_trait::async_trait]
pub trait Directory: Send + Sync {
    /// Creates the entry or replaces its attributes so they equal `entry` exactly (absent
    /// optional attrs removed). Idempotent.
    async fn upsert(&self, entry: &MailboxEntry) -> anyhow::Result<()>;
    /// Deletes the entry; Ok if already absent.
    async fn remove(&self, branch: Branch, mail: &str) -> anyhow::Result<()>;
    /// Every entry of the branch (one-level search), parsed back into MailboxEntry.
    async fn list(&self, branch: Branch) -> anyhow::Result<Vec<MailboxEntry>>;
    /// Entries of `branch` whose `mail` equals `mail` (filter built with ldap_escape, RFC 4515)
    /// — used to check presence.
    async fn find(&self, branch: Branch, mail: &str) -> anyhow::Result<Option<MailboxEntry>>;

    /// Every entry of the branch with the raw values of its managed attributes. The default
    /// derives them from [`Directory::list`] (a fake stores only what it was given).
    async fn published(&self, branch: Branch) -> anyhow::Result<Vec<PublishedEntry>> {
        Ok(self
            .list(branch)
            .await?
            .into_iter()
            .map(|entry| {
                let mut attributes: std::collections::HashMap<String, Vec<String>> =
                    attributes(&entry)
                        .into_iter()
                        .filter(|(_, values)| !values.is_empty())
                        .map(|(name, values)| (name.to_owned(), values))
                        .collect();
                attributes.insert(
                    "objectClass".to_owned(),
                    object_classes(&entry.holder)
                        .iter()
                        .map(|c| (*c).to_owned())
                        .collect(),
                );
                PublishedEntry { entry, attributes }
            })
            .collect())
    }

    /// Applies `changes`, returning one result per change in the same order; a failed change
    /// does not stop the others. The default runs them one by one with `upsert`/`remove`; the
    /// LDAP adapter pipelines them on one connection.
    async fn apply(&self, changes: &[Change]) -> Vec<anyhow::Result<()>> {
        let mut results = Vec::with_capacity(changes.len());
        for change in changes {
            results.push(match change {
                Change::Add(entry) | Change::Replace { entry, .. } | Change::Recreate(entry) => {
                    self.upsert(entry).await
                }
                Change::Remove { branch, mail } => self.remove(*branch, mail).await,
            });
        }
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "dc=annuaire,dc=example,dc=fr";

    #[test]
    fn branch_dns_sit_under_the_base_dn() {
        assert_eq!(
            Branch::Mssante.dn(BASE),
            "ou=mssante,dc=annuaire,dc=example,dc=fr"
        );
        assert_eq!(
            Branch::Operateur.dn(BASE),
            "ou=operateur,dc=annuaire,dc=example,dc=fr"
        );
    }

    #[test]
    fn a_plain_address_is_its_own_rdn_value() {
        assert_eq!(
            entry_dn(
                BASE,
                Branch::Mssante,
                "jean.dupont@pharmacien.oc.mssante.fr"
            ),
            "mail=jean.dupont@pharmacien.oc.mssante.fr,ou=mssante,dc=annuaire,dc=example,dc=fr"
        );
    }

    #[test]
    fn special_characters_of_an_address_are_escaped_per_rfc_4514() {
        let dn = entry_dn(BASE, Branch::Operateur, r#"a,b+c"d\e<f>g;h=i@x.fr"#);
        assert_eq!(
            dn,
            r"mail=a\2cb\2bc\22d\5ce\3cf\3eg\3bh\3di@x.fr,ou=operateur,dc=annuaire,dc=example,dc=fr"
        );
    }

    #[test]
    fn leading_and_trailing_spaces_and_a_leading_hash_are_escaped() {
        assert_eq!(
            entry_dn(BASE, Branch::Mssante, " #a@x.fr "),
            r"mail=\20#a@x.fr\20,ou=mssante,dc=annuaire,dc=example,dc=fr"
        );
        assert_eq!(
            entry_dn(BASE, Branch::Mssante, "#a@x.fr"),
            r"mail=\23a@x.fr,ou=mssante,dc=annuaire,dc=example,dc=fr"
        );
    }

    #[test]
    fn an_address_cannot_inject_rdn_components() {
        let dn = entry_dn(BASE, Branch::Mssante, "x@y.fr,ou=operateur");
        // Exactly one unescaped comma before the branch: the address stays one RDN value.
        let rdn = dn.split(",ou=mssante,").next().unwrap_or_default();
        assert!(!rdn.contains(','), "{dn}");
        assert!(dn.ends_with(",ou=mssante,dc=annuaire,dc=example,dc=fr"));
    }
}
