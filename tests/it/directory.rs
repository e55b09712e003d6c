//! `LdapDirectory` against a real slapd built from the shipped `config/ldap` files: what the
//! service writes, what consumers (anonymous, the reader account) can read, and what the ACLs
//! refuse.

use std::collections::HashSet;

use ldap3::{LdapError, Mod, SearchEntry, ldap_escape};
use mss_onboarding::directory::{
    Branch, Directory, Holder, LdapDirectory, MailboxEntry, ReconcileReport, reconcile,
};
use secrecy::SecretString;

use crate::support::ldap::{TestLdap, Who};

const STRONGER_AUTH_REQUIRED: u32 = 8;
const INSUFFICIENT_ACCESS: u32 = 50;
const NO_SUCH_OBJECT: u32 = 32;

fn per(mail: &str) -> MailboxEntry {
    MailboxEntry {
        branch: Branch::Mssante,
        mail: mail.to_owned(),
        bal_type: "PER".into(),
        holder: Holder::Person {
            nom: "Dupont".into(),
            prenom: "Jeanne".into(),
            rpps: Some("10001234567".into()),
            id_nat_ps: Some("810001234567".into()),
            profession_code: "21".into(),
            savoir_faire: None,
        },
        dematerialisation: true,
        liste_rouge: false,
        service: Some("Officine".into()),
        description: None,
        region: "76".into(),
        departement: Some("34".into()),
        telephone: Some("+33467000000".into()),
        organisation: Some("Pharmacie du Centre".into()),
        street: Some("1 rue de la Loge".into()),
        postal_code: Some("34000".into()),
        locality: Some("Montpellier".into()),
        published: Vec::new(),
    }
}

fn med(mail: &str) -> MailboxEntry {
    let mut entry = MailboxEntry {
        branch: Branch::Operateur,
        bal_type: "MED".into(),
        ..per(mail)
    };
    if let Holder::Person {
        rpps, id_nat_ps, ..
    } = &mut entry.holder
    {
        *rpps = None;
        *id_nat_ps = None;
    }
    entry
}

/// A BAL ORG (the secretariat of a cardiology department) with two responsables.
fn org(mail: &str) -> MailboxEntry {
    MailboxEntry {
        branch: Branch::Mssante,
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
        description: Some("Rendez-vous et comptes rendus".into()),
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

/// The person fields of a test entry, to change them.
fn person(entry: &mut MailboxEntry) -> Person<'_> {
    match &mut entry.holder {
        Holder::Person {
            nom,
            prenom,
            savoir_faire,
            ..
        } => Person {
            nom,
            prenom,
            savoir_faire,
        },
        Holder::Organisation { .. } => unreachable!("a person entry"),
    }
}

struct Person<'a> {
    nom: &'a mut String,
    prenom: &'a mut String,
    savoir_faire: &'a mut Option<String>,
}

/// Every value of `attr` (any case of its name), sorted.
fn all(entry: &SearchEntry, attr: &str) -> Vec<String> {
    let mut values: Vec<String> = entry
        .attrs
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(attr))
        .flat_map(|(_, v)| v.iter().cloned())
        .collect();
    values.sort();
    values
}

fn one<'a>(entry: &'a SearchEntry, attr: &str) -> Option<&'a str> {
    entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first())
        .map(String::as_str)
}

fn rc(err: &LdapError) -> Option<u32> {
    match err {
        LdapError::LdapResult { result } => Some(result.rc),
        _ => None,
    }
}

#[tokio::test]
async fn an_upserted_entry_is_found_by_the_service_and_by_an_anonymous_consumer() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    let entry = per("jeanne.dupont@pharmacien.oc.mssante.fr");

    // Act
    dir.upsert(&entry).await.expect("upsert");

    // Assert
    let found = dir.find(Branch::Mssante, &entry.mail).await.expect("find");
    assert_eq!(found, Some(entry.clone()));
    let seen = ldap
        .search_anonymous(
            &ldap.mssante_dn(),
            "(mail=jeanne.dupont@pharmacien.oc.mssante.fr)",
        )
        .await
        .expect("anonymous search");
    assert_eq!(seen.len(), 1);
    let e = &seen[0];
    assert_eq!(
        e.dn,
        format!(
            "mail=jeanne.dupont@pharmacien.oc.mssante.fr,{}",
            ldap.mssante_dn()
        )
    );
    assert_eq!(one(e, "cn"), Some("Jeanne Dupont"));
    assert_eq!(one(e, "displayName"), Some("Jeanne Dupont"));
    assert_eq!(one(e, "mssTypeBal"), Some("PER"));
    assert_eq!(one(e, "mssRpps"), Some("10001234567"));
    assert_eq!(one(e, "mssDematerialisation"), Some("O"));
    assert_eq!(one(e, "mssListeRouge"), Some("N"));
    assert_eq!(one(e, "telephoneNumber"), Some("+33467000000"));
    assert_eq!(one(e, "l"), Some("Montpellier"));
    assert!(
        e.attrs
            .get("objectClass")
            .is_some_and(|c| c.iter().any(|c| c == "mssanteBoiteLettre")),
        "{e:?}"
    );
    // Not in the other branch.
    assert_eq!(
        dir.find(Branch::Operateur, &entry.mail)
            .await
            .expect("find"),
        None
    );
}

#[tokio::test]
async fn consumers_search_by_rpps_profession_departement_and_name_substring() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    dir.upsert(&per("jeanne.dupont@pharmacien.oc.mssante.fr"))
        .await
        .expect("upsert");
    let mut other = per("paul.martin@medecin.oc.mssante.fr");
    other.holder = Holder::Person {
        nom: "Martin".into(),
        prenom: "Paul".into(),
        rpps: Some("10009999999".into()),
        id_nat_ps: Some("810009999999".into()),
        profession_code: "10".into(),
        savoir_faire: None,
    };
    other.departement = Some("30".into());
    dir.upsert(&other).await.expect("upsert");
    let base = ldap.base_dn.clone();

    // Act
    let mails = |filter: &'static str| {
        let ldap = &ldap;
        let base = base.clone();
        async move {
            let mut mails: Vec<String> = ldap
                .search_anonymous(&base, filter)
                .await
                .expect(filter)
                .iter()
                .filter_map(|e| one(e, "mail").map(str::to_owned))
                .collect();
            mails.sort();
            mails
        }
    };

    // Assert
    assert_eq!(
        mails("(mssRpps=10009999999)").await,
        ["paul.martin@medecin.oc.mssante.fr"]
    );
    assert_eq!(
        mails("(&(mssCodeProfession=21)(mssDepartement=34))").await,
        ["jeanne.dupont@pharmacien.oc.mssante.fr"]
    );
    assert_eq!(
        mails("(sn=mart*)").await,
        ["paul.martin@medecin.oc.mssante.fr"]
    );
    assert_eq!(
        mails("(mail=*@medecin.oc.mssante.fr)").await,
        ["paul.martin@medecin.oc.mssante.fr"]
    );
    assert_eq!(mails("(mail=*)").await.len(), 2);
}

#[tokio::test]
async fn upserting_twice_leaves_one_unchanged_entry() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    let entry = per("jeanne.dupont@pharmacien.oc.mssante.fr");
    dir.upsert(&entry).await.expect("first upsert");
    let read = || async {
        ldap.search_with(
            Who::Service,
            &ldap.mssante_dn(),
            "(mail=*)",
            &["*", "entryCSN"],
        )
        .await
        .expect("search")
    };
    let before = read().await;

    // Act
    dir.upsert(&entry).await.expect("second upsert");

    // Assert
    let after = read().await;
    assert_eq!(after.len(), 1);
    assert_eq!(
        after[0].attrs, before[0].attrs,
        "same attributes, not even rewritten"
    );
    assert_eq!(dir.list(Branch::Mssante).await.expect("list"), vec![entry]);
}

#[tokio::test]
async fn an_upsert_replaces_changed_fields_and_removes_vanished_ones() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    let mut entry = per("jeanne.dupont@pharmacien.oc.mssante.fr");
    dir.upsert(&entry).await.expect("upsert");

    // Act
    *person(&mut entry).nom = "Dupont-Durand".into();
    entry.telephone = None;
    entry.service = None;
    *person(&mut entry).savoir_faire = Some("SM54".into());
    entry.liste_rouge = true;
    dir.upsert(&entry).await.expect("upsert");

    // Assert
    let seen = ldap
        .search_anonymous(
            &ldap.mssante_dn(),
            "(mail=jeanne.dupont@pharmacien.oc.mssante.fr)",
        )
        .await
        .expect("search");
    assert_eq!(seen.len(), 1);
    assert_eq!(one(&seen[0], "sn"), Some("Dupont-Durand"));
    assert_eq!(
        seen[0].attrs.get("cn"),
        Some(&vec!["Jeanne Dupont-Durand".to_owned()])
    );
    assert_eq!(one(&seen[0], "telephoneNumber"), None);
    assert_eq!(one(&seen[0], "mssService"), None);
    assert_eq!(one(&seen[0], "mssCodeSavoirFaire"), Some("SM54"));
    assert_eq!(one(&seen[0], "mssListeRouge"), Some("O"));
    assert_eq!(
        dir.find(Branch::Mssante, &entry.mail).await.expect("find"),
        Some(entry)
    );
}

#[tokio::test]
async fn remove_deletes_the_entry_and_is_fine_when_it_is_already_gone() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    let entry = per("jeanne.dupont@pharmacien.oc.mssante.fr");
    dir.upsert(&entry).await.expect("upsert");

    // Act
    dir.remove(Branch::Mssante, &entry.mail)
        .await
        .expect("remove");
    let again = dir.remove(Branch::Mssante, &entry.mail).await;

    // Assert
    assert!(again.is_ok(), "{again:?}");
    assert_eq!(
        dir.find(Branch::Mssante, &entry.mail).await.expect("find"),
        None
    );
    let seen = ldap
        .search_as_service(&ldap.mssante_dn(), "(mail=*)")
        .await
        .expect("search");
    assert!(seen.is_empty(), "{seen:?}");
}

#[tokio::test]
async fn list_returns_every_entry_of_a_branch_and_only_that_branch() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    let a = per("a.a@pharmacien.oc.mssante.fr");
    let b = per("b.b@pharmacien.oc.mssante.fr");
    let c = med("c.c@medimail.fr");
    let a_operator = MailboxEntry {
        branch: Branch::Operateur,
        ..a.clone()
    };
    for e in [&a, &b, &c, &a_operator] {
        dir.upsert(e).await.expect("upsert");
    }

    // Act
    let mut mssante = dir.list(Branch::Mssante).await.expect("list");
    let mut operateur = dir.list(Branch::Operateur).await.expect("list");

    // Assert
    mssante.sort_by(|x, y| x.mail.cmp(&y.mail));
    operateur.sort_by(|x, y| x.mail.cmp(&y.mail));
    assert_eq!(mssante, vec![a, b]);
    assert_eq!(operateur, vec![a_operator, c]);
}

#[tokio::test]
async fn a_name_full_of_ldap_special_and_non_ascii_characters_is_published_and_found() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    let mut entry = per("jean-elie.dartagnan-muller@pharmacien.oc.mssante.fr");
    let prenom = "Jean-Élie (dit \"Jo\")";
    let nom = r"D'Artagnan-Müller, Ñoño + Ærø \ <x> ; = * ( ) ç";
    *person(&mut entry).prenom = prenom.into();
    *person(&mut entry).nom = nom.into();
    entry.service = Some("Pharmacie à l'hôpital".into());

    // Act
    dir.upsert(&entry).await.expect("upsert");

    // Assert: consumers find it with properly escaped filters (RFC 4515).
    let by_sn = format!("(sn={})", ldap_escape(nom));
    let by_cn_part = format!(
        "(cn=*{}*)",
        ldap_escape("Müller, Ñoño + Ærø \\ <x> ; = * ( )")
    );
    let by_given = format!("(givenName={}*)", ldap_escape("Jean-Élie (dit"));
    for filter in [&by_sn, &by_cn_part, &by_given] {
        let seen = ldap
            .search_anonymous(&ldap.mssante_dn(), filter)
            .await
            .unwrap_or_else(|e| panic!("{filter}: {e}"));
        assert_eq!(seen.len(), 1, "{filter}");
        assert_eq!(one(&seen[0], "sn"), Some(nom));
        assert_eq!(one(&seen[0], "givenName"), Some(prenom));
        assert_eq!(
            one(&seen[0], "cn"),
            Some(format!("{prenom} {nom}").as_str())
        );
    }
    // Case-insensitive matching works on accented names too.
    let seen = ldap
        .search_anonymous(&ldap.mssante_dn(), "(sn=*müller*)")
        .await
        .expect("search");
    assert_eq!(seen.len(), 1);
    assert_eq!(
        dir.find(Branch::Mssante, &entry.mail).await.expect("find"),
        Some(entry.clone())
    );
    // Rewriting it is still a no-op.
    dir.upsert(&entry).await.expect("upsert again");
    assert_eq!(dir.list(Branch::Mssante).await.expect("list"), vec![entry]);
}

#[tokio::test]
async fn an_address_with_dn_and_filter_special_characters_stays_one_entry_in_its_branch() {
    // Arrange: characters that must be escaped in a DN (RFC 4514) and in a filter (RFC 4515).
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    let odd = r"#o'hara+x=1,ou=operateur;a\b*(c)@medimail.fr ";
    let plain = per("plain@medimail.fr");
    dir.upsert(&plain).await.expect("upsert");
    let entry = per(odd);

    // Act
    dir.upsert(&entry).await.expect("upsert");

    // Assert
    assert_eq!(
        dir.find(Branch::Mssante, odd).await.expect("find"),
        Some(entry.clone())
    );
    assert_eq!(dir.find(Branch::Operateur, odd).await.expect("find"), None);
    assert_eq!(dir.list(Branch::Mssante).await.expect("list").len(), 2);
    // A `*` in the address is a literal, not a wildcard.
    assert_eq!(dir.find(Branch::Mssante, "*").await.expect("find"), None);
    let all = ldap
        .search_as_service(&ldap.base_dn, "(mail=*)")
        .await
        .expect("search");
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(
        all.iter()
            .all(|e| e.dn.ends_with(&format!(",{}", ldap.mssante_dn())))
    );
    dir.remove(Branch::Mssante, odd).await.expect("remove");
    assert_eq!(dir.list(Branch::Mssante).await.expect("list"), vec![plain]);
}

#[tokio::test]
async fn anonymous_consumers_read_the_mssante_branch_but_not_the_operator_branch() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    dir.upsert(&per("jeanne.dupont@pharmacien.oc.mssante.fr"))
        .await
        .expect("upsert");
    dir.upsert(&med("jeanne.dupont@medimail.fr"))
        .await
        .expect("upsert");

    // Act
    let anonymous_mssante = ldap.search_anonymous(&ldap.mssante_dn(), "(mail=*)").await;
    let anonymous_operateur = ldap
        .search_anonymous(&ldap.operateur_dn(), "(mail=*)")
        .await;
    let anonymous_everything = ldap
        .search_anonymous(&ldap.base_dn, "(objectClass=*)")
        .await;
    let reader_operateur = ldap
        .search_as_reader(&ldap.operateur_dn(), "(mail=*)")
        .await;

    // Assert
    assert_eq!(
        anonymous_mssante
            .expect("anonymous read of ou=mssante")
            .len(),
        1
    );
    match anonymous_operateur {
        Ok(entries) => assert!(
            entries.is_empty(),
            "anonymous read ou=operateur: {entries:?}"
        ),
        Err(e) => assert_eq!(rc(&e), Some(NO_SUCH_OBJECT), "{e}"),
    }
    let visible: HashSet<String> = anonymous_everything
        .expect("anonymous subtree search")
        .into_iter()
        .map(|e| e.dn)
        .collect();
    let expected: HashSet<String> = [
        ldap.base_dn.clone(),
        ldap.mssante_dn(),
        format!(
            "mail=jeanne.dupont@pharmacien.oc.mssante.fr,{}",
            ldap.mssante_dn()
        ),
    ]
    .into();
    assert_eq!(
        visible, expected,
        "only the base entry and ou=mssante are public"
    );
    let reader_operateur = reader_operateur.expect("reader read of ou=operateur");
    assert_eq!(reader_operateur.len(), 1);
    assert_eq!(one(&reader_operateur[0], "mssTypeBal"), Some("MED"));
}

#[tokio::test]
async fn passwords_are_readable_by_nobody() {
    let ldap = TestLdap::start().await;
    for who in [Who::Anonymous, Who::Reader, Who::Service] {
        let seen = ldap
            .search_with(
                who,
                &ldap.base_dn,
                "(objectClass=*)",
                &["*", "userPassword"],
            )
            .await
            .expect("search");
        assert!(
            seen.iter()
                .all(|e| one(e, "userPassword").is_none()
                    && !e.bin_attrs.contains_key("userPassword")),
            "{who:?} read a password"
        );
    }
}

#[tokio::test]
async fn writes_by_the_reader_or_anonymous_clients_are_refused() {
    // Arrange
    let ldap = TestLdap::start().await;
    let entry = med("jeanne.dupont@medimail.fr");
    ldap.directory().upsert(&entry).await.expect("upsert");
    let dn = format!("mail=jeanne.dupont@medimail.fr,{}", ldap.operateur_dn());

    for who in [Who::Reader, Who::Anonymous] {
        let mut conn = ldap.connect(who).await.expect("connect");
        // Act
        let modify = conn
            .modify(&dn, vec![Mod::Replace("sn", HashSet::from(["Pirate"]))])
            .await
            .expect("modify request");
        let add = conn
            .add(
                &format!("mail=pirate@x.fr,{}", ldap.mssante_dn()),
                vec![
                    ("objectClass", HashSet::from(["inetOrgPerson"])),
                    ("mail", HashSet::from(["pirate@x.fr"])),
                    ("cn", HashSet::from(["Pirate"])),
                    ("sn", HashSet::from(["Pirate"])),
                ],
            )
            .await
            .expect("add request");
        let delete = conn.delete(&dn).await.expect("delete request");
        let _ = conn.unbind().await;

        // Assert
        // slapd answers anonymous writes with strongerAuthRequired before looking at ACLs.
        let refused = |rc: u32| match who {
            Who::Anonymous => rc == STRONGER_AUTH_REQUIRED || rc == INSUFFICIENT_ACCESS,
            _ => rc == INSUFFICIENT_ACCESS,
        };
        assert!(refused(modify.rc), "{who:?} modify: {modify:?}");
        assert!(refused(add.rc), "{who:?} add: {add:?}");
        assert!(refused(delete.rc), "{who:?} delete: {delete:?}");
    }
    let dir = ldap.directory();
    assert_eq!(
        dir.find(Branch::Operateur, &entry.mail)
            .await
            .expect("find"),
        Some(entry)
    );
    assert_eq!(
        dir.find(Branch::Mssante, "pirate@x.fr")
            .await
            .expect("find"),
        None
    );
}

#[tokio::test]
async fn reconcile_adds_fixes_removes_and_reports_counts() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    let right = per("right@pharmacien.oc.mssante.fr");
    let mut drifted = per("drift@pharmacien.oc.mssante.fr");
    let orphan = per("orphan@pharmacien.oc.mssante.fr");
    let orphan_med = med("orphan@medimail.fr");
    for e in [&right, &drifted, &orphan, &orphan_med] {
        dir.upsert(e).await.expect("upsert");
    }
    *person(&mut drifted).nom = "Corrige".into();
    drifted.telephone = None;
    let missing = med("missing@medimail.fr");
    let desired = vec![right.clone(), drifted.clone(), missing.clone()];

    // Act
    let first = reconcile(&dir, &desired).await.expect("reconcile");
    let second = reconcile(&dir, &desired).await.expect("reconcile again");

    // Assert
    assert_eq!(
        first,
        ReconcileReport {
            added: 1,
            updated: 1,
            removed: 2,
            unchanged: 1
        }
    );
    assert_eq!(
        second,
        ReconcileReport {
            unchanged: 3,
            ..ReconcileReport::default()
        }
    );
    let mut mssante = dir.list(Branch::Mssante).await.expect("list");
    mssante.sort_by(|a, b| a.mail.cmp(&b.mail));
    assert_eq!(mssante, vec![drifted, right]);
    assert_eq!(
        dir.list(Branch::Operateur).await.expect("list"),
        vec![missing]
    );
}

#[tokio::test]
async fn a_stopped_directory_fails_fast_and_keeps_its_entries_across_a_restart() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    let kept = per("kept@pharmacien.oc.mssante.fr");
    dir.upsert(&kept).await.expect("upsert");

    // Act
    ldap.stop();
    let while_down = dir.upsert(&per("later@pharmacien.oc.mssante.fr")).await;
    ldap.restart().await;
    let after = dir.upsert(&per("later@pharmacien.oc.mssante.fr")).await;

    // Assert
    assert!(
        while_down.is_err(),
        "writing to a stopped directory must fail"
    );
    assert!(after.is_ok(), "{after:?}");
    let mails: Vec<String> = dir
        .list(Branch::Mssante)
        .await
        .expect("list")
        .into_iter()
        .map(|e| e.mail)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(mails.contains(&kept.mail));
}

#[tokio::test]
async fn a_wrong_service_password_is_an_error_not_a_silent_anonymous_write() {
    let ldap = TestLdap::start().await;
    let mut settings = ldap.settings();
    settings.bind_password = SecretString::from("Wr0ng-Pa55word");
    let dir = LdapDirectory::new(&settings);

    let result = dir.upsert(&per("x@pharmacien.oc.mssante.fr")).await;

    let message = result.err().map(|e| format!("{e:#}")).unwrap_or_default();
    assert!(message.contains("cannot bind"), "{message}");
    assert!(
        !message.contains("Wr0ng-Pa55word"),
        "the password must not leak: {message}"
    );
    let seen = ldap
        .search_as_service(&ldap.base_dn, "(mail=*)")
        .await
        .expect("search");
    assert!(seen.is_empty());
}

const ORG_MAIL: &str = "secretariat.cardiologie@oc.mssante.fr";

/// The managed person attributes, none of which an ORG entry may carry (issue 10: "no person
/// attributes (no RPPS, no givenName)").
pub(crate) const PERSON_ATTRIBUTES: [&str; 7] = [
    "sn",
    "givenName",
    "mssRpps",
    "mssIdNatPs",
    "mssCodeProfession",
    "mssCodeSavoirFaire",
    "mssCiviliteExercice",
];

/// Object classes of an entry as the server spells them, lowercased and sorted.
fn classes(entry: &SearchEntry) -> Vec<String> {
    let mut classes: Vec<String> = all(entry, "objectClass")
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    classes.sort();
    classes
}

/// The ORG entry as an anonymous consumer reads it (every user attribute).
async fn anonymous_org(ldap: &TestLdap) -> SearchEntry {
    let seen = ldap
        .search_anonymous(
            &ldap.mssante_dn(),
            &format!("(mail={})", ldap_escape(ORG_MAIL)),
        )
        .await
        .expect("anonymous search");
    assert_eq!(seen.len(), 1, "{seen:?}");
    seen.into_iter().next().expect("one entry")
}

#[tokio::test]
async fn an_org_entry_is_found_anonymously_by_type_and_structure_with_its_responsables() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    let entry = org(ORG_MAIL);
    dir.upsert(&per("jeanne.dupont@pharmacien.oc.mssante.fr"))
        .await
        .expect("upsert the PER");

    // Act
    dir.upsert(&entry).await.expect("upsert the ORG");

    // Assert: what the README's consumer example finds, anonymously.
    let mails = |filter: &'static str| {
        let ldap = &ldap;
        async move {
            ldap.search_anonymous(&ldap.mssante_dn(), filter)
                .await
                .expect(filter)
                .iter()
                .filter_map(|e| one(e, "mail").map(str::to_owned))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(mails("(mssTypeBal=ORG)").await, [ORG_MAIL]);
    assert_eq!(mails("(mssIdNatStruct=1340780477)").await, [ORG_MAIL]);
    assert_eq!(mails("(mssIdNatStruct=1*)").await, [ORG_MAIL]);
    assert_eq!(
        mails("(mssResponsable=anne.petit@medecin.oc.mssante.fr)").await,
        [ORG_MAIL]
    );
    let e = anonymous_org(&ldap).await;
    assert_eq!(
        classes(&e),
        ["mssanteboitelettre", "organizationalrole", "top"]
    );
    assert_eq!(
        all(&e, "mssResponsable"),
        [
            "anne.petit@medecin.oc.mssante.fr",
            "paul.martin@medecin.oc.mssante.fr"
        ]
    );
    assert_eq!(one(&e, "cn"), Some("Secrétariat de cardiologie"));
    assert_eq!(one(&e, "displayName"), Some("Secrétariat de cardiologie"));
    assert_eq!(one(&e, "o"), Some("CHU de Montpellier"));
    assert_eq!(one(&e, "mssTypeBal"), Some("ORG"));
    assert_eq!(one(&e, "mssIdNatStruct"), Some("1340780477"));
    assert_eq!(one(&e, "mssService"), Some("Cardiologie"));
    assert_eq!(
        one(&e, "mssDescription"),
        Some("Rendez-vous et comptes rendus")
    );
    assert_eq!(one(&e, "telephoneNumber"), Some("+33467330000"));
    assert_eq!(one(&e, "street"), Some("191 avenue du Doyen Gaston Giraud"));
    assert_eq!(one(&e, "postalCode"), Some("34295"));
    assert_eq!(one(&e, "l"), Some("Montpellier"));
    for absent in PERSON_ATTRIBUTES {
        assert!(
            all(&e, absent).is_empty(),
            "{absent} on an ORG entry: {e:?}"
        );
    }
    // The service reads it back as it wrote it, among the PER of its branch.
    assert_eq!(
        dir.find(Branch::Mssante, ORG_MAIL).await.expect("find"),
        Some(entry.clone())
    );
    let listed = dir.list(Branch::Mssante).await.expect("list");
    assert_eq!(listed.len(), 2);
    assert!(listed.contains(&entry));
    assert_eq!(
        dir.find(Branch::Operateur, ORG_MAIL).await.expect("find"),
        None
    );
}

#[tokio::test]
async fn an_org_update_rewrites_its_responsables_and_description_and_nothing_else() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    let mut entry = org(ORG_MAIL);
    dir.upsert(&entry).await.expect("upsert");

    // Act
    entry.holder = Holder::organisation(
        "Secrétariat de cardiologie",
        Some("1340780477".into()),
        [
            "paul.martin@medecin.oc.mssante.fr".to_owned(),
            "zoe.roux@medecin.oc.mssante.fr".to_owned(),
        ],
    );
    entry.description = Some("Comptes rendus uniquement".into());
    entry.telephone = None;
    dir.upsert(&entry).await.expect("upsert the change");

    // Assert
    let e = anonymous_org(&ldap).await;
    assert_eq!(
        all(&e, "mssResponsable"),
        [
            "paul.martin@medecin.oc.mssante.fr",
            "zoe.roux@medecin.oc.mssante.fr"
        ]
    );
    assert_eq!(one(&e, "mssDescription"), Some("Comptes rendus uniquement"));
    assert_eq!(one(&e, "telephoneNumber"), None);
    assert_eq!(one(&e, "o"), Some("CHU de Montpellier"));
    assert_eq!(
        dir.find(Branch::Mssante, ORG_MAIL).await.expect("find"),
        Some(entry.clone())
    );
    // Once equal, an upsert writes nothing (entryCSN unchanged).
    let csn = || async {
        ldap.search_with(Who::Service, &ldap.mssante_dn(), "(mail=*)", &["entryCSN"])
            .await
            .expect("search")
            .into_iter()
            .map(|e| all(&e, "entryCSN"))
            .collect::<Vec<_>>()
    };
    let before = csn().await;
    dir.upsert(&entry).await.expect("upsert again");
    assert_eq!(csn().await, before);
}

#[tokio::test]
async fn reconcile_repairs_an_org_entry_changed_by_hand() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    let entry = org(ORG_MAIL);
    dir.upsert(&entry).await.expect("upsert");
    let dn = format!("mail={ORG_MAIL},{}", ldap.mssante_dn());
    let mut conn = ldap.connect(Who::Service).await.expect("connect");
    let result = conn
        .modify(
            &dn,
            vec![
                Mod::Replace(
                    "mssResponsable",
                    HashSet::from(["intrus@x.fr", "paul.martin@medecin.oc.mssante.fr"]),
                ),
                Mod::Delete("mssIdNatStruct", HashSet::new()),
                Mod::Replace("displayName", HashSet::from(["Autre chose"])),
                Mod::Add("cn", HashSet::from(["Second nom"])),
                Mod::Replace("o", HashSet::from(["Clinique"])),
            ],
        )
        .await
        .expect("modify request");
    assert_eq!(result.rc, 0, "{result:?}");
    let _ = conn.unbind().await;

    // Act
    let first = reconcile(&dir, std::slice::from_ref(&entry))
        .await
        .expect("reconcile");
    let second = reconcile(&dir, std::slice::from_ref(&entry))
        .await
        .expect("reconcile again");

    // Assert
    assert_eq!(
        first,
        ReconcileReport {
            updated: 1,
            ..ReconcileReport::default()
        }
    );
    assert_eq!(
        second,
        ReconcileReport {
            unchanged: 1,
            ..ReconcileReport::default()
        }
    );
    let e = anonymous_org(&ldap).await;
    assert_eq!(
        all(&e, "mssResponsable"),
        [
            "anne.petit@medecin.oc.mssante.fr",
            "paul.martin@medecin.oc.mssante.fr"
        ]
    );
    assert_eq!(all(&e, "cn"), ["Secrétariat de cardiologie"]);
    assert_eq!(one(&e, "displayName"), Some("Secrétariat de cardiologie"));
    assert_eq!(one(&e, "mssIdNatStruct"), Some("1340780477"));
    assert_eq!(one(&e, "o"), Some("CHU de Montpellier"));
}

#[tokio::test]
async fn an_address_whose_entry_changes_holder_kind_is_recreated_with_the_right_classes() {
    // Arrange: a person's entry where an ORG is now wanted (upsert), and the reverse
    // (reconcile, pipelined). A modify cannot change an entry's structural class.
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    dir.upsert(&per(ORG_MAIL)).await.expect("upsert the PER");
    let other_org = org("accueil@oc.mssante.fr");
    dir.upsert(&other_org).await.expect("upsert the ORG");
    let now_per = per("accueil@oc.mssante.fr");

    // Act
    dir.upsert(&org(ORG_MAIL))
        .await
        .expect("upsert the ORG over the PER");
    let report = reconcile(&dir, &[org(ORG_MAIL), now_per.clone()])
        .await
        .expect("reconcile the PER over the ORG");

    // Assert
    let e = anonymous_org(&ldap).await;
    assert_eq!(
        classes(&e),
        ["mssanteboitelettre", "organizationalrole", "top"]
    );
    for absent in PERSON_ATTRIBUTES {
        assert!(
            all(&e, absent).is_empty(),
            "{absent} left on the ORG: {e:?}"
        );
    }
    assert_eq!(
        report,
        ReconcileReport {
            updated: 1,
            unchanged: 1,
            ..ReconcileReport::default()
        }
    );
    assert_eq!(
        dir.find(Branch::Mssante, &now_per.mail)
            .await
            .expect("find"),
        Some(now_per)
    );
    let seen = ldap
        .search_anonymous(&ldap.mssante_dn(), "(mail=accueil@oc.mssante.fr)")
        .await
        .expect("search");
    assert_eq!(seen.len(), 1);
    assert!(classes(&seen[0]).contains(&"inetorgperson".to_owned()));
    assert!(all(&seen[0], "mssResponsable").is_empty());
    assert!(all(&seen[0], "mssIdNatStruct").is_empty());
}

#[tokio::test]
async fn a_removed_org_entry_is_gone_for_consumers() {
    // Arrange
    let ldap = TestLdap::start().await;
    let dir = ldap.directory();
    dir.upsert(&org(ORG_MAIL)).await.expect("upsert");

    // Act
    dir.remove(Branch::Mssante, ORG_MAIL).await.expect("remove");

    // Assert
    let seen = ldap
        .search_anonymous(&ldap.mssante_dn(), "(mssTypeBal=ORG)")
        .await
        .expect("search");
    assert!(seen.is_empty(), "{seen:?}");
    assert_eq!(
        dir.find(Branch::Mssante, ORG_MAIL).await.expect("find"),
        None
    );
}

/// The definitions of an LDIF file (`olcAttributeTypes`, `olcObjectClasses`, `olcDbIndex`),
/// unfolded (RFC 2849 §2: a line starting with one space continues the previous one) and
/// without the `{n}` position prefix of cn=config's ordered values.
fn definitions(file: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("config/ldap")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.replace("\n ", "")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (name, value) = l.split_once(": ")?;
            let value = match value.strip_prefix('{') {
                Some(rest) => rest.split_once('}').map_or(value, |(_, v)| v),
                None => value,
            };
            // A bare `{n}` (a delete by position) defines nothing.
            (["olcAttributeTypes", "olcObjectClasses", "olcDbIndex"].contains(&name)
                && !value.is_empty())
            .then(|| format!("{name}: {value}"))
        })
        .collect()
}

#[test]
fn the_upgrade_for_running_servers_carries_the_shipped_definitions() {
    let shipped: Vec<String> = [
        definitions("mssante-schema.ldif"),
        definitions("slapd-config.ldif"),
    ]
    .concat();
    let upgrade = definitions("upgrade-org.ldif");
    assert_eq!(upgrade.len(), 5, "{upgrade:#?}");
    for definition in &upgrade {
        assert!(
            shipped.contains(definition),
            "upgrade-org.ldif differs from the shipped files: {definition}"
        );
    }
    for name in [
        "'mssResponsable'",
        "'mssIdNatStruct'",
        "'mssanteBoiteLettre'",
    ] {
        assert!(
            upgrade.iter().any(|d| d.contains(name)),
            "{name} is not upgraded"
        );
    }
}
