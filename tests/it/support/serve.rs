//! The real binary as a separate process: `mss-onboarding --config config/test.toml serve`,
//! on a free port, with `MSS__…` variables pointing it at a test's database and SMTP capture.
//! For what only a process shows: signals (SIGTERM, kill -9), its log output, and several
//! instances on one database. `TestApp::spawn_process` builds one from an app's settings;
//! `TestApp::browser_at` drives it with the usual journey helpers.

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::smtp::free_port;

/// One `serve` process, killed (SIGKILL) when dropped.
pub struct ServeProcess {
    /// `http://127.0.0.1:{port}`.
    pub address: String,
    pub port: u16,
    child: Mutex<Child>,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl ServeProcess {
    /// Starts the binary with `env` on top of `config/test.toml`, and waits until `/healthz`
    /// answers 200 (its migrations ran, it listens).
    pub async fn start(env: &[(String, String)]) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("serve-")
            .tempdir()
            .expect("a folder for the process log");
        let log = dir.path().join("serve.log");
        let port = free_port();
        let out = std::fs::File::create(&log).expect("create the process log");
        let child = Command::new(env!("CARGO_BIN_EXE_mss-onboarding"))
            .args(["--config", "config/test.toml", "serve"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("RUST_LOG")
            .env("MSS__SERVER__BIND", format!("127.0.0.1:{port}"))
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("clone the log handle"))
            .stderr(out)
            .spawn()
            .expect("run mss-onboarding serve");
        let process = Self {
            address: format!("http://127.0.0.1:{port}"),
            port,
            child: Mutex::new(child),
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = reqwest::Client::new();
        loop {
            if let Ok(response) = client
                .get(format!("{}/healthz", process.address))
                .send()
                .await
                && response.status() == 200
            {
                return process;
            }
            if let Some(status) = process.try_exit() {
                panic!(
                    "serve exited with {status} before answering:\n{}",
                    process.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "serve did not answer /healthz within 30 s:\n{}",
                process.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.lock().expect("child lock").id()
    }

    /// Sends `signal` (`TERM`, `KILL`…) with kill(1).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s {signal} failed");
    }

    /// The exit status, if the process has ended.
    pub fn try_exit(&self) -> Option<ExitStatus> {
        self.child
            .lock()
            .expect("child lock")
            .try_wait()
            .ok()
            .flatten()
    }

    /// Waits (polling) for the process to end; `None` after `timeout`.
    pub async fn wait_exit(&self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.try_exit() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    /// Everything the process wrote (standard output and error).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if let Ok(child) = self.child.get_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An SMTP server that accepts connections and never says a word: a delivery to it hangs
/// until the client's timeout. Connections are held until it is dropped.
pub struct SilentSmtp {
    pub port: u16,
    _thread: std::thread::JoinHandle<()>,
}

impl SilentSmtp {
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the silent relay");
        let port = listener.local_addr().expect("its address").port();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                held.push(stream);
            }
        });
        Self {
            port,
            _thread: thread,
        }
    }
}

/// Taken by every test that starts `serve` processes, for its whole length: each process is a
/// whole server (pools, worker, argon2), and several such tests at once on a two-core CI
/// machine push the in-process tests running beside them past their timeouts.
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}
