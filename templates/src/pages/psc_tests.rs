//! Pro Santé Connect: the button, the PSC pages, the profile of a PSC user, the account page.

use crate::pages;
use crate::pages::profile_sample::{self, Identifier, identifier_fields};
use crate::views::{
    AccountStatusView, ActivityChoice, FieldErrors, LoginView, PageContext, ProfileView,
    PscEmailView, PscErrorView, PscLinkView, SignupView, Support,
};

fn ctx(psc_enabled: bool) -> PageContext {
    PageContext {
        service_name: "Medimail".into(),
        csrf_token: "csrf-123".into(),
        support: Support {
            organisation: "Centre de services du GRADeS Occitanie".into(),
            ..Support::default()
        },
        psc_enabled,
        ..PageContext::default()
    }
}

/// The part of `html` from the first `start` to the next `end` (included).
fn slice<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not found"));
    let to = html[from..]
        .find(end)
        .unwrap_or_else(|| panic!("{end:?} not found after {start:?}"));
    &html[from..from + to + end.len()]
}

/// Every `<input …>` tag of `html` of the given type.
fn inputs_of_type<'a>(html: &'a str, input_type: &str) -> Vec<&'a str> {
    let needle = format!(r#"type="{input_type}""#);
    html.split("<input")
        .skip(1)
        .map(|rest| rest.split('>').next().unwrap_or_default())
        .filter(|tag| tag.contains(&needle))
        .collect()
}

fn psc_pages(ctx: &PageContext) -> Vec<(&'static str, String)> {
    vec![
        ("landing", pages::landing(ctx).into_string()),
        (
            "login",
            pages::login(ctx, &LoginView::default()).into_string(),
        ),
        (
            "signup",
            pages::signup(ctx, &SignupView::default()).into_string(),
        ),
    ]
}

#[test]
fn the_psc_button_appears_only_when_psc_is_enabled() {
    for (page, html) in psc_pages(&ctx(false)) {
        assert!(
            !html.contains("/psc/"),
            "{page} links to PSC while disabled"
        );
        assert!(
            !html.contains("Pro Santé Connect"),
            "{page} mentions PSC while disabled"
        );
        assert!(
            !html.contains("or-separator"),
            "{page} has a separator while disabled"
        );
    }
    for (page, html) in psc_pages(&ctx(true)) {
        assert!(
            html.contains(
                r#"<a class="psc-button" href="/psc/connexion"><span class="psc-button-login">S'identifier avec</span> <span class="psc-button-brand">Pro Santé Connect</span></a>"#
            ),
            "{page} lacks the PSC button"
        );
        assert!(
            html.contains(
                r#"<a href="https://esante.gouv.fr/produits-services/pro-sante-connect" target="_blank" rel="noopener">Qu'est-ce que Pro Santé Connect ?"#
            ),
            "{page} lacks the PSC explanation link"
        );
        assert!(
            html.contains(r#"<p class="or-separator">ou</p>"#),
            "{page}: no separator"
        );
        assert!(!html.contains("<script"), "{page} has a script");
        assert!(!html.contains(" style="), "{page} has an inline style");
        assert!(!html.contains("<img"), "{page} has an image");
    }
}

#[test]
fn the_psc_button_comes_before_the_password_form_separated_by_ou() {
    for (page, html) in psc_pages(&ctx(true)) {
        let button = html.find("psc-button").unwrap_or(usize::MAX);
        let separator = html.find("or-separator").unwrap_or(usize::MAX);
        let password = match page {
            "login" => html.find(r#"action="/connexion""#),
            "signup" => html.find(r#"action="/inscription""#),
            _ => html.find(r#"href="/inscription""#),
        }
        .unwrap_or_default();
        assert!(
            button < separator && separator < password,
            "{page}: wrong order"
        );
    }
}

#[test]
fn the_psc_email_page_asks_for_an_address_to_confirm() {
    let view = PscEmailView {
        email: "cabinet@example.fr".into(),
        prenom: "Jeanne".into(),
        nom: "MARTIN".into(),
        errors: FieldErrors::default(),
    };
    let html = pages::psc_email(&ctx(true), &view).into_string();
    assert!(html.contains("<title>Votre adresse mail – Medimail</title>"));
    assert!(html.contains("<h1>Votre adresse mail</h1>"));
    assert!(html.contains("Bonjour Jeanne MARTIN,"));
    assert!(html.contains("ne transmet pas d'adresse mail"));
    assert!(html.contains("mail de confirmation"));
    assert!(html.contains(r#"<form method="post" action="/inscription/email" novalidate>"#));
    assert!(html.contains(r#"<input type="hidden" name="csrf_token" value="csrf-123">"#));
    assert!(html.contains(
        r#"<input id="email" name="email" type="email" value="cabinet@example.fr" autocomplete="email" required aria-describedby="email-hint">"#
    ));
    assert!(html.contains("Nous ne partagerons jamais votre adresse avec un tiers."));
    assert!(html.contains(r#"<button class="button" type="submit">Continuer</button>"#));
    assert!(!html.contains("error-summary"));
}

#[test]
fn the_psc_email_page_shows_its_errors() {
    let mut errors = FieldErrors::new();
    errors.add("email", "Saisissez une adresse mail valide.");
    let view = PscEmailView {
        email: "pas-une-adresse".into(),
        errors,
        ..PscEmailView::default()
    };
    let html = pages::psc_email(&ctx(true), &view).into_string();
    assert!(html.contains("<title>Erreur : Votre adresse mail – Medimail</title>"));
    assert!(html.contains(r##"<a href="#email">Saisissez une adresse mail valide.</a>"##));
    assert!(html.contains(r#"value="pas-une-adresse""#));
    assert!(html.contains("Bonjour,"));
}

#[test]
fn the_psc_link_page_asks_for_the_password_and_never_renders_it() {
    let mut errors = FieldErrors::new();
    errors.add("mot_de_passe", "Mot de passe incorrect.");
    let view = PscLinkView {
        masked_email: "p•••@e•••.fr".into(),
        matched_on: "RPPS".into(),
        errors,
    };
    let html = pages::psc_link(&ctx(true), &view).into_string();
    assert!(
        html.contains("<title>Erreur : Associer votre e-CPS à votre compte – Medimail</title>")
    );
    assert!(html.contains("<h1>Associer votre e-CPS à votre compte</h1>"));
    assert!(html.contains("correspondant à votre RPPS existe déjà"));
    assert!(html.contains("p•••@e•••.fr"));
    assert!(html.contains(r#"<form method="post" action="/psc/lier" novalidate>"#));
    assert!(html.contains(r#"name="csrf_token" value="csrf-123""#));
    assert!(html.contains(r##"<a href="#mot_de_passe">Mot de passe incorrect.</a>"##));
    assert!(html.contains(r#"id="mot_de_passe-error""#));
    let passwords = inputs_of_type(&html, "password");
    assert_eq!(passwords.len(), 1);
    assert!(passwords[0].contains(r#"name="mot_de_passe""#));
    assert!(passwords[0].contains(r#"autocomplete="current-password""#));
    assert!(
        !passwords[0].contains("value="),
        "password input with a value"
    );
    assert!(html.contains("Associer et me connecter</button>"));
    assert!(html.contains(r#"<a class="button-secondary" href="/">Annuler</a>"#));
}

#[test]
fn the_psc_link_page_names_an_email_match() {
    let view = PscLinkView {
        masked_email: "p•••@e•••.fr".into(),
        matched_on: "adresse mail".into(),
        errors: FieldErrors::default(),
    };
    let html = pages::psc_link(&ctx(true), &view).into_string();
    assert!(html.contains("correspondant à votre adresse mail existe déjà"));
    assert!(!html.contains("error-summary"));
    assert!(html.contains("<title>Associer votre e-CPS à votre compte – Medimail</title>"));
}

#[test]
fn the_psc_error_page_offers_a_retry_only_when_asked() {
    let mut view = PscErrorView {
        title: "Connexion annulée".into(),
        message: "Vous avez annulé la connexion avec Pro Santé Connect.".into(),
        retry: true,
    };
    let html = pages::psc_error(&ctx(true), &view).into_string();
    assert!(html.contains("<title>Connexion annulée – Medimail</title>"));
    assert!(html.contains("<h1>Connexion annulée</h1>"));
    assert!(html.contains("<p>Vous avez annulé la connexion avec Pro Santé Connect.</p>"));
    assert!(html.contains(
        r#"<a class="button" href="/psc/connexion">Réessayer avec Pro Santé Connect</a>"#
    ));
    assert!(html.contains(r#"<a href="/connexion">"#));

    view.retry = false;
    let html = pages::psc_error(&ctx(true), &view).into_string();
    assert!(!html.contains("/psc/connexion"));
    assert!(!html.contains("Réessayer"));
    assert!(html.contains(r#"<a href="/">Retour à l'accueil</a>"#));
}

/// A PSC user's profile: the app shows the identifier read-only.
fn psc_profile() -> ProfileView {
    psc_profile_with(Identifier::ReadOnly, "RPPS", "10001234567")
}

fn psc_profile_with(mode: Identifier, kind: &str, number: &str) -> ProfileView {
    ProfileView {
        psc_verified: mode == Identifier::ReadOnly,
        ..profile_sample::profile(
            "jeanne.martin@example.fr",
            "MARTIN",
            "Jeanne",
            identifier_fields(mode, kind, number),
        )
    }
}

fn activity(index: usize, label: &str, selected: bool) -> ActivityChoice {
    ActivityChoice {
        index,
        label: label.into(),
        selected,
    }
}

#[test]
fn a_psc_profile_shows_the_identifier_read_only() {
    let html = pages::profile(&ctx(true), &psc_profile()).into_string();
    assert!(html.contains("Identité vérifiée par Pro Santé Connect"));
    assert!(html.contains(r#"<dl class="summary identifier-readonly">"#));
    assert!(html.contains("<dt>Type d'identifiant national</dt><dd>RPPS</dd>"));
    assert!(html.contains("<dt>Numéro d'identifiant national</dt><dd>10001234567</dd>"));
    assert!(!html.contains(r#"name="type_identifiant""#));
    assert!(!html.contains(r#"name="identifiant""#));
    assert!(!html.contains(r#"value="10001234567""#));
    // The other fields stay editable.
    assert!(html.contains(r#"name="nom" type="text" value="MARTIN""#));
}

#[test]
fn a_password_profile_keeps_the_identifier_inputs_and_no_psc_notice() {
    let view = psc_profile_with(Identifier::Inputs, "RPPS", "10001234567");
    let html = pages::profile(&ctx(true), &view).into_string();
    assert!(!html.contains("Pro Santé Connect"));
    assert!(!html.contains("identifier-readonly"));
    assert!(html.contains(r#"name="type_identifiant""#));
    assert!(html.contains(r#"name="identifiant" type="text" value="10001234567""#));
}

#[test]
fn a_psc_identifier_not_sent_says_so() {
    let view = psc_profile_with(Identifier::ReadOnly, "", "");
    let html = pages::profile(&ctx(true), &view).into_string();
    assert!(html.contains("<dd>Non transmis par Pro Santé Connect</dd>"));
    assert!(!html.contains(r#"name="identifiant""#));
}

#[test]
fn the_activity_chooser_appears_only_with_several_activities() {
    let mut view = psc_profile();
    let html = pages::profile(&ctx(true), &view).into_string();
    assert!(!html.contains("activity-choice"));
    // Only the hidden field that tells the POST which activity's values are PSC's.
    assert!(!html.contains(r#"name="activite" type="radio""#));

    view.activities = vec![activity(0, "Libéral — CABINET M DOC, 75009 PARIS", true)];
    let html = pages::profile(&ctx(true), &view).into_string();
    assert!(!html.contains("activity-choice"));
    // Only the hidden field that tells the POST which activity's values are PSC's.
    assert!(!html.contains(r#"name="activite" type="radio""#));
}

#[test]
fn the_activity_chooser_is_a_get_form_before_the_profile_form() {
    let mut view = psc_profile();
    view.activities = vec![
        activity(0, "Libéral — CABINET M DOC, 75009 PARIS", false),
        activity(1, "Salarié — CENTRE HOSPITALIER, 31000 TOULOUSE", true),
    ];
    let html = pages::profile(&ctx(true), &view).into_string();
    let chooser = slice(&html, r#"<form class="activity-choice""#, "</form>");
    assert!(chooser.starts_with(r#"<form class="activity-choice" method="get" action="/profil">"#));
    assert!(!chooser.contains("csrf_token"));
    assert!(chooser.contains("Choisissez l'activité à utiliser pour votre inscription"));
    assert!(chooser.contains(
        r#"<input id="activite" name="activite" type="radio" value="0"><label for="activite">Libéral — CABINET M DOC, 75009 PARIS</label>"#
    ));
    assert!(chooser.contains(
        r#"<input id="activite-1" name="activite" type="radio" value="1" checked><label for="activite-1">Salarié — CENTRE HOSPITALIER, 31000 TOULOUSE</label>"#
    ));
    assert_eq!(chooser.matches(" checked").count(), 1);
    assert!(chooser.contains(
        r#"<button class="button-secondary" type="submit">Utiliser cette activité</button>"#
    ));
    let chooser_at = html.find("activity-choice").unwrap_or(usize::MAX);
    let main_form_at = html
        .find(r#"<form method="post" action="/profil""#)
        .unwrap_or_default();
    assert!(chooser_at < main_form_at);
}

#[test]
fn the_account_page_offers_to_link_an_e_cps_when_psc_is_enabled() {
    let mut view = AccountStatusView {
        prenom: "Pierre".into(),
        nom: "DUPONT".into(),
        bal_type: "PER".into(),
        psc_enabled: true,
        ..AccountStatusView::default()
    };
    // Pending, validated and rejected: the same offer.
    for (validated, rejected) in [(false, false), (true, false), (false, true)] {
        view.validated = validated;
        view.rejected = rejected;
        let html = pages::account_status(&ctx(true), &view).into_string();
        // A link, not a form (the CSP's form-action would block the redirect to PSC).
        assert!(html.contains(
            r#"<a class="button" href="/psc/associer">Associer ma e-CPS (Pro Santé Connect)</a>"#
        ));
        assert!(!html.contains("Votre compte est associé à Pro Santé Connect."));
    }

    view.validated = false;
    view.rejected = false;
    view.psc_linked = true;
    let html = pages::account_status(&ctx(true), &view).into_string();
    assert!(html.contains("Votre compte est associé à Pro Santé Connect."));
    assert!(!html.contains("/psc/associer"));
    // The pending content still comes whole.
    assert!(html.contains("<h1>Votre compte est en attente de validation</h1>"));

    view.psc_linked = false;
    view.psc_enabled = false;
    let html = pages::account_status(&ctx(false), &view).into_string();
    assert!(!html.contains("/psc/associer"));
    assert!(!html.contains("Pro Santé Connect"));
}

#[test]
fn psc_pages_escape_what_they_are_given() {
    let evil = "<script>alert(1)</script>";
    let quote = "\"><b>";
    let html = pages::psc_email(
        &ctx(true),
        &PscEmailView {
            email: quote.into(),
            prenom: evil.into(),
            nom: evil.into(),
            errors: FieldErrors::default(),
        },
    )
    .into_string();
    assert!(!html.contains("<script>"));
    assert!(html.contains("Bonjour &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains(r#"value="&quot;&gt;&lt;b&gt;""#));

    let html = pages::psc_link(
        &ctx(true),
        &PscLinkView {
            masked_email: evil.into(),
            matched_on: quote.into(),
            errors: FieldErrors::default(),
        },
    )
    .into_string();
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<b>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("votre &quot;&gt;&lt;b&gt;"));

    let html = pages::psc_error(
        &ctx(true),
        &PscErrorView {
            title: evil.into(),
            message: quote.into(),
            retry: true,
        },
    )
    .into_string();
    assert!(!html.contains("<script>"));
    assert!(html.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt; – Medimail</title>"));
    assert!(html.contains("<p>&quot;&gt;&lt;b&gt;</p>"));

    let mut view = psc_profile_with(Identifier::ReadOnly, "RPPS", evil);
    view.activities = vec![activity(0, evil, true), activity(1, quote, false)];
    let html = pages::profile(&ctx(true), &view).into_string();
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<b>"));
    assert!(html.contains("<dd>&lt;script&gt;alert(1)&lt;/script&gt;</dd>"));
    assert!(html.contains(r#"<label for="activite-1">&quot;&gt;&lt;b&gt;</label>"#));
}
