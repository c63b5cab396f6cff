//! `amlguard policy eval`.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct EvalArgs {
    /// Policy definition (full definition or bare policyRule)
    #[arg(long)]
    pub definition: PathBuf,
    /// Resource (an ARM resource object, or an array of them)
    #[arg(long)]
    pub resource: PathBuf,
    /// Parameter values: `{name: value}` or an ARM parameters file
    #[arg(long)]
    pub parameters: Option<PathBuf>,
    /// Extra alias catalog (az provider alias format)
    #[arg(long)]
    pub aliases: Option<PathBuf>,
}

/// Run `policy eval`.
pub fn run_eval(_args: EvalArgs) -> Result<ExitCode, String> {
    Err("`policy eval` is not available in this build yet".to_owned())
}
