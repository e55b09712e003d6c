//! Professions (TRE_G15) and ordinal specialties (TRE_R38), read from
//! `config/nomenclatures/*.csv` (docs/domain.md §4.1, §4.2; format in that folder's README).

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, bail, ensure};

use super::fold::fold;

pub const PROFESSIONS_FILE: &str = "TRE_G15_ProfessionSante.csv";
pub const SPECIALTIES_FILE: &str = "TRE_R38_SpecialiteOrdinale.csv";

/// An active TRE_G15 profession.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Profession {
    pub code: String,
    pub label: String,
}

/// An active TRE_R38 specialty, with the TRE_G15 code of its profession.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Specialty {
    pub code: String,
    pub label: String,
    pub profession: String,
}

/// An active entry of a plain code list (columns `code;libelle;statut`), such as
/// TRE_R11_CiviliteExercice: the lists named by profile fields (`domain::profile::fields`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Code {
    pub code: String,
    pub label: String,
}

/// The active entries of both code systems, each list sorted by label, and the plain code lists
/// the profile fields name (kept in file order).
#[derive(Debug, Clone, Default)]
pub struct Nomenclatures {
    professions: Vec<Profession>,
    specialties: Vec<Specialty>,
    code_lists: Vec<(&'static str, Vec<Code>)>,
}

impl Nomenclatures {
    /// Reads `TRE_G15_ProfessionSante.csv` (columns: code;libelle;statut) and
    /// `TRE_R38_SpecialiteOrdinale.csv` (columns: code;libelle;profession;statut) from `dir`.
    ///
    /// # Errors
    /// Unreadable file, wrong header, malformed row (named by file and line), unknown
    /// `statut`, duplicate code, or a specialty whose profession is not in TRE_G15.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read nomenclature {}", path.display()))
        };
        let mut loaded = Self::from_csv(&read(PROFESSIONS_FILE)?, &read(SPECIALTIES_FILE)?)?;
        for file in super::profile::fields::code_list_files() {
            let codes = code_list(file, &read(file)?)?;
            loaded.code_lists.push((file, codes));
        }
        Ok(loaded)
    }

    /// Same as [`Nomenclatures::load`], from the files' contents.
    ///
    /// # Errors
    /// See [`Nomenclatures::load`].
    pub fn from_csv(professions_csv: &str, specialties_csv: &str) -> anyhow::Result<Self> {
        let mut all_professions = HashSet::new();
        let mut professions = Vec::new();
        for row in rows(
            PROFESSIONS_FILE,
            professions_csv,
            &["code", "libelle", "statut"],
        )? {
            let [code, label, status] = row.fields[..] else {
                bail!("{row}: wrong field count")
            };
            ensure!(
                all_professions.insert(code.to_owned()),
                "{row}: duplicate code {code}"
            );
            if parse_status(&row, status)? {
                professions.push(Profession {
                    code: code.into(),
                    label: label.into(),
                });
            }
        }

        let mut all_specialties = HashSet::new();
        let mut specialties = Vec::new();
        let header = ["code", "libelle", "profession", "statut"];
        for row in rows(SPECIALTIES_FILE, specialties_csv, &header)? {
            let [code, label, profession, status] = row.fields[..] else {
                bail!("{row}: wrong field count")
            };
            ensure!(
                all_specialties.insert(code.to_owned()),
                "{row}: duplicate code {code}"
            );
            ensure!(
                all_professions.contains(profession),
                "{row}: profession {profession} is not in {PROFESSIONS_FILE}"
            );
            if parse_status(&row, status)? {
                specialties.push(Specialty {
                    code: code.into(),
                    label: label.into(),
                    profession: profession.into(),
                });
            }
        }

        // Stable sorts: equal labels keep file order.
        professions.sort_by_cached_key(|p| fold(&p.label));
        specialties.sort_by_cached_key(|s| fold(&s.label));
        Ok(Self {
            professions,
            specialties,
            code_lists: Vec::new(),
        })
    }

    /// Active professions, sorted by label.
    pub fn professions(&self) -> &[Profession] {
        &self.professions
    }

    /// The active profession with this TRE_G15 code.
    pub fn profession(&self, code: &str) -> Option<&Profession> {
        self.professions.iter().find(|p| p.code == code)
    }

    /// Active specialties of a profession (TRE_G15 code), sorted by label.
    pub fn specialties_of(&self, profession: &str) -> Vec<&Specialty> {
        self.specialties
            .iter()
            .filter(|s| s.profession == profession)
            .collect()
    }

    /// The active specialty with this TRE_R38 code.
    pub fn specialty(&self, code: &str) -> Option<&Specialty> {
        self.specialties.iter().find(|s| s.code == code)
    }

    /// The active entries of the code list read from `file` (empty when it was not loaded).
    pub fn code_list(&self, file: &str) -> &[Code] {
        self.code_lists
            .iter()
            .find(|(f, _)| *f == file)
            .map_or(&[], |(_, codes)| codes.as_slice())
    }

    /// The active entry `code` of the code list read from `file`.
    pub fn code(&self, file: &str, code: &str) -> Option<&Code> {
        self.code_list(file).iter().find(|c| c.code == code)
    }
}

/// A plain code list: `code;libelle;statut`, active rows only, in file order.
fn code_list(file: &'static str, csv: &str) -> anyhow::Result<Vec<Code>> {
    let mut seen = HashSet::new();
    let mut codes = Vec::new();
    for row in rows(file, csv, &["code", "libelle", "statut"])? {
        let [code, label, status] = row.fields[..] else {
            bail!("{row}: wrong field count")
        };
        ensure!(seen.insert(code.to_owned()), "{row}: duplicate code {code}");
        if parse_status(&row, status)? {
            codes.push(Code {
                code: code.into(),
                label: label.into(),
            });
        }
    }
    Ok(codes)
}

struct Row<'a> {
    file: &'static str,
    line: usize,
    fields: Vec<&'a str>,
}

impl std::fmt::Display for Row<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} line {}", self.file, self.line)
    }
}

/// Splits a `;`-separated file with the given header into rows of exactly that many
/// non-empty, trimmed fields. Tolerates a UTF-8 BOM, CRLF line ends and blank lines.
fn rows<'a>(file: &'static str, text: &'a str, header: &[&str]) -> anyhow::Result<Vec<Row<'a>>> {
    let mut lines = text.trim_start_matches('\u{feff}').lines().enumerate();
    let Some((_, first)) = lines.next() else {
        bail!("{file} is empty")
    };
    let found: Vec<&str> = first.split(';').map(str::trim).collect();
    ensure!(
        found == header,
        "{file}: header must be `{}`",
        header.join(";")
    );

    lines
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let row = Row {
                file,
                line: index + 1,
                fields: line.split(';').map(str::trim).collect(),
            };
            ensure!(
                row.fields.len() == header.len(),
                "{row}: expected {} fields, found {}",
                header.len(),
                row.fields.len()
            );
            ensure!(
                row.fields.iter().all(|f| !f.is_empty()),
                "{row}: empty field"
            );
            Ok(row)
        })
        .collect()
}

/// `true` for an active row.
fn parse_status(row: &Row<'_>, status: &str) -> anyhow::Result<bool> {
    match status {
        "actif" => Ok(true),
        "obsolete" => Ok(false),
        other => bail!("{row}: statut must be `actif` or `obsolete`, found `{other}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real() -> Nomenclatures {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/nomenclatures");
        Nomenclatures::load(&dir).unwrap()
    }

    const G15: &str = "code;libelle;statut\n10;Médecin;actif\n21;Pharmacien;actif\n";

    #[test]
    fn the_shipped_files_load_with_only_active_entries() {
        let n = real();
        // §4.1: 30 codes, 6 deprecated; §4.2: 110 codes, the 4 pharmacist ones deprecated.
        assert_eq!(n.professions().len(), 24);
        assert_eq!(n.specialties.len(), 106);
        assert_eq!(n.profession("21").unwrap().label, "Pharmacien");
        assert!(n.profession("35").is_none(), "aide-soignant is deprecated");
        assert!(
            n.profession("93").is_none(),
            "psychologue was created deprecated"
        );
        assert!(
            n.specialties_of("21").is_empty(),
            "SP01-SP04 are deprecated"
        );
    }

    #[test]
    fn specialties_belong_to_the_profession_of_their_prefix() {
        let n = real();
        assert_eq!(
            n.specialty("SM26").unwrap().label,
            "Qualifié en médecine générale"
        );
        assert_eq!(n.specialties_of("10").len(), 95);
        assert_eq!(n.specialties_of("40").len(), 3);
        assert_eq!(n.specialties_of("60").len(), 8);
        for (prefix, profession) in [("SM", "10"), ("SCD", "40"), ("SI", "60")] {
            for s in n.specialties_of(profession) {
                assert!(s.code.starts_with(prefix), "{} under {profession}", s.code);
            }
        }
    }

    #[test]
    fn professions_are_sorted_by_label_ignoring_accents() {
        let n = real();
        let labels: Vec<&str> = n.professions().iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels.first(), Some(&"Assistant dentaire"));
        let epithesiste = labels.iter().position(|l| *l == "Épithésiste").unwrap();
        assert_eq!(labels[epithesiste - 1], "Diététicien");
        assert_eq!(labels[epithesiste + 1], "Ergothérapeute");
    }

    #[test]
    fn specialties_are_sorted_by_label() {
        let n = real();
        let labels: Vec<&str> = n
            .specialties_of("40")
            .iter()
            .map(|s| s.label.as_str())
            .collect();
        assert_eq!(
            labels,
            [
                "Chirurgie orale",
                "Médecine bucco-dentaire",
                "Orthopédie dento-faciale"
            ]
        );
    }

    #[test]
    fn unknown_codes_are_not_found() {
        let n = real();
        assert!(n.profession("99").is_none());
        assert!(n.specialty("SM99").is_none());
        assert!(n.specialty("SP01").is_none(), "deprecated");
    }

    #[test]
    fn crlf_bom_and_blank_lines_are_tolerated() {
        let g15 = "\u{feff}code;libelle;statut\r\n10;Médecin;actif\r\n\r\n";
        let r38 =
            "code;libelle;profession;statut\r\nSM26;Qualifié en médecine générale;10;actif\r\n";
        let n = Nomenclatures::from_csv(g15, r38).unwrap();
        assert_eq!(n.profession("10").unwrap().label, "Médecin");
        assert_eq!(n.specialty("SM26").unwrap().profession, "10");
    }

    #[test]
    fn a_wrong_header_is_an_error() {
        let err = Nomenclatures::from_csv("code,libelle,statut\n", "").unwrap_err();
        assert!(err.to_string().contains("header"), "{err}");
    }

    #[test]
    fn a_row_with_missing_fields_is_an_error_naming_the_line() {
        let err = Nomenclatures::from_csv("code;libelle;statut\n10;Médecin\n", "").unwrap_err();
        assert_eq!(
            err.to_string(),
            "TRE_G15_ProfessionSante.csv line 2: expected 3 fields, found 2"
        );
    }

    #[test]
    fn an_unknown_status_is_an_error() {
        let err = Nomenclatures::from_csv("code;libelle;statut\n10;Médecin;oui\n", "").unwrap_err();
        assert!(err.to_string().contains("statut"), "{err}");
    }

    #[test]
    fn a_duplicate_code_is_an_error() {
        let g15 = "code;libelle;statut\n10;Médecin;actif\n10;Docteur;actif\n";
        let err = Nomenclatures::from_csv(g15, "code;libelle;profession;statut\n").unwrap_err();
        assert!(err.to_string().contains("duplicate"), "{err}");
    }

    #[test]
    fn a_specialty_of_an_unknown_profession_is_an_error() {
        let r38 = "code;libelle;profession;statut\nSM01;Anatomie;11;actif\n";
        let err = Nomenclatures::from_csv(G15, r38).unwrap_err();
        assert!(err.to_string().contains("profession 11"), "{err}");
    }

    #[test]
    fn a_missing_directory_is_an_error() {
        assert!(Nomenclatures::load(Path::new("/nonexistent")).is_err());
    }
}
