//! A real headless Chromium, driven through chromedriver with WebDriver (fantoccini), for the
//! browser scenarios of `tests/it/browser/`.
//!
//! Every page a scenario looks at goes through [`Browser::check`]: a PNG screenshot under
//! `target/e2e-screenshots/` named `{scenario}-{NN}-{step}.png`, axe-core run in the page (WCAG
//! 2.1 A and AA rules; no violation of impact "serious" or "critical" allowed), `lang="fr"`, and
//! the `<title>` kept to check at the end that no two steps share one. A scenario that fails also
//! leaves a `…-echec.png` of the page it failed on.
//!
//! When Chromium cannot start (no `chromium`/`chromedriver`, or the session is refused) the
//! scenario is skipped with a message on stderr; `E2E_REQUIRE_BROWSER=1` (set by `.ci/run`)
//! turns that skip into a failure, so CI never passes without having driven the browser.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::wd::PrintConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use super::app::eventually;
use super::smtp::{CapturedMail, free_port};

/// One browser at a time: Chromium takes most of a core while it renders, and the machine has
/// two; scenarios wait for their turn instead of slowing each other into time-outs.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The desktop window: a hospital workstation's 1280 px screen.
pub const DESKTOP: (u32, u32) = (1280, 1000);

/// axe-core's WCAG 2.1 A and AA rule tags (axe-core API, `runOnly` by tag).
const AXE_TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// A Chromium session and the chromedriver serving it, for one scenario.
pub struct Browser {
    client: Client,
    driver: Mutex<Option<Child>>,
    scenario: String,
    shots: AtomicUsize,
    /// `(step, title)` of every checked page.
    titles: Mutex<Vec<(String, String)>>,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// Runs `body` with a fresh browser for `scenario`, or skips it when Chromium cannot start.
/// A panic in `body` saves a screenshot of the page it happened on, then fails the test.
pub async fn scenario<F, Fut>(scenario: &str, body: F)
where
    F: FnOnce(std::sync::Arc<Browser>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(browser) = Browser::start(scenario).await else {
        return;
    };
    let browser = std::sync::Arc::new(browser);
    let outcome = tokio::spawn(body(browser.clone())).await;
    if let Err(failure) = outcome {
        browser.save_screenshot("echec").await;
        browser.quit().await;
        match failure.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("scenario {scenario}: {e}"),
        }
    }
    browser.quit().await;
}

/// Where screenshots go: `target/e2e-screenshots/` (or under `CARGO_TARGET_DIR`).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("e2e-screenshots")
}

/// The first of `names` found on `PATH`, or the path given in the environment variable `var`.
fn executable(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Skips the scenario (or fails it under `E2E_REQUIRE_BROWSER=1`).
fn cannot_start(scenario: &str, reason: &str) -> Option<Browser> {
    if std::env::var("E2E_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("browser scenario {scenario}: Chromium cannot start: {reason}");
    }
    eprintln!(
        "SKIPPED browser scenario {scenario}: Chromium cannot start ({reason}). \
         Install the Debian packages chromium and chromium-driver to run it."
    );
    None
}

impl Browser {
    async fn start(scenario: &str) -> Option<Browser> {
        let Some(chromedriver) = executable("CHROMEDRIVER", &["chromedriver"]) else {
            return cannot_start(scenario, "no chromedriver on PATH");
        };
        let Some(chromium) = executable(
            "CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
        ) else {
            return cannot_start(scenario, "no chromium on PATH");
        };
        let turn = TURN.lock().await;
        let port = free_port();
        let driver = match Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => return cannot_start(scenario, &format!("{}: {e}", chromedriver.display())),
        };
        let mut driver = Some(driver);
        let url = format!("http://127.0.0.1:{port}");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new",
                    // Root in CI and containers: Chromium's sandbox needs user namespaces.
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-extensions",
                    "--lang=fr-FR",
                    "--force-device-scale-factor=1",
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                ],
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object")
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                // chromedriver is still starting: its port does not answer yet. (A refused
                // session is final: Chromium itself cannot start.)
                Err(
                    fantoccini::error::NewSessionError::Failed(_)
                    | fantoccini::error::NewSessionError::FailedC(_)
                    | fantoccini::error::NewSessionError::Lost(_),
                ) if Instant::now() < deadline && still_running(&mut driver) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => {
                    if let Some(mut child) = driver.take() {
                        let _ = child.kill();
                        let _ = child.wait();
                    }
                    return cannot_start(scenario, &e.to_string());
                }
            }
        };
        clear_previous_run(scenario);
        Some(Browser {
            client,
            driver: Mutex::new(driver),
            scenario: scenario.to_owned(),
            shots: AtomicUsize::new(0),
            titles: Mutex::new(Vec::new()),
            _turn: turn,
        })
    }

    async fn quit(&self) {
        let _ = self.client.clone().close().await;
        if let Some(mut child) = self.driver.lock().expect("driver").take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The WebDriver client, for what the helpers below do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    // ---- navigation and reading ----------------------------------------------------------

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The current URL's path (and query).
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits (up to 10 s) until the current path is `path`, after a click or a key press.
    pub async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let current = self.path().await;
            if current == path {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "the browser is at {current}, not {path}; page text:\n{}",
                    self.page_text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn title(&self) -> String {
        self.client.title().await.expect("page title")
    }

    /// The visible text of the page's `<main>` (or body).
    pub async fn page_text(&self) -> String {
        self.script_text("return (document.querySelector('main') || document.body).innerText")
            .await
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} on {}: {e}", self.path_now()))
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("find_all")
            .is_empty()
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    pub async fn attr_of(&self, css: &str, attr: &str) -> Option<String> {
        self.find(css).await.attr(attr).await.expect("attribute")
    }

    /// The value a form control holds now.
    pub async fn value_of(&self, name: &str) -> String {
        self.find(&format!("[name=\"{name}\"]"))
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }

    fn path_now(&self) -> String {
        format!("the {} scenario's current page", self.scenario)
    }

    async fn script(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script {script}: {e}"))
    }

    /// The string a script returns (empty when it returns something else).
    pub async fn script_text(&self, script: &str) -> String {
        self.script(script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    // ---- mouse-free form filling (WebDriver element commands) ----------------------------

    /// Types `value` into the field named `name`, replacing what it held.
    pub async fn fill(&self, name: &str, value: &str) {
        let field = self.find(&format!("[name=\"{name}\"]")).await;
        field.clear().await.expect("clear field");
        field
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("type into {name}: {e}"));
    }

    /// Clicks the element matching `css`, staying on the page (a field, an in-page link).
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks the link or button matching `css` and waits for the page it loads.
    pub async fn click_to_load(&self, css: &str) {
        self.mark_document().await;
        self.click(css).await;
        self.wait_for_new_document(css).await;
    }

    /// Clicks the button or link whose visible text is `text` and waits for the page it loads
    /// (a form's answer, even at the same URL, is a new document).
    pub async fn click_text(&self, text: &str) {
        let xpath = format!("//*[self::button or self::a][normalize-space(.)=\"{text}\"]");
        let target = self
            .client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no button or link \"{text}\": {e}"));
        self.mark_document().await;
        target
            .click()
            .await
            .unwrap_or_else(|e| panic!("click \"{text}\": {e}"));
        self.wait_for_new_document(text).await;
    }

    /// Marks the current document, so [`Self::wait_for_new_document`] can tell it was replaced.
    async fn mark_document(&self) {
        self.script("window.__e2eOldDocument = true; return null")
            .await;
    }

    /// Waits (up to 15 s) until the marked document is gone and the new one has loaded. WebDriver's
    /// click may return before a form's navigation has even started; without this, the next
    /// command could act on the old page, or a `goto` could be overtaken by the form's answer.
    pub async fn wait_for_new_document(&self, after: &str) {
        let what = format!("a new page after {after:?}");
        eventually(&what, Duration::from_secs(15), || async {
            // While the page changes, the script may fail: that is "not yet".
            let state = self
                .client
                .execute(
                    "return window.__e2eOldDocument === true ? 'old' : document.readyState",
                    Vec::new(),
                )
                .await;
            matches!(&state, Ok(Value::String(s)) if s == "complete").then_some(())
        })
        .await;
    }

    // ---- keyboard ------------------------------------------------------------------------

    async fn keys(&self, actions: KeyActions) {
        self.client
            .perform_actions(actions)
            .await
            .expect("keyboard actions");
    }

    /// Presses and releases `key`.
    pub async fn press(&self, key: Key) {
        let key = char::from(key);
        self.keys(
            KeyActions::new("clavier".into())
                .then(KeyAction::Down { value: key })
                .then(KeyAction::Up { value: key }),
        )
        .await;
    }

    /// Shift+Tab.
    pub async fn shift_tab(&self) {
        let (shift, tab) = (char::from(Key::Shift), char::from(Key::Tab));
        self.keys(
            KeyActions::new("clavier".into())
                .then(KeyAction::Down { value: shift })
                .then(KeyAction::Down { value: tab })
                .then(KeyAction::Up { value: tab })
                .then(KeyAction::Up { value: shift }),
        )
        .await;
    }

    /// Types `text` key by key into whatever has the focus.
    pub async fn type_keys(&self, text: &str) {
        let mut actions = KeyActions::new("clavier".into());
        for c in text.chars() {
            actions = actions
                .then(KeyAction::Down { value: c })
                .then(KeyAction::Up { value: c });
        }
        self.keys(actions).await;
    }

    /// What has the focus: `name`, else `id`, else the text of the focused element.
    pub async fn focused(&self) -> String {
        self.script_text(
            "const e = document.activeElement; \
             return e ? (e.getAttribute('name') || e.id || e.innerText.trim()) : ''",
        )
        .await
    }

    /// Whether the focused element shows a visible focus indicator: it matches
    /// `:focus-visible` and its computed outline (or box shadow) is drawn (WCAG 2.4.7).
    pub async fn focus_is_visible(&self) -> bool {
        let state = self
            .script(
                "const e = document.activeElement; \
                 if (!e || e === document.body) return {visible: false}; \
                 const s = getComputedStyle(e); \
                 const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; \
                 const shadow = s.boxShadow && s.boxShadow !== 'none'; \
                 return {visible: e.matches(':focus-visible') && (outline || shadow)}",
            )
            .await;
        state["visible"].as_bool().unwrap_or(false)
    }

    /// Presses Tab (at most 60 times) until the field or control `target` (a `name`, an `id`
    /// or a button text) has the focus, checking the focus is visible on every stop.
    pub async fn tab_to(&self, target: &str) {
        for _ in 0..60 {
            self.press(Key::Tab).await;
            let focused = self.focused().await;
            assert!(
                self.focus_is_visible().await,
                "the focus on {focused:?} is not visible at {}",
                self.path().await
            );
            if focused == target {
                return;
            }
        }
        panic!("Tab never reached {target:?} at {}", self.path().await);
    }

    // ---- the per-page checks -------------------------------------------------------------

    /// Screenshot, axe-core, `lang="fr"`, and the title noted: every step of every scenario.
    pub async fn check(&self, step: &str) {
        self.wait_until_loaded().await;
        self.save_screenshot(step).await;
        let lang = self
            .script_text("return document.documentElement.getAttribute('lang') || ''")
            .await;
        assert_eq!(lang, "fr", "{step}: <html lang> is {lang:?}");
        let title = self.title().await;
        assert!(!title.trim().is_empty(), "{step}: the page has no title");
        self.titles
            .lock()
            .expect("titles")
            .push((step.to_owned(), title));
        let (serious, lesser) = self.axe_violations().await;
        if !lesser.is_empty() {
            // Minor and moderate findings do not fail the scenario; they are kept for review.
            self.append_report(&format!(
                "{step} ({}):\n{}\n",
                self.path().await,
                lesser.join("\n")
            ));
        }
        assert!(
            serious.is_empty(),
            "{step} ({}): axe-core found serious or critical violations:\n{}",
            self.path().await,
            serious.join("\n")
        );
    }

    /// Asserts every page checked so far had its own title (RGAA 8.6: a relevant title).
    pub fn assert_titles_are_unique(&self) {
        let titles = self.titles.lock().expect("titles");
        for (i, (step, title)) in titles.iter().enumerate() {
            if let Some((other, _)) = titles[..i].iter().find(|(_, t)| t == title) {
                panic!("{step} and {other} share the title {title:?}");
            }
        }
    }

    async fn wait_until_loaded(&self) {
        eventually(
            "the page to finish loading",
            Duration::from_secs(10),
            || async {
                (self.script_text("return document.readyState").await == "complete").then_some(())
            },
        )
        .await;
    }

    /// Saves `target/e2e-screenshots/{scenario}-{NN}-{step}.png` (best effort): the whole
    /// page, not only the window (WebDriver shoots the viewport, so the window is made as tall
    /// as the page for the shot, up to 8,000 px, then put back).
    pub async fn save_screenshot(&self, step: &str) {
        let n = self.shots.fetch_add(1, Ordering::SeqCst) + 1;
        let path = screenshot_dir().join(format!("{}-{n:02}-{step}.png", self.scenario));
        let window = self.client.get_window_size().await.ok();
        let page_height = self
            .client
            .execute("return document.documentElement.scrollHeight", Vec::new())
            .await
            .ok()
            .and_then(|h| h.as_u64());
        if let (Some((width, height)), Some(page)) = (window, page_height)
            && page > height
        {
            let tall = u32::try_from(page.min(8_000)).unwrap_or(8_000);
            let width = u32::try_from(width).unwrap_or(DESKTOP.0);
            let _ = self.client.set_window_size(width, tall).await;
        }
        let shot = self.client.screenshot().await;
        if let Some((width, height)) = window {
            let _ = self
                .client
                .set_window_size(
                    u32::try_from(width).unwrap_or(DESKTOP.0),
                    u32::try_from(height).unwrap_or(DESKTOP.1),
                )
                .await;
        }
        match shot {
            Ok(png) => {
                if let Err(e) = std::fs::write(&path, png) {
                    eprintln!("screenshot {}: {e}", path.display());
                }
            }
            Err(e) => eprintln!("screenshot {}: {e}", path.display()),
        }
    }

    /// `target/e2e-screenshots/{scenario}-axe.txt`: the minor and moderate axe-core findings.
    fn append_report(&self, text: &str) {
        use std::io::Write;
        let path = screenshot_dir().join(format!("{}-axe.txt", self.scenario));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path);
        if let Err(e) = file.and_then(|mut f| f.write_all(text.as_bytes())) {
            eprintln!("axe report {}: {e}", path.display());
        }
    }

    /// axe-core's violations, one line each: those of impact "serious" or "critical", then the
    /// others.
    async fn axe_violations(&self) -> (Vec<String>, Vec<String>) {
        let loaded = self.script("return typeof window.axe === 'object'").await;
        if loaded != Value::Bool(true) {
            // Injected through WebDriver, which the page's Content-Security-Policy does not
            // govern; the page itself still runs no script.
            self.script(&format!("{}\nreturn true;", axe_source()))
                .await;
        }
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, \
                                    resultTypes: ['violations']}) \
                   .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, \
                       help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))) \
                   .catch(e => done({error: String(e)}));",
                vec![json!(AXE_TAGS)],
            )
            .await
            .expect("axe.run");
        if let Some(error) = result.get("error") {
            panic!("axe-core failed: {error}");
        }
        let (serious, lesser): (Vec<&Value>, Vec<&Value>) = result
            .as_array()
            .expect("axe violations")
            .iter()
            .partition(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")));
        (
            serious.into_iter().map(violation_line).collect(),
            lesser.into_iter().map(violation_line).collect(),
        )
    }
}

/// One axe-core violation: rule, impact, help text and the elements it found.
fn violation_line(v: &Value) -> String {
    format!(
        "- {} ({}): {} — {}",
        v["id"].as_str().unwrap_or_default(),
        v["impact"].as_str().unwrap_or_default(),
        v["help"].as_str().unwrap_or_default(),
        v["nodes"]
    )
}

impl Browser {
    // ---- layout, print and mail ----------------------------------------------------------

    pub async fn set_width(&self, width: u32) {
        self.client
            .set_window_size(width, DESKTOP.1)
            .await
            .expect("resize the window");
    }

    /// Whether the page fits the window's width (no horizontal scrolling; WCAG 1.4.10).
    pub async fn fits_width(&self) -> bool {
        self.script(
            "return document.documentElement.scrollWidth <= \
                    document.documentElement.clientWidth",
        )
        .await
            == Value::Bool(true)
    }

    /// The page printed to PDF by Chromium (print media, so the print stylesheet applies).
    pub async fn print_pdf(&self) -> Vec<u8> {
        self.client
            .print(PrintConfiguration::default())
            .await
            .expect("print the page")
    }

    /// Opens a captured mail's HTML part as a page (written to a file next to the
    /// screenshots) and checks it like any page: screenshot, axe-core, `lang="fr"`.
    pub async fn open_mail(&self, mail: &CapturedMail, step: &str) {
        let dir = screenshot_dir().join("mails");
        std::fs::create_dir_all(&dir).expect("create the mail folder");
        let path = dir.join(format!("{}-{step}.html", self.scenario));
        std::fs::write(&path, mail.html()).expect("write the mail");
        self.goto(&format!("file://{}", path.display())).await;
        self.check(step).await;
    }
}

/// Whatever ends the scenario, no chromedriver (nor its Chromium) outlives it.
impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(mut child) = self.driver.get_mut().ok().and_then(Option::take) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `chromedriver` may stop at start (wrong version, missing libraries): no point waiting.
fn still_running(driver: &mut Option<Child>) -> bool {
    driver
        .as_mut()
        .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
}

/// axe-core's bundle from `tests/browser/node_modules` (npm, pinned by its lockfile).
fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/browser/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run `npm ci` in tests/browser (.ci/run does)",
                path.display()
            )
        })
    })
}

/// Creates the screenshot folder and removes what an earlier run of `scenario` left there, so
/// every file in it comes from the latest run (a failure screenshot would otherwise linger).
fn clear_previous_run(scenario: &str) {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).expect("create target/e2e-screenshots");
    let prefix = format!("{scenario}-");
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let numbered = name.strip_prefix(&prefix).is_some_and(|rest| {
            rest.starts_with(|c: char| c.is_ascii_digit()) || rest == "axe.txt"
        });
        if numbered {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
