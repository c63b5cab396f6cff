//! `amlguard ingest`: print the expanded deployment.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct IngestArgs {
    /// File to read
    pub path: PathBuf,
    /// Parameters file; may repeat
    #[arg(long = "parameters", short = 'p')]
    pub parameters: Vec<PathBuf>,
}

/// Run `ingest`.
pub fn run(args: IngestArgs) -> Result<ExitCode, String> {
    let file = args.path.display().to_string();
    let text = crate::read(&args.path)?;
    let dep = amlguard_core::deployment_from_json_text(&text, Some(&file)).map_err(|e| e.to_string())?;
    println!("{}", serde_json::to_string_pretty(&dep.to_json()).map_err(|e| e.to_string())?);
    Ok(ExitCode::SUCCESS)
}
