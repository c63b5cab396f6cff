//! `amlguard export-policy`.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ExportArgs {
    /// Output folder
    #[arg(long)]
    pub out: PathBuf,
    /// Effect for every exported definition
    #[arg(long, default_value = "audit", value_parser = ["audit", "deny", "disabled"])]
    pub effect: String,
    /// Only these rule ids
    #[arg(long, value_delimiter = ',')]
    pub rules: Vec<String>,
    /// Also write an initiative (policySetDefinition)
    #[arg(long)]
    pub initiative: bool,
    /// Scope of the deployment template
    #[arg(long, default_value = "subscription", value_parser = ["subscription", "managementGroup"])]
    pub scope: String,
}

/// Run `export-policy`.
pub fn run(_args: ExportArgs) -> Result<ExitCode, String> {
    Err("`export-policy` is not available in this build yet".to_owned())
}
