use crate::pages;
use crate::views::{
    AccountView, CguView, EmailSentView, FieldErrors, IdentificationView, LoginView, PageContext,
    ProfileView, SignupView, Step, Support,
};

fn ctx() -> PageContext {
    PageContext {
        service_name: "Medimail".into(),
        csrf_token: "csrf-123".into(),
        signed_in: false,
        support: Support {
            organisation: "Centre de services du GRADeS Occitanie".into(),
            phone: "0 820 250 035".into(),
            phone_note: "Service 0,09 € / appel + prix appel".into(),
            hours: "8h30 - 18h30 du lundi au vendredi".into(),
            form_url: "https://assistance.example.fr".into(),
            appointment_url: "https://assistance.example.fr/rdv".into(),
        },
        step: None,
        notice: None,
        psc_enabled: false,
    }
}

use super::profile_sample::{self, Identifier, identifier_fields};

fn profile_view() -> ProfileView {
    profile_sample::profile(
        "pierre.dupont@example.fr",
        "DUPONT",
        "Pierre",
        identifier_fields(Identifier::Absent, "", ""),
    )
}

#[test]
fn every_page_is_a_full_french_document_without_script_or_inline_style() {
    let ctx = ctx();
    let html = pages::signup(&ctx, &SignupView::default()).into_string();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(r#"<html lang="fr">"#));
    assert!(html.contains("<title>Inscription – Medimail</title>"));
    assert!(html.contains(r#"<main class="container" id="contenu""#));
    assert!(html.contains(r##"<a class="skip-link" href="#contenu">"##));
    assert!(!html.contains("<script"));
    assert!(!html.contains(" style="));
    assert!(html.contains("Contactez le Centre de services du GRADeS Occitanie !"));
    assert!(html.contains("Prenez RDV en ligne"));
}

#[test]
fn every_form_posts_with_the_csrf_token() {
    let html = pages::signup(&ctx(), &SignupView::default()).into_string();
    assert!(html.contains(r#"<form method="post" action="/inscription" novalidate>"#));
    assert!(html.contains(r#"<input type="hidden" name="csrf_token" value="csrf-123">"#));
}

#[test]
fn signed_in_pages_show_the_sign_out_form() {
    let mut ctx = ctx();
    assert!(
        !pages::landing(&ctx)
            .into_string()
            .contains("Se déconnecter")
    );
    ctx.signed_in = true;
    let html = pages::landing(&ctx).into_string();
    assert!(html.contains(r#"action="/deconnexion""#));
    assert!(html.contains("Se déconnecter"));
}

#[test]
fn the_step_indicator_marks_done_and_current_steps() {
    let mut ctx = ctx();
    ctx.step = Some(Step::Cgu);
    let html = pages::cgu(&ctx, &CguView::default()).into_string();
    // Announced in words before the list, which it names; the title names the step too.
    assert!(html.contains(
        r#"<p class="step-status" id="etape-courante">Étape 3 sur 6 : <strong>Conditions générales d'utilisation</strong></p>"#
    ));
    assert!(html.contains(r#"<ol class="steps" aria-labelledby="etape-courante">"#));
    assert!(html.contains("<title>Validation des CGU – Étape 3 sur 6 – "));
    assert_eq!(html.matches(r#"aria-current="step""#).count(), 1);
    assert_eq!(html.matches("step-done").count(), 2);
    assert!(html.contains(r#"class="step step-current" aria-current="step""#));
}

#[test]
fn the_signup_page_never_renders_a_password_value() {
    let view = SignupView {
        nom: "Dupont".into(),
        prenom: "Pierre".into(),
        email: "pierre@example.fr".into(),
        errors: FieldErrors::default(),
    };
    let html = pages::signup(&ctx(), &view).into_string();
    for input in html.split("<input").skip(1) {
        let tag = input.split('>').next().unwrap_or_default();
        if tag.contains(r#"type="password""#) {
            assert!(
                !tag.contains("value="),
                "password input with a value: {tag}"
            );
        }
    }
    assert!(html.contains(r#"value="Dupont""#));
    assert!(html.contains(r#"autocomplete="new-password""#));
    assert!(html.contains(r#"aria-describedby="mot_de_passe-hint""#));
    assert!(html.contains("Créer mon compte Medimail"));
}

#[test]
fn field_errors_are_summarised_and_linked_to_their_field() {
    let mut errors = FieldErrors::new();
    errors.add("email", "Saisissez une adresse mail valide.");
    let view = SignupView {
        errors,
        ..SignupView::default()
    };
    let html = pages::signup(&ctx(), &view).into_string();
    assert!(html.contains("<title>Erreur : Inscription – Medimail</title>"));
    assert!(html.contains(r#"id="error-summary" role="alert" tabindex="-1""#));
    assert!(html.contains("autofocus"));
    assert!(html.contains("Le formulaire contient des erreurs"));
    assert!(html.contains(r##"<a href="#email">Saisissez une adresse mail valide.</a>"##));
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="email-hint email-error""#));
    assert!(html.contains(
        r#"<p class="field-error" id="email-error">Saisissez une adresse mail valide.</p>"#
    ));
}

#[test]
fn no_error_summary_without_errors() {
    let html = pages::signup(&ctx(), &SignupView::default()).into_string();
    assert!(!html.contains("error-summary"));
    assert!(!html.contains("aria-invalid"));
}

#[test]
fn user_input_is_escaped() {
    let view = SignupView {
        nom: "<script>alert(1)</script>".into(),
        prenom: "\"><b>".into(),
        ..SignupView::default()
    };
    let html = pages::signup(&ctx(), &view).into_string();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>"));
    assert!(html.contains(r#"value="&quot;&gt;&lt;b&gt;""#));
}

#[test]
fn the_resend_page_never_says_whether_an_account_exists() {
    let view = EmailSentView {
        email: Some("x@example.fr".into()),
        resent: true,
        awaiting_confirmation: false,
        valid_hours: 24,
    };
    let html = pages::email_sent(&ctx(), &view).into_string();
    assert!(html.contains(
        "Si un compte en attente de confirmation correspond à cette adresse, un nouveau mail \
         vient d'être envoyé."
    ));
    assert!(html.contains(r#"action="/inscription/renvoyer""#));
    assert!(html.contains(r#"value="x@example.fr""#));
}

#[test]
fn the_cgu_page_has_one_form_with_two_decisions() {
    let view = CguView {
        version: "2026-01".into(),
        paragraphs: vec!["Préambule".into(), "Article 1.".into()],
        new_version: true,
        errors: FieldErrors::default(),
    };
    let html = pages::cgu(&ctx(), &view).into_string();
    assert_eq!(
        html.matches("<form method=\"post\" action=\"/cgu\"")
            .count(),
        1
    );
    assert!(html.contains(r#"name="decision" value="accepter">Accepter</button>"#));
    assert!(html.contains(r#"name="decision" value="refuser">Refuser</button>"#));
    assert!(html.contains(r#"<section class="cgu-text" tabindex="0""#));
    assert!(html.contains("<p>Préambule</p>"));
    assert!(html.contains("Version 2026-01"));
    assert!(html.contains(r#"href="/cgu/document""#));
}

#[test]
fn radio_group_errors_attach_to_the_fieldset_and_the_first_radio() {
    let mut errors = FieldErrors::new();
    errors.add(
        "identifiant_national",
        "Indiquez si vous avez un identifiant national.",
    );
    let view = IdentificationView {
        answer: None,
        errors,
    };
    let html = pages::identification(&ctx(), &view).into_string();
    assert!(html.contains(r#"aria-describedby="identifiant_national-error""#));
    assert!(html.contains(r#"id="identifiant_national-error""#));
    assert!(html.contains(
        r#"<input id="identifiant_national" name="identifiant_national" type="radio" value="oui""#
    ));
    assert!(html.contains(r#"id="identifiant_national-non""#));
    assert!(html.contains(r##"href="#identifiant_national""##));
}

#[test]
fn the_previous_identification_answer_is_checked() {
    let view = IdentificationView {
        answer: Some(false),
        errors: FieldErrors::default(),
    };
    let html = pages::identification(&ctx(), &view).into_string();
    assert!(html.contains(r#"value="non" checked"#));
    assert!(!html.contains(r#"value="oui" checked"#));
}

#[test]
fn the_profile_omits_identifier_fields_unless_required() {
    let view = profile_view();
    let html = pages::profile(&ctx(), &view).into_string();
    assert!(!html.contains("type_identifiant"));
    assert!(!html.contains(r#"name="identifiant""#));

    // A BAL PER: the app adds the identifier fields.
    let view = profile_sample::profile(
        "pierre.dupont@example.fr",
        "DUPONT",
        "Pierre",
        identifier_fields(Identifier::Inputs, "RPPS", ""),
    );
    let html = pages::profile(&ctx(), &view).into_string();
    assert!(html.contains(r#"<option value="RPPS" selected>RPPS</option>"#));
    assert!(html.contains(r#"name="identifiant" type="text" value="" inputmode="numeric""#));
}

#[test]
fn the_profile_marks_selected_options_and_checked_boxes() {
    let mut view = profile_view();
    profile_sample::set(&mut view, "dematerialisation", "on");
    let html = pages::profile(&ctx(), &view).into_string();
    assert!(html.contains(r#"<option value="21" selected>Pharmacien</option>"#));
    assert!(html.contains(r#"<option value="10">Médecin</option>"#));
    assert!(html.contains(r#"<optgroup label="Pharmacien"><option value="SM53">Biologie</option><option value="SM54" selected>Officine</option></optgroup>"#));
    assert!(html.contains(r#"<option value="76" selected>Occitanie</option>"#));
    assert!(html.contains(r#"<option value="" selected>Déduit du code postal</option>"#));
    assert!(html.contains(r#"name="dematerialisation" type="checkbox" value="on" checked"#));
    assert!(html.contains(r#"name="annuaire_mssante" type="checkbox" value="on">"#));
    assert!(html.contains("<p class=\"readonly-value\">pierre.dupont@example.fr</p>"));
    assert!(!html.contains(r#"name="email""#));
}

#[test]
fn the_pending_account_page_adapts_to_the_mailbox_type() {
    let mut view = AccountView {
        bal_type: "PER".into(),
        ..AccountView::default()
    };
    let html = pages::account_pending(&ctx(), &view).into_string();
    assert!(html.contains("<h1>Votre compte est en attente de validation</h1>"));
    assert!(html.contains("prenom.nom@pharmacien.oc.mssante.fr"));
    assert!(html.contains("par le Centre de services du GRADeS Occitanie."));

    view.address_example = Some("prenom.nom@medecin.mssante.fr".into());
    let html = pages::account_pending(&ctx(), &view).into_string();
    assert!(html.contains("prenom.nom@medecin.mssante.fr"));
    assert!(!html.contains("pharmacien.oc"));

    view.bal_type = "MED".into();
    let html = pages::account_pending(&ctx(), &view).into_string();
    assert!(html.contains("visible uniquement par les utilisateurs de la MSSanté Medimail"));
    assert!(!html.contains("medecin.mssante.fr"));
}

#[test]
fn the_login_page_shows_one_generic_error() {
    let view = LoginView {
        email: "x@example.fr".into(),
        error: Some("Adresse mail ou mot de passe incorrect.".into()),
    };
    let html = pages::login(&ctx(), &view).into_string();
    assert!(html.contains(r#"id="error-summary""#));
    assert!(html.contains("Adresse mail ou mot de passe incorrect."));
    assert!(html.contains(r#"autocomplete="current-password""#));
    assert!(html.contains(r#"href="/inscription""#));
}
