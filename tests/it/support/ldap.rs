//! A real OpenLDAP `slapd` per test, built from the SHIPPED `config/ldap/*.ldif` files: the
//! placeholders are filled exactly as the README tells a deployer to (`slappasswd` hashes), the
//! configuration is loaded offline with `slapadd -n0`, the base entries with `slapadd -n1`, and
//! `slapd -d 0` runs as a child process on a free port of 127.0.0.1. So every test that uses it
//! also proves that the shipped schema, indexes and ACLs work.
//!
//! Needs Debian's `slapd` and `ldap-utils` (`/usr/sbin/slapd`, `slapadd`, `slappasswd`,
//! schemas in `/etc/ldap/schema`, modules in `/usr/lib/ldap`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry};
use mss_onboarding::config::DirectorySettings;
use mss_onboarding::directory::LdapDirectory;
use secrecy::SecretString;
use tempfile::TempDir;
use uuid::Uuid;

const SLAPD: &str = "/usr/sbin/slapd";
pub const SLAPADD: &str = "/usr/sbin/slapadd";
const SLAPPASSWD: &str = "/usr/sbin/slappasswd";
/// Applies `changetype:` LDIF offline, as `ldapmodify` would online.
pub const SLAPMODIFY: &str = "/usr/sbin/slapmodify";

/// What [`TestLdap::start_with`] adds to the shipped files.
#[derive(Default)]
pub struct Extra {
    /// Leave out `base.ldif` (a replica receives its entries).
    pub without_base: bool,
    /// `(tool, database number, path from the repository root)`, applied in order.
    pub files: Vec<(&'static str, &'static str, PathBuf)>,
    /// More `@PLACEHOLDER@`s and their values.
    pub placeholders: Vec<(&'static str, String)>,
    /// The service and reader passwords, when the accounts come from elsewhere (a replica's
    /// are its provider's).
    pub passwords: Option<(String, String)>,
}

/// `{SSHA}` hash of `password` (`slappasswd`), for placeholders of extra files.
pub fn password_hash(password: &str) -> String {
    slappasswd(password)
}

/// Base DN of the test directories (the deployed one comes from configuration).
pub const TEST_BASE_DN: &str = "dc=annuaire,dc=example,dc=test";

/// How long an operation of the test helpers may take.
const OP_TIMEOUT: Duration = Duration::from_secs(10);

/// Who a helper search binds as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Anonymous,
    /// `cn=lecteur,ou=services,…`: the read-only consumer account.
    Reader,
    /// `cn=mss-onboarding,ou=services,…`: the service account (the only writer).
    Service,
}

/// One slapd listening on `ldap://127.0.0.1:{port}/`, with its configuration and database in
/// its own temporary directory; killed when dropped.
pub struct TestLdap {
    /// `ldap://127.0.0.1:{port}`.
    pub url: String,
    pub port: u16,
    pub base_dn: String,
    pub service_bind_dn: String,
    pub service_password: String,
    pub reader_bind_dn: String,
    pub reader_password: String,
    dir: TempDir,
    child: Mutex<Option<Child>>,
}

impl TestLdap {
    /// Builds a fresh directory from the shipped files and starts slapd on a free port; returns
    /// once the service account can bind.
    pub async fn start() -> Self {
        Self::start_with(&Extra::default()).await
    }

    /// [`TestLdap::start`] with `extra`: more LDIF files applied after the shipped ones, with
    /// their own placeholders, and optionally without the base entries (a replica gets them
    /// from its provider: it then returns once they arrived, since the service binds).
    pub async fn start_with(extra: &Extra) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("slapd-")
            .tempdir()
            .expect("create the slapd folder");
        let base_dn = TEST_BASE_DN.to_owned();
        let mut ldap = Self {
            url: String::new(),
            port: 0,
            service_bind_dn: format!("cn=mss-onboarding,ou=services,{base_dn}"),
            service_password: format!("svc-{}", Uuid::new_v4().simple()),
            reader_bind_dn: format!("cn=lecteur,ou=services,{base_dn}"),
            reader_password: format!("rd-{}", Uuid::new_v4().simple()),
            base_dn,
            dir,
            child: Mutex::new(None),
        };
        if let Some((service, reader)) = &extra.passwords {
            ldap.service_password.clone_from(service);
            ldap.reader_password.clone_from(reader);
        }
        ldap.build(extra);
        // Another process may grab the port between `free_port` and slapd's bind: try a few.
        for _ in 0..5 {
            ldap.port = free_port();
            ldap.url = format!("ldap://127.0.0.1:{}", ldap.port);
            if ldap.try_start().await {
                return ldap;
            }
        }
        panic!("slapd did not start:\n{}", ldap.log());
    }

    /// Settings pointing the service at this directory (bound as the service account).
    pub fn settings(&self) -> DirectorySettings {
        DirectorySettings {
            enabled: true,
            url: url::Url::parse(&self.url).expect("slapd URL"),
            bind_dn: self.service_bind_dn.clone(),
            bind_password: SecretString::from(self.service_password.clone()),
            base_dn: self.base_dn.clone(),
            timeout_secs: 2,
        }
    }

    /// The service's adapter, configured for this directory.
    pub fn directory(&self) -> LdapDirectory {
        LdapDirectory::new(&self.settings())
    }

    /// `ou=mssante,{base}`.
    pub fn mssante_dn(&self) -> String {
        format!("ou=mssante,{}", self.base_dn)
    }

    /// `ou=operateur,{base}`.
    pub fn operateur_dn(&self) -> String {
        format!("ou=operateur,{}", self.base_dn)
    }

    /// Kills slapd (SIGTERM, then SIGKILL after 5 s) and reaps it; connections are refused
    /// until [`TestLdap::restart`]. Data stays on disk.
    pub fn stop(&self) {
        let child = self.child.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(mut child) = child else { return };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        // `try_wait` reaps the process, so it never lingers as a zombie.
        while Instant::now() < deadline {
            if !matches!(child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Starts slapd again on the same port with the same data; waits until it accepts a bind.
    pub async fn restart(&self) {
        assert!(
            self.try_start().await,
            "slapd did not restart on port {}:\n{}",
            self.port,
            self.log()
        );
    }

    /// Whether the slapd process is alive.
    pub fn is_running(&self) -> bool {
        self.child
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// slapd's output so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// A connection bound as `who`.
    pub async fn connect(&self, who: Who) -> ldap3::result::Result<Ldap> {
        let settings = LdapConnSettings::new().set_conn_timeout(OP_TIMEOUT);
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &self.url).await?;
        ldap3::drive!(conn);
        let credentials = match who {
            Who::Anonymous => None,
            Who::Reader => Some((&self.reader_bind_dn, &self.reader_password)),
            Who::Service => Some((&self.service_bind_dn, &self.service_password)),
        };
        if let Some((dn, password)) = credentials {
            ldap.with_timeout(OP_TIMEOUT)
                .simple_bind(dn, password)
                .await?
                .success()?;
        }
        Ok(ldap)
    }

    /// Subtree search as `who`, returning the requested attributes (`*` for all user ones, `+`
    /// for operational ones).
    pub async fn search_with(
        &self,
        who: Who,
        base: &str,
        filter: &str,
        attrs: &[&str],
    ) -> ldap3::result::Result<Vec<SearchEntry>> {
        let mut ldap = self.connect(who).await?;
        let result = ldap
            .with_timeout(OP_TIMEOUT)
            .search(base, Scope::Subtree, filter, attrs.to_vec())
            .await
            .and_then(|r| r.success());
        let _ = ldap.unbind().await;
        Ok(result?.0.into_iter().map(SearchEntry::construct).collect())
    }

    /// Subtree search without binding, as any directory consumer may.
    pub async fn search_anonymous(
        &self,
        base: &str,
        filter: &str,
    ) -> ldap3::result::Result<Vec<SearchEntry>> {
        self.search_with(Who::Anonymous, base, filter, &["*"]).await
    }

    /// Subtree search bound as the read-only consumer account.
    pub async fn search_as_reader(
        &self,
        base: &str,
        filter: &str,
    ) -> ldap3::result::Result<Vec<SearchEntry>> {
        self.search_with(Who::Reader, base, filter, &["*"]).await
    }

    /// Subtree search bound as the service account.
    pub async fn search_as_service(
        &self,
        base: &str,
        filter: &str,
    ) -> ldap3::result::Result<Vec<SearchEntry>> {
        self.search_with(Who::Service, base, filter, &["*"]).await
    }

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("slapd.d")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("slapd.log")
    }

    /// Fills the shipped LDIF files and loads them with slapadd, then `extra`'s.
    fn build(&self, extra: &Extra) {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/ldap");
        let db_dir = self.dir.path().join("db");
        std::fs::create_dir_all(&db_dir).expect("create the mdb folder");
        std::fs::create_dir_all(self.config_dir()).expect("create the slapd.d folder");
        let base_dc = self
            .base_dn
            .split(',')
            .next()
            .and_then(|rdn| rdn.strip_prefix("dc="))
            .expect("the test base DN starts with dc=");
        let placeholders = [
            ("@BASE_DN@", self.base_dn.clone()),
            ("@BASE_DC@", base_dc.to_owned()),
            ("@ORGANISATION@", "Operateur MSSante de test".to_owned()),
            ("@DB_DIR@", path_str(&db_dir)),
            ("@SCHEMA_DIR@", path_str(&shipped)),
            (
                "@ROOT_PASSWORD_HASH@",
                slappasswd(&format!("root-{}", Uuid::new_v4().simple())),
            ),
            (
                "@SERVICE_PASSWORD_HASH@",
                slappasswd(&self.service_password),
            ),
            ("@READER_PASSWORD_HASH@", slappasswd(&self.reader_password)),
        ];
        let placeholders: Vec<(&str, String)> = placeholders
            .into_iter()
            .chain(extra.placeholders.iter().map(|(p, v)| (*p, v.clone())))
            .collect();
        let mut steps: Vec<(&str, &str, PathBuf)> =
            vec![(SLAPADD, "0", shipped.join("slapd-config.ldif"))];
        if !extra.without_base {
            steps.push((SLAPADD, "1", shipped.join("base.ldif")));
        }
        steps.extend(extra.files.iter().map(|(tool, database, path)| {
            (
                *tool,
                *database,
                Path::new(env!("CARGO_MANIFEST_DIR")).join(path),
            )
        }));
        for (tool, database, path) in steps {
            let file = path
                .file_name()
                .and_then(|f| f.to_str())
                .expect("an LDIF file name");
            let mut text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            for (placeholder, value) in &placeholders {
                text = text.replace(placeholder, value);
            }
            let leftover = text
                .lines()
                .find(|l| !l.starts_with('#') && l.contains('@'));
            assert!(
                leftover.is_none(),
                "unfilled placeholder in {file}: {leftover:?}"
            );
            let filled = self.dir.path().join(file);
            std::fs::write(&filled, text).expect("write the filled LDIF");
            let output = Command::new(tool)
                .args(["-n", database, "-F"])
                .arg(self.config_dir())
                .arg("-l")
                .arg(&filled)
                .output()
                .unwrap_or_else(|e| panic!("cannot run {tool} (apt-get install slapd): {e}"));
            assert!(
                output.status.success(),
                "{tool} -n{database} -l {file} failed:\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }

    /// Spawns slapd on `self.port` and waits until the service account can bind; false when
    /// slapd died or never answered.
    async fn try_start(&self) -> bool {
        self.stop();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open the slapd log");
        let child = Command::new(SLAPD)
            // `-d 0`: stay in the foreground, so the child is slapd itself.
            .args(["-d", "0", "-h"])
            .arg(format!("ldap://127.0.0.1:{}/", self.port))
            .arg("-F")
            .arg(self.config_dir())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {SLAPD} (apt-get install slapd): {e}"));
        *self.child.lock().unwrap_or_else(|e| e.into_inner()) = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if !self.is_running() {
                return false;
            }
            if let Ok(mut ldap) = self.connect(Who::Service).await {
                let _ = ldap.unbind().await;
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.stop();
        false
    }
}

impl Drop for TestLdap {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `{SSHA}` hash of `password`, computed by `slappasswd` as the README tells deployers.
fn slappasswd(password: &str) -> String {
    let output = Command::new(SLAPPASSWD)
        .args(["-s", password])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {SLAPPASSWD} (apt-get install slapd): {e}"));
    assert!(output.status.success(), "slappasswd failed");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn path_str(path: &Path) -> String {
    let s = path.to_str().expect("UTF-8 path").to_owned();
    assert!(
        !s.contains(' '),
        "paths go into file:// URLs: no spaces ({s})"
    );
    s
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind an ephemeral port")
        .port()
}
