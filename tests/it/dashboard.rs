//! The SLA dashboard and the CSV export of the queue (issue 11), on a history seeded with the
//! injectable clock.

use chrono::Duration;

use crate::support::fixtures::SeedAccount;
use crate::support::{TestApp, spawn_app};

/// Seeds an account that has waited `hours`, then has the admin decide on it now.
async fn decided(app: &TestApp, admin: &TestApp, nom: &str, hours: i64, validate: bool) {
    let id = app
        .seed_pending(&SeedAccount::pharmacist("Paul", nom).waiting_hours(hours))
        .await;
    let response = if validate {
        admin.validate_account(id).await
    } else {
        admin.reject_account(id, "Pièce manquante").await
    };
    response.assert_redirect_to(&format!("/admin/comptes/{id}"));
}

#[tokio::test]
async fn the_dashboard_shows_the_seeded_history_in_charts_and_tables() {
    // Arrange: yesterday, one account validated after 10 h and one rejected after 60 h; today,
    // one validated after 20 h; and three accounts still waiting 2 h, 30 h and 50 h.
    let app = spawn_app().await;
    let (admin, _) = app.admin_with_scope("region:76").await;
    decided(&app, &admin, "Rapide", 10, true).await;
    decided(&app, &admin, "Lent", 60, false).await;
    let yesterday = app.now().format("%d/%m").to_string();
    app.advance_clock(Duration::days(1));
    // A day later the first session has ended: the same scope, signed in again.
    let (admin, _) = app.admin_with_scope("region:76").await;
    decided(&app, &admin, "Moyen", 20, true).await;
    for (nom, hours) in [("Attente", 2), ("Attente", 30), ("Attente", 50)] {
        app.seed_pending(&SeedAccount::pharmacist("Lea", nom).waiting_hours(hours))
            .await;
    }
    let today = app.now().format("%d/%m").to_string();

    // Act
    let page = admin.get("/admin/tableau-de-bord").await;

    // Assert
    page.assert_status(200);
    let html = page.body.clone();
    assert!(html.matches("<svg").count() >= 4, "{html}");
    assert!(html.contains(r#"role="img""#));
    // Every chart but the share bar (whose figure is its text) has its table, and none is
    // folded away in a <details>, which would not print.
    assert!(html.matches("<table").count() >= 3, "{html}");
    assert!(!html.contains("<details"), "{html}");
    // Two decisions out of three within 48 h.
    assert!(
        html.contains("67 %") && html.contains("2 décisions sur 3"),
        "{html}"
    );
    // Pending: one per bucket in Occitanie.
    assert!(
        html.contains(r#"<th scope="row">Occitanie</th><td>1</td><td>1</td><td>1</td>"#),
        "{html}"
    );
    // Decisions per day.
    assert!(
        html.contains(&format!(
            r#"<th scope="row">{yesterday}</th><td>1</td><td>1</td>"#
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            r#"<th scope="row">{today}</th><td>1</td><td>0</td>"#
        )),
        "{html}"
    );
    // The last week: three decisions, median 20 h, 90th percentile 60 h.
    assert!(
        html.contains("<td>3</td><td>20.0 h</td><td>60.0 h</td>"),
        "{html}"
    );
    // Another région's administrator sees none of it.
    let (other, _) = app.admin_with_scope("region:11").await;
    let theirs = other.get("/admin/tableau-de-bord").await.body;
    assert!(theirs.contains("Aucun compte en attente."), "{theirs}");
    assert!(theirs.contains("Aucune décision"), "{theirs}");
}

#[tokio::test]
async fn the_queue_exports_as_csv_for_the_admins_scope_without_formulas() {
    // Arrange
    let app = spawn_app().await;
    app.seed_pending(&SeedAccount::pharmacist("Jeanne", "=HYPERLINK(\"x\")").waiting_hours(30))
        .await;
    app.seed_pending(&SeedAccount::pharmacist("Marc", "Parisien").in_paris())
        .await;
    let (admin, _) = app.admin_with_scope("region:76").await;

    // Act
    let response = admin.get("/admin/comptes.csv").await;

    // Assert
    response.assert_status(200);
    assert!(response.content_type().starts_with("text/csv"));
    let body = response.body.clone();
    let mut lines = body.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next(),
        Some(
            "id;nom;prenom;email;type_bal;profession;region;soumis_le;attente_heures;identite_verifiee_psc"
        )
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1, "{body}");
    assert!(rows[0].contains(r#""'=HYPERLINK(""x"")""#), "{body}");
    assert!(
        rows[0].contains(";Occitanie;") && rows[0].contains(";30;non"),
        "{body}"
    );
}
