//! BAL ORG (issue 10), end to end on the real server: a validated individual user requests an
//! organisational mailbox, an administrator validates it, a directory consumer finds it in the
//! MSSanté branch with its responsables, and members manage it from their own accounts.

use ldap3::SearchEntry;

use crate::support::ldap::{TestLdap, Who};
use crate::support::{DrainReportExt, Form, TestApp, TestUser, db, spawn_app, spawn_app_with};

/// A FINESS with a valid key (Luhn), in Hérault (34).
pub(crate) const FINESS: &str = "340780477";

/// A slapd from the shipped files, and an app publishing to it.
pub(crate) async fn app_with_directory() -> (TestApp, TestLdap) {
    let ldap = TestLdap::start().await;
    let settings = ldap.settings();
    let app = spawn_app_with(|s| s.directory = settings).await;
    (app, ldap)
}

/// A validated BAL PER user, signed in on their own browser: `(browser, account id, address)`.
pub(crate) async fn validated_user(
    app: &TestApp,
    admin: &TestApp,
    user: &TestUser,
) -> (TestApp, i32, String) {
    let (browser, id) = app.pending_user(user, "oui", &user.profile_form()).await;
    admin
        .validate_account(id)
        .await
        .assert_redirect_to(&format!("/admin/comptes/{id}"));
    app.drain_outbox().await.assert_delivered();
    let address = db::account_by_id(&app.db, id)
        .await
        .mailbox_address
        .expect("validated");
    (browser, id, address)
}

pub(crate) fn request_form(local: &str) -> Form {
    Form::new()
        .with("libelle", "Secrétariat de cardiologie")
        .with("identifiant_local", local)
        .with("raison_sociale", "CHU de Montpellier")
        .with("type_identifiant_structure", "FINESS")
        .with("identifiant_structure", FINESS)
        .with("service", "Cardiologie")
        .with("description", "Prises de rendez-vous et comptes rendus")
        .with("adresse", "191 avenue du Doyen Gaston Giraud")
        .with("code_postal", "34295")
        .with("ville", "Montpellier")
        .with("telephone", "04 67 33 67 33")
        .with("dematerialisation", "on")
        .with("annuaire_mssante", "on")
}

/// Opens the request form (for its token), posts it, returns the new box's id.
pub(crate) async fn request_org(browser: &TestApp, form: &Form) -> i32 {
    browser.get("/bal-org/nouvelle").await.assert_status(200);
    let response = browser.post_form("/bal-org/nouvelle", form).await;
    let location = response.location().expect("redirect to the box");
    location
        .strip_prefix("/bal-org/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("unexpected redirect {location}"))
}

/// Opens the administrators' page of the box and returns its decision form: the request as
/// the page shows it (`vue`), which validation and rejection post back.
pub(crate) async fn decision_form(admin: &TestApp, id: i32) -> Form {
    let page = admin.get(&format!("/admin/bal-org/{id}")).await;
    page.assert_status(200);
    let vue = page.field_value("vue").expect("the decision forms");
    Form::new().with("vue", vue)
}

pub(crate) async fn validate_org(admin: &TestApp, id: i32) {
    let form = decision_form(admin, id).await;
    admin
        .post_form(&format!("/admin/bal-org/{id}/valider"), &form)
        .await
        .assert_redirect_to(&format!("/admin/bal-org/{id}"));
}

pub(crate) async fn org_address(app: &TestApp, id: i32) -> String {
    db::scalar_text(
        &app.db,
        &format!("SELECT mailbox_address FROM org_mailboxes WHERE id = {id}"),
    )
    .await
    .expect("validated box")
}

/// Opens the box's page (for the forms' tokens), then posts `action` (relative to the box).
pub(crate) async fn org_post(
    browser: &TestApp,
    id: i32,
    action: &str,
    form: &Form,
) -> crate::support::TestResponse {
    browser
        .get(&format!("/bal-org/{id}"))
        .await
        .assert_status(200);
    browser
        .post_form(&format!("/bal-org/{id}/{action}"), form)
        .await
}

/// The responsable on `owner` invites `email`, whose holder (signed in on `member`) accepts
/// from `/compte`.
pub(crate) async fn join_box(owner: &TestApp, member: &TestApp, id: i32, email: &str) {
    org_post(owner, id, "membres", &Form::new().with("email", email))
        .await
        .assert_redirect_to(&format!("/bal-org/{id}?invitation=envoyee"));
    member.get("/compte").await.assert_status(200);
    member
        .post_form(&format!("/bal-org/{id}/invitation/accepter"), &Form::new())
        .await
        .assert_redirect_to(&format!("/bal-org/{id}"));
}

async fn org_entries(ldap: &TestLdap, who: Who, filter: &str) -> Vec<SearchEntry> {
    ldap.search_with(who, &ldap.mssante_dn(), filter, &["*"])
        .await
        .unwrap_or_else(|e| panic!("search {filter}: {e}"))
}

pub(crate) fn values<'a>(entry: &'a SearchEntry, attr: &str) -> Vec<&'a str> {
    let mut values: Vec<&str> = entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .map(|(_, v)| v.iter().map(String::as_str).collect())
        .unwrap_or_default();
    values.sort_unstable();
    values
}

#[tokio::test]
async fn a_box_is_requested_validated_published_shared_and_closed() {
    // Arrange: a responsable-to-be and two colleagues, all validated.
    let (app, ldap) = app_with_directory().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (owner_browser, _, owner_address) = validated_user(&app, &admin, &owner).await;
    let colleague = TestUser::generate();
    let (colleague_browser, colleague_id, colleague_address) =
        validated_user(&app, &admin, &colleague).await;
    let other = TestUser::generate();
    let (other_browser, other_id, _) = validated_user(&app, &admin, &other).await;

    // Act 1: the request, then the administrator's queue and decision.
    let id = request_org(&owner_browser, &request_form("Secretariat.Cardiologie")).await;
    let queue = admin.get("/admin?bal_type=ORG").await;
    queue.assert_status(200);
    assert!(
        queue.text().contains("Secrétariat de cardiologie"),
        "{}",
        queue.text()
    );
    let detail = admin.get(&format!("/admin/bal-org/{id}")).await;
    assert!(
        detail.text().contains("clé FINESS valide"),
        "{}",
        detail.text()
    );
    assert!(
        detail.text().contains(&owner.email),
        "the requester's account is shown"
    );
    validate_org(&admin, id).await;

    // Assert 1: the address, the mail to the responsable, the public entry.
    let address = org_address(&app, id).await;
    assert_eq!(address, "secretariat.cardiologie@oc.mssante.fr");
    app.drain_outbox().await.assert_delivered();
    let mail = app
        .wait_for_mail_with_subject(&owner.email, "BAL organisationnelle")
        .await;
    assert!(mail.text().contains(&address), "{}", mail.text());
    let found = org_entries(&ldap, Who::Anonymous, "(mssTypeBal=ORG)").await;
    assert_eq!(found.len(), 1, "{found:#?}");
    let entry = &found[0];
    assert_eq!(values(entry, "mail"), [address.as_str()]);
    assert_eq!(values(entry, "cn"), ["Secrétariat de cardiologie"]);
    assert_eq!(values(entry, "o"), ["CHU de Montpellier"]);
    assert_eq!(values(entry, "mssService"), ["Cardiologie"]);
    assert_eq!(
        values(entry, "mssIdNatStruct"),
        [format!("1{FINESS}").as_str()]
    );
    assert_eq!(values(entry, "mssResponsable"), [owner_address.as_str()]);
    assert!(values(entry, "givenName").is_empty() && values(entry, "mssRpps").is_empty());

    // Act 2: two invitations, both accepted from /compte; one member becomes responsable.
    for invitee in [&colleague, &other] {
        org_post(
            &owner_browser,
            id,
            "membres",
            &Form::new().with("email", &invitee.email),
        )
        .await
        .assert_redirect_to(&format!("/bal-org/{id}?invitation=envoyee"));
    }
    for browser in [&colleague_browser, &other_browser] {
        let account = browser.get("/compte").await;
        assert!(
            account.text().contains("Invitation à rejoindre"),
            "{}",
            account.text()
        );
        browser
            .post_form(&format!("/bal-org/{id}/invitation/accepter"), &Form::new())
            .await
            .assert_redirect_to(&format!("/bal-org/{id}"));
    }
    org_post(
        &owner_browser,
        id,
        &format!("membres/{colleague_id}/responsable"),
        &Form::new(),
    )
    .await
    .assert_redirect_to(&format!("/bal-org/{id}"));
    app.drain_outbox().await.assert_delivered();

    // Assert 2: both responsables are published; members are not.
    let entry = &org_entries(&ldap, Who::Anonymous, "(mssTypeBal=ORG)").await[0];
    let mut expected = vec![owner_address.as_str(), colleague_address.as_str()];
    expected.sort_unstable();
    assert_eq!(values(entry, "mssResponsable"), expected);

    // Act 3: a responsable removes a member.
    org_post(
        &colleague_browser,
        id,
        &format!("membres/{other_id}/retirer"),
        &Form::new(),
    )
    .await
    .assert_redirect_to(&format!("/bal-org/{id}"));

    // Assert 3: the removed member no longer sees the box.
    other_browser
        .get(&format!("/bal-org/{id}"))
        .await
        .assert_status(404);

    // Act 4: `directory sync` repairs an entry removed by hand, then the box is closed.
    let mut service = ldap
        .connect(Who::Service)
        .await
        .expect("bind as the service");
    service
        .delete(&format!("mail={address},{}", ldap.mssante_dn()))
        .await
        .and_then(ldap3::LdapResult::success)
        .expect("delete the entry by hand");
    app.run_cli(&["directory", "sync"], None)
        .await
        .assert_success();
    assert_eq!(
        org_entries(&ldap, Who::Anonymous, "(mssTypeBal=ORG)")
            .await
            .len(),
        1
    );
    org_post(&owner_browser, id, "fermer", &Form::new())
        .await
        .assert_redirect_to(&format!("/bal-org/{id}"));
    app.drain_outbox().await.assert_delivered();

    // Assert 4: the entry is gone, members are told, the address stays reserved.
    assert!(
        org_entries(&ldap, Who::Anonymous, "(mssTypeBal=ORG)")
            .await
            .is_empty()
    );
    app.wait_for_mail_with_subject(&colleague.email, "Fermeture")
        .await;
    let reserved = db::scalar_i64(
        &app.db,
        &format!("SELECT COUNT(*) FROM reserved_addresses WHERE address = '{address}'"),
    )
    .await;
    assert_eq!(reserved, 1);
    let page = owner_browser.get(&format!("/bal-org/{id}")).await;
    assert!(page.text().contains("Fermée"), "{}", page.text());
}

#[tokio::test]
async fn a_structure_admin_sees_only_their_structures_boxes() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let user = TestUser::generate();
    let (browser, _, _) = validated_user(&app, &admin, &user).await;
    let ours = request_org(&browser, &request_form("cardio")).await;
    // Another structure (a SIRET), in the same région.
    let siret = siret_with_key("7323829960001");
    let theirs = request_org(
        &browser,
        &request_form("pneumo")
            .with("libelle", "Secrétariat de pneumologie")
            .with("type_identifiant_structure", "SIRET")
            .with("identifiant_structure", &siret),
    )
    .await;
    let (structure_admin, _) = app.admin_with_scope(&format!("structure:{FINESS}")).await;

    // Act
    let queue = structure_admin.get("/admin").await;

    // Assert
    assert!(
        queue.text().contains("Secrétariat de cardiologie"),
        "{}",
        queue.text()
    );
    assert!(
        !queue.text().contains("Secrétariat de pneumologie"),
        "{}",
        queue.text()
    );
    structure_admin
        .get(&format!("/admin/bal-org/{ours}"))
        .await
        .assert_status(200);
    structure_admin
        .get(&format!("/admin/bal-org/{theirs}"))
        .await
        .assert_status(403);
    let (other_region, _) = app.admin_with_scope("region:11").await;
    other_region
        .get(&format!("/admin/bal-org/{ours}"))
        .await
        .assert_status(403);
}

fn siret_with_key(body: &str) -> String {
    (0..10)
        .map(|k| format!("{body}{k}"))
        .find(|candidate| luhn(candidate))
        .expect("a key")
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[tokio::test]
async fn two_concurrent_validations_of_one_wish_get_distinct_addresses() {
    // Arrange: two requests for the same local part, two administrators.
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let (other_admin, _) = app.national_admin().await;
    let user = TestUser::generate();
    let (browser, _, _) = validated_user(&app, &admin, &user).await;
    let first = request_org(&browser, &request_form("accueil")).await;
    let second = request_org(&browser, &request_form("accueil")).await;
    let form_one = decision_form(&admin, first).await;
    let form_two = decision_form(&other_admin, second).await;

    // Act: both validations at once.
    let (path_one, path_two) = (
        format!("/admin/bal-org/{first}/valider"),
        format!("/admin/bal-org/{second}/valider"),
    );
    let (one, two) = tokio::join!(
        admin.post_form(&path_one, &form_one),
        other_admin.post_form(&path_two, &form_two),
    );

    // Assert
    one.assert_redirect_to(&format!("/admin/bal-org/{first}"));
    two.assert_redirect_to(&format!("/admin/bal-org/{second}"));
    let mut addresses = vec![
        org_address(&app, first).await,
        org_address(&app, second).await,
    ];
    addresses.sort();
    assert_eq!(
        addresses,
        ["accueil2@oc.mssante.fr", "accueil@oc.mssante.fr"]
    );
}

#[tokio::test]
async fn structure_keys_and_reserved_local_parts_are_checked_and_the_form_keeps_its_values() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let user = TestUser::generate();
    let (browser, _, _) = validated_user(&app, &admin, &user).await;
    browser.get("/bal-org/nouvelle").await.assert_status(200);
    let valid = siret_with_key("7323829960001");
    let last = valid.as_bytes()[13] - b'0';
    let wrong_siret = format!("{}{}", &valid[..13], (last + 1) % 10);

    for (form, field) in [
        (
            request_form("cardio").with("identifiant_structure", "340780478"),
            "identifiant_structure",
        ),
        (
            request_form("cardio")
                .with("type_identifiant_structure", "SIRET")
                .with("identifiant_structure", &wrong_siret),
            "identifiant_structure",
        ),
        (request_form("postmaster"), "identifiant_local"),
        (
            request_form("cardio")
                .with("code_postal", "31000")
                .with("departement", "34"),
            "departement",
        ),
        (request_form("cardio").with("libelle", ""), "libelle"),
    ] {
        // Act
        let response = browser.post_form("/bal-org/nouvelle", &form).await;

        // Assert
        assert_eq!(response.status, 422, "{field}: {:?}", response.location());
        response.assert_field_error(field);
        assert_eq!(
            response.field_value("raison_sociale").as_deref(),
            Some("CHU de Montpellier")
        );
    }
    // La Poste's establishments follow their own key (sum of the digits a multiple of 5).
    let la_poste = request_form("courrier")
        .with("type_identifiant_structure", "SIRET")
        .with("identifiant_structure", "35600000049837");
    assert!(request_org(&browser, &la_poste).await > 0);
    assert_eq!(db::count_rows(&app.db, "org_mailboxes").await, 1);
}

#[tokio::test]
async fn the_last_responsable_can_neither_leave_nor_be_demoted() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (browser, owner_id, _) = validated_user(&app, &admin, &owner).await;
    let id = request_org(&browser, &request_form("cardio")).await;

    // Act
    let leave = org_post(&browser, id, "quitter", &Form::new()).await;
    let demote = org_post(
        &browser,
        id,
        &format!("membres/{owner_id}/membre"),
        &Form::new(),
    )
    .await;

    // Assert
    leave.assert_status(422);
    assert!(
        leave.text().contains("au moins un responsable"),
        "{}",
        leave.text()
    );
    demote.assert_status(422);
    let page = browser.get(&format!("/bal-org/{id}")).await;
    page.assert_status(200);
    assert!(page.text().contains("Responsable"));
}

#[tokio::test]
async fn a_non_member_gets_404_on_the_box_and_every_action() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (browser, owner_id, _) = validated_user(&app, &admin, &owner).await;
    let id = request_org(&browser, &request_form("cardio")).await;
    let stranger = TestUser::generate();
    let (stranger_browser, _, _) = validated_user(&app, &admin, &stranger).await;
    // A token the stranger legitimately holds (their own account page's form) is enough for
    // the CSRF check: what answers is the membership check.
    stranger_browser.get("/compte").await.assert_status(200);
    let token = stranger_browser.csrf_token_for("/compte/annuaire");

    // Act + Assert
    stranger_browser
        .get(&format!("/bal-org/{id}"))
        .await
        .assert_status(404);
    stranger_browser
        .get(&format!("/bal-org/{id}/modifier"))
        .await
        .assert_status(404);
    for action in [
        "membres".to_owned(),
        "invitation/accepter".to_owned(),
        "invitation/refuser".to_owned(),
        format!("membres/{owner_id}/retirer"),
        format!("membres/{owner_id}/responsable"),
        format!("membres/{owner_id}/membre"),
        "quitter".to_owned(),
        "modifier".to_owned(),
        "fermer".to_owned(),
    ] {
        let response = stranger_browser
            .post_form_with_csrf(
                &format!("/bal-org/{id}/{action}"),
                &request_form("x").with("email", &stranger.email),
                token.as_deref(),
            )
            .await;
        assert_eq!(response.status, 404, "{action}: {}", response.text());
    }
    // Nothing changed.
    assert_eq!(db::count_rows(&app.db, "org_members").await, 1);
}

#[tokio::test]
async fn an_invitation_answers_the_same_whether_or_not_the_address_has_an_account() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (browser, _, _) = validated_user(&app, &admin, &owner).await;
    let id = request_org(&browser, &request_form("cardio")).await;
    let known = TestUser::generate();
    validated_user(&app, &admin, &known).await;
    let unknown = "personne.inconnue@exemple.fr";

    // Act
    let to_known = org_post(
        &browser,
        id,
        "membres",
        &Form::new().with("email", &known.email),
    )
    .await;
    let to_unknown = org_post(&browser, id, "membres", &Form::new().with("email", unknown)).await;

    // Assert: same status and location, and the page after it says the same of both: the
    // address typed, never a name, in the invitations and in the history.
    assert_eq!(to_known.status, to_unknown.status);
    assert_eq!(to_known.location(), to_unknown.location());
    let page = browser.get(&format!("/bal-org/{id}")).await.text();
    // The row, the withdraw button's label and the history line, for each.
    for email in [known.email.as_str(), unknown] {
        assert_eq!(page.matches(email).count(), 3, "{email}\n{page}");
    }
    assert!(
        !page.contains(&known.nom) && !page.contains(&known.prenom),
        "{page}"
    );
    assert_eq!(page.matches("Annuler l'invitation").count(), 2, "{page}");
    assert_eq!(page.matches("Invitation envoyée").count(), 2, "{page}");
    app.drain_outbox().await.assert_delivered();
    let invitation = app
        .wait_for_mail_with_subject(&known.email, "Invitation")
        .await;
    assert!(
        invitation.text().contains("Mon compte"),
        "{}",
        invitation.text()
    );
    let suggestion = app.wait_for_mail_with_subject(unknown, "Invitation").await;
    assert!(
        suggestion.text().contains("compte individuel nominatif"),
        "{}",
        suggestion.text()
    );
    assert!(suggestion.text().contains("/inscription"));
    // A malformed address is a form error, kept in the field.
    let bad = org_post(
        &browser,
        id,
        "membres",
        &Form::new().with("email", "pas-une-adresse"),
    )
    .await;
    bad.assert_status(422).assert_field_error("email");
}

#[tokio::test]
async fn every_org_post_needs_a_csrf_token() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (browser, owner_id, _) = validated_user(&app, &admin, &owner).await;
    let id = request_org(&browser, &request_form("cardio")).await;

    // Act + Assert
    let mut paths: Vec<String> = [
        "membres",
        "invitation/accepter",
        "invitation/refuser",
        "quitter",
        "modifier",
        "fermer",
    ]
    .iter()
    .map(|a| format!("/bal-org/{id}/{a}"))
    .collect();
    paths.push("/bal-org/nouvelle".to_owned());
    for action in ["retirer", "responsable", "membre"] {
        paths.push(format!("/bal-org/{id}/membres/{owner_id}/{action}"));
    }
    for action in [
        "valider",
        "rejeter",
        "modification/accepter",
        "modification/refuser",
    ] {
        paths.push(format!("/admin/bal-org/{id}/{action}"));
    }
    for path in paths {
        let as_admin = path.starts_with("/admin");
        let who = if as_admin { &admin } else { &browser };
        let response = who
            .post_form_with_csrf(&path, &request_form("x"), None)
            .await;
        assert_eq!(response.status, 403, "{path}");
    }
    assert_eq!(db::count_rows(&app.db, "org_mailboxes").await, 1);
    assert_eq!(db::count_rows(&app.db, "org_events").await, 1);
}

#[tokio::test]
async fn only_a_validated_individual_account_may_request_a_box() {
    // Arrange: a pending account.
    let app = spawn_app().await;
    let user = TestUser::generate();
    let (browser, _) = app.pending_user(&user, "oui", &user.profile_form()).await;

    // Act + Assert
    browser.get("/bal-org/nouvelle").await.assert_status(403);
    let token = browser.csrf_token_for("/compte/annuaire");
    let response = browser
        .post_form_with_csrf(
            "/bal-org/nouvelle",
            &request_form("cardio"),
            token.as_deref(),
        )
        .await;
    assert_eq!(response.status, 403);
    assert_eq!(db::count_rows(&app.db, "org_mailboxes").await, 0);
}

#[tokio::test]
async fn edits_apply_at_once_and_republish_but_a_new_structure_waits_for_an_administrator() {
    // Arrange
    let (app, ldap) = app_with_directory().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (browser, _, _) = validated_user(&app, &admin, &owner).await;
    let id = request_org(&browser, &request_form("cardio")).await;
    validate_org(&admin, id).await;
    app.drain_outbox().await.assert_delivered();
    browser
        .get(&format!("/bal-org/{id}/modifier"))
        .await
        .assert_status(200);
    let siret = siret_with_key("7323829960001");

    // Act
    let edited = request_form("ignored")
        .with("description", "Nouvelle description")
        .with("raison_sociale", "GHT Est Hérault")
        .with("type_identifiant_structure", "SIRET")
        .with("identifiant_structure", &siret);
    browser
        .post_form(&format!("/bal-org/{id}/modifier"), &edited)
        .await
        .assert_redirect_to(&format!("/bal-org/{id}"));
    app.drain_outbox().await.assert_delivered();

    // Assert: the description is published, the structure is not (yet); the address is the same.
    let entry = &org_entries(&ldap, Who::Anonymous, "(mssTypeBal=ORG)").await[0];
    assert_eq!(values(entry, "mssDescription"), ["Nouvelle description"]);
    assert_eq!(values(entry, "o"), ["CHU de Montpellier"]);
    assert_eq!(values(entry, "mail"), ["cardio@oc.mssante.fr"]);
    let queue = admin.get("/admin").await;
    assert!(
        queue.text().contains("Modifications à valider"),
        "{}",
        queue.text()
    );

    // Act 2: the administrator opens the page; meanwhile a responsable asks for another
    // raison sociale; the administrator accepts what the page showed.
    let seen = admin.get(&format!("/admin/bal-org/{id}")).await;
    seen.assert_status(200);
    let demande = seen.field_value("demande").expect("the change as shown");
    browser
        .post_form(
            &format!("/bal-org/{id}/modifier"),
            &edited.clone().with("raison_sociale", "GHT Est-Hérault Sud"),
        )
        .await
        .assert_redirect_to(&format!("/bal-org/{id}"));
    let accept = format!("/admin/bal-org/{id}/modification/accepter");
    let stale = admin
        .post_form(&accept, &Form::new().with("demande", &demande))
        .await;

    // Assert 2: nothing was decided on the stale page; the new change still waits.
    stale.assert_status(409);
    assert!(stale.text().contains("Relisez-la"), "{}", stale.text());
    app.drain_outbox().await.assert_delivered();
    let entry = &org_entries(&ldap, Who::Anonymous, "(mssTypeBal=ORG)").await[0];
    assert_eq!(values(entry, "o"), ["CHU de Montpellier"]);

    // Act 3: the administrator accepts the change now shown.
    let demande = stale.field_value("demande").expect("the new change");
    admin
        .post_form(&accept, &Form::new().with("demande", &demande))
        .await
        .assert_redirect_to(&format!("/admin/bal-org/{id}"));
    app.drain_outbox().await.assert_delivered();
    let notice = app
        .wait_for_mail_with_subject(&owner.email, "Modification de votre BAL")
        .await;
    assert!(notice.text().contains("a accepté"), "{}", notice.text());

    // Assert 3
    let entry = &org_entries(&ldap, Who::Anonymous, "(mssTypeBal=ORG)").await[0];
    assert_eq!(values(entry, "o"), ["GHT Est-Hérault Sud"]);
    assert_eq!(
        values(entry, "mssIdNatStruct"),
        [format!("3{siret}").as_str()]
    );
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_mails_it_to_the_responsables() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (browser, _, _) = validated_user(&app, &admin, &owner).await;
    let id = request_org(&browser, &request_form("cardio")).await;
    let form = decision_form(&admin, id).await;

    // Act
    let without = admin
        .post_form(
            &format!("/admin/bal-org/{id}/rejeter"),
            &form.clone().with("motif", " "),
        )
        .await;
    let with = admin
        .post_form(
            &format!("/admin/bal-org/{id}/rejeter"),
            &form.with("motif", "Structure inconnue : joignez un justificatif."),
        )
        .await;

    // Assert
    without.assert_status(422).assert_field_error("motif");
    with.assert_redirect_to(&format!("/admin/bal-org/{id}"));
    app.drain_outbox().await.assert_delivered();
    let mail = app
        .wait_for_mail_with_subject(&owner.email, "BAL organisationnelle")
        .await;
    assert!(
        mail.text().contains("Structure inconnue"),
        "{}",
        mail.text()
    );
    let page = browser.get(&format!("/bal-org/{id}")).await;
    assert!(page.text().contains("Refusée") && page.text().contains("Structure inconnue"));
}

#[tokio::test]
async fn an_address_invited_before_its_account_existed_finds_the_invitation_once_validated() {
    // Arrange: the invitation goes to an address nobody has an account with.
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (browser, _, _) = validated_user(&app, &admin, &owner).await;
    let id = request_org(&browser, &request_form("cardio")).await;
    let mut newcomer = TestUser::generate();
    newcomer.email = format!("nouvelle.{}", newcomer.email);
    org_post(
        &browser,
        id,
        "membres",
        &Form::new().with("email", &newcomer.email),
    )
    .await
    .assert_redirect_to(&format!("/bal-org/{id}?invitation=envoyee"));

    // Act: the newcomer signs up with that address; while pending they may only decline.
    let (pending, newcomer_id) = app
        .pending_user(&newcomer, "oui", &newcomer.profile_form())
        .await;
    let before = pending.get("/compte").await;
    let early = pending
        .post_form(&format!("/bal-org/{id}/invitation/accepter"), &Form::new())
        .await;
    admin
        .validate_account(newcomer_id)
        .await
        .assert_redirect_to(&format!("/admin/comptes/{newcomer_id}"));
    let account = pending.get("/compte").await;
    let accepted = pending
        .post_form(&format!("/bal-org/{id}/invitation/accepter"), &Form::new())
        .await;

    // Assert
    assert!(
        before
            .text()
            .contains("une fois votre compte individuel validé"),
        "{}",
        before.text()
    );
    early.assert_status(403);
    assert!(
        account.text().contains("Invitation à rejoindre"),
        "{}",
        account.text()
    );
    accepted.assert_redirect_to(&format!("/bal-org/{id}"));
    let page = pending.get(&format!("/bal-org/{id}")).await;
    page.assert_status(200);
    assert!(page.text().contains(&newcomer.nom), "{}", page.text());
    let owner_view = browser.get(&format!("/bal-org/{id}")).await.text();
    assert!(!owner_view.contains("Annuler l'invitation"), "{owner_view}");
    // The holder's data export lists the box they joined.
    let export = pending.get("/compte/export").await;
    let data: serde_json::Value = serde_json::from_str(&export.body).expect("JSON");
    assert_eq!(data["bal_org"][0]["libelle"], "Secrétariat de cardiologie");
    assert_eq!(data["bal_org"][0]["role"], "Membre");
}

#[tokio::test]
async fn the_last_responsable_of_a_box_cannot_close_their_account_until_another_is_named() {
    // Arrange
    let (app, ldap) = app_with_directory().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (browser, owner_id, owner_address) = validated_user(&app, &admin, &owner).await;
    let colleague = TestUser::generate();
    let (colleague_browser, colleague_id, colleague_address) =
        validated_user(&app, &admin, &colleague).await;
    let id = request_org(&browser, &request_form("cardio")).await;
    validate_org(&admin, id).await;
    join_box(&browser, &colleague_browser, id, &colleague.email).await;
    let close = Form::new().with("mot_de_passe_actuel", &owner.password);

    // Act 1: the only responsable tries to close their account.
    browser.get("/compte/fermeture").await.assert_status(200);
    let refused = browser.post_form("/compte/fermeture", &close).await;

    // Assert 1: refused, with the box named; the account and the box are untouched.
    refused.assert_status(409);
    assert!(
        refused.text().contains("Secrétariat de cardiologie"),
        "{}",
        refused.text()
    );
    assert!(
        db::account_by_id(&app.db, owner_id)
            .await
            .closed_at
            .is_none()
    );

    // Act 2: the colleague is named responsable, then the owner closes their account.
    org_post(
        &browser,
        id,
        &format!("membres/{colleague_id}/responsable"),
        &Form::new(),
    )
    .await
    .assert_redirect_to(&format!("/bal-org/{id}"));
    browser.get("/compte/fermeture").await.assert_status(200);
    browser
        .post_form("/compte/fermeture", &close)
        .await
        .assert_redirect_to("/connexion?ferme");
    app.drain_outbox().await.assert_delivered();

    // Assert 2: the owner left the box and its published contacts; the colleague runs it.
    let page = colleague_browser
        .get(&format!("/bal-org/{id}"))
        .await
        .text();
    assert!(!page.contains(&owner.email), "{page}");
    assert!(page.contains("compte individuel fermé"), "{page}");
    let entry = &org_entries(&ldap, Who::Anonymous, "(mssTypeBal=ORG)").await[0];
    assert_eq!(
        values(entry, "mssResponsable"),
        [colleague_address.as_str()]
    );
    assert_ne!(owner_address, colleague_address);
}

#[tokio::test]
async fn no_decision_is_taken_on_a_request_edited_since_the_page_was_shown() {
    // Arrange: the administrator opens the request; then its responsable changes the wish.
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (browser, _, _) = validated_user(&app, &admin, &owner).await;
    let id = request_org(&browser, &request_form("cardio")).await;
    let seen = decision_form(&admin, id).await;
    browser
        .get(&format!("/bal-org/{id}/modifier"))
        .await
        .assert_status(200);
    browser
        .post_form(
            &format!("/bal-org/{id}/modifier"),
            &request_form("ignored").with("libelle", "Secrétariat de rythmologie"),
        )
        .await
        .assert_redirect_to(&format!("/bal-org/{id}"));

    // Act
    let validated = admin
        .post_form(&format!("/admin/bal-org/{id}/valider"), &seen)
        .await;
    let rejected = admin
        .post_form(
            &format!("/admin/bal-org/{id}/rejeter"),
            &seen.clone().with("motif", "Doublon"),
        )
        .await;

    // Assert: neither was taken; the page shows the request as it is now, and a decision
    // taken on it goes through.
    validated.assert_status(409);
    rejected.assert_status(409);
    assert!(
        validated.text().contains("Secrétariat de rythmologie"),
        "{}",
        validated.text()
    );
    assert!(
        db::scalar_text(
            &app.db,
            &format!("SELECT mailbox_address FROM org_mailboxes WHERE id = {id}")
        )
        .await
        .is_none()
    );
    validate_org(&admin, id).await;
    assert_eq!(org_address(&app, id).await, "cardio@oc.mssante.fr");
}

#[tokio::test]
async fn a_plain_member_may_leave_a_box_whose_only_responsable_was_disabled() {
    // Arrange
    let app = spawn_app().await;
    let (admin, _) = app.national_admin().await;
    let owner = TestUser::generate();
    let (owner_browser, owner_id, _) = validated_user(&app, &admin, &owner).await;
    let member = TestUser::generate();
    let (member_browser, _, _) = validated_user(&app, &admin, &member).await;
    let id = request_org(&owner_browser, &request_form("cardio")).await;
    join_box(&owner_browser, &member_browser, id, &member.email).await;
    let page = format!("/admin/comptes/{owner_id}");
    admin.get(&page).await.assert_status(200);
    admin
        .post_form(
            &format!("{page}/desactiver"),
            &[("motif", "Usurpation signalée")],
        )
        .await
        .assert_redirect_to(&page);

    // Act
    let left = org_post(&member_browser, id, "quitter", &Form::new()).await;

    // Assert: a plain member is never "the last responsable".
    left.assert_redirect_to("/compte");
    member_browser
        .get(&format!("/bal-org/{id}"))
        .await
        .assert_status(404);
}
