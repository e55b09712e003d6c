//! A real SMTP server per test: Debian's `python3-aiosmtpd` writing every message it receives
//! into a Maildir. The app talks SMTP to it exactly as it would to a relay; the tests read the
//! delivered files back with `mail-parser`.
//!
//! The system interpreter is called by absolute path: the `python3` found on `PATH` may be a
//! pyenv build without the Debian package.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders};
use tempfile::TempDir;

const PYTHON: &str = "/usr/bin/python3";

/// How long a test waits for a mail before failing.
pub const MAIL_TIMEOUT: Duration = Duration::from_secs(10);

/// One aiosmtpd process listening on `127.0.0.1:{port}`, killed when dropped.
pub struct SmtpCapture {
    port: u16,
    dir: TempDir,
    child: Mutex<Option<Child>>,
}

/// A delivered message, decoded.
#[derive(Debug, Clone)]
pub struct CapturedMail {
    /// `From` header address (without the display name).
    pub from_address: String,
    /// `From` display name, if any.
    pub from_name: Option<String>,
    /// `To` header addresses.
    pub to: Vec<String>,
    pub subject: String,
    /// `type/subtype` of the top-level part, lowercase.
    pub content_type: String,
    /// Decoded body of the first `text/plain` part.
    pub text: Option<String>,
    /// Decoded body of the first `text/html` part.
    pub html: Option<String>,
    /// The whole message as stored by the server.
    pub raw: String,
}

impl CapturedMail {
    /// The text part, failing the test when the mail has none.
    #[track_caller]
    pub fn text(&self) -> &str {
        match self.text.as_deref() {
            Some(text) => text,
            None => panic!("mail has no text/plain part:\n{}", self.raw),
        }
    }

    /// The HTML part, failing the test when the mail has none.
    #[track_caller]
    pub fn html(&self) -> &str {
        match self.html.as_deref() {
            Some(html) => html,
            None => panic!("mail has no text/html part:\n{}", self.raw),
        }
    }

    /// The value of header `name` (the first one, unfolded), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        let message = MessageParser::default().parse(self.raw.as_bytes())?;
        message
            .header_raw(name)
            .map(|value| value.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// Checks the message's DKIM signature with dkimpy (Debian's `python3-dkim`), a maintained
    /// verifier, answering its DNS query for `{selector}._domainkey.{domain}` with `txt`
    /// (the record an operator would publish). `Ok` when it verifies, else dkimpy's log.
    pub fn verify_dkim(&self, selector: &str, domain: &str, txt: &str) -> Result<(), String> {
        use std::io::Write;

        const SCRIPT: &str = r#"
import logging, sys, dkim
name, txt = sys.argv[1], sys.argv[2].encode()
def dns(query, timeout=5):
    return txt if query.decode().rstrip(".") == name else None
logging.basicConfig(stream=sys.stderr, level=logging.DEBUG)
ok = dkim.verify(sys.stdin.buffer.read(), logger=logging.getLogger("dkim"), dnsfunc=dns)
sys.exit(0 if ok else 1)
"#;
        let mut child = Command::new(PYTHON)
            .args([
                "-c",
                SCRIPT,
                &format!("{selector}._domainkey.{domain}"),
                txt,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {PYTHON} (apt-get install python3-dkim): {e}"));
        child
            .stdin
            .take()
            .expect("stdin pipe")
            .write_all(self.raw.as_bytes())
            .expect("write the mail to dkimpy");
        let output = child.wait_with_output().expect("wait for dkimpy");
        let log = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            !log.contains("ModuleNotFoundError"),
            "dkimpy is missing (apt-get install python3-dkim): {log}"
        );
        if output.status.success() {
            Ok(())
        } else {
            Err(log)
        }
    }

    /// Every `http(s)://…` link of the text part.
    pub fn text_links(&self) -> Vec<String> {
        self.text()
            .split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '(' | ')'))
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .map(|w| w.trim_end_matches(['.', ',', ';', ':']).to_owned())
            .collect()
    }

    /// The confirmation link (`…/confirmation/{token}`) of the text part, if any.
    pub fn confirmation_link(&self) -> Option<String> {
        self.text_links()
            .into_iter()
            .find(|l| l.contains("/confirmation/"))
    }

    fn parse(raw: &[u8]) -> Self {
        let message = MessageParser::default()
            .parse(raw)
            .unwrap_or_else(|| panic!("unparsable mail:\n{}", String::from_utf8_lossy(raw)));
        let (from_address, from_name) = message
            .from()
            .and_then(|a| a.first())
            .map(|a| {
                (
                    a.address.as_deref().unwrap_or_default().to_owned(),
                    a.name.as_deref().map(str::to_owned),
                )
            })
            .unwrap_or_default();
        let to = message
            .to()
            .map(|a| {
                a.iter()
                    .filter_map(|a| a.address.as_deref().map(str::to_lowercase))
                    .collect()
            })
            .unwrap_or_default();
        let content_type = message
            .content_type()
            .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_lowercase())
            .unwrap_or_else(|| "text/plain".into());
        let part_text = |ctype: &str, subtype: &str| {
            message
                .parts
                .iter()
                .find(|p| p.is_content_type(ctype, subtype))
                .and_then(|p| p.text_contents())
                .map(str::to_owned)
        };
        Self {
            from_address,
            from_name,
            to,
            subject: message.subject().unwrap_or_default().to_owned(),
            content_type,
            text: part_text("text", "plain"),
            html: part_text("text", "html"),
            raw: String::from_utf8_lossy(raw).into_owned(),
        }
    }
}

impl SmtpCapture {
    /// Starts a capture on a free port, with its own Maildir.
    pub async fn start_new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("smtp-capture-")
            .tempdir()
            .expect("create the Maildir folder");
        let mut capture = Self {
            port: free_port(),
            dir,
            child: Mutex::new(None),
        };
        // Another process may grab the port between `free_port` and the bind: try a few.
        for _ in 0..5 {
            if capture.try_start().await {
                return capture;
            }
            capture.port = free_port();
        }
        panic!(
            "aiosmtpd did not start; see {}",
            capture.log_path().display()
        );
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// (Re)starts the server on the same port and waits until it accepts connections.
    pub async fn start(&self) {
        assert!(
            self.try_start().await,
            "aiosmtpd did not restart on port {}; see {}",
            self.port,
            self.log_path().display()
        );
    }

    /// Kills the server; connections are refused until [`SmtpCapture::start`].
    pub fn stop(&self) {
        let child = self.child.lock().expect("capture lock").take();
        if let Some(mut child) = child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<CapturedMail> {
        let mut files = self.message_files();
        files.sort_by_key(|p| maildir_order(p));
        files
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .map(|raw| CapturedMail::parse(&raw))
            .collect()
    }

    /// Messages whose `To` holds `address` (case-insensitive), oldest first.
    pub fn messages_to(&self, address: &str) -> Vec<CapturedMail> {
        let address = address.to_lowercase();
        self.messages()
            .into_iter()
            .filter(|m| m.to.contains(&address))
            .collect()
    }

    /// Waits (polling) until a message to `address` arrived and returns the latest one.
    pub async fn wait_for_mail_to(&self, address: &str, timeout: Duration) -> CapturedMail {
        self.wait_for_mails_to(address, 1, timeout)
            .await
            .pop()
            .expect("at least one mail")
    }

    /// Waits (polling) until at least `count` messages to `address` arrived; returns them all.
    pub async fn wait_for_mails_to(
        &self,
        address: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<CapturedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let mails = self.messages_to(address);
            if mails.len() >= count {
                return mails;
            }
            assert!(
                Instant::now() < deadline,
                "expected {count} mail(s) to {address} within {timeout:?}, got {}; all mails: {:#?}",
                mails.len(),
                self.messages()
                    .iter()
                    .map(|m| (&m.to, &m.subject))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("maildir")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("aiosmtpd.log")
    }

    fn message_files(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.maildir().join("new")) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect()
    }

    /// Spawns the process and waits for the port; false when the process died first.
    async fn try_start(&self) -> bool {
        self.stop();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open the capture log");
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.maildir())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run {PYTHON} -m aiosmtpd (apt-get install python3-aiosmtpd): {e}")
            });
        *self.child.lock().expect("capture lock") = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return true;
            }
            let exited = self
                .child
                .lock()
                .expect("capture lock")
                .as_mut()
                .is_none_or(|c| matches!(c.try_wait(), Ok(Some(_))));
            if exited {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        false
    }
}

impl Drop for SmtpCapture {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port that was free a moment ago (the OS does not hand it out again right away).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind an ephemeral port")
        .port()
}

/// Maildir names start with `{seconds}.M{microseconds}P{pid}…`: sort by time of delivery.
fn maildir_order(path: &Path) -> (u64, u64, String) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut parts = name.split('.');
    let secs = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let micros = parts
        .next()
        .and_then(|s| s.strip_prefix('M'))
        .map(|s| {
            s.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (secs, micros, name)
}
