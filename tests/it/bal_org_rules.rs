//! BAL ORG rules that the end-to-end path of `bal_org.rs` walks past (issue 10): which directory
//! branches a box is in and what its entry carries, the request form's defaults, the
//! administrators' scope on decisions, what a plain member may not do, and the addresses of
//! many validations of one wish at once.

use entities::{org_mailbox, org_member};
use ldap3::{SearchEntry, ldap_escape};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::bal_org::{
    FINESS, app_with_directory, decision_form, join_box, org_address, org_post, request_form,
    request_org, validate_org, validated_user, values,
};
use crate::directory::PERSON_ATTRIBUTES;
use crate::support::ldap::{TestLdap, Who};
use crate::support::{DrainReportExt, Form, TestApp, TestUser, db, html, spawn_app};

/// The entries for `address` under `branch`, as `who` sees them.
async fn entries_for(ldap: &TestLdap, who: Who, branch: &str, address: &str) -> Vec<SearchEntry> {
    let filter = format!("(mail={})", ldap_escape(address));
    ldap.search_with(who, branch, &filter, &["*"])
        .await
        .unwrap_or_else(|e| panic!("search {filter} under {branch} as {who:?}: {e}"))
}

/// The one entry for `address` under `branch`, as `who` sees it.
async fn the_entry(ldap: &TestLdap, who: Who, branch: &str, address: &str) -> SearchEntry {
    let mut found = entries_for(ldap, who, branch, address).await;
    assert_eq!(found.len(), 1, "{address} under {branch}: {found:#?}");
    found.remove(0)
}

/// An organisation's entry: `mssTypeBal=ORG`, the structure as TRE_G07 "1" + FINESS, an
/// `organizationalRole` and none of a person's attributes.
#[track_caller]
fn assert_org_entry(entry: &SearchEntry) {
    assert_eq!(values(entry, "mssTypeBal"), ["ORG"], "{entry:#?}");
    assert_eq!(
        values(entry, "mssIdNatStruct"),
        [format!("1{FINESS}").as_str()],
        "{entry:#?}"
    );
    let classes = values(entry, "objectClass");
    assert!(
        classes
            .iter()
            .any(|c| c.eq_ignore_ascii_case("organizationalRole"))
            && !classes
                .iter()
                .any(|c| c.eq_ignore_ascii_case("inetOrgPerson")),
        "{classes:?}"
    );
    for person in PERSON_ATTRIBUTES {
        assert!(
            values(entry, person).is_empty(),
            "{person} on an ORG entry: {entry:#?}"
        );
    }
}

#[tokio::test]
async fn an_org_box_is_in_the_branches_ticked_and_leaves_the_mssante_one_once_unticked() {
    // Arrange: one request for the MSSanté directory only (the form's defaults), one for both.
    let (app, ldap) = app_with_directory().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (browser, _, _) = validated_user(&app, &admin, &owner).await;
    let mssante_only = request_org(&browser, &request_form("cardio")).await;
    let both_form = request_form("accueil")
        .with("libelle", "Accueil de cardiologie")
        .with("annuaire_medimail", "on");
    let both = request_org(&browser, &both_form).await;

    // Act 1
    validate_org(&admin, mssante_only).await;
    validate_org(&admin, both).await;
    app.drain_outbox().await.assert_delivered();

    // Assert 1: anyone reads the MSSanté branch; the operator branch needs a bound reader,
    // and absence is checked as the service account, which reads everything.
    let (cardio, accueil) = (
        org_address(&app, mssante_only).await,
        org_address(&app, both).await,
    );
    let (mssante, operateur) = (ldap.mssante_dn(), ldap.operateur_dn());
    let public = the_entry(&ldap, Who::Anonymous, &mssante, &cardio).await;
    assert_org_entry(&public);
    assert_eq!(values(&public, "mssListeRouge"), ["N"]);
    assert!(
        entries_for(&ldap, Who::Service, &operateur, &cardio)
            .await
            .is_empty(),
        "{cardio} is in the operator branch without annuaire_medimail"
    );
    assert_org_entry(&the_entry(&ldap, Who::Anonymous, &mssante, &accueil).await);
    assert_org_entry(&the_entry(&ldap, Who::Reader, &operateur, &accueil).await);

    // Act 2: a responsable unticks the MSSanté directory, as the edit form posts it.
    let edit = format!("/bal-org/{both}/modifier");
    let form = browser.get(&edit).await;
    form.assert_status(200);
    assert!(html::is_checked(&form.body, "annuaire_mssante"));
    assert!(html::is_checked(&form.body, "annuaire_medimail"));
    browser
        .post_form(&edit, &both_form.without("annuaire_mssante"))
        .await
        .assert_redirect_to(&format!("/bal-org/{both}"));
    app.drain_outbox().await.assert_delivered();

    // Assert 2: gone from the MSSanté branch, still (liste rouge) in the operator's; the other
    // box is untouched.
    assert!(
        entries_for(&ldap, Who::Service, &mssante, &accueil)
            .await
            .is_empty(),
        "{accueil} stays in the MSSanté branch once unticked"
    );
    let operator = the_entry(&ldap, Who::Reader, &operateur, &accueil).await;
    assert_org_entry(&operator);
    assert_eq!(values(&operator, "mssListeRouge"), ["O"]);
    assert_org_entry(&the_entry(&ldap, Who::Anonymous, &mssante, &cardio).await);
}

#[tokio::test]
async fn the_request_form_ticks_dematerialisation_and_the_mssante_directory_by_default() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let user = TestUser::generate();
    let (browser, _, _) = validated_user(&app, &admin, &user).await;

    // Act
    let page = browser.get("/bal-org/nouvelle").await;

    // Assert
    page.assert_status(200);
    assert!(html::is_checked(&page.body, "dematerialisation"));
    assert!(html::is_checked(&page.body, "annuaire_mssante"));
    assert!(!html::is_checked(&page.body, "annuaire_medimail"));
    // Defaults only: a form sent back with an error keeps the boxes as they were posted.
    let posted = request_form("cardio")
        .with("libelle", "")
        .without("dematerialisation")
        .without("annuaire_mssante")
        .with("annuaire_medimail", "on");
    let again = browser.post_form("/bal-org/nouvelle", &posted).await;
    again.assert_field_error("libelle");
    assert!(!html::is_checked(&again.body, "dematerialisation"));
    assert!(!html::is_checked(&again.body, "annuaire_mssante"));
    assert!(html::is_checked(&again.body, "annuaire_medimail"));
}

#[tokio::test]
async fn an_administrator_outside_the_boxs_scope_can_neither_validate_nor_reject_it() {
    // Arrange: a pending box of FINESS 340780477 in Occitanie (76), and two administrators
    // who do not cover it: another région, another structure.
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (browser, _, _) = validated_user(&app, &admin, &owner).await;
    let id = request_org(&browser, &request_form("cardio")).await;
    let before = box_row(&app, id).await;
    let (reserved_before, events_before) = (
        db::count_rows(&app.db, "reserved_addresses").await,
        db::count_rows(&app.db, "org_events").await,
    );
    let (other_region, _) = app.admin_with_scope("region:11").await;
    let (other_structure, _) = app.admin_with_scope("structure:750712184").await;

    // Act + Assert
    for outsider in [&other_region, &other_structure] {
        // A token the administrator legitimately holds (its console's forms): what answers is
        // the scope check, not the CSRF one ("Action refusée").
        outsider.get("/admin").await.assert_status(200);
        let token = outsider
            .csrf_token_for(&format!("/admin/bal-org/{id}/valider"))
            .expect("a CSRF token on the console");
        for (action, form) in [
            ("valider", Form::new()),
            (
                "rejeter",
                Form::new().with("motif", "Hors de mon périmètre"),
            ),
        ] {
            let response = outsider
                .post_form_with_csrf(
                    &format!("/admin/bal-org/{id}/{action}"),
                    &form,
                    Some(&token),
                )
                .await;
            assert_eq!(response.status, 403, "{action}: {}", response.text());
            assert!(
                response.text().contains("Accès refusé"),
                "{action}: {}",
                response.text()
            );
        }
    }

    // Assert: still pending, no address reserved, nothing recorded, no responsable mailed.
    let after = box_row(&app, id).await;
    assert_eq!(after, before);
    assert!(after.validated_at.is_none() && after.rejected_at.is_none());
    assert_eq!(
        db::count_rows(&app.db, "reserved_addresses").await,
        reserved_before
    );
    assert_eq!(db::count_rows(&app.db, "org_events").await, events_before);
    app.drain_outbox().await.assert_delivered();
    let subjects: Vec<String> = app
        .smtp
        .messages_to(&owner.email)
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert!(
        !subjects.iter().any(|s| s.contains("BAL organisationnelle")),
        "{subjects:?}"
    );

    // Act 2: the structure's own administrator decides.
    let (structure_admin, _) = app.admin_with_scope(&format!("structure:{FINESS}")).await;
    validate_org(&structure_admin, id).await;

    // Assert 2
    assert_eq!(org_address(&app, id).await, "cardio@oc.mssante.fr");
    app.drain_outbox().await.assert_delivered();
    app.wait_for_mail_with_subject(&owner.email, "BAL organisationnelle")
        .await;
}

async fn box_row(app: &TestApp, id: i32) -> org_mailbox::Model {
    org_mailbox::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("read org_mailboxes")
        .expect("the box exists")
}

/// What a refused action must leave as it was: the box, its members and invitations, its
/// history and the outbox (no mail, no publication).
#[derive(Debug, PartialEq)]
struct Snapshot {
    org: org_mailbox::Model,
    members: Vec<org_member::Model>,
    events: i64,
    outbox: i64,
}

impl Snapshot {
    async fn take(app: &TestApp, id: i32) -> Self {
        Self {
            org: box_row(app, id).await,
            members: org_member::Entity::find()
                .filter(org_member::Column::OrgId.eq(id))
                .order_by_asc(org_member::Column::Id)
                .all(&app.db)
                .await
                .expect("read org_members"),
            events: db::count_rows(&app.db, "org_events").await,
            outbox: db::count_rows(&app.db, "outbox").await,
        }
    }
}

#[tokio::test]
async fn a_plain_member_gets_403_on_every_responsable_action_and_nothing_changes() {
    // Arrange: a validated box, its responsable, a member who joined, and a colleague the
    // member would like to invite.
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (owner_browser, owner_id, _) = validated_user(&app, &admin, &owner).await;
    let member = TestUser::generate();
    let (member_browser, member_id, _) = validated_user(&app, &admin, &member).await;
    let colleague = TestUser::generate();
    validated_user(&app, &admin, &colleague).await;
    let id = request_org(&owner_browser, &request_form("cardio")).await;
    validate_org(&admin, id).await;
    join_box(&owner_browser, &member_browser, id, &member.email).await;
    let before = Snapshot::take(&app, id).await;
    let box_page = format!("/bal-org/{id}");
    let owner_view = owner_browser.get(&box_page).await.text();

    // Act + Assert: the member sees the box (and holds a valid token from its page) but is
    // offered no responsable action, and each one is refused.
    let page = member_browser.get(&box_page).await;
    page.assert_status(200);
    let actions = html::attrs(&page.body, "form", "action");
    assert!(
        !actions
            .iter()
            .any(|a| a.contains("/membres") || a.ends_with("/fermer")),
        "{actions:?}"
    );
    let edit = member_browser.get(&format!("{box_page}/modifier")).await;
    edit.assert_status(403);
    let rewritten = request_form("cardio")
        .with("description", "Réécrite par un simple membre")
        .without("annuaire_mssante");
    for (action, form) in [
        (
            "membres".to_owned(),
            Form::new().with("email", &colleague.email),
        ),
        (format!("membres/{owner_id}/retirer"), Form::new()),
        (format!("membres/{member_id}/responsable"), Form::new()),
        (format!("membres/{owner_id}/membre"), Form::new()),
        ("modifier".to_owned(), rewritten),
        ("fermer".to_owned(), Form::new()),
    ] {
        let response = member_browser
            .post_form(&format!("{box_page}/{action}"), &form)
            .await;
        assert_eq!(response.status, 403, "{action}: {}", response.text());
        assert!(
            response.text().contains("Accès refusé"),
            "{action}: {}",
            response.text()
        );
    }

    // Assert: nothing changed, as the database and the responsable's page tell.
    assert_eq!(Snapshot::take(&app, id).await, before);
    assert_eq!(owner_browser.get(&box_page).await.text(), owner_view);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_validations_of_one_wish_at_once_get_five_addresses_each_reserved_once() {
    // Arrange: five requests for the same local part; two administrators share the decisions
    // and open every page they decide on (for its token) before any decision.
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let (other_admin, _) = app.national_admin().await;
    let user = TestUser::generate();
    let (browser, _, _) = validated_user(&app, &admin, &user).await;
    let mut decisions: Vec<(&TestApp, i32, Form)> = Vec::new();
    for n in 0..5 {
        let id = request_org(&browser, &request_form("accueil")).await;
        let decider = if n % 2 == 0 { &admin } else { &other_admin };
        let form = decision_form(decider, id).await;
        decisions.push((decider, id, form));
    }
    let reserved_before = db::count_rows(&app.db, "reserved_addresses").await;

    // Act: every validation is on the wire before any answer is read. The server runs on four
    // worker threads, so on PostgreSQL the transactions really overlap; on SQLite (one
    // connection) they queue, which checks the suffixes only.
    let answers = futures_util::future::join_all(decisions.iter().map(|(decider, id, form)| {
        let path = format!("/admin/bal-org/{id}/valider");
        async move { decider.post_form(&path, form).await }
    }))
    .await;

    // Assert: each answered, each got its own address, the first five of the wish.
    for (answer, (_, id, _)) in answers.iter().zip(&decisions) {
        answer.assert_redirect_to(&format!("/admin/bal-org/{id}"));
    }
    let mut addresses = Vec::new();
    for (_, id, _) in &decisions {
        addresses.push(org_address(&app, *id).await);
    }
    addresses.sort();
    let mut expected: Vec<String> = std::iter::once("accueil@oc.mssante.fr".to_owned())
        .chain((2..=5).map(|n| format!("accueil{n}@oc.mssante.fr")))
        .collect();
    expected.sort();
    assert_eq!(addresses, expected);
    for address in &addresses {
        let reserved = db::scalar_i64(
            &app.db,
            &format!("SELECT COUNT(*) FROM reserved_addresses WHERE address = '{address}'"),
        )
        .await;
        assert_eq!(reserved, 1, "{address}");
    }
    // No losing attempt left a reservation behind.
    assert_eq!(
        db::count_rows(&app.db, "reserved_addresses").await,
        reserved_before + 5
    );
}

/// The access check comes before the form: a plain member who posts a malformed address gets
/// 403, not the invitation form's 422 on their own page.
#[tokio::test]
async fn a_plain_member_inviting_a_malformed_address_gets_403_too() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (owner_browser, _, _) = validated_user(&app, &admin, &owner).await;
    let member = TestUser::generate();
    let (member_browser, _, _) = validated_user(&app, &admin, &member).await;
    let id = request_org(&owner_browser, &request_form("cardio")).await;
    join_box(&owner_browser, &member_browser, id, &member.email).await;

    // Act
    let response = org_post(
        &member_browser,
        id,
        "membres",
        &Form::new().with("email", "pas-une-adresse"),
    )
    .await;

    // Assert
    response.assert_status(403);
}
