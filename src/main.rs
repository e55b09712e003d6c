//! Entry point: parse the command line and hand over to [`mss_onboarding::cli`].

fn main() -> anyhow::Result<()> {
    mss_onboarding::cli::main()
}
