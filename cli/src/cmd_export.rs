//! `amlguard export-policy`: write the catalog as Azure Policy definitions,
//! an initiative and an ARM template (all logic in `amlguard_core::export`).

use amlguard_core::export::{self, ExportEffect, ExportOptions, ExportScope};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ExportArgs {
    /// Output folder (created if missing; files of the same name are replaced)
    #[arg(long)]
    pub out: PathBuf,
    /// Default effect of every exported definition
    #[arg(long, default_value = "audit", value_parser = ["audit", "deny", "disabled"])]
    pub effect: String,
    /// Only these rule ids (comma-separated or repeated)
    #[arg(long, value_delimiter = ',')]
    pub rules: Vec<String>,
    /// Also write an initiative (policySetDefinition) grouping the definitions by area
    #[arg(long)]
    pub initiative: bool,
    /// Scope of the ARM template (azuredeploy.json)
    #[arg(long, default_value = "subscription", value_parser = ["subscription", "managementGroup"])]
    pub scope: String,
}

/// Run `export-policy`.
pub fn run(args: ExportArgs) -> Result<ExitCode, String> {
    let options = ExportOptions {
        effect: ExportEffect::parse(&args.effect).ok_or_else(|| format!("unknown effect `{}`", args.effect))?,
        rules: args.rules,
        initiative: args.initiative,
        scope: ExportScope::parse(&args.scope).ok_or_else(|| format!("unknown scope `{}`", args.scope))?,
    };
    let result = export::export_policies(&options).map_err(|e| e.to_string())?;
    for f in result.files() {
        let path = args.out.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        }
        std::fs::write(&path, f.contents).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    println!(
        "wrote {} policy definition(s){} and azuredeploy.json ({} scope) to {}",
        result.definitions.len(),
        if result.initiative.is_some() { ", initiative.json" } else { "" },
        options.scope.as_str(),
        args.out.display()
    );
    for d in &result.definitions {
        println!("  {}  {}  {}  {}", d.rule_id, d.name, d.effect, d.file);
    }
    if !result.not_exported.is_empty() {
        println!("not exported ({}; see not-exported.json):", result.not_exported.len());
        for n in &result.not_exported {
            println!("  {}: {}", n.rule_id, n.reason);
        }
    }
    for (rule, w) in result.warnings() {
        eprintln!("warning: {rule}: {w}");
    }
    Ok(ExitCode::SUCCESS)
}
