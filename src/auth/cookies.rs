//! Cookie names and attributes. Under https the names take the `__Host-` prefix, which makes
//! browsers require Secure, Path=/ and no Domain: a sibling subdomain cannot plant them.

pub struct CookieNames {
    pub session: &'static str,
    pub csrf: &'static str,
    /// Binds a Pro Santé Connect sign-in attempt to the browser that started it.
    pub psc: &'static str,
    pub secure: bool,
}

impl CookieNames {
    pub fn new(https: bool) -> Self {
        if https {
            Self {
                session: "__Host-mss_session",
                csrf: "__Host-mss_csrf",
                psc: "__Host-mss_psc",
                secure: true,
            }
        } else {
            Self {
                session: "mss_session",
                csrf: "mss_csrf",
                psc: "mss_psc",
                secure: false,
            }
        }
    }
}

/// A browser-session cookie (no Max-Age: the server enforces expiry), HttpOnly, SameSite=Lax.
pub fn build(name: &str, value: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// Expires a cookie.
pub fn clear(name: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// Adds a `Set-Cookie` header to `response`.
pub fn set(response: &mut axum::response::Response, cookie: &str) {
    if let Ok(value) = axum::http::HeaderValue::from_str(cookie) {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, value);
    }
}
