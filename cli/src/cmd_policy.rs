//! `amlguard policy eval`.

use amlguard_core::policy::{parameter_values, AliasCatalog, EvalContext, Policy};
use amlguard_core::Value;
use clap::Args;
use std::path::{Path, PathBuf};
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

fn read_json(path: &Path) -> Result<Value, String> {
    let text = crate::read(path)?;
    let v = amlguard_core::json::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    // `{"$unknown": reason}` (what `amlguard ingest` writes) is an unknown again.
    Ok(Value::from_json(&v.to_json()))
}

/// Run `policy eval`: one JSON object per resource (an array when the
/// resource file is an array). Exit 0 whatever the effect; 2 on bad input.
pub fn run_eval(args: EvalArgs) -> Result<ExitCode, String> {
    let mut catalog = AliasCatalog::embedded().clone();
    if let Some(p) = &args.aliases {
        let extra = AliasCatalog::from_json(&read_json(p)?).map_err(|e| format!("{}: {e}", p.display()))?;
        catalog.merge(&extra);
    }
    let def = read_json(&args.definition)?;
    let policy = Policy::parse_with(&def, &catalog).map_err(|e| format!("{}: {e}", args.definition.display()))?;
    let params = match &args.parameters {
        Some(p) => {
            let v = read_json(p)?;
            if v.as_object().is_none() {
                return Err(format!("{}: parameters must be a JSON object", p.display()));
            }
            parameter_values(&v)
        }
        None => Default::default(),
    };
    let resources = read_json(&args.resource)?;
    let ctx = EvalContext { aliases: &catalog, ..EvalContext::default() };
    let one = |r: &Value| -> Result<serde_json::Value, String> {
        if r.as_object().is_none() {
            return Err(format!("{}: a resource must be a JSON object", args.resource.display()));
        }
        let e = policy.evaluate(r, &params, &ctx);
        serde_json::to_value(&e).map_err(|e| e.to_string())
    };
    let out = match &resources {
        Value::Array(items) => serde_json::Value::Array(items.iter().map(one).collect::<Result<_, _>>()?),
        single => one(single)?,
    };
    println!("{}", serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?);
    Ok(ExitCode::SUCCESS)
}
