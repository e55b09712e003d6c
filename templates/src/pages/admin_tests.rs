//! The administrators' console and the account status page.

use crate::pages;
use crate::views::{
    AccountStatusView, AccountView, AdminAccountView, AdminQueueView, AuditRow, FieldErrors,
    PageContext, QueueRow, SelectOption, Support,
};

fn ctx() -> PageContext {
    PageContext {
        service_name: "Medimail".into(),
        csrf_token: "csrf-123".into(),
        signed_in: false,
        support: Support {
            organisation: "Centre de services du GRADeS Occitanie".into(),
            phone: "0 820 250 035".into(),
            phone_note: String::new(),
            hours: "8h30 - 18h30 du lundi au vendredi".into(),
            form_url: "https://assistance.example.fr".into(),
            appointment_url: String::new(),
        },
        step: None,
        notice: None,
        psc_enabled: false,
    }
}

fn option(value: &str, label: &str) -> SelectOption {
    SelectOption {
        value: value.into(),
        label: label.into(),
    }
}

fn row(id: i32, nom: &str, age_hours: i64) -> QueueRow {
    QueueRow {
        id,
        nom: nom.into(),
        prenom: "Pierre".into(),
        email: format!("{}@example.fr", nom.to_lowercase()),
        profession: "Pharmacien".into(),
        region: "Occitanie".into(),
        bal_type: "PER".into(),
        submitted_at: "28/11/2026 14:05".into(),
        age: format!("{age_hours} h"),
        age_hours,
        psc_verified: false,
        contested: false,
        annuaire_mark: None,
        href: urls::admin_account(id),
    }
}

fn queue(rows: Vec<QueueRow>) -> AdminQueueView {
    AdminQueueView {
        scope_label: "Région Occitanie".into(),
        total_pending: rows.len(),
        over_24h: rows.iter().filter(|r| r.age_hours >= 24).count(),
        over_48h: rows.iter().filter(|r| r.age_hours >= 48).count(),
        rows,
        regions: vec![option("11", "Île-de-France"), option("76", "Occitanie")],
        professions: vec![option("10", "Médecin"), option("21", "Pharmacien")],
        ..AdminQueueView::default()
    }
}

fn pending_account() -> AdminAccountView {
    AdminAccountView {
        id: 42,
        status: "En attente de validation".into(),
        pending: true,
        fields: vec![
            ("Nom".into(), "DUPONT".into()),
            ("Prénom".into(), "Pierre".into()),
            ("Téléphone 2".into(), String::new()),
        ],
        identifier_check: Some("Clé RPPS valide".into()),
        history: vec![AuditRow {
            at: "28/11/2026 14:05".into(),
            actor: "pierre@example.fr".into(),
            action: "Inscription terminée".into(),
            detail: String::new(),
        }],
        ..AdminAccountView::default()
    }
}

/// The part of `html` from the first occurrence of `start` to the next `end` (included).
fn slice<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not found"));
    let len = html[from..].find(end).expect("end not found") + end.len();
    &html[from..from + len]
}

#[test]
fn the_queue_shows_scope_counts_and_rows_oldest_first() {
    let view = queue(vec![
        row(1, "RECENT", 3),
        row(2, "ANCIEN", 50),
        row(3, "MOYEN", 30),
    ]);
    let html = pages::admin_queue(&ctx(), &view).into_string();
    assert!(html.contains("<title>Comptes en attente de validation – Medimail</title>"));
    assert!(html.contains("<h1>Comptes en attente de validation</h1>"));
    assert!(html.contains("Périmètre : <strong>Région Occitanie</strong>"));
    assert!(html.contains(
        r#"<span class="count-value">3</span> <span class="count-label">en attente</span>"#
    ));
    assert!(html.contains(
        r#"<span class="count-value">2</span> <span class="count-label">depuis plus de 24 h</span>"#
    ));
    assert!(html.contains(
        r#"<span class="count-value">1</span> <span class="count-label">depuis plus de 48 h</span>"#
    ));
    let ancien = html.find(">ANCIEN<").expect("ANCIEN");
    let moyen = html.find(">MOYEN<").expect("MOYEN");
    let recent = html.find(">RECENT<").expect("RECENT");
    assert!(ancien < moyen && moyen < recent);
    assert!(html.contains("<caption id=\"queue-caption\">3 comptes en attente de validation"));
    for header in [
        "Nom",
        "Prénom",
        "Email",
        "Profession",
        "Région",
        "BAL",
        "Inscrit le",
        "Attente",
    ] {
        assert!(html.contains(&format!(r#"<th scope="col">{header}</th>"#)));
    }
    assert!(html.contains(r#"<th scope="row">ANCIEN</th>"#));
    assert!(html.contains(
        r#"<a href="/admin/comptes/2">Examiner<span class="visually-hidden"> le compte de Pierre ANCIEN</span></a>"#
    ));
    assert!(!html.contains(" style="));
}

#[test]
fn the_queue_marks_accounts_late_past_24_and_48_hours() {
    let view = queue(vec![
        row(1, "A", 23),
        row(2, "B", 24),
        row(3, "C", 47),
        row(4, "D", 48),
    ]);
    let html = pages::admin_queue(&ctx(), &view).into_string();
    let late_24 = r#"<span class="late-mark late-24">plus de 24 h</span>"#;
    let late_48 = r#"<span class="late-mark late-48">plus de 48 h</span>"#;
    assert_eq!(html.matches(late_24).count(), 2);
    assert_eq!(html.matches(late_48).count(), 1);
    assert!(html.contains(&format!(r#"<td class="age">48 h {late_48}</td>"#)));
    assert!(html.contains(&format!(r#"<td class="age">24 h {late_24}</td>"#)));
    assert!(html.contains(r#"<td class="age">23 h</td>"#));
}

#[test]
fn the_queue_shows_the_psc_badge_only_for_verified_identities() {
    let mut verified = row(1, "A", 1);
    verified.psc_verified = true;
    let view = queue(vec![verified, row(2, "B", 2)]);
    let html = pages::admin_queue(&ctx(), &view).into_string();
    assert_eq!(
        html.matches("Identité vérifiée par Pro Santé Connect")
            .count(),
        1
    );
    assert!(html.contains("Non vérifiée"));
}

#[test]
fn the_queue_filters_are_a_get_form_without_csrf_token() {
    let mut view = queue(vec![row(1, "A", 1)]);
    view.filter_region = "76".into();
    view.filter_bal_type = "MED".into();
    let html = pages::admin_queue(&ctx(), &view).into_string();
    let form = slice(&html, "<form", "</form>");
    assert!(form.starts_with(r#"<form class="filters" method="get" action="/admin""#));
    assert!(!form.contains("csrf_token"));
    assert!(!html.contains("csrf-123"));
    assert!(form.contains(r#"<select id="region" name="region">"#));
    assert!(form.contains(r#"<option value="">Toutes les régions</option>"#));
    assert!(form.contains(r#"<option value="76" selected>Occitanie</option>"#));
    assert!(form.contains(r#"<option value="" selected>Toutes les professions</option>"#));
    assert!(form.contains(r#"<option value="MED" selected>BAL MED</option>"#));
    assert!(form.contains(r#"<select id="bal_type" name="bal_type">"#));
    assert!(form.contains(r#"<option value="">Tous les types</option>"#));
    assert!(form.contains(r#"<button class="button" type="submit">Filtrer</button>"#));
    assert!(form.contains("Effacer les filtres"));
}

#[test]
fn an_empty_queue_says_so() {
    let html = pages::admin_queue(&ctx(), &queue(Vec::new())).into_string();
    assert!(html.contains("Aucun compte en attente de validation."));
    assert!(!html.contains("<table"));
    assert!(!html.contains("Effacer les filtres"));

    let mut view = queue(Vec::new());
    view.filter_profession = "10".into();
    let html = pages::admin_queue(&ctx(), &view).into_string();
    assert!(html.contains("ne correspond à ces filtres"));
}

#[test]
fn user_text_is_escaped_in_the_queue() {
    let mut evil = row(7, "<script>alert(1)</script>", 1);
    evil.prenom = "\"><img src=x onerror=alert(1)>".into();
    evil.email = "a&b@example.fr".into();
    let mut view = queue(vec![evil]);
    view.scope_label = "<i>Région</i>".into();
    view.filter_region = "\"><b>".into();
    let html = pages::admin_queue(&ctx(), &view).into_string();
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("<i>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("a&amp;b@example.fr"));
}

#[test]
fn the_account_page_shows_fields_checks_history_and_decisions() {
    let mut view = pending_account();
    view.psc_verified = true;
    let html = pages::admin_account(&ctx(), &view).into_string();
    assert!(html.contains("<h1>Examen du compte n° 42</h1>"));
    assert!(html.contains(r#"<span class="badge badge-pending">En attente de validation</span>"#));
    assert!(html.contains("<dt>Nom</dt><dd>DUPONT</dd><dt>Prénom</dt><dd>Pierre</dd>"));
    assert!(
        html.contains(r#"<dt>Téléphone 2</dt><dd><span class="muted">Non renseigné</span></dd>"#)
    );
    assert!(html.contains("Identité vérifiée par Pro Santé Connect"));
    assert!(html.contains("<strong>Clé RPPS valide</strong>"));
    for header in ["Date", "Acteur", "Action", "Détail"] {
        assert!(html.contains(&format!(r#"<th scope="col">{header}</th>"#)));
    }
    assert!(html.contains("<td>Inscription terminée</td>"));
    assert!(html.contains(r#"href="/admin""#));
}

#[test]
fn the_decision_forms_post_with_the_csrf_token() {
    let html = pages::admin_account(&ctx(), &pending_account()).into_string();
    let csrf = r#"<input type="hidden" name="csrf_token" value="csrf-123">"#;
    let validate = slice(
        &html,
        r#"<form method="post" action="/admin/comptes/42/valider""#,
        "</form>",
    );
    assert!(validate.contains(csrf));
    assert!(validate.contains("Valider le compte</button>"));
    let reject = slice(
        &html,
        r#"<form method="post" action="/admin/comptes/42/rejeter""#,
        "</form>",
    );
    assert!(reject.contains(csrf));
    assert!(reject.contains(r#"<label for="motif">Motif du refus (envoyé à l'utilisateur) <abbr class="required" title="obligatoire">*</abbr></label>"#));
    assert!(reject.contains(r#"<textarea id="motif" name="motif" rows="5" required"#));
    assert!(reject.contains("Refuser le compte</button>"));
}

#[test]
fn the_reject_form_keeps_the_motif_and_shows_its_error() {
    let mut view = pending_account();
    view.motif = "RPPS <faux> & \"nom\"".into();
    let mut errors = FieldErrors::new();
    errors.add("motif", "Le motif est trop long.");
    view.errors = errors;
    let html = pages::admin_account(&ctx(), &view).into_string();
    assert!(html.contains("<title>Erreur : Examen du compte n° 42 – Medimail</title>"));
    assert!(html.contains(r#"id="error-summary" role="alert""#));
    assert!(html.contains(r##"<a href="#motif">Le motif est trop long.</a>"##));
    assert!(
        html.contains(r#"<p class="field-error" id="motif-error">Le motif est trop long.</p>"#)
    );
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="motif-hint motif-error">RPPS &lt;faux&gt; &amp; &quot;nom&quot;</textarea>"#));
}

#[test]
fn a_disabled_account_has_no_password_reset_button() {
    let mut view = pending_account();
    view.pending = false;
    view.disabled = true;
    let html = pages::admin_account(&ctx(), &view).into_string();
    assert!(!html.contains(&urls::admin_password_reset(42)));
    // Re-enabling is what is left to do.
    assert!(html.contains(&urls::admin_reactivate(42)));
}

#[test]
fn a_decided_account_has_no_decision_form() {
    let mut view = pending_account();
    view.pending = false;
    view.status = "Refusé".into();
    view.rejection_reason = Some("Identifiant <inconnu>".into());
    let html = pages::admin_account(&ctx(), &view).into_string();
    // No validation or rejection form; disabling and a reset link stay possible.
    assert!(!html.contains(&urls::admin_validate(42)));
    assert!(!html.contains(&urls::admin_reject(42)));
    assert!(html.contains(&urls::admin_disable(42)));
    assert!(html.contains(&urls::admin_password_reset(42)));
    assert!(html.contains(r#"<span class="badge badge-rejected">Refusé</span>"#));
    assert!(
        html.contains(
            r#"<blockquote class="reason"><p>Identifiant &lt;inconnu&gt;</p></blockquote>"#
        )
    );

    view.status = "Validé".into();
    view.rejection_reason = None;
    view.mailbox_address = Some("pierre.dupont@pharmacien.oc.mssante.fr".into());
    let html = pages::admin_account(&ctx(), &view).into_string();
    assert!(html.contains("pierre.dupont@pharmacien.oc.mssante.fr"));
    assert!(!html.contains("Motif du refus"));
}

#[test]
fn user_text_is_escaped_in_the_account_page() {
    let mut view = pending_account();
    view.fields = vec![("Nom".into(), "<script>x</script>".into())];
    view.history = vec![AuditRow {
        at: "now".into(),
        actor: "<b>admin</b>".into(),
        action: "Compte refusé".into(),
        detail: "\"><svg onload=x>".into(),
    }];
    view.identifier_check = Some("<u>Clé</u>".into());
    let html = pages::admin_account(&ctx(), &view).into_string();
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<b>admin"));
    assert!(!html.contains("<svg"));
    assert!(!html.contains("<u>"));
    assert!(html.contains("<dd>&lt;script&gt;x&lt;/script&gt;</dd>"));
    assert!(html.contains("&quot;&gt;&lt;svg onload=x&gt;"));
}

fn status_view() -> AccountStatusView {
    AccountStatusView {
        prenom: "Pierre".into(),
        nom: "DUPONT".into(),
        email: "pierre@example.fr".into(),
        bal_type: "PER".into(),
        ..AccountStatusView::default()
    }
}

#[test]
fn the_status_page_of_a_validated_account_shows_the_address() {
    let mut view = status_view();
    view.validated = true;
    view.mailbox_address = Some("pierre.dupont@pharmacien.oc.mssante.fr".into());
    let html = pages::account_status(&ctx(), &view).into_string();
    assert!(html.contains("<h1>Votre compte est validé</h1>"));
    assert!(html.contains(
        r#"<p class="mailbox-address-value">pierre.dupont@pharmacien.oc.mssante.fr</p>"#
    ));
    assert!(html.contains("adresse MSSanté visible dans l'annuaire national"));

    view.bal_type = "MED".into();
    let html = pages::account_status(&ctx(), &view).into_string();
    assert!(html.contains("visible uniquement par les utilisateurs de la MSSanté Medimail"));
    assert!(!html.contains("annuaire national"));
}

#[test]
fn the_status_page_of_a_rejected_account_shows_the_reason_and_support() {
    let mut view = status_view();
    view.rejected = true;
    view.rejection_reason = Some("RPPS <inconnu>".into());
    let html = pages::account_status(&ctx(), &view).into_string();
    assert!(html.contains("<h1>Votre demande d'inscription a été refusée</h1>"));
    assert!(
        html.contains(r#"<blockquote class="reason"><p>RPPS &lt;inconnu&gt;</p></blockquote>"#)
    );
    assert!(html.contains("contactez le Centre de services du GRADeS Occitanie"));
    assert!(html.contains(r#"<a class="phone" href="tel:0820250035">0 820 250 035</a>"#));
    assert!(
        html.contains(r#"<a href="https://assistance.example.fr">Par le formulaire en ligne</a>"#)
    );
}

#[test]
fn the_status_page_of_a_pending_account_is_the_pending_page() {
    let view = status_view();
    let status = pages::account_status(&ctx(), &view).into_string();
    let pending = pages::account_pending(
        &ctx(),
        &AccountView {
            prenom: view.prenom.clone(),
            nom: view.nom.clone(),
            email: view.email.clone(),
            bal_type: view.bal_type.clone(),
            address_example: None,
            overdue: false,
            submitted_on: None,
            validated_on: None,
        },
    )
    .into_string();
    // The same page, with the way to the settings once the profile is complete.
    let settings = super::settings::settings_link().into_string();
    assert!(status.contains(&settings));
    assert_eq!(status.replace(&settings, ""), pending);
    assert!(status.contains("<h1>Votre compte est en attente de validation</h1>"));
}
