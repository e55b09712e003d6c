//! In a real browser: headless Chromium through WebDriver (see `support::browser`), against the
//! real server, SMTP capture, slapd and the Pro Santé Connect simulator. Every page a scenario
//! reaches is screenshotted under `target/e2e-screenshots/` and checked by axe-core (WCAG 2.1
//! AA, no serious or critical violation); the RGAA points axe cannot see are asserted where the
//! scenario meets them.

mod account;
mod admin;
mod journey;
mod keyboard;
mod pages;
mod password_reset;
mod psc;

use crate::support::TestApp;
use crate::support::browser::Browser;
use crate::support::fixtures::{Form, FormFields};

/// Opens `/connexion` on `app` and signs in with the password, as a person types it; the
/// caller waits for where the sign-in leads.
pub async fn sign_in(browser: &Browser, app: &TestApp, email: &str, password: &str) {
    browser.goto(&app.url("/connexion")).await;
    browser.fill("email", email).await;
    browser.fill("mot_de_passe", password).await;
    browser.click_text("Se connecter").await;
}

/// The path of the confirmation link in the mail `app` sent to `email` (from its text part,
/// after checking the HTML part has the same link).
pub async fn confirmation_link(app: &TestApp, email: &str) -> String {
    let mail = app.wait_for_mail_to(email).await;
    let link = mail.confirmation_link().expect("a confirmation link");
    assert!(
        mail.html().contains(&link),
        "the HTML part has the text part's link"
    );
    path_of(&link)
}

/// Sets every field of `form` the way a person would: types into text inputs, picks the
/// option of a `<select>`, clicks the radio button with that value, and ticks or unticks a
/// checkbox (`"on"` ticks; absent checkboxes are left as the page has them).
pub async fn fill_form(browser: &Browser, form: &Form) {
    for (name, value) in form.pairs() {
        set_field(browser, &name, &value).await;
    }
}

pub async fn set_field(browser: &Browser, name: &str, value: &str) {
    let css = format!("[name=\"{name}\"]");
    if !browser.exists(&css).await {
        // A field the page does not have (e.g. read-only after Pro Santé Connect).
        return;
    }
    let field = browser.find(&css).await;
    let tag = field.tag_name().await.expect("tag name").to_lowercase();
    let kind = field
        .attr("type")
        .await
        .expect("type")
        .unwrap_or_default()
        .to_lowercase();
    match (tag.as_str(), kind.as_str()) {
        ("select", _) => {
            browser
                .click(&format!(
                    "select[name=\"{name}\"] option[value=\"{value}\"]"
                ))
                .await
        }
        (_, "radio") => {
            browser
                .click(&format!("input[name=\"{name}\"][value=\"{value}\"]"))
                .await
        }
        (_, "checkbox") => {
            let checked = field.prop("checked").await.expect("checked").as_deref() == Some("true");
            if checked != (value == "on") {
                field.click().await.expect("tick the checkbox");
            }
        }
        (_, "hidden") => {}
        _ => browser.fill(name, value).await,
    }
}

/// The path and query of an absolute link (mails carry absolute links).
pub fn path_of(link: &str) -> String {
    let url = url::Url::parse(link).unwrap_or_else(|e| panic!("{link}: {e}"));
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// The text Chromium prints for the page (print media: the print stylesheet applies), read
/// back from the PDF with `pdftotext` (Debian `poppler-utils`, installed by `.ci/run`).
pub async fn printed_text(browser: &Browser, name: &str) -> String {
    let pdf = browser.print_pdf().await;
    let dir = crate::support::browser::screenshot_dir();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write the PDF");
    let output = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("run pdftotext (Debian poppler-utils)");
    assert!(output.status.success(), "pdftotext failed");
    String::from_utf8(output.stdout).expect("UTF-8 text")
}
