//! HTML pages and emails of the registration service, as maud templates.
//!
//! Templates are pure functions over the plain view-models of [`views`]: the app maps its domain
//! types to those structs, so this crate depends on maud alone. [`layout::page`] is the only
//! place that emits the document shell (`DOCTYPE`, `<head>`, header, footer); pages only render
//! their own content, built from the shared [`components`]. Nothing user-derived is ever
//! rendered with `PreEscaped`.

/// Reusable pieces: CSRF field, error summary, form fields, buttons.
pub mod components;
/// Emails, each a subject / text / HTML triple.
pub mod email;
/// The page shell: head, header, step indicator, notice, footer.
pub mod layout;
/// One function per page.
pub mod pages;
/// View-models: the plain data every template takes.
pub mod views;

/// The service's only stylesheet, served at [`urls::STYLESHEET`].
pub const STYLESHEET_CSS: &str = include_str!("static/style.css");
