//! Form fields: label (with the required marker), optional hint, error message and control,
//! linked through `id`, `for` and `aria-describedby`. Field ids equal field names, so the error
//! summary's `#{name}` links land on the control.

use maud::{Markup, Render, html};

use crate::views::{FieldErrors, OptionGroup, SelectOption};

/// `id` of a field's error message.
pub fn error_id(name: &str) -> String {
    format!("{name}-error")
}

/// `id` of a field's hint.
pub fn hint_id(name: &str) -> String {
    format!("{name}-hint")
}

/// The `aria-describedby` value: the hint, then the error, when present.
fn described_by(name: &str, has_hint: bool, has_error: bool) -> Option<String> {
    match (has_hint, has_error) {
        (true, true) => Some(format!("{} {}", hint_id(name), error_id(name))),
        (true, false) => Some(hint_id(name)),
        (false, true) => Some(error_id(name)),
        (false, false) => None,
    }
}

/// Label text followed by the required marker.
fn label_text(label: &str, required: bool) -> Markup {
    html! {
        (label)
        @if required { " " abbr.required title="obligatoire" { "*" } }
    }
}

fn hint_block(name: &str, hint: Option<&Markup>) -> Markup {
    html! {
        @if let Some(hint) = hint {
            div.hint id=(hint_id(name)) { (hint) }
        }
    }
}

fn error_message(name: &str, error: Option<&str>) -> Markup {
    html! {
        @if let Some(message) = error {
            p.field-error id=(error_id(name)) { (message) }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputType {
    Text,
    Email,
    Password,
    Tel,
}

impl InputType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Email => "email",
            Self::Password => "password",
            Self::Tel => "tel",
        }
    }
}

/// A single-line input (text, email, tel or password), built with chained setters:
/// `TextField::new("nom", "Nom").value(&v.nom).required().errors(&v.errors)`.
#[derive(Debug, Clone)]
pub struct TextField<'a> {
    name: &'a str,
    label: &'a str,
    value: &'a str,
    input_type: InputType,
    required: bool,
    autocomplete: Option<&'a str>,
    inputmode: Option<&'a str>,
    hint: Option<Markup>,
    error: Option<&'a str>,
}

impl<'a> TextField<'a> {
    pub fn new(name: &'a str, label: &'a str) -> Self {
        Self {
            name,
            label,
            value: "",
            input_type: InputType::Text,
            required: false,
            autocomplete: None,
            inputmode: None,
            hint: None,
            error: None,
        }
    }

    /// The value to keep in the field (ignored for password fields).
    pub fn value(mut self, value: &'a str) -> Self {
        self.value = value;
        self
    }

    pub fn email(mut self) -> Self {
        self.input_type = InputType::Email;
        self
    }

    /// A password input: its value is never rendered back into the page.
    pub fn password(mut self) -> Self {
        self.input_type = InputType::Password;
        self
    }

    pub fn tel(mut self) -> Self {
        self.input_type = InputType::Tel;
        self
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn autocomplete(mut self, token: &'a str) -> Self {
        self.autocomplete = Some(token);
        self
    }

    pub fn inputmode(mut self, mode: &'a str) -> Self {
        self.inputmode = Some(mode);
        self
    }

    pub fn hint(mut self, hint: impl Render) -> Self {
        self.hint = Some(hint.render());
        self
    }

    /// Picks this field's message from the form's errors.
    pub fn errors(mut self, errors: &'a FieldErrors) -> Self {
        self.error = errors.get(self.name);
        self
    }
}

impl Render for TextField<'_> {
    fn render(&self) -> Markup {
        let value = (self.input_type != InputType::Password).then_some(self.value);
        let invalid = self.error.is_some();
        html! {
            div.field.field-has-error[invalid] {
                label for=(self.name) { (label_text(self.label, self.required)) }
                (hint_block(self.name, self.hint.as_ref()))
                (error_message(self.name, self.error))
                input id=(self.name) name=(self.name) type=(self.input_type.as_str())
                    value=[value] autocomplete=[self.autocomplete] inputmode=[self.inputmode]
                    required[self.required] aria-invalid=[invalid.then_some("true")]
                    aria-describedby=[described_by(self.name, self.hint.is_some(), invalid)];
            }
        }
    }
}

/// A multi-line text field, built like [`TextField`]:
/// `Textarea::new("motif", "Motif").value(&v.motif).required().errors(&v.errors)`.
#[derive(Debug, Clone)]
pub struct Textarea<'a> {
    name: &'a str,
    label: &'a str,
    value: &'a str,
    rows: u8,
    required: bool,
    hint: Option<Markup>,
    error: Option<&'a str>,
}

impl<'a> Textarea<'a> {
    pub fn new(name: &'a str, label: &'a str) -> Self {
        Self {
            name,
            label,
            value: "",
            rows: 5,
            required: false,
            hint: None,
            error: None,
        }
    }

    /// The text to keep in the field.
    pub fn value(mut self, value: &'a str) -> Self {
        self.value = value;
        self
    }

    /// Visible height, in lines (5 by default).
    pub fn rows(mut self, rows: u8) -> Self {
        self.rows = rows;
        self
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn hint(mut self, hint: impl Render) -> Self {
        self.hint = Some(hint.render());
        self
    }

    pub fn errors(mut self, errors: &'a FieldErrors) -> Self {
        self.error = errors.get(self.name);
        self
    }
}

impl Render for Textarea<'_> {
    fn render(&self) -> Markup {
        let invalid = self.error.is_some();
        // HTML parsers drop one newline right after `<textarea>`: emit one so a value that
        // starts with a newline keeps it.
        let leading_newline = self.value.starts_with('\n') || self.value.starts_with("\r\n");
        html! {
            div.field.field-has-error[invalid] {
                label for=(self.name) { (label_text(self.label, self.required)) }
                (hint_block(self.name, self.hint.as_ref()))
                (error_message(self.name, self.error))
                textarea id=(self.name) name=(self.name) rows=(self.rows) required[self.required]
                    aria-invalid=[invalid.then_some("true")]
                    aria-describedby=[described_by(self.name, self.hint.is_some(), invalid)] {
                    @if leading_newline { "\n" }
                    (self.value)
                }
            }
        }
    }
}

/// A checkbox submitting `on` when checked.
#[derive(Debug, Clone)]
pub struct Checkbox<'a> {
    name: &'a str,
    label: &'a str,
    checked: bool,
    hint: Option<Markup>,
    error: Option<&'a str>,
}

impl<'a> Checkbox<'a> {
    pub fn new(name: &'a str, label: &'a str, checked: bool) -> Self {
        Self {
            name,
            label,
            checked,
            hint: None,
            error: None,
        }
    }

    pub fn hint(mut self, hint: impl Render) -> Self {
        self.hint = Some(hint.render());
        self
    }

    pub fn errors(mut self, errors: &'a FieldErrors) -> Self {
        self.error = errors.get(self.name);
        self
    }
}

impl Render for Checkbox<'_> {
    fn render(&self) -> Markup {
        let invalid = self.error.is_some();
        html! {
            div.field.checkbox.field-has-error[invalid] {
                (error_message(self.name, self.error))
                input id=(self.name) name=(self.name) type="checkbox" value="on"
                    checked[self.checked] aria-invalid=[invalid.then_some("true")]
                    aria-describedby=[described_by(self.name, self.hint.is_some(), invalid)];
                label for=(self.name) { (self.label) }
                (hint_block(self.name, self.hint.as_ref()))
            }
        }
    }
}

/// A `<select>` with an optional empty first option, plain options and/or `<optgroup>`s.
/// The option whose value equals the current value is `selected`.
#[derive(Debug, Clone)]
pub struct Select<'a> {
    name: &'a str,
    label: &'a str,
    value: &'a str,
    required: bool,
    empty_option: Option<&'a str>,
    options: &'a [SelectOption],
    groups: &'a [OptionGroup],
    hint: Option<Markup>,
    error: Option<&'a str>,
}

impl<'a> Select<'a> {
    pub fn new(name: &'a str, label: &'a str, value: &'a str) -> Self {
        Self {
            name,
            label,
            value,
            required: false,
            empty_option: None,
            options: &[],
            groups: &[],
            hint: None,
            error: None,
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// A first option with an empty value and this label.
    pub fn empty_option(mut self, label: &'a str) -> Self {
        self.empty_option = Some(label);
        self
    }

    pub fn options(mut self, options: &'a [SelectOption]) -> Self {
        self.options = options;
        self
    }

    pub fn groups(mut self, groups: &'a [OptionGroup]) -> Self {
        self.groups = groups;
        self
    }

    pub fn hint(mut self, hint: impl Render) -> Self {
        self.hint = Some(hint.render());
        self
    }

    pub fn errors(mut self, errors: &'a FieldErrors) -> Self {
        self.error = errors.get(self.name);
        self
    }

    fn option(&self, option: &SelectOption) -> Markup {
        html! {
            option value=(option.value) selected[option.value == self.value] { (option.label) }
        }
    }
}

impl Render for Select<'_> {
    fn render(&self) -> Markup {
        let invalid = self.error.is_some();
        html! {
            div.field.field-has-error[invalid] {
                label for=(self.name) { (label_text(self.label, self.required)) }
                (hint_block(self.name, self.hint.as_ref()))
                (error_message(self.name, self.error))
                select id=(self.name) name=(self.name) required[self.required]
                    aria-invalid=[invalid.then_some("true")]
                    aria-describedby=[described_by(self.name, self.hint.is_some(), invalid)] {
                    @if let Some(label) = self.empty_option {
                        option value="" selected[self.value.is_empty()] { (label) }
                    }
                    @for option in self.options { (self.option(option)) }
                    @for group in self.groups {
                        optgroup label=(group.label) {
                            @for option in &group.options { (self.option(option)) }
                        }
                    }
                }
            }
        }
    }
}

/// One choice of a [`RadioGroup`].
#[derive(Debug, Clone)]
pub struct Radio<'a> {
    pub value: &'a str,
    pub label: &'a str,
    pub hint: Option<String>,
}

/// Radio buttons in a fieldset. The group's error is attached to the fieldset; the first radio
/// gets `id="{name}"` so the error summary's link lands on it, the others `{name}-{value}`.
#[derive(Debug, Clone)]
pub struct RadioGroup<'a> {
    name: &'a str,
    legend: &'a str,
    required: bool,
    radios: Vec<Radio<'a>>,
    value: Option<&'a str>,
    error: Option<&'a str>,
}

impl<'a> RadioGroup<'a> {
    pub fn new(name: &'a str, legend: &'a str, radios: Vec<Radio<'a>>) -> Self {
        Self {
            name,
            legend,
            required: false,
            radios,
            value: None,
            error: None,
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The currently checked value, if any.
    pub fn value(mut self, value: Option<&'a str>) -> Self {
        self.value = value;
        self
    }

    pub fn errors(mut self, errors: &'a FieldErrors) -> Self {
        self.error = errors.get(self.name);
        self
    }

    fn radio_id(&self, index: usize, radio: &Radio<'_>) -> String {
        if index == 0 {
            self.name.to_owned()
        } else {
            format!("{}-{}", self.name, radio.value)
        }
    }

    fn radio(&self, index: usize, radio: &Radio<'_>) -> Markup {
        let id = self.radio_id(index, radio);
        html! {
            div.radio {
                input id=(id) name=(self.name) type="radio" value=(radio.value)
                    checked[self.value == Some(radio.value)] required[self.required]
                    aria-describedby=[radio.hint.as_ref().map(|_| hint_id(&id))];
                label for=(id) { (radio.label) }
                @if let Some(hint) = &radio.hint {
                    p.hint id=(hint_id(&id)) { (hint) }
                }
            }
        }
    }
}

impl Render for RadioGroup<'_> {
    fn render(&self) -> Markup {
        let invalid = self.error.is_some();
        html! {
            fieldset.field.radios.field-has-error[invalid]
                aria-describedby=[invalid.then(|| error_id(self.name))] {
                legend { (label_text(self.legend, self.required)) }
                (error_message(self.name, self.error))
                @for (index, radio) in self.radios.iter().enumerate() {
                    (self.radio(index, radio))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_field_is_described_by_its_hint_and_error() {
        let mut errors = FieldErrors::new();
        errors.add("nom", "Saisissez votre nom.");
        let html = TextField::new("nom", "Nom")
            .value("x")
            .required()
            .hint("Indice")
            .errors(&errors)
            .render()
            .into_string();
        assert!(html.contains(
            r#"<label for="nom">Nom <abbr class="required" title="obligatoire">*</abbr></label>"#
        ));
        assert!(html.contains(r#"<div class="hint" id="nom-hint">Indice</div>"#));
        assert!(html.contains(r#"<p class="field-error" id="nom-error">Saisissez votre nom.</p>"#));
        assert!(html.contains(r#"aria-invalid="true" aria-describedby="nom-hint nom-error""#));
    }

    #[test]
    fn a_password_field_never_renders_its_value() {
        let html = TextField::new("mot_de_passe", "Mot de passe")
            .password()
            .value("Secret123!")
            .render()
            .into_string();
        assert!(!html.contains("Secret123!"));
        assert!(!html.contains("value="));
    }

    #[test]
    fn a_textarea_keeps_its_value_escaped_and_shows_its_error() {
        let mut errors = FieldErrors::new();
        errors.add("motif", "Indiquez le motif du refus.");
        let html = Textarea::new("motif", "Motif")
            .value("<b>x</b>")
            .required()
            .errors(&errors)
            .render()
            .into_string();
        assert!(html.contains(r#"<textarea id="motif" name="motif" rows="5" required aria-invalid="true" aria-describedby="motif-error">&lt;b&gt;x&lt;/b&gt;</textarea>"#));
        assert!(html.contains(r#"<p class="field-error" id="motif-error">"#));
        let html = Textarea::new("m", "M").value("\nA").render().into_string();
        assert!(html.contains(">\n\nA</textarea>"));
    }

    #[test]
    fn a_checkbox_submits_on_and_keeps_its_state() {
        let checked = Checkbox::new("c", "C", true).render().into_string();
        assert!(checked.contains(r#"type="checkbox" value="on" checked"#));
        let unchecked = Checkbox::new("c", "C", false).render().into_string();
        assert!(!unchecked.contains("checked"));
    }
}
