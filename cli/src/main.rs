//! The `amlguard` command line. It parses arguments, reads files, calls one
//! core function per command and prints the result; all logic lives in
//! `amlguard-core`.
//!
//! Exit codes: 0 success / no findings at or above the threshold, 1 findings
//! at or above `--fail-on`, 2 unusable input (message on stderr) or part of
//! the input not checked (an error diagnostic naming file and line, in the
//! output; `check` on files and folders, `check --jsonl` and `ingest` alike).

use clap::{Parser, Subcommand};
use std::process::ExitCode;

// The check allocates many small values (parsed JSON, expanded templates);
// mimalloc runs it ~30 % faster than the system allocator (docs/performance.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cmd_jsonl;
mod cmd_check;
mod cmd_export;
mod cmd_ingest;
mod cmd_policy;

#[derive(Parser)]
#[command(name = "amlguard", version, about = "Check Azure Machine Learning deployments against security best practice")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check templates, Terraform or resource lists against the rule catalog
    Check(cmd_check::CheckArgs),
    /// Print the expanded deployment (ARM-shaped resources and relations) as JSON
    Ingest(cmd_ingest::IngestArgs),
    /// List the rules
    Rules(cmd_check::RulesArgs),
    /// Explain one rule: why it matters and how to fix it
    Explain(cmd_check::ExplainArgs),
    /// Write the catalog as Azure Policy definitions and an initiative
    ExportPolicy(cmd_export::ExportArgs),
    /// Work with Azure Policy definitions directly
    #[command(subcommand)]
    Policy(PolicyCommand),
}






#[derive(Subcommand)]
enum PolicyCommand {
    /// Evaluate an Azure Policy definition against a resource, offline
    Eval(cmd_policy::EvalArgs),
}


fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Read a UTF-8 file (BOM skipped) with a message naming it on failure.
pub(crate) fn read(path: &std::path::Path) -> Result<String, String> {
    read_at_most(path, amlguard_core::ingest::MAX_OTHER_FILE_BYTES, "amlguard's limit for this file")
}

/// [`read`] for a file of at most `max` bytes (`why`: whose limit that is);
/// a larger file is refused without being loaded into memory.
pub(crate) fn read_at_most(path: &std::path::Path, max: usize, why: &str) -> Result<String, String> {
    let bytes = amlguard_core::ingest::read_at_most(path, max)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
        .map_err(|_| format!("{}: file larger than {max} bytes ({why})", path.display()))?;
    amlguard_core::json::decode(&bytes)
        .map(str::to_owned)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Load the inputs (with ARM parameters files) and run the catalog.
pub(crate) fn check_inputs(
    paths: &[std::path::PathBuf],
    parameters: &[std::path::PathBuf],
    tf_vars: &[String],
    limits: &amlguard_core::ingest::Limits,
    options: &amlguard_core::rules::CheckOptions,
) -> Result<amlguard_core::report::Report, String> {
    let mut load = amlguard_core::ingest::LoadOptions {
        tf_vars: tf_vars_of(tf_vars)?,
        limits: limits.clone(),
        ..Default::default()
    };
    for p in parameters {
        let text = read_at_most(p, limits.max_parameters_file_bytes, PARAMETERS_LIMIT)?;
        load.parameters.push(amlguard_core::json::parse(&text).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    let refs: Vec<&std::path::Path> = paths.iter().map(std::path::PathBuf::as_path).collect();
    amlguard_core::check_path(&refs, &load, options).map_err(|e| e.to_string())
}

/// Whose limit a parameters file is over.
pub(crate) const PARAMETERS_LIMIT: &str = "azure's limit for a parameters file; `--limit max_parameters_file_bytes=N` to change it";

/// `--var name=value` arguments as Terraform variable overrides.
pub(crate) fn tf_vars_of(args: &[String]) -> Result<Vec<(String, String)>, String> {
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((n, v)) if !n.trim().is_empty() => Ok((n.trim().to_owned(), v.to_owned())),
            _ => Err(format!("`--var {a}`: expected `name=value`")),
        })
        .collect()
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Check(args) => cmd_check::run(args),
        Command::Ingest(args) => cmd_ingest::run(args),
        Command::Rules(args) => cmd_check::run_rules(args),
        Command::Explain(args) => cmd_check::run_explain(args),
        Command::ExportPolicy(args) => cmd_export::run(args),
        Command::Policy(PolicyCommand::Eval(args)) => cmd_policy::run_eval(args),
    }
}
