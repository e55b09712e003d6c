//! [`MailboxEntry`] ⇄ LDAP attributes. Pure functions: the LDAP adapter, the reconciliation and
//! the tests share them, so "what we write" and "what we compare" cannot disagree.

use std::collections::HashMap;
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

/// Whether two entries would be written identically (same branch and same managed
/// attributes). Finer than `==` for what matters: `Some("")` and `None` are the same.
pub(crate) fn same_content(a: &MailboxEntry, b: &MailboxEntry) -> bool {
    a.branch == b.branch && attributes(a) == attributes(b)
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

    #[test]
    fn empty_optionals_and_none_are_the_same_content() {
        let a = sample(Branch::Mssante, "x@y.fr");
        let mut b = a.clone();
        b.service = Some(String::new());
        assert!(same_content(&a, &b));
        b.service = Some("Cardiologie".into());
        assert!(!same_content(&a, &b));
        let mut c = a.clone();
        c.branch = Branch::Operateur;
        assert!(!same_content(&a, &c));
    }
}
