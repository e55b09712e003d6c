//! Sign-in throughput against the raw argon2id hash rate, measured in the same run.
//!
//! `cargo bench --bench login` (release build). Sign-in is meant to be bound by argon2 alone:
//! the printed ratio (sign-ins/s ÷ raw verifications/s on the same cores, same parameters) says
//! how much the HTTP stack, the database and the session write cost on top. Production
//! parameters (m=19456 KiB, t=2, p=1) unless `BENCH_ARGON2_MEMORY_KIB` says otherwise.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};
use mss_onboarding::{config::Settings, startup::App};
use sea_orm::ConnectionTrait;

const PASSWORD: &str = "Vx9!bench-Qm-7421";
const RUN: Duration = Duration::from_secs(4);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let memory: u32 = std::env::var("BENCH_ARGON2_MEMORY_KIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(19456);

    // Baseline: raw argon2id verifications on every core, no HTTP, no database.
    let raw_rate = raw_verify_rate(memory, cores);

    // The service, on SQLite in a temp dir, with the same argon2 parameters.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut settings = Settings::load(None).expect("settings");
    settings.server.bind = "127.0.0.1:0".into();
    settings.server.public_url = None;
    settings.database.url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    settings.mail.file_dir = dir.path().join("mail");
    settings.auth.argon2_memory_kib = memory;
    settings.log.level = "error".into();
    let app = App::build(settings).await.expect("app");
    let base = app.public_url().to_owned();
    let db = app.db();
    tokio::spawn(app.run_until_stopped());

    let email = "essai.banc@example.fr";
    let signup = client();
    let token = csrf(&signup, &format!("{base}/inscription")).await;
    let response = signup
        .post(format!("{base}/inscription"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("nom", "Banc"),
            ("prenom", "Essai"),
            ("email", email),
            ("mot_de_passe", PASSWORD),
            ("confirmation_mot_de_passe", PASSWORD),
        ])
        .send()
        .await
        .expect("sign-up");
    assert_eq!(response.status(), 303);
    db.execute_unprepared("UPDATE accounts SET email_confirmed_at = created_at")
        .await
        .expect("confirm");

    // Load: as many clients as twice the cores, each signing in again and again.
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..cores * 2 {
        let base = base.clone();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let client = client();
            let token = csrf(&client, &format!("{base}/connexion")).await;
            while start.elapsed() < RUN {
                let response = client
                    .post(format!("{base}/connexion"))
                    .form(&[
                        ("csrf_token", token.as_str()),
                        ("email", email),
                        ("mot_de_passe", PASSWORD),
                    ])
                    .send()
                    .await
                    .expect("sign-in");
                assert_eq!(response.status(), 303, "sign-in must succeed");
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.expect("client");
    }
    let login_rate = done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();

    println!("argon2id m={memory} KiB t=2 p=1, {cores} cores");
    println!("raw argon2id verifications/s (baseline): {raw_rate:.1}");
    println!("HTTP sign-ins/s:                         {login_rate:.1}");
    println!(
        "ratio sign-ins / raw verifications:      {:.2}",
        login_rate / raw_rate
    );
}

fn raw_verify_rate(memory: u32, cores: usize) -> f64 {
    let params = Params::new(memory, 2, 1, None).expect("params");
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let phc = argon2
        .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
        .expect("hash")
        .to_string();
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..cores {
            let done = done.clone();
            let argon2 = argon2.clone();
            let phc = phc.clone();
            scope.spawn(move || {
                let parsed = PasswordHash::new(&phc).expect("phc");
                while start.elapsed() < RUN {
                    assert!(argon2.verify_password(PASSWORD.as_bytes(), &parsed).is_ok());
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn csrf(client: &reqwest::Client, url: &str) -> String {
    let html = client
        .get(url)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("csrf field") + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}
