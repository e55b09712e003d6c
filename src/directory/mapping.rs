//! [`MailboxEntry`] ⇄ LDAP attributes. Pure functions: the LDAP adapter, the reconciliation and
//! the tests share them, so "what we write" and "what we compare" cannot disagree.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use anyhow::Context as _;

use super::{Branch, MailboxEntry};
use crate::domain::profile::fields::ldap_attributes;

/// Object classes of a mailbox entry (`inetOrgPerson`'s chain plus our auxiliary class).
pub const OBJECT_CLASSES: [&str; 5] = [
    "top",
    "person",
    "organizationalPerson",
    "inetOrgPerson",
    "mssanteBoiteLettre",
];

/// Every attribute the service manages on a mailbox entry, `objectClass` excluded: the fixed
/// ones below, then those the profile field table publishes. An upsert makes exactly these equal
/// to the entry; other attributes (added by hand) are left alone.
pub static MANAGED_ATTRIBUTES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    FIXED_ATTRIBUTES
        .into_iter()
        .chain(ldap_attributes())
        .collect()
});

const FIXED_ATTRIBUTES: [&str; 22] = [
    "mail",
    "cn",
    "sn",
    "givenName",
    "displayName",
    "mssTypeBal",
    "mssRpps",
    "mssIdNatPs",
    "mssCodeProfession",
    "mssCodeSavoirFaire",
    "mssDematerialisation",
    "mssListeRouge",
    "mssService",
    "mssDescription",
    "mssResponsable",
    "mssRegion",
    "mssDepartement",
    "telephoneNumber",
    "o",
    "street",
    "postalCode",
    "l",
];

/// The managed attributes of `entry`, in [`MANAGED_ATTRIBUTES`] order, each with its values.
///
/// Every managed attribute is listed, with no value when the entry has none: a `Replace` with
/// no value removes the attribute (RFC 4511 §4.6), and `add` skips empty ones. Empty strings
/// are treated as absent (a Directory String cannot be empty).
pub fn attributes(entry: &MailboxEntry) -> Vec<(&'static str, Vec<String>)> {
    let full_name = format!("{} {}", entry.prenom.trim(), entry.nom.trim())
        .trim()
        .to_owned();
    let yes_no = |b: bool| Some(if b { "O" } else { "N" }.to_owned());
    let values: [(&'static str, Option<String>); 22] = [
        ("mail", Some(entry.mail.clone())),
        ("cn", Some(full_name.clone())),
        ("sn", Some(entry.nom.clone())),
        ("givenName", Some(entry.prenom.clone())),
        ("displayName", Some(full_name)),
        ("mssTypeBal", Some(entry.bal_type.clone())),
        ("mssRpps", entry.rpps.clone()),
        ("mssIdNatPs", entry.id_nat_ps.clone()),
        ("mssCodeProfession", Some(entry.profession_code.clone())),
        ("mssCodeSavoirFaire", entry.savoir_faire.clone()),
        ("mssDematerialisation", yes_no(entry.dematerialisation)),
        ("mssListeRouge", yes_no(entry.liste_rouge)),
        ("mssService", entry.service.clone()),
        ("mssDescription", entry.description.clone()),
        ("mssResponsable", entry.responsable.clone()),
        ("mssRegion", Some(entry.region.clone())),
        ("mssDepartement", entry.departement.clone()),
        ("telephoneNumber", entry.telephone.clone()),
        ("o", entry.organisation.clone()),
        ("street", entry.street.clone()),
        ("postalCode", entry.postal_code.clone()),
        ("l", entry.locality.clone()),
    ];
    let published = ldap_attributes().map(|name| {
        let value = entry
            .published
            .iter()
            .find(|(attribute, _)| attribute == name)
            .map(|(_, v)| v.clone());
        (name, value)
    });
    values
        .into_iter()
        .chain(published)
        .map(|(name, value)| (name, value.filter(|v| !v.is_empty()).into_iter().collect()))
        .collect()
}

/// Parses an entry read back from the directory (attribute name → values, as in
/// `ldap3::SearchEntry::attrs`; names are matched case-insensitively).
///
/// Missing attributes become empty strings / `None`; `mssDematerialisation` and
/// `mssListeRouge` are true only for "O". Fails only when `mail` is missing.
pub fn entry_from_attributes(
    branch: Branch,
    attrs: &HashMap<String, Vec<String>>,
) -> anyhow::Result<MailboxEntry> {
    let by_name: HashMap<String, &Vec<String>> = attrs
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let opt = |name: &str| -> Option<String> {
        by_name
            .get(&name.to_ascii_lowercase())
            .and_then(|values| values.first())
            .filter(|v| !v.is_empty())
            .cloned()
    };
    let text = |name: &str| opt(name).unwrap_or_default();
    let flag = |name: &str| opt(name).is_some_and(|v| v.eq_ignore_ascii_case("O"));
    Ok(MailboxEntry {
        branch,
        mail: opt("mail").context("directory entry without a mail attribute")?,
        bal_type: text("mssTypeBal"),
        nom: text("sn"),
        prenom: text("givenName"),
        rpps: opt("mssRpps"),
        id_nat_ps: opt("mssIdNatPs"),
        profession_code: text("mssCodeProfession"),
        savoir_faire: opt("mssCodeSavoirFaire"),
        dematerialisation: flag("mssDematerialisation"),
        liste_rouge: flag("mssListeRouge"),
        service: opt("mssService"),
        description: opt("mssDescription"),
        responsable: opt("mssResponsable"),
        region: text("mssRegion"),
        departement: opt("mssDepartement"),
        telephone: opt("telephoneNumber"),
        organisation: opt("o"),
        street: opt("street"),
        postal_code: opt("postalCode"),
        locality: opt("l"),
        published: ldap_attributes()
            .filter_map(|name| Some((name.to_owned(), opt(name)?)))
            .collect(),
    })
}

/// The attribute replacements that make `current` (an entry as read from the server: every
/// managed attribute and `objectClass`, names in any case) carry exactly what `entry` says.
///
/// The FULL value set of every managed attribute is compared, not the parsed entry: `cn` and
/// `displayName` (derived from the names, so invisible once parsed) and a second value added
/// by hand to any attribute (a second `telephoneNumber`) are drift like any other. Values
/// compare exactly, so a change of case is repaired too. Each difference is one `(name,
/// values)` to be written as an LDAP `replace` (RFC 4511 §4.6): no value removes the attribute,
/// which is how a managed attribute the entry no longer has is dropped. `objectClass` is
/// replaced when one of ours is missing (an entry created by hand without the auxiliary class).
///
/// The RDN attribute is `mail`, never `cn` (see `config/ldap/README.md`), so every replacement
/// keeps the entry's name: the address is compared case-insensitively like the RDN, and a
/// replace of `mail` keeps the RDN value (it only drops extra addresses added by hand).
pub fn drift(
    current: &HashMap<String, Vec<String>>,
    entry: &MailboxEntry,
) -> Vec<(String, Vec<String>)> {
    let current: HashMap<String, &Vec<String>> = current
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let values_of = |name: &str| -> HashSet<&str> {
        current
            .get(&name.to_ascii_lowercase())
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default()
    };
    let mut changes = Vec::new();
    let classes: HashSet<String> = values_of("objectClass")
        .into_iter()
        .map(str::to_ascii_lowercase)
        .collect();
    if !OBJECT_CLASSES
        .iter()
        .all(|c| classes.contains(&c.to_ascii_lowercase()))
    {
        changes.push((
            "objectClass".to_owned(),
            OBJECT_CLASSES.iter().map(|c| (*c).to_owned()).collect(),
        ));
    }
    for (name, wanted) in attributes(entry) {
        let have = values_of(name);
        let same = if name == "mail" {
            // The RDN value: its matching rule (caseIgnoreIA5Match) ignores case.
            let have: HashSet<String> = have.iter().map(|v| v.to_ascii_lowercase()).collect();
            have == wanted.iter().map(|v| v.to_ascii_lowercase()).collect()
        } else {
            have == wanted.iter().map(String::as_str).collect::<HashSet<&str>>()
        };
        if !same {
            changes.push((name.to_owned(), wanted));
        }
    }
    changes
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample(branch: Branch, mail: &str) -> MailboxEntry {
        MailboxEntry {
            branch,
            mail: mail.to_owned(),
            bal_type: "PER".into(),
            nom: "Dupont".into(),
            prenom: "Jean".into(),
            rpps: Some("10001234567".into()),
            id_nat_ps: Some("810001234567".into()),
            profession_code: "21".into(),
            savoir_faire: None,
            dematerialisation: true,
            liste_rouge: false,
            service: None,
            description: None,
            responsable: None,
            region: "76".into(),
            departement: Some("34".into()),
            telephone: Some("+33467000000".into()),
            organisation: Some("Pharmacie du Centre".into()),
            street: Some("1 rue de la Loge".into()),
            postal_code: Some("34000".into()),
            locality: Some("Montpellier".into()),
            published: vec![("mssCiviliteExercice".into(), "DR".into())],
        }
    }

    fn as_map(entry: &MailboxEntry) -> HashMap<String, Vec<String>> {
        attributes(entry)
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }

    #[test]
    fn an_entry_maps_to_inet_org_person_and_mss_attributes() {
        let entry = sample(Branch::Mssante, "jean.dupont@pharmacien.oc.mssante.fr");
        let attrs = as_map(&entry);
        let one = |name: &str| attrs.get(name).map(|v| v.join("|"));
        assert_eq!(
            one("mail").as_deref(),
            Some("jean.dupont@pharmacien.oc.mssante.fr")
        );
        assert_eq!(one("cn").as_deref(), Some("Jean Dupont"));
        assert_eq!(one("displayName").as_deref(), Some("Jean Dupont"));
        assert_eq!(one("sn").as_deref(), Some("Dupont"));
        assert_eq!(one("givenName").as_deref(), Some("Jean"));
        assert_eq!(one("mssTypeBal").as_deref(), Some("PER"));
        assert_eq!(one("mssRpps").as_deref(), Some("10001234567"));
        assert_eq!(one("mssIdNatPs").as_deref(), Some("810001234567"));
        assert_eq!(one("mssCodeProfession").as_deref(), Some("21"));
        assert_eq!(one("mssDematerialisation").as_deref(), Some("O"));
        assert_eq!(one("mssListeRouge").as_deref(), Some("N"));
        assert_eq!(one("mssRegion").as_deref(), Some("76"));
        assert_eq!(one("mssDepartement").as_deref(), Some("34"));
        assert_eq!(one("telephoneNumber").as_deref(), Some("+33467000000"));
        assert_eq!(one("o").as_deref(), Some("Pharmacie du Centre"));
        assert_eq!(one("street").as_deref(), Some("1 rue de la Loge"));
        assert_eq!(one("postalCode").as_deref(), Some("34000"));
        assert_eq!(one("l").as_deref(), Some("Montpellier"));
        // Attributes published by profile fields (the field table) come along.
        assert_eq!(one("mssCiviliteExercice").as_deref(), Some("DR"));
        // Absent optional fields are absent attributes.
        for absent in [
            "mssCodeSavoirFaire",
            "mssService",
            "mssDescription",
            "mssResponsable",
        ] {
            assert!(!attrs.contains_key(absent), "{absent} should be absent");
        }
    }

    #[test]
    fn every_managed_attribute_is_listed_even_without_value() {
        let mut entry = sample(Branch::Operateur, "med@medimail.fr");
        entry.rpps = None;
        entry.telephone = Some(String::new());
        let attrs = attributes(&entry);
        let names: Vec<&str> = attrs.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, *MANAGED_ATTRIBUTES);
        let values = |name: &str| attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.len());
        assert_eq!(values("mssRpps"), Some(0));
        assert_eq!(
            values("telephoneNumber"),
            Some(0),
            "empty strings are absent values"
        );
        assert!(attrs.iter().all(|(_, v)| v.len() <= 1));
    }

    #[test]
    fn names_are_kept_verbatim_and_cn_joins_prenom_and_nom() {
        let mut entry = sample(Branch::Mssante, "x@y.mssante.fr");
        entry.prenom = "Jean-Élie".into();
        entry.nom = r#"D'Artagnan, Müller + "Fils" \ <x> ; = * ( )"#.into();
        let attrs = as_map(&entry);
        assert_eq!(
            attrs.get("cn"),
            Some(&vec![
                r#"Jean-Élie D'Artagnan, Müller + "Fils" \ <x> ; = * ( )"#.to_owned()
            ])
        );
        entry.prenom = String::new();
        assert_eq!(
            as_map(&entry).get("cn").map(|v| v[0].as_str()),
            Some(entry.nom.as_str())
        );
    }

    #[test]
    fn the_yes_no_flags_are_o_and_n() {
        let mut entry = sample(Branch::Mssante, "x@y.fr");
        entry.dematerialisation = false;
        entry.liste_rouge = true;
        let attrs = as_map(&entry);
        assert_eq!(
            attrs.get("mssDematerialisation"),
            Some(&vec!["N".to_owned()])
        );
        assert_eq!(attrs.get("mssListeRouge"), Some(&vec!["O".to_owned()]));
    }

    #[test]
    fn attributes_parse_back_into_the_same_entry() {
        let mut entry = sample(Branch::Mssante, "jean.dupont@pharmacien.oc.mssante.fr");
        entry.savoir_faire = Some("SM54".into());
        entry.service = Some("Officine".into());
        entry.description = Some("BAL personnelle".into());
        entry.responsable = Some("Le titulaire".into());
        let parsed = entry_from_attributes(Branch::Mssante, &as_map(&entry));
        assert_eq!(parsed.ok(), Some(entry.clone()));

        // Names from the server may differ in case.
        let shouted: HashMap<String, Vec<String>> = as_map(&entry)
            .into_iter()
            .map(|(k, v)| (k.to_uppercase(), v))
            .collect();
        assert_eq!(
            entry_from_attributes(Branch::Mssante, &shouted).ok(),
            Some(entry)
        );
    }

    #[test]
    fn an_entry_without_mail_is_an_error() {
        let attrs = HashMap::from([("sn".to_owned(), vec!["Dupont".to_owned()])]);
        assert!(entry_from_attributes(Branch::Mssante, &attrs).is_err());
    }

    /// What the server returns for `entry`: its managed attributes and object classes.
    pub(crate) fn read_back(entry: &MailboxEntry) -> HashMap<String, Vec<String>> {
        let mut attrs = as_map(entry);
        attrs.insert(
            "objectClass".into(),
            OBJECT_CLASSES.iter().map(|c| (*c).to_owned()).collect(),
        );
        attrs
    }

    fn drifted(current: &HashMap<String, Vec<String>>, entry: &MailboxEntry) -> Vec<String> {
        drift(current, entry).into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn an_entry_as_written_has_no_drift() {
        let entry = sample(Branch::Mssante, "x@y.fr");
        assert!(drift(&read_back(&entry), &entry).is_empty());
    }

    #[test]
    fn empty_optionals_and_none_are_no_drift() {
        let stored = sample(Branch::Mssante, "x@y.fr");
        let mut wanted = stored.clone();
        wanted.service = Some(String::new());
        assert!(drift(&read_back(&stored), &wanted).is_empty());
        wanted.service = Some("Cardiologie".into());
        assert_eq!(drifted(&read_back(&stored), &wanted), ["mssService"]);
    }

    #[test]
    fn cn_and_display_name_changed_by_hand_are_drift() {
        let entry = sample(Branch::Mssante, "x@y.fr");
        let mut current = read_back(&entry);
        current.insert("cn".into(), vec!["Quelqu'un d'autre".into()]);
        current.insert("displayName".into(), vec!["JEAN DUPONT".into()]);
        let changes = drift(&current, &entry);
        assert_eq!(
            changes,
            [
                ("cn".to_owned(), vec!["Jean Dupont".to_owned()]),
                ("displayName".to_owned(), vec!["Jean Dupont".to_owned()]),
            ]
        );
    }

    #[test]
    fn an_extra_value_added_by_hand_is_drift() {
        let entry = sample(Branch::Mssante, "x@y.fr");
        let mut current = read_back(&entry);
        current.insert(
            "telephoneNumber".into(),
            vec!["+33467000000".into(), "+33600000000".into()],
        );
        assert_eq!(
            drift(&current, &entry),
            [(
                "telephoneNumber".to_owned(),
                vec!["+33467000000".to_owned()]
            )]
        );
    }

    #[test]
    fn a_managed_attribute_the_entry_no_longer_has_is_removed() {
        let stored = sample(Branch::Mssante, "x@y.fr");
        let mut wanted = stored.clone();
        wanted.telephone = None;
        assert_eq!(
            drift(&read_back(&stored), &wanted),
            [("telephoneNumber".to_owned(), Vec::<String>::new())]
        );
    }

    #[test]
    fn the_address_compares_like_its_rdn_ignoring_case_but_not_extra_values() {
        let entry = sample(Branch::Mssante, "Jean.Dupont@y.fr");
        let mut current = read_back(&entry);
        current.insert("mail".into(), vec!["jean.dupont@y.fr".into()]);
        assert!(drift(&current, &entry).is_empty());
        current.insert(
            "mail".into(),
            vec!["jean.dupont@y.fr".into(), "autre@y.fr".into()],
        );
        assert_eq!(drifted(&current, &entry), ["mail"]);
    }

    #[test]
    fn changed_fields_are_replaced_and_vanished_ones_removed() {
        let old = sample(Branch::Mssante, "x@y.fr");
        let mut new = old.clone();
        new.nom = "Durand".into();
        new.telephone = None;
        assert_eq!(
            drifted(&read_back(&old), &new),
            ["cn", "sn", "displayName", "telephoneNumber"]
        );
    }

    #[test]
    fn attribute_names_from_the_server_are_matched_case_insensitively() {
        let entry = sample(Branch::Mssante, "x@y.fr");
        let lower: HashMap<String, Vec<String>> = read_back(&entry)
            .into_iter()
            .map(|(k, v)| (k.to_lowercase(), v))
            .collect();
        assert!(drift(&lower, &entry).is_empty());
    }

    #[test]
    fn a_missing_auxiliary_class_is_drift() {
        let entry = sample(Branch::Mssante, "x@y.fr");
        let mut current = read_back(&entry);
        current.insert("objectClass".into(), vec!["inetOrgPerson".into()]);
        assert_eq!(drifted(&current, &entry), ["objectClass"]);
    }
}
