//! The national extraction export (issue 13): `mss-onboarding directory export --format ans`
//! (the real binary) and `GET /admin/export-annuaire` write every box published in the MSSanté
//! directory in the ANS's 31-column format.
//!
//! The files are read back with [`parse`], written here from the column list of domain.md §3.5
//! and not from the writer's code, and checked against what was published. The same parser
//! reads `tests/fixtures/ans_extraction_sample.txt`, a sample of extraction lines written from
//! that column list and the public examples (RPPS, ADELI and FINESS numbers of domain.md §2),
//! and the writer's header must equal the sample's.

use std::collections::HashMap;

use sea_orm::{ActiveModelTrait, Set};

use crate::support::fixtures::SeedAccount;
use crate::support::{TestApp, db, spawn_app};

/// The extraction's columns, in order (domain.md §3.5), typed again here on purpose.
const COLUMNS: [&str; 31] = [
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

const SAMPLE: &str = "tests/fixtures/ans_extraction_sample.txt";

/// One line of an extraction: column name → value.
type Line = HashMap<&'static str, String>;

/// Reads an extraction: a header naming exactly [`COLUMNS`], then lines of exactly 31
/// `|`-separated values, each checked against the rules every line of the ANS file follows.
/// Returns the header as written and the lines by address.
#[track_caller]
fn parse(text: &str) -> (String, HashMap<String, Line>) {
    let mut lines = text.lines();
    let header = lines.next().expect("a header line").to_owned();
    assert_eq!(
        header.split('|').collect::<Vec<_>>(),
        COLUMNS,
        "the header names the 31 columns in order"
    );
    let mut by_address = HashMap::new();
    for (n, raw) in lines.enumerate() {
        let values: Vec<&str> = raw.split('|').collect();
        assert_eq!(values.len(), 31, "line {} has 31 columns: {raw}", n + 2);
        let line: Line = COLUMNS
            .iter()
            .zip(values)
            .map(|(c, v)| (*c, v.to_owned()))
            .collect();
        check_line(&line, raw);
        let address = line["Adresse BAL"].clone();
        assert!(
            by_address.insert(address.clone(), line).is_none(),
            "{address} listed twice"
        );
    }
    (header, by_address)
}

/// What every line says about itself: its type, an address, O/N, and identifiers consistent
/// with their type columns (idNatPs = type + number; idNatStruct starts with its type).
#[track_caller]
fn check_line(line: &Line, raw: &str) {
    let kind = line["Type de BAL"].as_str();
    assert!(kind == "PER" || kind == "ORG", "type of BAL: {raw}");
    assert!(line["Adresse BAL"].contains('@'), "address: {raw}");
    assert!(
        ["O", "N"].contains(&line["Dématérialisation"].as_str()),
        "dématérialisation: {raw}"
    );
    let id_type = line["Type Identifiant PP"].as_str();
    if kind == "PER" {
        assert!(
            id_type == "8" || id_type == "0",
            "person identifier type: {raw}"
        );
        assert_eq!(
            line["Identification nationale PP"],
            format!("{id_type}{}", line["Identifiant PP"]),
            "{raw}"
        );
        let digits = if id_type == "8" { 11 } else { 9 };
        assert_eq!(line["Identifiant PP"].len(), digits, "{raw}");
        assert!(!line["Nom d'exercice"].is_empty(), "{raw}");
        assert_eq!(line["Code Profession"].len(), 2, "{raw}");
    } else {
        assert!(
            id_type.is_empty() && line["Nom d'exercice"].is_empty(),
            "{raw}"
        );
    }
    let structure = line["Identification Structure"].as_str();
    if !structure.is_empty() {
        assert!(
            structure.starts_with(line["Type identifiant structure"].as_str()),
            "{raw}"
        );
    }
    let postal_code = line["Code postal structure BAL"].as_str();
    if !postal_code.is_empty() {
        assert_eq!(postal_code.len(), 5, "{raw}");
        assert!(
            line["L6LIGNEACHEMINEMENT structure BAL"].starts_with(postal_code),
            "{raw}"
        );
    }
}

#[test]
fn the_sample_of_real_extraction_lines_reads_with_the_parser() {
    let text = std::fs::read_to_string(SAMPLE).expect("read the sample");
    let (_, lines) = parse(&text);
    assert_eq!(lines.len(), 5);
    let doctor = &lines["jean.martin@medecin.mssante.fr"];
    assert_eq!(doctor["Identification nationale PP"], "810000005479");
    assert_eq!(doctor["Libellé savoir-faire"], "Médecine générale");
    let adeli = &lines["sophie.bernard@orthophoniste.oc.mssante.fr"];
    assert_eq!(adeli["Identification nationale PP"], "0349102665");
    let org = &lines["secretariat.cardiologie@chu-montpellier.mssante.fr"];
    assert_eq!(org["Identification Structure"], "1340780477");
}

#[test]
fn the_writers_header_is_the_samples() {
    let text = std::fs::read_to_string(SAMPLE).expect("read the sample");
    let sample_header = text.lines().next().expect("a header");
    assert_eq!(
        mss_onboarding::directory::ans_export::header(),
        sample_header
    );
}

/// A validated account from `seed` (through the console); returns its id and address.
async fn validated(app: &TestApp, admin: &TestApp, seed: &SeedAccount) -> (i32, String) {
    let id = app.seed_pending(seed).await;
    admin.validate_account(id).await.assert_status(303);
    let address = db::account_by_id(&app.db, id)
        .await
        .mailbox_address
        .expect("an address once validated");
    (id, address)
}

/// A validated BAL ORG, inserted as the console leaves it; returns its address.
async fn validated_org(app: &TestApp, local: &str, annuaire_mssante: bool) -> String {
    let now = app.now();
    let address = format!("{local}@oc.mssante.fr");
    entities::org_mailbox::ActiveModel {
        libelle: Set("Secrétariat de cardiologie".into()),
        local_wish: Set(local.into()),
        raison_sociale: Set("CHU de Montpellier".into()),
        structure_type: Set("FINESS".into()),
        structure_id: Set("340780477".into()),
        service: Set("Cardiologie".into()),
        description: Set("Prise de rendez-vous".into()),
        adresse: Set("191 avenue du Doyen Gaston Giraud".into()),
        code_postal: Set("34295".into()),
        ville: Set("Montpellier".into()),
        departement: Set("34".into()),
        region: Set("76".into()),
        telephone: Set("+33467330000".into()),
        dematerialisation: Set(true),
        annuaire_mssante: Set(annuaire_mssante),
        annuaire_medimail: Set(true),
        requested_at: Set(now),
        validated_at: Set(Some(now)),
        mailbox_address: Set(Some(address.clone())),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("insert the BAL ORG");
    address
}

/// The published world of these tests: which addresses must be in the file and which not.
struct Published {
    /// A pharmacist in Occitanie with a civilité, a FINESS and an accented name.
    person: String,
    /// A pharmacist in Paris.
    paris: String,
    org: String,
    /// Validated but not in the MSSanté directory: liste rouge, BAL MED, disabled, ORG with the
    /// MSSanté box unticked.
    hidden: Vec<String>,
}

async fn publish_some(app: &TestApp) -> Published {
    let (admin, _) = app.national_admin().await;
    let seed = SeedAccount {
        identifiant_structure: Some("310000005".into()),
        ..SeedAccount::pharmacist("Élodie", "Mézière-Dupré")
    };
    let (person_id, person) = validated(app, &admin, &seed).await;
    entities::account_profile::ActiveModel {
        account_id: Set(person_id),
        civilite_exercice: Set(Some("DR".into())),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .expect("set the civilité d'exercice");
    let (_, paris) = validated(
        app,
        &admin,
        &SeedAccount::pharmacist("Paul", "Parisien").in_paris(),
    )
    .await;
    let liste_rouge = SeedAccount {
        annuaire_mssante: false,
        ..SeedAccount::pharmacist("Rouge", "Liste")
    };
    let (_, rouge) = validated(app, &admin, &liste_rouge).await;
    let (_, med) = validated(
        app,
        &admin,
        &SeedAccount::pharmacist("Marc", "Medimail").med(),
    )
    .await;
    let (disabled_id, disabled) = validated(
        app,
        &admin,
        &SeedAccount::pharmacist("Denise", "Desactivee"),
    )
    .await;
    db::disable(&app.db, disabled_id, app.now()).await;
    // Waiting for validation: no address, in no directory.
    app.seed_pending(&SeedAccount::pharmacist("Pierre", "Pending"))
        .await;
    let org = validated_org(app, "secretariat.cardiologie", true).await;
    let hidden_org = validated_org(app, "accueil.cardiologie", false).await;
    Published {
        person,
        paris,
        org,
        hidden: vec![rouge, med, disabled, hidden_org],
    }
}

#[track_caller]
fn assert_published(lines: &HashMap<String, Line>, published: &Published) {
    for hidden in &published.hidden {
        assert!(
            !lines.contains_key(hidden),
            "{hidden} is not in the MSSanté directory"
        );
    }
    let person = &lines[&published.person];
    assert_eq!(person["Type de BAL"], "PER");
    assert_eq!(person["Nom d'exercice"], "Mézière-Dupré", "UTF-8 kept");
    assert_eq!(person["Prénom d'exercice"], "Élodie");
    assert_eq!(person["Civilité d'exercice"], "DR");
    assert_eq!(person["Type Identifiant PP"], "8");
    assert_eq!(person["Code Profession"], "21");
    assert_eq!(person["Libellé Profession"], "Pharmacien");
    assert_eq!(person["Type identifiant structure"], "1");
    assert_eq!(person["Identification Structure"], "1310000005");
    assert_eq!(person["Service de rattachement"], "Officine");
    assert_eq!(
        person["Raison Sociale structure BAL"],
        "Pharmacie du Centre"
    );
    assert_eq!(person["L4NUMEROVOIE structure BAL"], "1");
    assert_eq!(person["L4LIBELLEVOIE structure BAL"], "place de la Mairie");
    assert_eq!(person["Code postal structure BAL"], "31620");
    assert_eq!(person["L6LIGNEACHEMINEMENT structure BAL"], "31620 FRONTON");
    assert_eq!(person["Département structure BAL"], "31");
    assert_eq!(person["Dématérialisation"], "O");
    let org = &lines[&published.org];
    assert_eq!(org["Type de BAL"], "ORG");
    assert_eq!(org["Identification Structure"], "1340780477");
    assert_eq!(org["Raison Sociale structure BAL"], "CHU de Montpellier");
    assert_eq!(org["Service de rattachement"], "Cardiologie");
    assert_eq!(org["Prénom d'exercice"], "");
}

#[tokio::test]
async fn the_command_line_exports_every_published_box_and_nothing_else() {
    // Arrange
    let app = spawn_app().await;
    let published = publish_some(&app).await;
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("extraction.txt");

    // Act
    app.run_cli(
        &[
            "directory",
            "export",
            "--format",
            "ans",
            "--output",
            file.to_str().expect("a UTF-8 path"),
        ],
        None,
    )
    .await
    .assert_success();

    // Assert
    let text = std::fs::read_to_string(&file).expect("the file is UTF-8");
    let (_, lines) = parse(&text);
    assert_published(&lines, &published);
    assert!(lines.contains_key(&published.paris));
    assert_eq!(lines.len(), 3, "{:?}", lines.keys());
    // Without --output, the same file goes to standard output, and the logs (migrations at
    // the default `info` level) to standard error, so they never corrupt it.
    let out = app
        .run_cli_with(
            &["directory", "export", "--format", "ans"],
            None,
            &[("MSS__LOG__LEVEL", "info")],
        )
        .await;
    out.assert_success();
    assert_eq!(out.stdout, text);
    assert!(out.stderr.contains("migrations"), "{}", out.stderr);
}

#[tokio::test]
async fn an_administrator_downloads_the_same_file_within_their_scope() {
    // Arrange
    let app = spawn_app().await;
    let published = publish_some(&app).await;
    let (national, _) = app.national_admin().await;
    let (occitanie, _) = app.admin_with_scope("region:76").await;

    // Act
    let all = national.get("/admin/export-annuaire").await;
    let regional = occitanie.get("/admin/export-annuaire").await;
    let cli = app
        .run_cli(&["directory", "export", "--format", "ans"], None)
        .await;

    // Assert
    all.assert_status(200);
    assert!(all.content_type().starts_with("text/plain; charset=utf-8"));
    assert!(
        all.header("content-disposition")
            .unwrap_or_default()
            .contains("Extraction_Correspondance_MSSante_"),
    );
    assert_eq!(
        all.body, cli.stdout,
        "the console and the command line agree"
    );
    let (_, lines) = parse(&regional.body);
    assert_published(&lines, &published);
    assert!(
        !lines.contains_key(&published.paris),
        "Paris is outside région 76"
    );
    assert_eq!(lines.len(), 2);
    // The queue links to it.
    let queue = national.get("/admin").await;
    assert!(queue.body.contains("href=\"/admin/export-annuaire\""));
}

#[tokio::test]
async fn the_export_is_for_administrators_only() {
    let app = spawn_app().await;
    let anonymous = app.get("/admin/export-annuaire").await;
    assert_ne!(anonymous.status, 200);
    assert!(!anonymous.body.contains("Type de BAL|"));
}
