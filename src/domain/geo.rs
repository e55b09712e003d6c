//! Postal codes, départements and régions (docs/domain.md §4.4 and §4.5).
//!
//! The tables are small and stable (INSEE COG codes, TRE_R30_RegionOM / TRE_G09_DepartementOM),
//! so they are compiled in rather than configured.

use std::fmt;

use super::fold::fold;

#[derive(Debug, PartialEq, Eq, Hash)]
struct RegionEntry {
    code: &'static str,
    name: &'static str,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct DepartementEntry {
    code: &'static str,
    name: &'static str,
    region: &'static RegionEntry,
}

const fn r(code: &'static str, name: &'static str) -> RegionEntry {
    RegionEntry { code, name }
}

const fn d(
    code: &'static str,
    name: &'static str,
    region: &'static RegionEntry,
) -> DepartementEntry {
    DepartementEntry { code, name, region }
}

// The 18 active régions (§4.4), then the collectivités d'outre-mer, which TRE_R30 lists with
// their own code as "région".
const GUADELOUPE: RegionEntry = r("01", "Guadeloupe");
const MARTINIQUE: RegionEntry = r("02", "Martinique");
const GUYANE: RegionEntry = r("03", "Guyane");
const REUNION: RegionEntry = r("04", "La Réunion");
const MAYOTTE: RegionEntry = r("06", "Mayotte");
const ILE_DE_FRANCE: RegionEntry = r("11", "Île-de-France");
const CENTRE_VAL_DE_LOIRE: RegionEntry = r("24", "Centre-Val de Loire");
const BOURGOGNE_FRANCHE_COMTE: RegionEntry = r("27", "Bourgogne-Franche-Comté");
const NORMANDIE: RegionEntry = r("28", "Normandie");
const HAUTS_DE_FRANCE: RegionEntry = r("32", "Hauts-de-France");
const GRAND_EST: RegionEntry = r("44", "Grand Est");
const PAYS_DE_LA_LOIRE: RegionEntry = r("52", "Pays de la Loire");
const BRETAGNE: RegionEntry = r("53", "Bretagne");
const NOUVELLE_AQUITAINE: RegionEntry = r("75", "Nouvelle-Aquitaine");
const OCCITANIE: RegionEntry = r("76", "Occitanie");
const AUVERGNE_RHONE_ALPES: RegionEntry = r("84", "Auvergne-Rhône-Alpes");
const PACA: RegionEntry = r("93", "Provence-Alpes-Côte d'Azur");
const CORSE: RegionEntry = r("94", "Corse");
const SPM: RegionEntry = r("975", "Saint-Pierre-et-Miquelon");
const SAINT_BARTHELEMY: RegionEntry = r("977", "Saint-Barthélemy");
const SAINT_MARTIN: RegionEntry = r("978", "Saint-Martin");
const TAAF: RegionEntry = r("984", "Terres australes et antarctiques françaises");
const WALLIS_ET_FUTUNA: RegionEntry = r("986", "Wallis-et-Futuna");
const POLYNESIE: RegionEntry = r("987", "Polynésie française");
const NOUVELLE_CALEDONIE: RegionEntry = r("988", "Nouvelle-Calédonie");

static REGIONS: &[&RegionEntry] = &[
    &GUADELOUPE,
    &MARTINIQUE,
    &GUYANE,
    &REUNION,
    &MAYOTTE,
    &ILE_DE_FRANCE,
    &CENTRE_VAL_DE_LOIRE,
    &BOURGOGNE_FRANCHE_COMTE,
    &NORMANDIE,
    &HAUTS_DE_FRANCE,
    &GRAND_EST,
    &PAYS_DE_LA_LOIRE,
    &BRETAGNE,
    &NOUVELLE_AQUITAINE,
    &OCCITANIE,
    &AUVERGNE_RHONE_ALPES,
    &PACA,
    &CORSE,
    &SPM,
    &SAINT_BARTHELEMY,
    &SAINT_MARTIN,
    &TAAF,
    &WALLIS_ET_FUTUNA,
    &POLYNESIE,
    &NOUVELLE_CALEDONIE,
];

/// In INSEE order (2A and 2B take the place of the former 20).
static DEPARTEMENTS: &[DepartementEntry] = &[
    d("01", "Ain", &AUVERGNE_RHONE_ALPES),
    d("02", "Aisne", &HAUTS_DE_FRANCE),
    d("03", "Allier", &AUVERGNE_RHONE_ALPES),
    d("04", "Alpes-de-Haute-Provence", &PACA),
    d("05", "Hautes-Alpes", &PACA),
    d("06", "Alpes-Maritimes", &PACA),
    d("07", "Ardèche", &AUVERGNE_RHONE_ALPES),
    d("08", "Ardennes", &GRAND_EST),
    d("09", "Ariège", &OCCITANIE),
    d("10", "Aube", &GRAND_EST),
    d("11", "Aude", &OCCITANIE),
    d("12", "Aveyron", &OCCITANIE),
    d("13", "Bouches-du-Rhône", &PACA),
    d("14", "Calvados", &NORMANDIE),
    d("15", "Cantal", &AUVERGNE_RHONE_ALPES),
    d("16", "Charente", &NOUVELLE_AQUITAINE),
    d("17", "Charente-Maritime", &NOUVELLE_AQUITAINE),
    d("18", "Cher", &CENTRE_VAL_DE_LOIRE),
    d("19", "Corrèze", &NOUVELLE_AQUITAINE),
    d("2A", "Corse-du-Sud", &CORSE),
    d("2B", "Haute-Corse", &CORSE),
    d("21", "Côte-d'Or", &BOURGOGNE_FRANCHE_COMTE),
    d("22", "Côtes-d'Armor", &BRETAGNE),
    d("23", "Creuse", &NOUVELLE_AQUITAINE),
    d("24", "Dordogne", &NOUVELLE_AQUITAINE),
    d("25", "Doubs", &BOURGOGNE_FRANCHE_COMTE),
    d("26", "Drôme", &AUVERGNE_RHONE_ALPES),
    d("27", "Eure", &NORMANDIE),
    d("28", "Eure-et-Loir", &CENTRE_VAL_DE_LOIRE),
    d("29", "Finistère", &BRETAGNE),
    d("30", "Gard", &OCCITANIE),
    d("31", "Haute-Garonne", &OCCITANIE),
    d("32", "Gers", &OCCITANIE),
    d("33", "Gironde", &NOUVELLE_AQUITAINE),
    d("34", "Hérault", &OCCITANIE),
    d("35", "Ille-et-Vilaine", &BRETAGNE),
    d("36", "Indre", &CENTRE_VAL_DE_LOIRE),
    d("37", "Indre-et-Loire", &CENTRE_VAL_DE_LOIRE),
    d("38", "Isère", &AUVERGNE_RHONE_ALPES),
    d("39", "Jura", &BOURGOGNE_FRANCHE_COMTE),
    d("40", "Landes", &NOUVELLE_AQUITAINE),
    d("41", "Loir-et-Cher", &CENTRE_VAL_DE_LOIRE),
    d("42", "Loire", &AUVERGNE_RHONE_ALPES),
    d("43", "Haute-Loire", &AUVERGNE_RHONE_ALPES),
    d("44", "Loire-Atlantique", &PAYS_DE_LA_LOIRE),
    d("45", "Loiret", &CENTRE_VAL_DE_LOIRE),
    d("46", "Lot", &OCCITANIE),
    d("47", "Lot-et-Garonne", &NOUVELLE_AQUITAINE),
    d("48", "Lozère", &OCCITANIE),
    d("49", "Maine-et-Loire", &PAYS_DE_LA_LOIRE),
    d("50", "Manche", &NORMANDIE),
    d("51", "Marne", &GRAND_EST),
    d("52", "Haute-Marne", &GRAND_EST),
    d("53", "Mayenne", &PAYS_DE_LA_LOIRE),
    d("54", "Meurthe-et-Moselle", &GRAND_EST),
    d("55", "Meuse", &GRAND_EST),
    d("56", "Morbihan", &BRETAGNE),
    d("57", "Moselle", &GRAND_EST),
    d("58", "Nièvre", &BOURGOGNE_FRANCHE_COMTE),
    d("59", "Nord", &HAUTS_DE_FRANCE),
    d("60", "Oise", &HAUTS_DE_FRANCE),
    d("61", "Orne", &NORMANDIE),
    d("62", "Pas-de-Calais", &HAUTS_DE_FRANCE),
    d("63", "Puy-de-Dôme", &AUVERGNE_RHONE_ALPES),
    d("64", "Pyrénées-Atlantiques", &NOUVELLE_AQUITAINE),
    d("65", "Hautes-Pyrénées", &OCCITANIE),
    d("66", "Pyrénées-Orientales", &OCCITANIE),
    d("67", "Bas-Rhin", &GRAND_EST),
    d("68", "Haut-Rhin", &GRAND_EST),
    d("69", "Rhône", &AUVERGNE_RHONE_ALPES),
    d("70", "Haute-Saône", &BOURGOGNE_FRANCHE_COMTE),
    d("71", "Saône-et-Loire", &BOURGOGNE_FRANCHE_COMTE),
    d("72", "Sarthe", &PAYS_DE_LA_LOIRE),
    d("73", "Savoie", &AUVERGNE_RHONE_ALPES),
    d("74", "Haute-Savoie", &AUVERGNE_RHONE_ALPES),
    d("75", "Paris", &ILE_DE_FRANCE),
    d("76", "Seine-Maritime", &NORMANDIE),
    d("77", "Seine-et-Marne", &ILE_DE_FRANCE),
    d("78", "Yvelines", &ILE_DE_FRANCE),
    d("79", "Deux-Sèvres", &NOUVELLE_AQUITAINE),
    d("80", "Somme", &HAUTS_DE_FRANCE),
    d("81", "Tarn", &OCCITANIE),
    d("82", "Tarn-et-Garonne", &OCCITANIE),
    d("83", "Var", &PACA),
    d("84", "Vaucluse", &PACA),
    d("85", "Vendée", &PAYS_DE_LA_LOIRE),
    d("86", "Vienne", &NOUVELLE_AQUITAINE),
    d("87", "Haute-Vienne", &NOUVELLE_AQUITAINE),
    d("88", "Vosges", &GRAND_EST),
    d("89", "Yonne", &BOURGOGNE_FRANCHE_COMTE),
    d("90", "Territoire de Belfort", &BOURGOGNE_FRANCHE_COMTE),
    d("91", "Essonne", &ILE_DE_FRANCE),
    d("92", "Hauts-de-Seine", &ILE_DE_FRANCE),
    d("93", "Seine-Saint-Denis", &ILE_DE_FRANCE),
    d("94", "Val-de-Marne", &ILE_DE_FRANCE),
    d("95", "Val-d'Oise", &ILE_DE_FRANCE),
    d("971", "Guadeloupe", &GUADELOUPE),
    d("972", "Martinique", &MARTINIQUE),
    d("973", "Guyane", &GUYANE),
    d("974", "La Réunion", &REUNION),
    d("975", "Saint-Pierre-et-Miquelon", &SPM),
    d("976", "Mayotte", &MAYOTTE),
    d("977", "Saint-Barthélemy", &SAINT_BARTHELEMY),
    d("978", "Saint-Martin", &SAINT_MARTIN),
    d("984", "Terres australes et antarctiques françaises", &TAAF),
    d("986", "Wallis-et-Futuna", &WALLIS_ET_FUTUNA),
    d("987", "Polynésie française", &POLYNESIE),
    d("988", "Nouvelle-Calédonie", &NOUVELLE_CALEDONIE),
];

/// Postal codes whose commune lies in another département than the first digits say (§4.5,
/// list used by SocialGouv/domifa). Several are shared by communes of two départements; the
/// postal code alone cannot decide, so this picks the listed one and the user may correct it.
static POSTAL_CODE_EXCEPTIONS: &[(&str, &str)] = &[
    ("42620", "03"),
    ("05110", "04"),
    ("05130", "04"),
    ("05160", "04"),
    ("06260", "04"),
    ("48250", "07"),
    ("43450", "15"),
    ("36260", "18"),
    ("05700", "26"),
    ("73670", "38"),
    ("01410", "39"),
    ("01590", "39"),
    ("52100", "51"),
    ("21340", "71"),
    ("01200", "74"),
    ("13780", "83"),
    ("37160", "86"),
    ("94390", "91"),
];

/// Monaco uses French postal codes (98000) but is not a French département (§4.5).
const MONACO_PREFIX: &str = "980";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GeoError {
    #[error("Le code postal est obligatoire.")]
    MissingPostalCode,
    #[error("Le code postal doit comporter 5 chiffres.")]
    PostalCodeFormat,
    #[error("Ce code postal ne correspond à aucun département français.")]
    UnknownPostalCode,
    #[error("Le département est obligatoire.")]
    MissingDepartement,
    #[error("Département inconnu : choisissez un département dans la liste.")]
    UnknownDepartement,
    #[error("La région est obligatoire.")]
    MissingRegion,
    #[error("Région inconnue : choisissez une région dans la liste.")]
    UnknownRegion,
}

/// A five-digit French postal code that maps to a département (or to Monaco).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PostalCode(String);

impl PostalCode {
    /// Spaces are ignored ("31 620").
    ///
    /// # Errors
    /// Missing, not 5 digits, or matching no département (e.g. 00xxx, 203xx, 99xxx).
    pub fn parse(raw: &str) -> Result<Self, GeoError> {
        let code: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if code.is_empty() {
            return Err(GeoError::MissingPostalCode);
        }
        if code.len() != 5 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(GeoError::PostalCodeFormat);
        }
        if derive_departement(&code).is_none() && !code.starts_with(MONACO_PREFIX) {
            return Err(GeoError::UnknownPostalCode);
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The département the code belongs to (§4.5); `None` for Monaco.
    pub fn departement(&self) -> Option<Departement> {
        derive_departement(&self.0)
    }
}

/// §4.5: exceptions first, then Corsica, then overseas (3 digits), then the first 2 digits.
fn derive_departement(code: &str) -> Option<Departement> {
    if let Some(&(_, dept)) = POSTAL_CODE_EXCEPTIONS.iter().find(|(cp, _)| *cp == code) {
        return Departement::find(dept);
    }
    let dept = match code.get(..3)? {
        "200" | "201" => "2A",
        "202" | "206" => "2B",
        _ if code.starts_with("20") => return None,
        // Saint-Barthélemy and Saint-Martin use postal codes of the 971 range.
        _ if code == "97133" => "977",
        _ if code == "97150" => "978",
        prefix if prefix.starts_with("97") || prefix.starts_with("98") => prefix,
        _ => code.get(..2)?,
    };
    Departement::find(dept)
}

impl AsRef<str> for PostalCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A known département or collectivité d'outre-mer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Departement(&'static DepartementEntry);

impl Departement {
    /// Accepts a code ("31", "2a", "971", and "1"–"9" for "01"–"09") or a name
    /// ("Haute-Garonne", case and accents ignored).
    ///
    /// # Errors
    /// [`GeoError::MissingDepartement`] or [`GeoError::UnknownDepartement`].
    pub fn parse(raw: &str) -> Result<Self, GeoError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(GeoError::MissingDepartement);
        }
        let code = normalise_code(raw);
        Self::find(&code)
            .or_else(|| {
                let name = fold(raw);
                DEPARTEMENTS.iter().find(|e| fold(e.name) == name).map(Self)
            })
            .ok_or(GeoError::UnknownDepartement)
    }

    fn find(code: &str) -> Option<Self> {
        DEPARTEMENTS.iter().find(|e| e.code == code).map(Self)
    }

    pub fn code(&self) -> &str {
        self.0.code
    }

    pub fn name(&self) -> &str {
        self.0.name
    }

    pub fn region(&self) -> Region {
        Region(self.0.region)
    }
}

impl fmt::Display for Departement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name)
    }
}

/// A région (TRE_R30), or a collectivité d'outre-mer standing as its own région.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region(&'static RegionEntry);

impl Region {
    /// Accepts an INSEE code ("76", "1" for "01") or a name ("Occitanie", case and accents
    /// ignored).
    ///
    /// # Errors
    /// [`GeoError::MissingRegion`] or [`GeoError::UnknownRegion`].
    pub fn parse(raw: &str) -> Result<Self, GeoError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(GeoError::MissingRegion);
        }
        Self::find(&normalise_code(raw))
            .or_else(|| {
                let name = fold(raw);
                REGIONS
                    .iter()
                    .find(|e| fold(e.name) == name)
                    .map(|e| Self(e))
            })
            .ok_or(GeoError::UnknownRegion)
    }

    fn find(code: &str) -> Option<Self> {
        REGIONS.iter().find(|e| e.code == code).map(|e| Self(e))
    }

    pub fn code(&self) -> &str {
        self.0.code
    }

    pub fn name(&self) -> &str {
        self.0.name
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name)
    }
}

/// Upper-cases ("2a" → "2A") and pads single digits ("1" → "01").
fn normalise_code(raw: &str) -> String {
    let code = raw.to_ascii_uppercase();
    if code.len() == 1 && code.bytes().all(|b| b.is_ascii_digit()) {
        format!("0{code}")
    } else {
        code
    }
}

/// All régions and COM, sorted by name (accents and case ignored, an approximation of
/// French collation: "Île-de-France" sorts among the I's).
pub fn all_regions() -> impl Iterator<Item = Region> {
    let mut regions: Vec<Region> = REGIONS.iter().map(|e| Region(e)).collect();
    regions.sort_by_cached_key(|r| fold(r.name()));
    regions.into_iter()
}

/// All départements and COM, in INSEE code order (01…19, 2A, 2B, 21…95, 971…988).
pub fn all_departements() -> impl Iterator<Item = Departement> {
    DEPARTEMENTS.iter().map(Departement)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dept_of(code: &str) -> Option<String> {
        PostalCode::parse(code)
            .unwrap()
            .departement()
            .map(|d| d.code().to_owned())
    }

    #[test]
    fn there_are_101_departements_plus_7_collectivites() {
        assert_eq!(all_departements().count(), 101 + 7);
    }

    #[test]
    fn there_are_18_regions_plus_7_collectivites() {
        assert_eq!(all_regions().count(), 18 + 7);
        assert_eq!(all_regions().filter(|r| r.code().len() == 2).count(), 18);
    }

    #[test]
    fn every_departement_belongs_to_a_known_region() {
        for dept in all_departements() {
            assert!(REGIONS.contains(&dept.0.region), "{}", dept.code());
        }
    }

    #[test]
    fn every_region_has_at_least_one_departement() {
        for region in all_regions() {
            assert!(
                all_departements().any(|d| d.region() == region),
                "{}",
                region.code()
            );
        }
    }

    #[test]
    fn the_region_table_matches_domain_md() {
        // §4.4: a few rows checked département by département.
        let codes = |region: &str| -> Vec<String> {
            all_departements()
                .filter(|d| d.region().code() == region)
                .map(|d| d.code().to_owned())
                .collect()
        };
        assert_eq!(
            codes("11"),
            ["75", "77", "78", "91", "92", "93", "94", "95"]
        );
        assert_eq!(
            codes("76"),
            [
                "09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"
            ]
        );
        assert_eq!(codes("94"), ["2A", "2B"]);
        assert_eq!(codes("06"), ["976"]);
    }

    #[test]
    fn departements_are_sorted_in_insee_order() {
        let codes: Vec<&str> = all_departements().map(|d| d.0.code).collect();
        assert_eq!(&codes[17..22], ["18", "19", "2A", "2B", "21"]);
        assert_eq!(codes.last(), Some(&"988"));
    }

    #[test]
    fn regions_are_sorted_by_name_ignoring_accents() {
        let names: Vec<&str> = all_regions().map(|r| r.0.name).collect();
        assert_eq!(names.first(), Some(&"Auvergne-Rhône-Alpes"));
        let ile = names.iter().position(|n| *n == "Île-de-France").unwrap();
        assert_eq!(names[ile - 1], "Hauts-de-France");
        assert_eq!(names[ile + 1], "La Réunion");
    }

    #[test]
    fn a_departement_has_a_french_name_and_a_region() {
        let dept = Departement::parse("31").unwrap();
        assert_eq!(dept.name(), "Haute-Garonne");
        assert_eq!(dept.region().name(), "Occitanie");
        assert_eq!(dept.region().code(), "76");
    }

    #[test]
    fn departement_codes_are_normalised() {
        assert_eq!(Departement::parse("2a").unwrap().code(), "2A");
        assert_eq!(Departement::parse(" 1 ").unwrap().code(), "01");
        assert_eq!(Departement::parse("971").unwrap().name(), "Guadeloupe");
    }

    #[test]
    fn departements_parse_from_their_name() {
        assert_eq!(Departement::parse("haute-garonne").unwrap().code(), "31");
        assert_eq!(Departement::parse("Ariege").unwrap().code(), "09");
    }

    #[test]
    fn unknown_departements_are_rejected() {
        for raw in ["20", "96", "985", "989", "00", "X"] {
            assert_eq!(
                Departement::parse(raw),
                Err(GeoError::UnknownDepartement),
                "{raw}"
            );
        }
        assert_eq!(Departement::parse(" "), Err(GeoError::MissingDepartement));
    }

    #[test]
    fn collectivites_are_their_own_region() {
        let dept = Departement::parse("988").unwrap();
        assert_eq!(dept.region().code(), "988");
        assert_eq!(dept.region().name(), "Nouvelle-Calédonie");
        assert_eq!(Departement::parse("977").unwrap().region().code(), "977");
    }

    #[test]
    fn regions_parse_from_code_or_name() {
        assert_eq!(Region::parse("76").unwrap().name(), "Occitanie");
        assert_eq!(Region::parse("4").unwrap().name(), "La Réunion");
        assert_eq!(Region::parse("ile-de-france").unwrap().code(), "11");
        assert_eq!(Region::parse("987").unwrap().name(), "Polynésie française");
    }

    #[test]
    fn unknown_and_pre_2016_regions_are_rejected() {
        for raw in ["73", "91", "976", "99138", "Midi-Pyrénées"] {
            assert_eq!(Region::parse(raw), Err(GeoError::UnknownRegion), "{raw}");
        }
        assert_eq!(Region::parse(""), Err(GeoError::MissingRegion));
    }

    #[test]
    fn a_postal_code_must_have_5_digits() {
        assert_eq!(PostalCode::parse("3162"), Err(GeoError::PostalCodeFormat));
        assert_eq!(PostalCode::parse("316200"), Err(GeoError::PostalCodeFormat));
        assert_eq!(PostalCode::parse("31A20"), Err(GeoError::PostalCodeFormat));
        assert_eq!(PostalCode::parse(""), Err(GeoError::MissingPostalCode));
    }

    #[test]
    fn spaces_in_a_postal_code_are_ignored() {
        assert_eq!(PostalCode::parse(" 31 620 ").unwrap().as_str(), "31620");
    }

    #[test]
    fn postal_codes_matching_no_departement_are_rejected() {
        for raw in [
            "00100", "20300", "20900", "96000", "98500", "98900", "99000",
        ] {
            assert_eq!(
                PostalCode::parse(raw),
                Err(GeoError::UnknownPostalCode),
                "{raw}"
            );
        }
    }

    #[test]
    fn a_metropolitan_postal_code_maps_to_its_first_two_digits() {
        assert_eq!(dept_of("31620").as_deref(), Some("31"));
        assert_eq!(dept_of("01000").as_deref(), Some("01"));
        assert_eq!(dept_of("75009").as_deref(), Some("75"));
    }

    #[test]
    fn corsican_postal_codes_map_to_2a_and_2b() {
        assert_eq!(dept_of("20000").as_deref(), Some("2A"));
        assert_eq!(dept_of("20100").as_deref(), Some("2A"));
        assert_eq!(dept_of("20200").as_deref(), Some("2B"));
        assert_eq!(dept_of("20600").as_deref(), Some("2B"));
    }

    #[test]
    fn overseas_postal_codes_map_to_their_first_three_digits() {
        for (code, dept) in [
            ("97100", "971"),
            ("97200", "972"),
            ("97300", "973"),
            ("97400", "974"),
            ("97500", "975"),
            ("97600", "976"),
            ("98413", "984"),
            ("98600", "986"),
            ("98714", "987"),
            ("98800", "988"),
        ] {
            assert_eq!(dept_of(code).as_deref(), Some(dept), "{code}");
        }
    }

    #[test]
    fn saint_barthelemy_and_saint_martin_have_their_own_codes() {
        assert_eq!(dept_of("97133").as_deref(), Some("977"));
        assert_eq!(dept_of("97150").as_deref(), Some("978"));
    }

    #[test]
    fn monaco_is_a_valid_postal_code_without_departement() {
        assert_eq!(dept_of("98000"), None);
    }

    #[test]
    fn exception_postal_codes_map_to_the_listed_departement() {
        for &(code, dept) in POSTAL_CODE_EXCEPTIONS {
            assert_eq!(dept_of(code).as_deref(), Some(dept), "{code}");
        }
        assert_eq!(POSTAL_CODE_EXCEPTIONS.len(), 18);
    }

    /// Metropolitan ranges: 01–95 except 20, plus Corsica's 200–201 and 202, 206.
    fn metropolitan_postal_code() -> impl Strategy<Value = String> {
        let mainland = (1u32..=95)
            .prop_filter("20 is Corsica", |d| *d != 20)
            .prop_flat_map(|d| (0u32..1000).prop_map(move |rest| format!("{d:02}{rest:03}")));
        let corsica = (
            prop::sample::select(vec!["200", "201", "202", "206"]),
            0u32..100,
        )
            .prop_map(|(prefix, rest)| format!("{prefix}{rest:02}"));
        prop_oneof![9 => mainland, 1 => corsica]
    }

    proptest! {
        #[test]
        fn every_metropolitan_postal_code_maps_to_a_departement_of_a_known_region(
            code in metropolitan_postal_code(),
        ) {
            let dept = PostalCode::parse(&code).unwrap().departement().unwrap();
            let region = dept.region();
            prop_assert_eq!(Region::parse(region.code()).unwrap(), region);
            prop_assert!(region.code().len() == 2);
        }

        #[test]
        fn arbitrary_input_never_panics(raw in ".{0,10}") {
            let _ = PostalCode::parse(&raw);
            let _ = Departement::parse(&raw);
            let _ = Region::parse(&raw);
        }
    }
}
