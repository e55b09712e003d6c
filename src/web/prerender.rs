//! Anonymous pages rendered once, at start-up, and served by splicing each visitor's CSRF token
//! into the stored HTML.
//!
//! An anonymous `GET /inscription` or `/connexion` depends on nothing but the settings (service
//! name, support footer, PSC on or off) and the visitor's CSRF token. Rendering the whole maud
//! tree for every visitor was most of the page's cost; now a request copies the stored parts
//! around its token into one pre-sized buffer. The token is URL-safe base64 (`auth::csrf`), so
//! it needs no HTML escaping.

use axum::response::{Html, IntoResponse, Response};
use maud::Markup;

/// A page split around every place its CSRF token goes.
pub struct TokenPage {
    parts: Vec<String>,
    len: usize,
}

/// Stands for the token while rendering: 43 characters like a real token, and nothing a page
/// would print otherwise.
const PLACEHOLDER: &str = "xCSRFxPLACEHOLDERxxCSRFxPLACEHOLDERxxxxxxxx";

impl TokenPage {
    /// Renders `page` once with a placeholder token.
    pub fn render(page: impl FnOnce(&str) -> Markup) -> Self {
        let html = page(PLACEHOLDER).into_string();
        let parts: Vec<String> = html.split(PLACEHOLDER).map(str::to_owned).collect();
        let len = parts.iter().map(String::len).sum();
        Self { parts, len }
    }

    /// The page for a visitor whose forms carry `token`.
    pub fn with_token(&self, token: &str) -> Response {
        let tokens = self.parts.len().saturating_sub(1);
        let mut html = String::with_capacity(self.len + tokens * token.len());
        for (n, part) in self.parts.iter().enumerate() {
            if n > 0 {
                html.push_str(token);
            }
            html.push_str(part);
        }
        Html(html).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use templates::views::{LoginView, PageContext, SignupView, Step, Support};

    fn ctx(token: &str) -> PageContext {
        PageContext {
            service_name: "MSSanté Test".into(),
            csrf_token: token.into(),
            signed_in: false,
            support: Support {
                organisation: "Support".into(),
                phone: "01 02 03 04 05".into(),
                phone_note: String::new(),
                hours: "9h–18h".into(),
                form_url: "https://support.example.fr/formulaire".into(),
                appointment_url: String::new(),
            },
            step: Some(Step::Inscription),
            notice: None,
            psc_enabled: true,
        }
    }

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_spliced_page_is_byte_for_byte_the_page_rendered_with_that_token() {
        let token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE";
        let signup =
            TokenPage::render(|t| templates::pages::signup(&ctx(t), &SignupView::default()));
        let login = TokenPage::render(|t| templates::pages::login(&ctx(t), &LoginView::default()));

        let expected_signup =
            templates::pages::signup(&ctx(token), &SignupView::default()).into_string();
        let expected_login =
            templates::pages::login(&ctx(token), &LoginView::default()).into_string();
        assert_eq!(body(signup.with_token(token)).await, expected_signup);
        assert_eq!(body(login.with_token(token)).await, expected_login);
        assert!(expected_signup.contains(token));
    }

    #[tokio::test]
    async fn every_visitor_gets_their_own_token() {
        let page = TokenPage::render(|t| templates::pages::signup(&ctx(t), &SignupView::default()));
        let one = body(page.with_token("one-token")).await;
        let two = body(page.with_token("two-token")).await;
        assert!(one.contains("value=\"one-token\"") && !one.contains("two-token"));
        assert!(two.contains("value=\"two-token\"") && !one.contains(PLACEHOLDER));
    }
}
