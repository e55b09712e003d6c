//! The load benchmark of issue 8: one command, the release binary of the service, load from
//! other processes, on SQLite and on PostgreSQL, every figure next to its baseline.
//!
//! ```text
//! cargo bench --bench login
//! BENCH_SECS=5 BENCH_RSS_SECS=10 BENCH_DATABASES=sqlite cargo bench --bench login   # quick
//! ```
//!
//! Knobs: `BENCH_SECS` (throughput phases, default 10), `BENCH_RSS_SECS` (memory phases,
//! default 30), `BENCH_DATABASES` (`sqlite,postgres`), `BENCH_PG_URL` (an existing PostgreSQL
//! server where a fresh database is created and dropped; default the local
//! `postgres://postgres@127.0.0.1:5432/postgres`), `BENCH_ARGON2_MEMORY_KIB` (19456).
//!
//! Every ratio is taken against its baseline measured in the same run right before and right
//! after the phase (both printed; the ratio uses their mean): raw argon2id around the sign-in
//! and sign-up phases, the axum hello-world around the page phase.
//!
//! Who does what: this process orchestrates and measures the raw argon2id baseline; the service
//! is `target/release/mss-onboarding serve` in its own process; `wrk` (its own process, Lua
//! scripts for the CSRF-carrying POSTs) generates the throughput and memory load; the axum
//! hello-world baseline is this same executable re-run as a child (`BENCH_ROLE=hello`); the
//! overload phase uses this process as an open-loop client, because it needs per-status
//! latencies, which wrk does not give.

use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{PasswordHash, PasswordHasher, SaltString, rand_core::OsRng},
};
use sea_orm::{ConnectionTrait, Database};

const PASSWORD: &str = "Vx9!bench-Qm-7421";
const WRK: &str = "/usr/bin/wrk";
/// Accounts the sign-in phases rotate through (see `Server::signin_script`).
const SIGNIN_ACCOUNTS: usize = 256;
/// The nice value of the service's hashing threads (`src/auth/password.rs`), given to the raw
/// baseline's threads too, so both compete for the cores on the same terms.
const HASH_THREAD_NICE: i32 = 10;

fn main() {
    if std::env::var("BENCH_ROLE").as_deref() == Ok("hello") {
        hello_world();
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

struct Knobs {
    secs: u64,
    rss_secs: u64,
    memory_kib: u32,
    databases: Vec<String>,
    pg_url: String,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn run() {
    let knobs = Knobs {
        secs: env_or("BENCH_SECS", 10),
        rss_secs: env_or("BENCH_RSS_SECS", 30),
        memory_kib: env_or("BENCH_ARGON2_MEMORY_KIB", 19456),
        databases: env_or("BENCH_DATABASES", "sqlite,postgres".to_owned())
            .split(',')
            .map(str::to_owned)
            .collect(),
        pg_url: env_or(
            "BENCH_PG_URL",
            "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
        ),
    };
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut report = String::new();
    let _ = writeln!(
        report,
        "argon2id m={} KiB t=2 p=1, {cores} cores, {} s per throughput phase, {} s per memory phase",
        knobs.memory_kib, knobs.secs, knobs.rss_secs
    );

    // The hello-world runs for the whole benchmark (idle, it costs nothing) so that it can be
    // measured right before and right after each page phase.
    let hello = {
        let port = free_port();
        let child = Command::new(std::env::current_exe().expect("exe"))
            .env("BENCH_ROLE", "hello")
            .env("BENCH_PORT", port.to_string())
            .spawn()
            .expect("hello-world server");
        wait_until_up(port, "/").await;
        Hello { child, port }
    };
    let baselines = Baselines {
        memory_kib: knobs.memory_kib,
        cores,
        secs: knobs.secs,
        hello_port: hello.port,
    };

    for database in &knobs.databases {
        let figures = bench_database(database, &knobs, &baselines).await;
        report.push_str(&figures);
    }
    drop(hello);
    println!("\n{report}");
}

struct Hello {
    child: Child,
    port: u16,
}

impl Drop for Hello {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The baselines, each measured again right before and right after the phase it is compared
/// with, on the same cores: the machine's load changes over a run (other builds, the page
/// cache, CPU frequency), and a baseline taken minutes earlier made ratios above 1 possible.
struct Baselines {
    memory_kib: u32,
    cores: usize,
    secs: u64,
    hello_port: u16,
}

impl Baselines {
    fn raw(&self) -> f64 {
        raw_verify_rate(self.memory_kib, self.cores, Duration::from_secs(self.secs))
    }

    fn hello(&self) -> f64 {
        wrk(self.hello_port, None, 64, self.secs, "/").rate
    }
}

/// `phase` between two measures of `baseline`: (phase figure, baseline before, after).
fn bracketed<T>(baseline: impl Fn() -> f64, phase: impl FnOnce() -> T) -> (T, f64, f64) {
    let before = baseline();
    let figure = phase();
    let after = baseline();
    (figure, before, after)
}

/// All figures for one database, as printed lines.
async fn bench_database(database: &str, knobs: &Knobs, base: &Baselines) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, cleanup) = match database {
        "sqlite" => (
            format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
            None,
        ),
        "postgres" => {
            let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&knobs.pg_url).await.expect("PostgreSQL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create the bench database");
            let base = knobs.pg_url.rsplit_once('/').expect("db url").0;
            (format!("{base}/{name}"), Some((admin, name)))
        }
        other => panic!("unknown database {other}"),
    };
    let mut out = format!("\n== {database} ==\n");
    let mut server = Server::start(&url, dir.path(), knobs.memory_kib).await;

    // Anonymous page against the hello-world, measured just before and just after.
    let (page, before, after) = bracketed(
        || base.hello(),
        || wrk(server.port, None, 64, knobs.secs, "/inscription").rate,
    );
    line(
        &mut out,
        "GET /inscription, req/s",
        page,
        (before, after),
        0.5,
        "hello-world",
    );

    // Sign-in and sign-up rates against raw argon2 measured just before and just after (32
    // connections: enough to keep every hashing thread busy, fewer than the queue holds, so
    // none is refused).
    // Where the cores went during each phase says what bounds the ratio: the raw baseline
    // has both cores to itself, the service shares them with the rest of each request.
    let signin = server.signin_script(dir.path()).await;
    let ((run, cpu), before, after) = bracketed(
        || base.raw(),
        || {
            server.cpu_split(base.cores, || {
                wrk(server.port, Some(&signin), 32, knobs.secs, "/connexion")
            })
        },
    );
    line(
        &mut out,
        "sign-ins/s",
        run.ok_rate,
        (before, after),
        0.9,
        "raw argon2id",
    );
    let _ = writeln!(out, "    {cpu}");
    let raw = (before + after) / 2.0;
    let signup = server.signup_script(dir.path(), "rate").await;
    let ((run, cpu), before, after) = bracketed(
        || base.raw(),
        || {
            server.cpu_split(base.cores, || {
                wrk(server.port, Some(&signup), 32, knobs.secs, "/inscription")
            })
        },
    );
    line(
        &mut out,
        "sign-ups/s",
        run.ok_rate,
        (before, after),
        0.9,
        "raw argon2id",
    );
    let _ = writeln!(out, "    {cpu}");

    // Memory: peak RSS (VmHWM, reset before each phase) under 1,000 sign-in connections, then
    // 100 sign-up connections.
    server.reset_peak();
    let run = wrk(
        server.port,
        Some(&signin),
        1000,
        knobs.rss_secs,
        "/connexion",
    );
    let (peak, _) = server.memory();
    let _ = writeln!(
        out,
        "peak RSS, 1000 sign-in connections:  {peak:>9.1} MiB  (target <= 256)  [{} served, {} refused]",
        run.requests - run.errors,
        run.errors
    );
    server.reset_peak();
    let signup = server.signup_script(dir.path(), "rss").await;
    let run = wrk(
        server.port,
        Some(&signup),
        100,
        knobs.rss_secs,
        "/inscription",
    );
    let (peak, _) = server.memory();
    let idle = server.rss_after_idle().await;
    let _ = writeln!(
        out,
        "peak RSS, 100 sign-up connections:   {peak:>9.1} MiB  (target <= 256)  [{} served, {} refused]; {idle:.1} MiB once idle",
        run.requests - run.errors,
        run.errors
    );

    // 10x overload, open loop: arrivals at ten times the sign-in rate just measured.
    let rate = 10.0 * raw;
    let over = server.overload(rate, Duration::from_secs(knobs.secs)).await;
    let _ = writeln!(
        out,
        "overload {rate:.0}/s offered:          {} served (p99 {:.0} ms, target <= 2000), {} refused with 503 (p99 {:.1} ms, max {:.1} ms, target < 50), {} other",
        over.served.len(),
        percentile(&over.served, 0.99),
        over.refused.len(),
        percentile(&over.refused, 0.99),
        percentile(&over.refused, 1.0),
        over.other
    );

    server.stop();
    if let Some((admin, name)) = cleanup {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
    out
}

/// One figure against the mean of its baseline measured before and after; both printed.
fn line(
    out: &mut String,
    what: &str,
    value: f64,
    (before, after): (f64, f64),
    target: f64,
    base_name: &str,
) {
    let base = (before + after) / 2.0;
    let ratio = value / base;
    let verdict = if ratio >= target {
        "ok"
    } else {
        "BELOW TARGET"
    };
    let _ = writeln!(
        out,
        "{what:<36} {value:>9.1}  ratio to {base_name} {ratio:.2} (target >= {target}) {verdict}  \
         [{base_name} {before:.1} before, {after:.1} after]"
    );
}

/// The service's release binary, in its own process.
struct Server {
    child: Child,
    port: u16,
    url: String,
    base: String,
}

impl Server {
    async fn start(database_url: &str, dir: &Path, memory_kib: u32) -> Self {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_mss-onboarding"))
            .arg("serve")
            .env("MSS__SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("MSS__SERVER__PUBLIC_URL", &base)
            .env("MSS__DATABASE__URL", database_url)
            .env("MSS__MAIL__TRANSPORT", "file")
            .env("MSS__MAIL__FILE_DIR", dir.join("mail"))
            .env("MSS__AUTH__ARGON2_MEMORY_KIB", memory_kib.to_string())
            .env("MSS__LOG__LEVEL", "error")
            // All the load comes from 127.0.0.1: the per-client limits would refuse it (a NAT
            // in front of a hospital is the same case, and raises them the same way).
            .env("MSS__AUTH__MAX_SIGNINS_PER_CLIENT", "100000000")
            .env("MSS__AUTH__MAX_SIGNUPS_PER_CLIENT", "100000000")
            .env("MSS__AUTH__MAX_MAILS_PER_ADDRESS_PER_DAY", "100000000")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .expect("start target/release/mss-onboarding");
        wait_until_up(port, "/healthz").await;
        Self {
            child,
            port,
            url: database_url.to_owned(),
            base,
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A wrk script signing into a new account again and again.
    async fn signin_script(&self, dir: &Path) -> PathBuf {
        let (cookie, bodies) = self.signin_accounts().await;
        assert_eq!(
            post(&self.base, "/connexion", &cookie, &bodies[0]).await,
            303
        );
        let list = bodies
            .iter()
            .map(|b| format!("\"{b}\""))
            .collect::<Vec<_>>()
            .join(",\n");
        // Each wrk thread walks the accounts from its own offset: a user signs in a few times
        // at most at once, as people do, instead of one email taking every request (which the
        // per-email limit of `auth.max_failed_signins` reservations would refuse).
        let script = format!(
            "local bodies = {{\n{list}\n}}\n\
             local threads = 0\n\
             function setup(thread) threads = threads + 1; thread:set(\"tid\", threads) end\n\
             local n = 0\n\
             request = function()\n\
               n = n + 1\n\
               local body = bodies[((tid or 0) * 37 + n) % #bodies + 1]\n\
               return wrk.format(\"POST\", \"/connexion\", {{[\"Content-Type\"] = \"application/x-www-form-urlencoded\", [\"Cookie\"] = \"{cookie}\"}}, body)\n\
             end\n"
        );
        let path = dir.join("signin.lua");
        std::fs::write(&path, script).expect("lua");
        path
    }

    /// A wrk script signing up a new address at each request (thread number and counter).
    async fn signup_script(&self, dir: &Path, phase: &str) -> PathBuf {
        let (cookie, token) = self.csrf("/inscription").await;
        let form = signup_form(&token, "EMAIL");
        let (before, after) = form.split_once("EMAIL").expect("placeholder");
        let script = format!(
            "local threads = 0\n\
             function setup(thread) threads = threads + 1; thread:set(\"tid\", threads) end\n\
             local n = 0\n\
             request = function()\n\
               n = n + 1\n\
               local email = \"{phase}.\" .. tid .. \".\" .. n .. \"%40banc.example.fr\"\n\
               return wrk.format(\"POST\", \"/inscription\", {{[\"Content-Type\"] = \"application/x-www-form-urlencoded\", [\"Cookie\"] = \"{cookie}\"}}, \"{before}\" .. email .. \"{after}\")\n\
             end\n"
        );
        let path = dir.join(format!("signup-{phase}.lua"));
        std::fs::write(&path, script).expect("lua");
        path
    }

    /// The CSRF cookie (`name=value`) and token of a fresh visitor of `path`.
    async fn csrf(&self, path: &str) -> (String, String) {
        let response = reqwest::get(format!("{}{path}", self.base))
            .await
            .expect("GET");
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
            .join("; ");
        let html = response.text().await.expect("body");
        let marker = "name=\"csrf_token\" value=\"";
        let start = html.find(marker).expect("csrf field") + marker.len();
        let token = html[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned();
        (cookie, token)
    }

    /// Resets VmHWM to the current RSS (Linux `clear_refs`, value 5).
    fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5");
    }

    /// (VmHWM, VmRSS) in MiB.
    /// Runs `phase` and says how the machine's cores were spent meanwhile: the service's
    /// hashing threads (`argon2-N`), its other threads, and the rest (the load generator, the
    /// kernel's network work, other processes, idle), from `/proc` CPU times.
    fn cpu_split<T>(&self, cores: usize, phase: impl FnOnce() -> T) -> (T, String) {
        let started = Instant::now();
        let (hash0, other0) = self.thread_cpu();
        let result = phase();
        let (hash1, other1) = self.thread_cpu();
        let total = started.elapsed().as_secs_f64() * cores as f64;
        let (hash, other) = (hash1 - hash0, other1 - other0);
        let split = format!(
            "CPU of the {cores} cores meanwhile: argon2 threads {:.1}%, other service threads \
             {:.1}%, rest (load generator, kernel, idle) {:.1}%",
            100.0 * hash / total,
            100.0 * other / total,
            100.0 * (total - hash - other) / total
        );
        (result, split)
    }

    /// CPU seconds of the service's hashing threads and of its other threads.
    fn thread_cpu(&self) -> (f64, f64) {
        let ticks = 100.0; // USER_HZ: /proc reports CPU times in 1/100 s on Linux.
        let (mut hash, mut other) = (0.0, 0.0);
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.child.id()));
        for task in tasks.into_iter().flatten().flatten() {
            let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
                continue;
            };
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let name = &stat[open + 1..close];
            // After the name: state is field 3, utime 14 and stime 15 (proc(5)).
            let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
            let cpu = [11, 12]
                .iter()
                .filter_map(|&i| fields.get(i)?.parse::<f64>().ok())
                .sum::<f64>()
                / ticks;
            if name.starts_with("argon2") {
                hash += cpu;
            } else {
                other += cpu;
            }
        }
        (hash, other)
    }

    fn memory(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
                .map_or(0.0, |kib| kib / 1024.0)
        };
        (field("VmHWM:"), field("VmRSS:"))
    }

    /// RSS once the load has stopped and the outbox worker has delivered the queued mail
    /// (polled until it stops falling).
    async fn rss_after_idle(&self) -> f64 {
        let mut last = self.memory().1;
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let now = self.memory().1;
            if (now - last).abs() < 0.5 {
                return now;
            }
            last = now;
        }
        last
    }

    /// Open-loop sign-ins at `rate` per second for `secs`; latency by outcome.
    async fn overload(&self, rate: f64, run: Duration) -> Overload {
        let (cookie, bodies) = self.signin_accounts().await;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(2000)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let url = format!("{}/connexion", self.base);
        let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
        let started = Instant::now();
        let mut tasks = Vec::new();
        let mut n = 0;
        while started.elapsed() < run {
            ticks.tick().await;
            n += 1;
            let body = bodies[n % bodies.len()].clone();
            let (client, url, cookie) = (client.clone(), url.clone(), cookie.clone());
            tasks.push(tokio::spawn(async move {
                let sent = Instant::now();
                let status = client
                    .post(url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("cookie", cookie)
                    .body(body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                (status, sent.elapsed().as_secs_f64() * 1000.0)
            }));
        }
        let mut result = Overload::default();
        for task in tasks {
            match task.await.expect("client task") {
                (303, ms) => result.served.push(ms),
                (503, ms) => result.refused.push(ms),
                _ => result.other += 1,
            }
        }
        result
    }

    /// [`SIGNIN_ACCOUNTS`] new accounts with a confirmed email, the CSRF cookie and the form
    /// bodies that sign into each (one cookie serves every request: double-submit cookie).
    async fn signin_accounts(&self) -> (String, Vec<String>) {
        let run = uuid::Uuid::new_v4().simple().to_string();
        let emails: Vec<String> = (0..SIGNIN_ACCOUNTS)
            .map(|n| format!("connexion.{run}.{n}@example.fr"))
            .collect();
        let (cookie, token) = self.csrf("/inscription").await;
        // Fewer at once than the hash queue holds, so none is refused.
        for chunk in emails.chunks(16) {
            let forms: Vec<String> = chunk.iter().map(|e| signup_form(&token, e)).collect();
            let statuses = futures_util::future::join_all(
                forms
                    .iter()
                    .map(|form| post(&self.base, "/inscription", &cookie, form)),
            )
            .await;
            assert!(statuses.iter().all(|&s| s == 303), "sign-ups: {statuses:?}");
        }
        let db = Database::connect(&self.url).await.expect("bench db");
        db.execute_unprepared("UPDATE accounts SET email_confirmed_at = created_at")
            .await
            .expect("confirm");
        let (cookie, token) = self.csrf("/connexion").await;
        let bodies = emails
            .iter()
            .map(|email| {
                serde_urlencoded::to_string([
                    ("csrf_token", token.as_str()),
                    ("email", email.as_str()),
                    ("mot_de_passe", PASSWORD),
                ])
                .expect("form")
            })
            .collect();
        (cookie, bodies)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(Default)]
struct Overload {
    served: Vec<f64>,
    refused: Vec<f64>,
    other: usize,
}

fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn signup_form(token: &str, email: &str) -> String {
    serde_urlencoded::to_string([
        ("csrf_token", token),
        ("nom", "Banc"),
        ("prenom", "Essai"),
        ("email", email),
        ("mot_de_passe", PASSWORD),
        ("confirmation_mot_de_passe", PASSWORD),
    ])
    .expect("form")
}

async fn post(base: &str, path: &str, cookie: &str, body: &str) -> u16 {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(body.to_owned())
        .send()
        .await
        .expect("POST")
        .status()
        .as_u16()
}

struct WrkRun {
    /// All responses per second.
    rate: f64,
    /// 2xx/3xx responses per second.
    ok_rate: f64,
    requests: u64,
    /// Non-2xx/3xx responses.
    errors: u64,
}

/// Runs wrk (2 threads) and reads its summary.
fn wrk(port: u16, script: Option<&Path>, connections: u32, secs: u64, path: &str) -> WrkRun {
    let mut command = Command::new(WRK);
    command.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{secs}s"),
        "--timeout",
        "30s",
    ]);
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    let output = command
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .expect("run /usr/bin/wrk");
    let text = String::from_utf8_lossy(&output.stdout);
    let number_after = |label: &str| -> Option<f64> {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    let (requests, elapsed) = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| {
            let mut words = l.split_whitespace();
            let requests = words.next()?.parse::<u64>().ok()?;
            let elapsed = words.nth(2)?.trim_end_matches(',').trim_end_matches('s');
            Some((requests, elapsed.parse::<f64>().ok()?))
        })
        .unwrap_or_else(|| {
            panic!(
                "wrk output:\n{text}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let errors = number_after("Non-2xx or 3xx responses:").map_or(0, |n| n as u64);
    WrkRun {
        rate: requests as f64 / elapsed,
        ok_rate: (requests - errors) as f64 / elapsed,
        requests,
        errors,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

async fn wait_until_up(port: u16, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}{path}")).await
            && r.status().is_success()
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "server on {port} did not come up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Raw argon2id verifications per second on every core: the same parameters, each thread
/// reusing its memory blocks as the service's hashing threads do, no HTTP, no database.
fn raw_verify_rate(memory: u32, cores: usize, run: Duration) -> f64 {
    let params = Params::new(memory, 2, 1, None).expect("params");
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let phc = argon2
        .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
        .expect("hash")
        .to_string();
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..cores {
            let (done, argon2, phc, params) =
                (done.clone(), argon2.clone(), phc.clone(), params.clone());
            scope.spawn(move || {
                // The service's hashing threads run at this priority (`auth::password`).
                let _ = rustix::process::setpriority_process(
                    Some(rustix::thread::gettid()),
                    HASH_THREAD_NICE,
                );
                let parsed = PasswordHash::new(&phc).expect("phc");
                let expected = parsed.hash.expect("output");
                let mut salt = [0u8; 64];
                let salt = parsed
                    .salt
                    .expect("salt")
                    .decode_b64(&mut salt)
                    .expect("salt");
                let mut blocks = vec![Block::default(); params.block_count()];
                let mut out = vec![0u8; expected.len()];
                while start.elapsed() < run {
                    argon2
                        .hash_password_into_with_memory(
                            PASSWORD.as_bytes(),
                            salt,
                            &mut out,
                            &mut blocks,
                        )
                        .expect("argon2");
                    assert_eq!(out, expected.as_bytes());
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// The axum hello-world of axum's own examples, in its own process.
fn hello_world() {
    let port: u16 = env_or("BENCH_PORT", 0);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async move {
            let app =
                axum::Router::new().route("/", axum::routing::get(|| async { "Hello, World!" }));
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .expect("bind");
            axum::serve(listener, app).await.expect("serve");
        });
}
