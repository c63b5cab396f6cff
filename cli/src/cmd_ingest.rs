//! `amlguard ingest`: print the expanded deployment.

use amlguard_core::ingest::{self, LoadOptions};
use amlguard_core::model::DiagnosticLevel;
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
    /// Change one of Azure's template limits, as `check --limit` (e.g. `max_resources=2000`); may repeat
    #[arg(long = "limit", value_name = "NAME=N")]
    pub limits: Vec<String>,
}

/// Run `ingest`. Exit code 2 when the deployment has error diagnostics
/// (part of the input could not be used; as `Report::exit_code`): they are
/// in the printed JSON (`diagnostics`) and named on standard error.
pub fn run(args: IngestArgs) -> Result<ExitCode, String> {
    let limits = crate::cmd_check::limits(&args.limits)?;
    let mut opts = LoadOptions { tf_vars: crate::tf_vars_of(&args.var)?, limits, ..LoadOptions::default() };
    for p in &args.parameters {
        let text = crate::read_at_most(p, opts.limits.max_parameters_file_bytes, crate::PARAMETERS_LIMIT)?;
        let doc = amlguard_core::json::parse(&text).map_err(|e| format!("{}: {e}", p.display()))?;
        opts.parameters.push(doc);
    }
    let dep = ingest::load_path(&args.path, &opts).map_err(|e| e.to_string())?;
    println!("{}", serde_json::to_string_pretty(&dep.to_json()).map_err(|e| e.to_string())?);
    let mut incomplete = false;
    for d in dep.diagnostics.iter().filter(|d| d.level == DiagnosticLevel::Error) {
        incomplete = true;
        let p = &d.provenance;
        let mut place = p.file.clone().unwrap_or_else(|| "<input>".to_owned());
        if let Some(line) = p.line {
            place.push_str(&format!(":{line}"));
        }
        if !p.pointer.is_empty() {
            place.push_str(&format!(" {}", p.pointer));
        }
        eprintln!("error: {} ({place})", d.message);
    }
    Ok(if incomplete { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
