//! The national MSSanté extraction format: what the ANS publishes daily as
//! `Extraction_Correspondance_MSSante` (domain.md §3.5), one `|`-separated line of 31 columns per
//! published mailbox, after a header line naming them. `mss-onboarding directory export
//! --format ans` and `GET /admin/export-annuaire` write our own published boxes in it, so that
//! what the operator sends and what the ANS shows can be compared line by line.
//!
//! This module is the writer alone: a line is built from a [`MailboxEntry`] (what publication
//! decided to publish, `services::publication`) plus what the entry does not carry (the
//! structure of a person's box, the labels of the codes). Columns the service does not hold
//! stay empty, as `config/ldap/README.md` lists them.
//!
//! The format has no quoting nor escaping: a `|` or a line break inside a value would shift
//! every later column, so [`clean`] replaces them (a `|` by `/`, line breaks by a space).

use super::{Holder, MailboxEntry};

/// The 31 column names of the extraction, in order, as its header line spells them.
pub const COLUMNS: [&str; 31] = [
    "Type de BAL",
    "Adresse BAL",
    "Type Identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Type identifiant structure",
    "Identification Structure",
    "Service de rattachement",
    "Civilité d'exercice",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Catégorie profession",
    "Libellé de catégorie profession",
    "Code Profession",
    "Libellé Profession",
    "Code savoir-faire",
    "Libellé savoir-faire",
    "Dématérialisation",
    "Raison Sociale structure BAL",
    "Enseigne commerciale structure BAL",
    "L2COMPLEMENTLOCALISATION structure BAL",
    "L3COMPLEMENTDISTRIBUTION structure BAL",
    "L4NUMEROVOIE structure BAL",
    "L4COMPLEMENTNUMEROVOIE structure BAL",
    "NL4TYPEVOIE structure BAL",
    "L4LIBELLEVOIE structure BAL",
    "L5LIEUDITMENTION structure BAL",
    "L6LIGNEACHEMINEMENT structure BAL",
    "Code postal structure BAL",
    "Département structure BAL",
    "Pays structure BAL",
];

/// The column separator.
pub const SEPARATOR: char = '|';

/// The LDAP attribute the profile field "civilité d'exercice" is published as (its field
/// descriptor's `ldap`), read back from [`MailboxEntry::published`].
const CIVILITE_ATTRIBUTE: &str = "mssCiviliteExercice";

/// What a line needs besides its entry: labels of its codes and the structure of a person's box.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extras {
    /// TRE_G15 label of the entry's profession code.
    pub profession_label: Option<String>,
    /// TRE_R38 label of the entry's savoir-faire code.
    pub savoir_faire_label: Option<String>,
    /// A person's structure, as an idNatStruct (TRE_G07 prefix + identifier, `1` + FINESS),
    /// when the profile names one. An organisation's comes from its holder.
    pub person_structure: Option<String>,
}

/// The header line, without its line break.
pub fn header() -> String {
    COLUMNS.join(&SEPARATOR.to_string())
}

/// The 31 values of `entry`'s line, cleaned, in [`COLUMNS`] order.
pub fn values(entry: &MailboxEntry, extras: &Extras) -> [String; 31] {
    let text = |value: Option<&str>| value.map(clean).unwrap_or_default();
    let (nom, prenom, id_nat_ps, profession, savoir_faire, structure) = match &entry.holder {
        Holder::Person {
            nom,
            prenom,
            id_nat_ps,
            profession_code,
            savoir_faire,
            ..
        } => (
            Some(nom.as_str()),
            Some(prenom.as_str()),
            id_nat_ps.as_deref(),
            Some(profession_code.as_str()),
            savoir_faire.as_deref(),
            extras.person_structure.as_deref(),
        ),
        Holder::Organisation { id_nat_struct, .. } => {
            (None, None, None, None, None, id_nat_struct.as_deref())
        }
    };
    // idNatPs = TRE_G08 type (8 RPPS, 0 ADELI) + the number (domain.md §2.1–2.3): its first
    // character is the type column, the rest the identifier column.
    let (id_type, id_number) = split_first(id_nat_ps);
    // idNatStruct = TRE_G07 type (1 FINESS, 3 SIRET…) + the identifier (domain.md §2.4).
    let (structure_type, _) = split_first(structure);
    let civilite = entry
        .published
        .iter()
        .find(|(attribute, _)| attribute == CIVILITE_ATTRIBUTE)
        .map(|(_, value)| value.as_str());
    let street = Street::split(entry.street.as_deref().unwrap_or_default());
    let acheminement = match (entry.postal_code.as_deref(), entry.locality.as_deref()) {
        (Some(cp), Some(ville)) => Some(format!("{cp} {}", ville.to_uppercase())),
        (None, Some(ville)) => Some(ville.to_uppercase()),
        (Some(cp), None) => Some(cp.to_owned()),
        (None, None) => None,
    };
    let none = String::new;
    [
        clean(&entry.bal_type),
        clean(&entry.mail),
        text(id_type),
        text(id_number),
        text(id_nat_ps),
        text(structure_type),
        text(structure),
        text(entry.service.as_deref()),
        text(civilite),
        text(nom),
        text(prenom),
        // Catégorie professionnelle (TRE_R09) and its label: not held.
        none(),
        none(),
        text(profession),
        text(profession.and(extras.profession_label.as_deref())),
        text(savoir_faire),
        text(savoir_faire.and(extras.savoir_faire_label.as_deref())),
        if entry.dematerialisation { "O" } else { "N" }.to_owned(),
        text(entry.organisation.as_deref()),
        // Enseigne commerciale, L2 and L3: not held.
        none(),
        none(),
        none(),
        text(street.number),
        text(street.complement),
        // The type of street stays in the libellé: the profile holds the street as one line,
        // and splitting "rue", "avenue"… off it would guess.
        none(),
        text(street.libelle),
        none(),
        text(acheminement.as_deref()),
        text(entry.postal_code.as_deref()),
        text(entry.departement.as_deref()),
        // Pays: not held (every box is in France).
        none(),
    ]
}

/// One line, without its line break.
pub fn line(entry: &MailboxEntry, extras: &Extras) -> String {
    values(entry, extras).join(&SEPARATOR.to_string())
}

/// The whole file: the header, then one line per entry, each ended by `\n`.
pub fn write<'a>(lines: impl IntoIterator<Item = (&'a MailboxEntry, &'a Extras)>) -> String {
    let mut out = header();
    out.push('\n');
    for (entry, extras) in lines {
        out.push_str(&line(entry, extras));
        out.push('\n');
    }
    out
}

/// A value as the format can carry it: trimmed, no separator, no line break.
pub fn clean(value: &str) -> String {
    value
        .trim()
        .chars()
        .map(|c| match c {
            SEPARATOR => '/',
            '\r' | '\n' | '\t' => ' ',
            c => c,
        })
        .collect()
}

/// `("8", "10001234567")` from `"810001234567"`.
fn split_first(value: Option<&str>) -> (Option<&str>, Option<&str>) {
    match value.filter(|v| !v.is_empty()) {
        Some(v) => {
            let at = v.chars().next().map_or(0, char::len_utf8);
            (Some(&v[..at]), Some(&v[at..]).filter(|r| !r.is_empty()))
        }
        None => (None, None),
    }
}

/// A one-line street split the way the L4 columns want it, as far as it can be without
/// guessing: a leading house number, then an optional repetition index (bis, ter…), then the
/// rest.
#[derive(Debug, PartialEq, Eq)]
struct Street<'a> {
    number: Option<&'a str>,
    complement: Option<&'a str>,
    libelle: Option<&'a str>,
}

/// Repetition indices of a house number (La Poste, NF Z10-011 usage).
const COMPLEMENTS: [&str; 8] = ["B", "BIS", "T", "TER", "Q", "QUATER", "A", "C"];

impl<'a> Street<'a> {
    fn split(street: &'a str) -> Self {
        let street = street.trim();
        let mut words = street.splitn(2, char::is_whitespace);
        let first = words.next().unwrap_or_default();
        let rest = words.next().unwrap_or_default().trim_start();
        if first.is_empty() || !first.chars().all(|c| c.is_ascii_digit()) || rest.is_empty() {
            return Self {
                number: None,
                complement: None,
                libelle: Some(street).filter(|s| !s.is_empty()),
            };
        }
        let mut after = rest.splitn(2, char::is_whitespace);
        let maybe = after.next().unwrap_or_default();
        let tail = after.next().unwrap_or_default().trim_start();
        if !tail.is_empty()
            && COMPLEMENTS
                .iter()
                .any(|c| c.eq_ignore_ascii_case(maybe.trim_end_matches(',')))
        {
            return Self {
                number: Some(first),
                complement: Some(maybe.trim_end_matches(',')),
                libelle: Some(tail),
            };
        }
        Self {
            number: Some(first),
            complement: None,
            libelle: Some(rest.trim_start_matches(',').trim_start()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::mapping::tests::sample;
    use super::super::{Branch, Holder};
    use super::*;

    /// The mapping tests' pharmacist, with the fields this file's assertions read.
    fn person() -> MailboxEntry {
        let mut entry = sample(Branch::Mssante, "jeanne.dupont@pharmacien.oc.mssante.fr");
        if let Holder::Person { prenom, .. } = &mut entry.holder {
            *prenom = "Jeanne".into();
        }
        MailboxEntry {
            service: Some("Officine".into()),
            departement: Some("31".into()),
            telephone: None,
            street: Some("12 bis rue de la Loge".into()),
            postal_code: Some("31620".into()),
            locality: Some("Fronton".into()),
            ..entry
        }
    }

    #[test]
    fn the_header_has_31_columns_separated_by_pipes() {
        assert_eq!(header().split('|').count(), 31);
        assert!(header().starts_with("Type de BAL|Adresse BAL|Type Identifiant PP|"));
        assert!(header().ends_with("|Département structure BAL|Pays structure BAL"));
    }

    #[test]
    fn a_person_line_carries_its_identifiers_codes_labels_and_address() {
        let extras = Extras {
            profession_label: Some("Pharmacien".into()),
            savoir_faire_label: None,
            person_structure: Some("1310000005".into()),
        };
        let values = values(&person(), &extras);
        let at = |name: &str| {
            let i = COLUMNS.iter().position(|c| *c == name).expect(name);
            values[i].as_str()
        };
        assert_eq!(at("Type de BAL"), "PER");
        assert_eq!(at("Type Identifiant PP"), "8");
        assert_eq!(at("Identifiant PP"), "10001234567");
        assert_eq!(at("Identification nationale PP"), "810001234567");
        assert_eq!(at("Type identifiant structure"), "1");
        assert_eq!(at("Identification Structure"), "1310000005");
        assert_eq!(at("Civilité d'exercice"), "DR");
        assert_eq!(at("Code Profession"), "21");
        assert_eq!(at("Libellé Profession"), "Pharmacien");
        assert_eq!(at("Code savoir-faire"), "");
        assert_eq!(at("Dématérialisation"), "O");
        assert_eq!(at("L4NUMEROVOIE structure BAL"), "12");
        assert_eq!(at("L4COMPLEMENTNUMEROVOIE structure BAL"), "bis");
        assert_eq!(at("L4LIBELLEVOIE structure BAL"), "rue de la Loge");
        assert_eq!(at("L6LIGNEACHEMINEMENT structure BAL"), "31620 FRONTON");
        assert_eq!(at("Département structure BAL"), "31");
    }

    #[test]
    fn an_organisation_line_has_its_structure_and_no_person_values() {
        let mut entry = person();
        entry.bal_type = "ORG".into();
        entry.holder = Holder::organisation("Secrétariat", Some("3123".into()), Vec::new());
        let values = values(&entry, &Extras::default());
        assert_eq!(values[0], "ORG");
        assert_eq!((values[2].as_str(), values[3].as_str()), ("", ""));
        assert_eq!((values[5].as_str(), values[6].as_str()), ("3", "3123"));
        assert_eq!((values[9].as_str(), values[13].as_str()), ("", ""));
    }

    #[test]
    fn separators_and_line_breaks_in_values_cannot_shift_columns() {
        let mut entry = person();
        entry.service = Some("Cardio | pneumo\r\nétage 2".into());
        let line = line(&entry, &Extras::default());
        assert_eq!(line.split('|').count(), 31);
        assert!(!line.contains('\n'));
        assert!(line.contains("Cardio / pneumo  étage 2"));
    }

    #[test]
    fn streets_split_only_a_leading_number_and_repetition_index() {
        let split = |s| {
            let st = Street::split(s);
            (st.number, st.complement, st.libelle)
        };
        assert_eq!(
            split("1 place de la Mairie"),
            (Some("1"), None, Some("place de la Mairie"))
        );
        assert_eq!(
            split("3 TER, avenue Foch"),
            (Some("3"), Some("TER"), Some("avenue Foch"))
        );
        assert_eq!(
            split("Lieu-dit Les Pins"),
            (None, None, Some("Lieu-dit Les Pins"))
        );
        assert_eq!(split("12"), (None, None, Some("12")));
        assert_eq!(split(""), (None, None, None));
    }
}
