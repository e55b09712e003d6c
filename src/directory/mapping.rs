//! [`MailboxEntry`] ⇄ LDAP attributes. Pure functions: the LDAP adapter, the reconciliation and
//! the tests share them, so "what we write" and "what we compare" cannot disagree.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use anyhow::Context as _;

use super::{Branch, Holder, MailboxEntry};
use crate::domain::profile::fields::ldap_attributes;

/// Object classes of a person's mailbox entry: `inetOrgPerson`'s chain plus our auxiliary
/// class.
pub const PERSON_OBJECT_CLASSES: [&str; 5] = [
    "top",
    "person",
    "organizationalPerson",
    "inetOrgPerson",
    "mssanteBoiteLettre",
];

/// Object classes of an organisational mailbox entry (BAL ORG): the standard structural class
/// for a function or role of an organisation (RFC 4519 §3.11: `cn` required, address and
/// telephone allowed) plus our auxiliary class, which brings `mail`, `o`, `displayName` and the
/// `mss*` attributes. No person class, so no `sn`/`givenName` can be written by mistake.
pub const ORGANISATION_OBJECT_CLASSES: [&str; 3] =
    ["top", "organizationalRole", "mssanteBoiteLettre"];

/// The object classes of an entry of `holder`.
pub fn object_classes(holder: &Holder) -> &'static [&'static str] {
    match holder {
        Holder::Person { .. } => &PERSON_OBJECT_CLASSES,
        Holder::Organisation { .. } => &ORGANISATION_OBJECT_CLASSES,
    }
}

/// The structural object class of an entry of `holder`: the one a modify cannot change.
fn structural_class(holder: &Holder) -> &'static str {
    match holder {
        Holder::Person { .. } => "inetOrgPerson",
        Holder::Organisation { .. } => "organizationalRole",
    }
}

/// Every attribute the service manages on a mailbox entry, `objectClass` excluded: the fixed
/// ones below, then those the profile field table publishes. An upsert makes exactly these equal
/// to the entry; other attributes (added by hand) are left alone.
pub static MANAGED_ATTRIBUTES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    FIXED_ATTRIBUTES
        .into_iter()
        .chain(ldap_attributes())
        .collect()
});

const FIXED_ATTRIBUTES: [&str; 23] = [
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
    "mssIdNatStruct",
    "mssRegion",
    "mssDepartement",
    "telephoneNumber",
    "o",
    "street",
    "postalCode",
    "l",
];

impl Holder {
    /// An organisation holder with its responsables normalised the way they are read back from
    /// the directory: empty ones dropped, duplicates (ignoring case, as `mssResponsable`
    /// compares) dropped, sorted. Entries built with it compare equal to what
    /// [`Directory::find`](super::Directory::find) and `list` return.
    pub fn organisation(
        libelle: impl Into<String>,
        id_nat_struct: Option<String>,
        responsables: impl IntoIterator<Item = String>,
    ) -> Self {
        Holder::Organisation {
            libelle: libelle.into(),
            id_nat_struct,
            responsables: normalised_responsables(responsables),
        }
    }
}

/// Non-empty, distinct ignoring ASCII case (the first spelling kept), sorted: a set of
/// `mssResponsable` values slapd accepts (it refuses two values equal under caseIgnoreMatch)
/// and that reads back in a fixed order (the server keeps no order we could rely on: ldap3
/// sends values as a set).
fn normalised_responsables(responsables: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut kept: Vec<String> = responsables
        .into_iter()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty() && seen.insert(r.to_ascii_lowercase()))
        .collect();
    kept.sort_by_key(|r| r.to_ascii_lowercase());
    kept
}

/// The values of the holder's own attributes; what the other kind of holder has stays empty.
#[derive(Default)]
struct HolderValues {
    /// `cn` and `displayName`.
    display: String,
    nom: Option<String>,
    prenom: Option<String>,
    rpps: Option<String>,
    id_nat_ps: Option<String>,
    profession: Option<String>,
    savoir_faire: Option<String>,
    id_nat_struct: Option<String>,
    responsables: Vec<String>,
}

impl HolderValues {
    fn of(holder: &Holder) -> Self {
        match holder {
            Holder::Person {
                nom,
                prenom,
                rpps,
                id_nat_ps,
                profession_code,
                savoir_faire,
            } => Self {
                display: format!("{} {}", prenom.trim(), nom.trim())
                    .trim()
                    .to_owned(),
                nom: Some(nom.clone()),
                prenom: Some(prenom.clone()),
                rpps: rpps.clone(),
                id_nat_ps: id_nat_ps.clone(),
                profession: Some(profession_code.clone()),
                savoir_faire: savoir_faire.clone(),
                ..Self::default()
            },
            Holder::Organisation {
                libelle,
                id_nat_struct,
                responsables,
            } => Self {
                display: libelle.trim().to_owned(),
                id_nat_struct: id_nat_struct.clone(),
                responsables: normalised_responsables(responsables.iter().cloned()),
                ..Self::default()
            },
        }
    }
}

/// The managed attributes of `entry`, in [`MANAGED_ATTRIBUTES`] order, each with its values.
///
/// Every managed attribute is listed, with no value when the entry has none: a `Replace` with
/// no value removes the attribute (RFC 4511 §4.6), and `add` skips empty ones. Empty strings
/// are treated as absent (a Directory String cannot be empty). An organisation has no value for
/// the person attributes and a person none for `mssResponsable` and `mssIdNatStruct`.
pub fn attributes(entry: &MailboxEntry) -> Vec<(&'static str, Vec<String>)> {
    let yes_no = |b: bool| Some(if b { "O" } else { "N" }.to_owned());
    let holder = HolderValues::of(&entry.holder);
    let single = |value: Option<String>| -> Vec<String> {
        value.filter(|v| !v.is_empty()).into_iter().collect()
    };
    let values: [(&'static str, Vec<String>); 23] = [
        ("mail", single(Some(entry.mail.clone()))),
        ("cn", single(Some(holder.display.clone()))),
        ("sn", single(holder.nom)),
        ("givenName", single(holder.prenom)),
        ("displayName", single(Some(holder.display))),
        ("mssTypeBal", single(Some(entry.bal_type.clone()))),
        ("mssRpps", single(holder.rpps)),
        ("mssIdNatPs", single(holder.id_nat_ps)),
        ("mssCodeProfession", single(holder.profession)),
        ("mssCodeSavoirFaire", single(holder.savoir_faire)),
        (
            "mssDematerialisation",
            single(yes_no(entry.dematerialisation)),
        ),
        ("mssListeRouge", single(yes_no(entry.liste_rouge))),
        ("mssService", single(entry.service.clone())),
        ("mssDescription", single(entry.description.clone())),
        ("mssResponsable", holder.responsables),
        ("mssIdNatStruct", single(holder.id_nat_struct)),
        ("mssRegion", single(Some(entry.region.clone()))),
        ("mssDepartement", single(entry.departement.clone())),
        ("telephoneNumber", single(entry.telephone.clone())),
        ("o", single(entry.organisation.clone())),
        ("street", single(entry.street.clone())),
        ("postalCode", single(entry.postal_code.clone())),
        ("l", single(entry.locality.clone())),
    ];
    let published = ldap_attributes().map(|name| {
        let value = entry
            .published
            .iter()
            .find(|(attribute, _)| attribute == name)
            .map(|(_, v)| v.clone());
        (name, single(value))
    });
    values.into_iter().chain(published).collect()
}

/// Parses an entry read back from the directory (attribute name → values, as in
/// `ldap3::SearchEntry::attrs`; names are matched case-insensitively).
///
/// The holder is an organisation exactly when `mssTypeBal` is `ORG` (any case): its libellé is
/// `cn`, its responsables every value of `mssResponsable` (normalised as by
/// [`Holder::organisation`]). Otherwise it is a person. Missing attributes become empty strings
/// / `None`; `mssDematerialisation` and `mssListeRouge` are true only for "O". Fails only when
/// `mail` is missing.
pub fn entry_from_attributes(
    branch: Branch,
    attrs: &HashMap<String, Vec<String>>,
) -> anyhow::Result<MailboxEntry> {
    let by_name: HashMap<String, &Vec<String>> = attrs
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let all = |name: &str| -> Vec<String> {
        by_name
            .get(&name.to_ascii_lowercase())
            .map(|values| values.to_vec())
            .unwrap_or_default()
    };
    let opt =
        |name: &str| -> Option<String> { all(name).into_iter().next().filter(|v| !v.is_empty()) };
    let text = |name: &str| opt(name).unwrap_or_default();
    let flag = |name: &str| opt(name).is_some_and(|v| v.eq_ignore_ascii_case("O"));
    let bal_type = text("mssTypeBal");
    let holder = if bal_type.eq_ignore_ascii_case("ORG") {
        Holder::organisation(text("cn"), opt("mssIdNatStruct"), all("mssResponsable"))
    } else {
        Holder::Person {
            nom: text("sn"),
            prenom: text("givenName"),
            rpps: opt("mssRpps"),
            id_nat_ps: opt("mssIdNatPs"),
            profession_code: text("mssCodeProfession"),
            savoir_faire: opt("mssCodeSavoirFaire"),
        }
    };
    Ok(MailboxEntry {
        branch,
        mail: opt("mail").context("directory entry without a mail attribute")?,
        bal_type,
        holder,
        dematerialisation: flag("mssDematerialisation"),
        liste_rouge: flag("mssListeRouge"),
        service: opt("mssService"),
        description: opt("mssDescription"),
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

/// Whether `current` (an entry as read from the server) lacks the structural object class of
/// `entry`'s holder: a person's entry where an organisation is wanted, or the reverse. No
/// modify can fix that (RFC 4512 §2.4.2: an entry's structural class cannot change), so the
/// entry must be deleted and added again.
pub fn needs_recreate(current: &HashMap<String, Vec<String>>, entry: &MailboxEntry) -> bool {
    let wanted = structural_class(&entry.holder);
    !current
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("objectClass"))
        .flat_map(|(_, classes)| classes)
        .any(|class| class.eq_ignore_ascii_case(wanted))
}

/// The attribute replacements that make `current` (an entry as read from the server: every
/// managed attribute and `objectClass`, names in any case) carry exactly what `entry` says.
///
/// The FULL value set of every managed attribute is compared, not the parsed entry: `cn` and
/// `displayName` (derived from the names, so invisible once parsed) and a second value added
/// by hand to any attribute (a second `telephoneNumber`) are drift like any other. Values
/// compare exactly and as sets (LDAP values have no order), so a change of case is repaired
/// too, and the multi-valued `mssResponsable` of an organisation drifts only when its set of
/// addresses differs. Each difference is one `(name, values)` to be written as an LDAP
/// `replace` (RFC 4511 §4.6): no value removes the attribute, which is how a managed attribute
/// the entry no longer has is dropped. Only differences are listed, so an organisation's entry
/// never receives a replace of a person attribute it does not have (and the reverse).
/// `objectClass` is replaced when one of the holder's classes is missing (an entry created by
/// hand without the auxiliary class); a wrong STRUCTURAL class is [`needs_recreate`]'s case.
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
    let wanted_classes = object_classes(&entry.holder);
    if !wanted_classes
        .iter()
        .all(|c| classes.contains(&c.to_ascii_lowercase()))
    {
        changes.push((
            "objectClass".to_owned(),
            wanted_classes.iter().map(|c| (*c).to_owned()).collect(),
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
            holder: Holder::Person {
                nom: "Dupont".into(),
                prenom: "Jean".into(),
                rpps: Some("10001234567".into()),
                id_nat_ps: Some("810001234567".into()),
                profession_code: "21".into(),
                savoir_faire: None,
            },
            dematerialisation: true,
            liste_rouge: false,
            service: None,
            description: None,
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

    /// A BAL ORG of a cardiology department with two responsables.
    pub(crate) fn sample_org(branch: Branch, mail: &str) -> MailboxEntry {
        MailboxEntry {
            branch,
            mail: mail.to_owned(),
            bal_type: "ORG".into(),
            holder: Holder::organisation(
                "Secrétariat de cardiologie",
                Some("1340780477".into()),
                [
                    "paul.martin@medecin.oc.mssante.fr".to_owned(),
                    "anne.petit@medecin.oc.mssante.fr".to_owned(),
                ],
            ),
            dematerialisation: true,
            liste_rouge: false,
            service: Some("Cardiologie".into()),
            description: Some("Prise de rendez-vous et comptes rendus".into()),
            region: "76".into(),
            departement: Some("34".into()),
            telephone: Some("+33467330000".into()),
            organisation: Some("CHU de Montpellier".into()),
            street: Some("191 avenue du Doyen Gaston Giraud".into()),
            postal_code: Some("34295".into()),
            locality: Some("Montpellier".into()),
            published: Vec::new(),
        }
    }

    /// The person fields of a sample entry, to change them.
    struct Person<'a> {
        nom: &'a mut String,
        prenom: &'a mut String,
        rpps: &'a mut Option<String>,
        savoir_faire: &'a mut Option<String>,
    }

    fn person(entry: &mut MailboxEntry) -> Person<'_> {
        match &mut entry.holder {
            Holder::Person {
                nom,
                prenom,
                rpps,
                savoir_faire,
                ..
            } => Person {
                nom,
                prenom,
                rpps,
                savoir_faire,
            },
            Holder::Organisation { .. } => unreachable!("a person sample"),
        }
    }

    /// The responsables of an organisation sample, to change them.
    fn responsables(entry: &mut MailboxEntry) -> &mut Vec<String> {
        match &mut entry.holder {
            Holder::Organisation { responsables, .. } => responsables,
            Holder::Person { .. } => unreachable!("an organisation sample"),
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
        *person(&mut entry).rpps = None;
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
        *person(&mut entry).prenom = "Jean-Élie".into();
        *person(&mut entry).nom = r#"D'Artagnan, Müller + "Fils" \ <x> ; = * ( )"#.into();
        let attrs = as_map(&entry);
        assert_eq!(
            attrs.get("cn"),
            Some(&vec![
                r#"Jean-Élie D'Artagnan, Müller + "Fils" \ <x> ; = * ( )"#.to_owned()
            ])
        );
        *person(&mut entry).prenom = String::new();
        assert_eq!(
            as_map(&entry).get("cn").map(|v| v[0].as_str()),
            Some(r#"D'Artagnan, Müller + "Fils" \ <x> ; = * ( )"#)
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
        *person(&mut entry).savoir_faire = Some("SM54".into());
        entry.service = Some("Officine".into());
        entry.description = Some("BAL personnelle".into());
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
            object_classes(&entry.holder)
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
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
        *person(&mut new).nom = "Durand".into();
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

    const PERSON_ATTRIBUTES: [&str; 6] = [
        "sn",
        "givenName",
        "mssRpps",
        "mssIdNatPs",
        "mssCodeProfession",
        "mssCodeSavoirFaire",
    ];

    #[test]
    fn an_org_entry_maps_to_its_libelle_structure_and_responsables_without_person_attributes() {
        let entry = sample_org(Branch::Mssante, "secretariat.cardiologie@oc.mssante.fr");
        let attrs = as_map(&entry);
        let one = |name: &str| attrs.get(name).map(|v| v.join("|"));
        assert_eq!(
            object_classes(&entry.holder),
            ["top", "organizationalRole", "mssanteBoiteLettre"]
        );
        assert_eq!(
            one("mail").as_deref(),
            Some("secretariat.cardiologie@oc.mssante.fr")
        );
        assert_eq!(one("cn").as_deref(), Some("Secrétariat de cardiologie"));
        assert_eq!(
            one("displayName").as_deref(),
            Some("Secrétariat de cardiologie")
        );
        assert_eq!(one("mssTypeBal").as_deref(), Some("ORG"));
        assert_eq!(one("o").as_deref(), Some("CHU de Montpellier"));
        assert_eq!(one("mssIdNatStruct").as_deref(), Some("1340780477"));
        assert_eq!(one("mssService").as_deref(), Some("Cardiologie"));
        assert_eq!(
            one("mssDescription").as_deref(),
            Some("Prise de rendez-vous et comptes rendus")
        );
        assert_eq!(
            attrs.get("mssResponsable"),
            Some(&vec![
                "anne.petit@medecin.oc.mssante.fr".to_owned(),
                "paul.martin@medecin.oc.mssante.fr".to_owned(),
            ]),
            "one value per responsable"
        );
        assert_eq!(one("telephoneNumber").as_deref(), Some("+33467330000"));
        assert_eq!(one("postalCode").as_deref(), Some("34295"));
        for absent in PERSON_ATTRIBUTES {
            assert!(!attrs.contains_key(absent), "{absent} on an ORG entry");
        }
    }

    #[test]
    fn a_person_has_no_responsable_nor_structure_identifier() {
        let attrs = as_map(&sample(Branch::Mssante, "x@y.fr"));
        assert!(!attrs.contains_key("mssResponsable"));
        assert!(!attrs.contains_key("mssIdNatStruct"));
    }

    #[test]
    fn responsables_are_written_once_each_ignoring_case_and_blanks() {
        let mut entry = sample_org(Branch::Mssante, "org@oc.mssante.fr");
        // Built by hand, not through Holder::organisation: attributes() still writes a set
        // slapd accepts (it refuses two values equal under caseIgnoreMatch).
        *responsables(&mut entry) = vec![
            "b@x.fr".into(),
            " ".into(),
            "A@x.fr".into(),
            "B@X.FR".into(),
        ];
        assert_eq!(
            as_map(&entry).get("mssResponsable"),
            Some(&vec!["A@x.fr".to_owned(), "b@x.fr".to_owned()])
        );
        assert_eq!(
            Holder::organisation(
                "L",
                None,
                [
                    "b@x.fr".to_owned(),
                    "A@x.fr".to_owned(),
                    "a@X.fr".to_owned()
                ]
            ),
            Holder::Organisation {
                libelle: "L".into(),
                id_nat_struct: None,
                responsables: vec!["A@x.fr".into(), "b@x.fr".into()],
            }
        );
    }

    #[test]
    fn an_org_entry_parses_back_into_the_same_entry() {
        let entry = sample_org(Branch::Operateur, "org@medimail.fr");
        assert_eq!(
            entry_from_attributes(Branch::Operateur, &as_map(&entry)).ok(),
            Some(entry.clone())
        );
        // Values come back in any order, and the type in any case.
        let mut attrs = as_map(&entry);
        if let Some(values) = attrs.get_mut("mssResponsable") {
            values.reverse();
        }
        attrs.insert("mssTypeBal".into(), vec!["org".into()]);
        let parsed = entry_from_attributes(Branch::Operateur, &attrs).ok();
        assert_eq!(parsed.map(|e| e.holder), Some(entry.holder));
    }

    #[test]
    fn an_org_entry_as_written_has_no_drift_whatever_the_order_of_its_responsables() {
        let entry = sample_org(Branch::Mssante, "org@oc.mssante.fr");
        let mut current = read_back(&entry);
        assert!(drift(&current, &entry).is_empty());
        if let Some(values) = current.get_mut("mssResponsable") {
            values.reverse();
        }
        assert!(drift(&current, &entry).is_empty(), "a set, not a list");
        assert!(!needs_recreate(&current, &entry));
    }

    #[test]
    fn a_changed_set_of_responsables_is_one_replace_of_every_value() {
        let stored = sample_org(Branch::Mssante, "org@oc.mssante.fr");
        let mut wanted = stored.clone();
        responsables(&mut wanted).retain(|r| r.starts_with("paul"));
        responsables(&mut wanted).push("zoe.roux@medecin.oc.mssante.fr".into());
        wanted.description = Some("Comptes rendus".into());
        assert_eq!(
            drift(&read_back(&stored), &wanted),
            [
                (
                    "mssDescription".to_owned(),
                    vec!["Comptes rendus".to_owned()]
                ),
                (
                    "mssResponsable".to_owned(),
                    vec![
                        "paul.martin@medecin.oc.mssante.fr".to_owned(),
                        "zoe.roux@medecin.oc.mssante.fr".to_owned(),
                    ]
                ),
            ]
        );
        // The last responsable gone: the attribute is removed.
        responsables(&mut wanted).clear();
        assert!(
            drift(&read_back(&stored), &wanted)
                .contains(&("mssResponsable".to_owned(), Vec::new()))
        );
    }

    #[test]
    fn drift_of_an_org_entry_never_names_a_person_attribute() {
        let stored = sample_org(Branch::Mssante, "org@oc.mssante.fr");
        let mut wanted = stored.clone();
        wanted.telephone = None;
        wanted.service = None;
        wanted.holder = Holder::organisation("Secrétariat", None, Vec::new());
        let names = drifted(&read_back(&stored), &wanted);
        assert_eq!(
            names,
            [
                "cn",
                "displayName",
                "mssService",
                "mssResponsable",
                "mssIdNatStruct",
                "telephoneNumber"
            ]
        );
    }

    #[test]
    fn a_person_entry_where_an_org_is_wanted_must_be_recreated_not_modified() {
        let person_entry = sample(Branch::Mssante, "x@oc.mssante.fr");
        let org = sample_org(Branch::Mssante, "x@oc.mssante.fr");
        assert!(needs_recreate(&read_back(&person_entry), &org));
        assert!(needs_recreate(&read_back(&org), &person_entry));
        // A missing auxiliary class is a plain objectClass replace.
        let mut current = read_back(&org);
        current.insert(
            "objectClass".into(),
            vec!["top".into(), "organizationalRole".into()],
        );
        assert!(!needs_recreate(&current, &org));
        assert_eq!(drifted(&current, &org), ["objectClass"]);
    }
}
