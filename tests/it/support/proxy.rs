//! The shipped reverse-proxy example (`deploy/two-instances/nginx.conf`) run for real: nginx
//! (Debian package) terminating TLS with a self-signed certificate made by `openssl`, in front
//! of test instances. Only what cannot work on a test machine is rewritten: the upstream
//! addresses, the listening ports (free ports on 127.0.0.1, no IPv6), the certificate paths.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::smtp::free_port;

/// An nginx master process serving the shipped site; killed when dropped.
pub struct TestNginx {
    /// `https://127.0.0.1:{port}`.
    pub https: String,
    /// `http://127.0.0.1:{port}` (the redirect to HTTPS).
    pub http: String,
    child: Child,
    dir: tempfile::TempDir,
}

impl TestNginx {
    /// Free ports for nginx's HTTP and HTTPS listeners, chosen before the instances start (their
    /// `server.public_url` names the proxy).
    pub fn ports() -> (u16, u16) {
        (free_port(), free_port())
    }

    /// Starts nginx on `(http_port, https_port)` in front of `upstreams` (ports on 127.0.0.1, in
    /// the order of the shipped `server` lines). `None` when nginx or openssl is not installed
    /// (`.ci/run` installs both).
    pub async fn start(upstreams: [u16; 2], (http_port, https_port): (u16, u16)) -> Option<Self> {
        if Command::new("nginx").arg("-v").output().is_err()
            || Command::new("openssl").arg("version").output().is_err()
        {
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("nginx-")
            .tempdir()
            .expect("a folder for nginx");
        let root = dir.path();
        // nginx's workers run as `nobody` when the master is root: they must reach the files.
        set_mode(root, 0o755);
        for temp in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
            std::fs::create_dir(root.join(temp)).expect("nginx temp folder");
            set_mode(&root.join(temp), 0o777);
        }
        let (cert, key) = (root.join("cert.pem"), root.join("key.pem"));
        let made = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args(["-subj", "/CN=inscription.example.fr", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run openssl");
        assert!(made.success(), "openssl could not make a certificate");

        let shipped = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/two-instances/nginx.conf"),
        )
        .expect("read the shipped nginx.conf");
        let site = site_for_test(&shipped, upstreams, http_port, https_port, &cert, &key);
        std::fs::write(root.join("site.conf"), site).expect("write site.conf");
        let main = format!(
            "daemon off;\nworker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {root}/body;\n  \
             proxy_temp_path {root}/proxy;\n  fastcgi_temp_path {root}/fastcgi;\n  \
             uwsgi_temp_path {root}/uwsgi;\n  scgi_temp_path {root}/scgi;\n  \
             include {root}/site.conf;\n}}\n",
            root = root.display()
        );
        std::fs::write(root.join("nginx.conf"), main).expect("write nginx.conf");

        let check = Command::new("nginx")
            .arg("-t")
            .arg("-p")
            .arg(root)
            .arg("-c")
            .arg(root.join("nginx.conf"))
            .output()
            .expect("run nginx -t");
        assert!(
            check.status.success(),
            "nginx -t refuses the shipped configuration:\n{}",
            String::from_utf8_lossy(&check.stderr)
        );
        let child = Command::new("nginx")
            .arg("-p")
            .arg(root)
            .arg("-c")
            .arg(root.join("nginx.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let nginx = Self {
            https: format!("https://127.0.0.1:{https_port}"),
            http: format!("http://127.0.0.1:{http_port}"),
            child,
            dir,
        };
        nginx.wait_until_listening(https_port).await;
        Some(nginx)
    }

    async fn wait_until_listening(&self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "nginx did not listen within 10 s:\n{}",
                self.error_log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// nginx's error log, for failure messages.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for TestNginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The shipped site with this machine's upstreams, ports and certificate.
fn site_for_test(
    shipped: &str,
    upstreams: [u16; 2],
    http_port: u16,
    https_port: u16,
    cert: &Path,
    key: &Path,
) -> String {
    let replaced = shipped
        .replace("10.0.0.21:8080", &format!("127.0.0.1:{}", upstreams[0]))
        .replace("10.0.0.22:8080", &format!("127.0.0.1:{}", upstreams[1]))
        .replace("listen 80;", &format!("listen 127.0.0.1:{http_port};"))
        .replace(
            "listen 443 ssl",
            &format!("listen 127.0.0.1:{https_port} ssl"),
        )
        .replace(
            "/etc/letsencrypt/live/inscription.example.fr/fullchain.pem",
            &cert.display().to_string(),
        )
        .replace(
            "/etc/letsencrypt/live/inscription.example.fr/privkey.pem",
            &key.display().to_string(),
        );
    // No IPv6 on every test machine.
    let site: String = replaced
        .lines()
        .filter(|l| !l.trim_start().starts_with("listen [::]"))
        .map(|l| format!("{l}\n"))
        .collect();
    for shipped_value in ["10.0.0.2", "letsencrypt", "listen 80;", "listen 443"] {
        assert!(
            !site.contains(shipped_value),
            "the shipped nginx.conf changed: {shipped_value} is not rewritten for the test"
        );
    }
    site
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}
