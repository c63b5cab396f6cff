//! `amlguard ingest`: print the expanded deployment.

use amlguard_core::ingest::{self, LoadOptions};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct IngestArgs {
    /// Template file, resource list, or folder to read
    pub path: PathBuf,
    /// Parameters file (ARM parameters file or a plain `{name: value}` object); may repeat, later files win
    #[arg(long = "parameters", short = 'p')]
    pub parameters: Vec<PathBuf>,
    /// Terraform variable (`name=value`, as `terraform -var`); may repeat
    #[arg(long = "var")]
    pub var: Vec<String>,
}

/// Run `ingest`.
pub fn run(args: IngestArgs) -> Result<ExitCode, String> {
    let mut opts = LoadOptions { tf_vars: crate::tf_vars_of(&args.var)?, ..LoadOptions::default() };
    for p in &args.parameters {
        let text = crate::read(p)?;
        let doc = amlguard_core::json::parse(&text).map_err(|e| format!("{}: {e}", p.display()))?;
        opts.parameters.push(doc);
    }
    let dep = ingest::load_path(&args.path, &opts).map_err(|e| e.to_string())?;
    println!("{}", serde_json::to_string_pretty(&dep.to_json()).map_err(|e| e.to_string())?);
    Ok(ExitCode::SUCCESS)
}
