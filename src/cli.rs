//! The command line, `mss-onboarding [--config FILE] <command>`:
//! - `serve` runs the web service and the outbox worker;
//! - `migrate` applies pending migrations and exits;
//! - `admin create --email … --scope …` makes an administrator (creating the account, password
//!   read from standard input, when it does not exist);
//! - `admin reset-mfa --email …` removes an administrator's second factor (support: a lost
//!   phone), so they enrol again at their next `/admin` page;
//! - `account disable --email …` disables an account and queues the removal of its directory
//!   entries;
//! - `directory sync` reconciles the LDAP annuaire with the database, `directory status` prints
//!   the publication queue, `directory export --format ans [--output FILE]` writes the published
//!   boxes in the ANS's national extraction format (standard output without `--output`).
//!
//! Every command loads the settings first, so a bad or unknown key stops any of them.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::domain::{Action, Actor, Scope};
use crate::{
    auth::password::PasswordHasher,
    clock,
    config::Settings,
    directory::LdapDirectory,
    domain::{
        EmailAddress, Nomenclatures, PersonName,
        password::{Password, PasswordContext},
    },
    outbox::JobKind,
    repo,
    services::{
        ans_export, publication, second_factor,
        validation::{self, Decider},
    },
    startup, telemetry,
};

#[derive(Parser)]
#[command(
    name = "mss-onboarding",
    version,
    about = "Inscription des professionnels de santé à une messagerie MSSanté"
)]
struct Cli {
    /// Extra TOML file layered over `config/default.toml` (environment variables `MSS__…` still win).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service and the outbox worker.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// The LDAP annuaire.
    #[command(subcommand)]
    Directory(DirectoryCommand),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator, or grant a scope to an existing account. A new account's
    /// password is read from standard input (first line).
    Create {
        #[arg(long)]
        email: String,
        /// `national`, `region:<INSEE code>` (e.g. region:76) or `structure:<FINESS or PSC id>`.
        #[arg(long)]
        scope: String,
        /// Family name of a new account.
        #[arg(long, default_value = "Administrateur")]
        nom: String,
        /// Given name of a new account.
        #[arg(long, default_value = "Medimail")]
        prenom: String,
    },
    /// Remove an administrator's second factor (TOTP secret and recovery codes), and the
    /// factor their open sessions passed: they enrol again at their next /admin page.
    ResetMfa {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Disable an account: it can no longer be found in the annuaire.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum DirectoryCommand {
    /// Reconcile the directory with the database: add missing entries, fix drift, remove
    /// orphans; prints the counts.
    Sync,
    /// Print the directory outbox: depth, oldest pending item, last error.
    Status,
    /// Write every box published in the MSSanté directory, one line each, in the ANS's national
    /// extraction format (31 `|`-separated columns, UTF-8).
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// File to write; standard output when absent.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// Formats of `directory export`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    /// The ANS "Extraction_Correspondance_MSSante" file (domain.md §3.5).
    Ans,
}

/// # Errors
/// Configuration, database or bind failures, with context.
pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref()).context("loading configuration")?;
    let output = match &cli.command {
        Command::Directory(DirectoryCommand::Export { output: None, .. }) => {
            telemetry::Output::Stderr
        }
        _ => telemetry::Output::Stdout,
    };
    telemetry::init_to(&settings.log, output);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve => {
                let app = startup::App::build(settings).await?;
                tracing::info!(address = %app.public_url(), "listening");
                app.run_until_stopped().await
            }
            Command::Migrate => {
                let db = startup::connect(&settings.database).await?;
                startup::migrate(&db).await?;
                tracing::info!("migrations applied");
                Ok(())
            }
            Command::Admin(AdminCommand::Create {
                email,
                scope,
                nom,
                prenom,
            }) => admin_create(&settings, &email, &scope, &nom, &prenom).await,
            Command::Admin(AdminCommand::ResetMfa { email }) => {
                let db = open(&settings).await?;
                let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
                let account = repo::accounts::find_by_email(&db, &email)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no account for {}", email.as_str()))?;
                let had = second_factor::reset(&db, account.id, clock::system().now()).await?;
                if had {
                    println!(
                        "second factor of {} removed; they enrol again at their next /admin page",
                        email.as_str()
                    );
                } else {
                    println!("{} had no second factor; nothing to remove", email.as_str());
                }
                Ok(())
            }
            Command::Account(AccountCommand::Disable { email }) => {
                let db = open(&settings).await?;
                let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
                let account = repo::accounts::find_by_email(&db, &email)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no account for {}", email.as_str()))?;
                validation::disable(
                    &db,
                    Decider::System,
                    account.id,
                    None,
                    clock::system().now(),
                )
                .await?;
                println!(
                    "account {} disabled; its directory entries will be removed",
                    account.id
                );
                Ok(())
            }
            Command::Directory(DirectoryCommand::Sync) => {
                let db = open(&settings).await?;
                let directory = LdapDirectory::new(&settings.directory);
                let report = publication::reconcile_all(&db, &directory).await?;
                println!(
                    "added {} updated {} removed {} unchanged {}",
                    report.added, report.updated, report.removed, report.unchanged
                );
                Ok(())
            }
            Command::Directory(DirectoryCommand::Export {
                format: ExportFormat::Ans,
                output,
            }) => {
                let db = open(&settings).await?;
                let nomenclatures = Nomenclatures::load(&settings.nomenclatures.dir)
                    .context("loading the nomenclatures")?;
                let file = ans_export::extraction(&db, &nomenclatures, &[Scope::National]).await?;
                let lines = file.lines().count().saturating_sub(1);
                match output {
                    Some(path) => {
                        std::fs::write(&path, file)
                            .with_context(|| format!("writing {}", path.display()))?;
                        eprintln!("{lines} boxes written to {}", path.display());
                    }
                    None => {
                        use std::io::Write as _;
                        std::io::stdout()
                            .write_all(file.as_bytes())
                            .context("writing to standard output")?;
                    }
                }
                Ok(())
            }
            Command::Directory(DirectoryCommand::Status) => {
                let db = open(&settings).await?;
                let status = repo::outbox::status(&db, JobKind::Directory).await?;
                println!("pending: {}", status.pending);
                println!(
                    "oldest pending: {}",
                    status
                        .oldest
                        .map_or_else(|| "-".to_owned(), |t| t.to_rfc3339())
                );
                println!(
                    "last error: {}",
                    status.last_error.as_deref().unwrap_or("-")
                );
                Ok(())
            }
        }
    })
}

/// Connects and migrates (a command may run before the first `serve`).
async fn open(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = startup::connect(&settings.database).await?;
    startup::migrate(&db).await?;
    Ok(db)
}

async fn admin_create(
    settings: &Settings,
    email: &str,
    scope: &str,
    nom: &str,
    prenom: &str,
) -> anyhow::Result<()> {
    use sea_orm::TransactionTrait;

    let scope = Scope::parse(scope).ok_or_else(|| {
        anyhow::anyhow!("--scope must be national, region:<code> or structure:<id>")
    })?;
    if let Scope::Region(code) = &scope {
        crate::domain::Region::parse(code).map_err(|e| anyhow::anyhow!("{code}: {e}"))?;
    }
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = open(settings).await?;
    let now = clock::system().now();
    let account = match repo::accounts::find_by_email(&db, &email).await? {
        // Anyone may sign up with any address: an account whose owner never proved the mailbox
        // could be a squatter's, waiting to be promoted (OWASP ASVS 4.1.3, least privilege).
        Some(account) if !account.email_confirmed => anyhow::bail!(
            "{} has not confirmed its email address: an administrator's account must first prove \
             its mailbox (follow the confirmation link, or remove the account and run this again)",
            email.as_str()
        ),
        Some(account) if account.disabled => anyhow::bail!(
            "{} is disabled: it cannot be made an administrator",
            email.as_str()
        ),
        Some(account) => account,
        None => {
            let nom = PersonName::parse(nom).map_err(|e| anyhow::anyhow!("--nom: {e}"))?;
            let prenom = PersonName::parse(prenom).map_err(|e| anyhow::anyhow!("--prenom: {e}"))?;
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            let context = PasswordContext {
                nom: nom.as_str(),
                prenom: prenom.as_str(),
                email: email.as_str(),
            };
            let password = Password::parse(
                line.trim_end_matches(['\r', '\n']),
                &context,
                settings.auth.password_min_score,
            )
            .map_err(|problems| {
                anyhow::anyhow!("{}", crate::domain::password::describe(&problems))
            })?;
            let hasher = PasswordHasher::new(&settings.auth)?;
            let hash = hasher
                .hash(secrecy::SecretString::from(password.expose().to_owned()))
                .await?;
            repo::accounts::insert_confirmed(&db, &email, &nom, &prenom, &hash, now).await?
        }
    };
    let txn = db.begin().await?;
    repo::admins::grant(&txn, account.id, &scope, now).await?;
    repo::audit::record(
        &txn,
        account.id,
        Actor::System,
        Action::AdminGranted,
        Some(&scope.as_string()),
        now,
    )
    .await?;
    txn.commit().await?;
    println!(
        "{} is an administrator ({})",
        email.as_str(),
        scope.as_string()
    );
    Ok(())
}
