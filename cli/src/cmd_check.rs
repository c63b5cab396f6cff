//! `amlguard check`, `rules`, `explain`.

use amlguard_core::rules::{self, CheckOptions, Severity};
use amlguard_core::Value;
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
    /// Terraform variable (`name=value`, as `terraform -var`); may repeat
    #[arg(long = "var")]
    pub var: Vec<String>,
    /// Output format
    #[arg(long, default_value = "text", value_parser = ["text", "json", "sarif", "markdown", "html"])]
    pub format: String,
    /// Lowest severity that makes the exit code 1
    #[arg(long = "fail-on", default_value = "low", value_parser = ["low", "medium", "high", "critical"])]
    pub fail_on: String,
    /// Only these rule ids or prefixes (comma separated, e.g. AML-NET,AML-IAM-001)
    #[arg(long, value_delimiter = ',')]
    pub rules: Vec<String>,
    /// Skip these rule ids or prefixes (comma separated)
    #[arg(long, value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Suppressions file (`{"suppress": [{"id", "resource", "justification"}]}`); `.amlguard.json`
    /// beside the inputs is read too
    #[arg(long)]
    pub suppressions: Vec<PathBuf>,
    /// Rule parameter values: `{"allowedVmSizes": [...]}` or `{"AML-CMP-004": {...}}`
    #[arg(long = "rule-parameters")]
    pub rule_parameters: Option<PathBuf>,
    /// Judge the template as written, without Azure's defaults
    #[arg(long)]
    pub no_defaults: bool,
    /// Inputs are JSON Lines inventories (one ARM resource per line, e.g. an
    /// Azure Resource Graph export), checked in chunks so memory stays flat;
    /// findings are printed as they are found (`--format json`: one finding
    /// per line, then a summary line). Resources linked by ids are checked
    /// in the same chunk however far apart their lines are. A line that is
    /// not a resource (bad JSON, no string `type`, over `max_resource_bytes`)
    /// is reported as an error naming file and line (`--format json`:
    /// `{"diagnostic": …}`), the other lines are still checked, and the exit
    /// code is 2.
    #[arg(long)]
    pub jsonl: bool,
    /// Change one of the input limits (Azure's documented limits by default);
    /// may repeat, e.g. `--limit max_resources=2000`. Names and defaults:
    /// max_template_bytes=4194304 (4 MB), max_parameters_file_bytes=4194304
    /// (4 MB), max_resource_bytes=1048576 (1 MB per resource; also per line
    /// with `--jsonl`), max_resources=800, max_copy_count=800,
    /// max_parameters=256, max_variables=512, max_outputs=64,
    /// max_expression_chars=24576, max_deployment_depth=32 (amlguard's own
    /// bound on nested deployments)
    #[arg(long = "limit", value_name = "NAME=N")]
    pub limits: Vec<String>,
}

/// Apply `--limit NAME=N` settings to the default limits.
pub fn limits(settings: &[String]) -> Result<amlguard_core::ingest::Limits, String> {
    let mut l = amlguard_core::ingest::Limits::default();
    for s in settings {
        let (name, n) = s.split_once('=').ok_or_else(|| format!("`--limit {s}`: expected NAME=N"))?;
        let n: usize = n.trim().parse().map_err(|_| format!("`--limit {s}`: `{n}` is not a whole number"))?;
        let slot = match name.trim() {
            "max_template_bytes" => &mut l.max_template_bytes,
            "max_parameters_file_bytes" => &mut l.max_parameters_file_bytes,
            "max_resource_bytes" => &mut l.max_resource_bytes,
            "max_resources" => &mut l.max_resources,
            "max_copy_count" => &mut l.max_copy_count,
            "max_parameters" => &mut l.max_parameters,
            "max_variables" => &mut l.max_variables,
            "max_outputs" => &mut l.max_outputs,
            "max_expression_chars" => &mut l.max_expression_chars,
            "max_deployment_depth" => &mut l.max_deployment_depth,
            other => return Err(format!("`--limit`: no limit `{other}`")),
        };
        *slot = n;
    }
    Ok(l)
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

fn options(args: &CheckArgs) -> Result<CheckOptions, String> {
    let mut opts = CheckOptions {
        rules: args.rules.clone(),
        skip: args.skip.clone(),
        fail_on: Severity::parse(&args.fail_on).unwrap_or_default(),
        simulate: !args.no_defaults,
        ..CheckOptions::default()
    };
    // `.amlguard.json` beside the inputs is read by the core (`check_path`).
    for f in &args.suppressions {
        let text = crate::read(f)?;
        opts.suppressions.extend(rules::parse_suppressions(&text, &f.display().to_string())?);
    }
    if let Some(p) = &args.rule_parameters {
        let text = crate::read(p)?;
        match amlguard_core::json::parse(&text).map_err(|e| format!("{}: {e}", p.display()))? {
            Value::Object(m) => opts.parameters = m,
            _ => return Err(format!("{}: rule parameters must be a JSON object", p.display())),
        }
    }
    opts.validate().map_err(|e| e.to_string())?;
    Ok(opts)
}

/// Print to stdout; a closed pipe (`| head`) is not an error.
fn emit(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

/// Run `check`.
pub fn run(args: CheckArgs) -> Result<ExitCode, String> {
    let opts = options(&args)?;
    let limits = limits(&args.limits)?;
    if args.jsonl {
        return crate::cmd_jsonl::run(&args.paths, &args.format, &opts, limits.max_resource_bytes);
    }
    let report = crate::check_inputs(&args.paths, &args.parameters, &args.var, &limits, &opts)?;
    let out = match args.format.as_str() {
        "json" => report.to_json(),
        "sarif" => report.to_sarif(),
        "markdown" => report.to_markdown(),
        "html" => report.to_html(),
        _ => report.to_text(),
    };
    emit(out.trim_end());
    Ok(ExitCode::from(u8::try_from(report.exit_code(opts.fail_on)).unwrap_or(1)))
}

/// Run `rules`.
pub fn run_rules(args: RulesArgs) -> Result<ExitCode, String> {
    let all = rules::Catalog::embedded().rules();
    if args.format == "json" {
        emit(&serde_json::to_string_pretty(all).map_err(|e| e.to_string())?);
    } else {
        let mut out = String::new();
        for r in all {
            let export = if r.exportable { "" } else { "  (not exportable)" };
            out.push_str(&format!("{:<13} {:<8} {}{export}\n", r.id, r.severity.as_str(), r.title));
        }
        out.push_str(&format!("{} rules", all.len()));
        emit(&out);
    }
    Ok(ExitCode::SUCCESS)
}

/// Run `explain`.
pub fn run_explain(args: ExplainArgs) -> Result<ExitCode, String> {
    match rules::Catalog::embedded().get(&args.id) {
        Some(r) => {
            emit(rules::doc::markdown(r).trim_end());
            Ok(ExitCode::SUCCESS)
        }
        None => Err(format!("no rule `{}` (see `amlguard rules`)", args.id)),
    }
}
