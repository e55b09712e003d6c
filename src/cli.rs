//! The command line. `serve` runs the web service and its workers; `migrate` applies pending
//! migrations and exits. More subcommands (admin, directory) attach here.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::{config::Settings, startup, telemetry};

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
}

/// # Errors
/// Configuration, database or bind failures, with context.
pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref()).context("loading configuration")?;
    telemetry::init(&settings.log);
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
        }
    })
}
