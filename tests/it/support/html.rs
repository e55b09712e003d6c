//! Reading rendered pages with `scraper`. `scraper::Html` is not `Send`, so every function here
//! parses, extracts owned values and drops the document before returning.

use scraper::{ElementRef, Html, Selector};

#[track_caller]
fn selector(css: &str) -> Selector {
    // `match`, not `unwrap_or_else(|e| panic!(..))`: a panic inside a closure would report
    // the closure's line, not the caller's.
    match Selector::parse(css) {
        Ok(selector) => selector,
        Err(e) => panic!("bad CSS selector {css:?}: {e:?}"),
    }
}

/// Number of elements matching `css`.
pub fn count(body: &str, css: &str) -> usize {
    Html::parse_document(body).select(&selector(css)).count()
}

pub fn exists(body: &str, css: &str) -> bool {
    count(body, css) > 0
}

/// Text content (whitespace collapsed) of the first element matching `css`.
pub fn text(body: &str, css: &str) -> Option<String> {
    let doc = Html::parse_document(body);
    doc.select(&selector(css)).next().map(element_text)
}

/// Text content of every element matching `css`.
pub fn texts(body: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(body);
    doc.select(&selector(css)).map(element_text).collect()
}

/// The whole visible text of the page, whitespace collapsed.
pub fn page_text(body: &str) -> String {
    let doc = Html::parse_document(body);
    collapse(&doc.root_element().text().collect::<String>())
}

/// Attribute `attr` of the first element matching `css`.
pub fn attr(body: &str, css: &str, attr: &str) -> Option<String> {
    let doc = Html::parse_document(body);
    doc.select(&selector(css))
        .next()
        .and_then(|e| e.value().attr(attr).map(str::to_owned))
}

/// Attribute `attr` of every element matching `css`.
pub fn attrs(body: &str, css: &str, attr: &str) -> Vec<String> {
    let doc = Html::parse_document(body);
    doc.select(&selector(css))
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

/// `value` of the form control called `name` (`input`, `textarea` text, or the selected
/// `option` of a `select`).
pub fn field_value(body: &str, name: &str) -> Option<String> {
    let doc = Html::parse_document(body);
    let input = doc
        .select(&selector(&format!("input[name=\"{name}\"]")))
        .next();
    if let Some(input) = input {
        return input.value().attr("value").map(str::to_owned);
    }
    if let Some(area) = doc
        .select(&selector(&format!("textarea[name=\"{name}\"]")))
        .next()
    {
        return Some(area.text().collect());
    }
    doc.select(&selector(&format!(
        "select[name=\"{name}\"] option[selected]"
    )))
    .next()
    .map(|o| {
        o.value()
            .attr("value")
            .map_or_else(|| element_text(o), str::to_owned)
    })
}

/// Whether the checkbox called `name` is rendered checked.
#[track_caller]
pub fn is_checked(body: &str, name: &str) -> bool {
    let doc = Html::parse_document(body);
    let Some(checkbox) = doc
        .select(&selector(&format!("input[name=\"{name}\"]")))
        .next()
    else {
        panic!("no input named {name:?} in the page:\n{body}");
    };
    checkbox.value().attr("checked").is_some()
}

/// CSRF tokens of the page: `(form action, token)` for each form holding one, plus the
/// tokens found outside forms (action `None`).
pub fn csrf_tokens(body: &str) -> Vec<(Option<String>, String)> {
    let doc = Html::parse_document(body);
    let token_sel = selector("input[name=\"csrf_token\"]");
    let mut found = Vec::new();
    for form in doc.select(&selector("form")) {
        let action = form.value().attr("action").map(str::to_owned);
        if let Some(token) = form
            .select(&token_sel)
            .next()
            .and_then(|i| i.value().attr("value"))
        {
            found.push((action, token.to_owned()));
        }
    }
    if found.is_empty() {
        for input in doc.select(&token_sel) {
            if let Some(token) = input.value().attr("value") {
                found.push((None, token.to_owned()));
            }
        }
    }
    found
}

/// The page with every CSRF token replaced by `CSRF`, to compare two pages for equality.
pub fn without_csrf_tokens(body: &str) -> String {
    csrf_tokens(body)
        .into_iter()
        .fold(body.to_owned(), |b, (_, token)| b.replace(&token, "CSRF"))
}

/// Asserts the page is a re-rendered form with an error on `field`, shown the accessible way:
/// an error summary, `p#{field}-error`, and the control pointing at it with
/// `aria-describedby` and marked `aria-invalid="true"`.
#[track_caller]
pub fn assert_field_error(body: &str, field: &str) {
    let doc = Html::parse_document(body);
    assert!(
        doc.select(&selector("div#error-summary")).next().is_some(),
        "no div#error-summary in the page (expected an error on {field:?}):\n{body}"
    );
    let error_id = format!("{field}-error");
    let message = doc
        .select(&selector(&format!("p#{error_id}")))
        .next()
        .map(element_text);
    assert!(
        message.as_deref().is_some_and(|m| !m.is_empty()),
        "no message in p#{error_id}; errors shown: {:?}",
        field_errors_of(&doc)
    );
    let controls: Vec<ElementRef<'_>> = doc
        .select(&selector(&format!(
            "input[name=\"{field}\"], select[name=\"{field}\"], textarea[name=\"{field}\"]"
        )))
        .collect();
    assert!(
        !controls.is_empty(),
        "no control named {field:?} in the page:\n{body}"
    );
    // Radio groups may carry the attributes on their fieldset instead.
    let described = |e: &ElementRef<'_>| {
        e.value()
            .attr("aria-describedby")
            .is_some_and(|ids| ids.split_whitespace().any(|id| id == error_id))
    };
    let grouped = doc
        .select(&selector("fieldset[aria-describedby]"))
        .any(|f| described(&f));
    assert!(
        grouped || controls.iter().any(described),
        "the {field:?} control has no aria-describedby pointing at #{error_id}: {}",
        controls[0].html()
    );
    let invalid = controls
        .iter()
        .any(|c| c.value().attr("aria-invalid") == Some("true"));
    assert!(
        grouped || invalid,
        "the {field:?} control is not marked aria-invalid=\"true\": {}",
        controls[0].html()
    );
}

/// Asserts there is no error shown for `field`.
#[track_caller]
pub fn assert_no_field_error(body: &str, field: &str) {
    let error_id = format!("{field}-error");
    assert!(
        !exists(body, &format!("p#{error_id}")),
        "unexpected error on {field:?}: {:?}",
        text(body, &format!("p#{error_id}"))
    );
}

/// The `(field, message)` errors shown in the page (from the `p#{field}-error` elements).
pub fn field_errors(body: &str) -> Vec<(String, String)> {
    field_errors_of(&Html::parse_document(body))
}

fn field_errors_of(doc: &Html) -> Vec<(String, String)> {
    doc.select(&selector("p[id$=\"-error\"]"))
        .filter_map(|p| {
            let id = p.value().attr("id")?;
            Some((id.trim_end_matches("-error").to_owned(), element_text(p)))
        })
        .collect()
}

fn element_text(e: ElementRef<'_>) -> String {
    collapse(&e.text().collect::<String>())
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
