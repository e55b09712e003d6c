//! "Firefox sur Windows": what the sessions page says about the browser of a session, read
//! from the User-Agent header stored at sign-in.
//!
//! Hand-written on purpose: the page needs a family and a system, not a version matrix, and a
//! User-Agent parser crate (uaparser and its regex file) would weigh more than the feature.
//! The order of the checks matters: Edge and Opera also say "Chrome", Chrome also says
//! "Safari", Android also says "Linux", iOS also says "Mac OS X".

/// A short French description; "Navigateur inconnu" when nothing is recognised.
pub fn describe(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.map(str::trim).filter(|ua| !ua.is_empty()) else {
        return UNKNOWN.to_owned();
    };
    let browser = browser(ua);
    match (browser, system(ua)) {
        (Some(b), Some(s)) => format!("{b} sur {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => format!("Navigateur sur {s}"),
        (None, None) => UNKNOWN.to_owned(),
    }
}

const UNKNOWN: &str = "Navigateur inconnu";

fn browser(ua: &str) -> Option<&'static str> {
    let families = [
        ("Edg/", "Edge"),
        ("EdgA/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ];
    families
        .iter()
        .find(|(token, _)| ua.contains(token))
        .map(|&(_, name)| name)
}

fn system(ua: &str) -> Option<&'static str> {
    let systems = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("CrOS", "ChromeOS"),
        ("Mac OS X", "macOS"),
        ("Macintosh", "macOS"),
        ("Linux", "Linux"),
    ];
    systems
        .iter()
        .find(|(token, _)| ua.contains(token))
        .map(|&(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn firefox_on_windows() {
        let ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe(Some(ua)), "Firefox sur Windows");
    }

    #[test]
    fn edge_is_not_taken_for_chrome() {
        let ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like \
                  Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        assert_eq!(describe(Some(ua)), "Edge sur Windows");
    }

    #[test]
    fn chrome_on_android_is_not_taken_for_linux_or_safari() {
        let ua = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like \
                  Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
        assert_eq!(describe(Some(ua)), "Chrome sur Android");
    }

    #[test]
    fn safari_on_iphone_is_not_taken_for_macos() {
        let ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
                  (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(Some(ua)), "Safari sur iPhone");
    }

    #[test]
    fn nothing_or_gibberish_is_unknown() {
        assert_eq!(describe(None), "Navigateur inconnu");
        assert_eq!(describe(Some("   ")), "Navigateur inconnu");
        assert_eq!(describe(Some("zzz")), "Navigateur inconnu");
    }
}
