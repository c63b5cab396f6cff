//! `amlguard check`, `rules`, `explain`.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct CheckArgs {
    /// Files or folders to check
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Parameters file (ARM parameters file or plain object); may repeat
    #[arg(long = "parameters", short = 'p')]
    pub parameters: Vec<PathBuf>,
    /// Output format
    #[arg(long, default_value = "text", value_parser = ["text", "json", "sarif", "markdown"])]
    pub format: String,
    /// Lowest severity that makes the exit code 1
    #[arg(long = "fail-on", default_value = "low", value_parser = ["low", "medium", "high", "critical"])]
    pub fail_on: String,
    /// Only these rule ids (comma separated)
    #[arg(long, value_delimiter = ',')]
    pub rules: Vec<String>,
    /// Skip these rule ids (comma separated)
    #[arg(long, value_delimiter = ',')]
    pub skip: Vec<String>,
}

#[derive(Args)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// Rule id, e.g. AML-NET-001
    pub id: String,
}

/// Run `check`.
pub fn run(_args: CheckArgs) -> Result<ExitCode, String> {
    Err("`check` is not available in this build yet".to_owned())
}

/// Run `rules`.
pub fn run_rules(_args: RulesArgs) -> Result<ExitCode, String> {
    Err("`rules` is not available in this build yet".to_owned())
}

/// Run `explain`.
pub fn run_explain(_args: ExplainArgs) -> Result<ExitCode, String> {
    Err("`explain` is not available in this build yet".to_owned())
}
