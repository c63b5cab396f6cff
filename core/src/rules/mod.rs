//! The rule catalog: rules as data (`core/rules/<area>/<ID>.json`), loaded and validated.
//!
//! Every `*.json` file under `core/rules/` is embedded at build time (see
//! `core/build.rs`); [`Catalog::embedded`] parses them once. A rule file is
//! read with unknown fields refused, so a typo in a field name is a load
//! error, not a silently ignored setting. Load problems never panic: they are
//! collected in [`Catalog::errors`] (the catalog test asserts there are none).
//!
//! A rule's condition is an Azure Policy `policyRule`. A rule whose logic the
//! grammar cannot express names a Rust check (`"check": "subnet_capacity"`,
//! see [`checks`]); its `policyRule` then selects the resources the check
//! runs on, and the rule is not exportable as a plain Azure Policy.

pub mod adapter;
pub mod checks;
pub mod doc;
pub mod run;
mod options;
pub use options::OptionsError;

pub use run::{check, check_owned, check_with, parse_suppressions, run_examples, CheckOptions, FileSuppression};

use crate::value::{Map, Value};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::OnceLock;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/rules_index.rs"));
}

/// How much a finding matters. Ordered: `Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Hygiene; fix when convenient.
    #[default]
    Low,
    /// Weakens a control; fix soon.
    Medium,
    /// Exposes data or access paths; fix before deploying.
    High,
    /// Direct exposure; do not deploy.
    Critical,
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 4] = [Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    /// Lowercase name (`low` … `critical`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parse a lowercase or capitalised name.
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The practice area a rule belongs to; also the folder of its file and the
/// middle part of its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    /// `AML-NET-*`, folder `network/`.
    Network,
    /// `AML-IAM-*`, folder `identity/`.
    Identity,
    /// `AML-DATA-*`, folder `data/`.
    Data,
    /// `AML-MON-*`, folder `monitoring/`.
    Monitoring,
    /// `AML-CMP-*`, folder `compute/`.
    Compute,
    /// `AML-SUP-*`, folder `supply-chain/`.
    SupplyChain,
}

impl Area {
    /// Folder name under `core/rules/` (same as the serialised name).
    pub fn folder(self) -> &'static str {
        match self {
            Area::Network => "network",
            Area::Identity => "identity",
            Area::Data => "data",
            Area::Monitoring => "monitoring",
            Area::Compute => "compute",
            Area::SupplyChain => "supply-chain",
        }
    }

    /// Id infix: `NET`, `IAM`, `DATA`, `MON`, `CMP`, `SUP`.
    pub fn code(self) -> &'static str {
        match self {
            Area::Network => "NET",
            Area::Identity => "IAM",
            Area::Data => "DATA",
            Area::Monitoring => "MON",
            Area::Compute => "CMP",
            Area::SupplyChain => "SUP",
        }
    }
}

/// How to fix a finding, in the terms of each way people deploy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    /// One or two sentences: what to change.
    pub summary: String,
    /// ARM / Bicep property to set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arm: Option<String>,
    /// Terraform (azurerm) attribute to set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terraform: Option<String>,
    /// azure-ai-ml (Python SDK v2) argument to set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_ai_ml: Option<String>,
}

/// One named example: a list of ARM-shaped resources (already expanded, or
/// an ARM template) and, optionally, rule parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// Short name, e.g. `public access omitted (Azure default is Enabled)`.
    pub name: String,
    /// The resources (ARM-shaped) the example deploys.
    pub resources: Vec<Value>,
    /// Rule parameter values (`{name: value}`) used instead of the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Map>,
}

/// Named examples the tests run: `pass` must give no finding of this rule,
/// `fail` at least one failing finding, `indeterminate` at least one
/// indeterminate finding and no failing one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Compliant designs.
    pub pass: Vec<Example>,
    /// Non-compliant designs.
    pub fail: Vec<Example>,
    /// Designs whose verdict depends on values unknown before deployment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indeterminate: Vec<Example>,
}

/// A rule's [`Examples`], read when first used: the embedded catalog skips
/// them at start-up (they are more than half of the rule files and only the
/// tests and the docs read them). Reads as `&Examples` (`rule.examples.pass`);
/// serialises, compares and prints as the examples themselves.
pub struct LazyExamples {
    /// The rule file the examples are still to be read from.
    source: Option<&'static str>,
    read: OnceLock<Examples>,
}

impl LazyExamples {
    /// Examples already read.
    pub fn new(examples: Examples) -> Self {
        LazyExamples { source: None, read: OnceLock::from(examples) }
    }

    /// The examples (read now if they were not).
    pub fn get(&self) -> &Examples {
        self.read.get_or_init(|| {
            /// The `examples` member of a rule file (other members skipped).
            #[cfg(not(feature = "slim"))]
            #[derive(Deserialize)]
            struct Only {
                examples: Examples,
            }
            // the embedded files are checked by the tests to read without error
            #[cfg(not(feature = "slim"))]
            let read = self.source.and_then(|t| serde_json::from_str::<Only>(t).ok()).map(|o| o.examples);
            #[cfg(feature = "slim")]
            let read = self.source.and(None::<Examples>);
            read.unwrap_or_else(|| Examples { pass: Vec::new(), fail: Vec::new(), indeterminate: Vec::new() })
        })
    }
}

impl std::ops::Deref for LazyExamples {
    type Target = Examples;
    fn deref(&self) -> &Examples {
        self.get()
    }
}

impl Clone for LazyExamples {
    fn clone(&self) -> Self {
        match self.read.get() {
            Some(e) => LazyExamples::new(e.clone()),
            None => LazyExamples { source: self.source, read: OnceLock::new() },
        }
    }
}

impl PartialEq for LazyExamples {
    fn eq(&self, o: &Self) -> bool {
        self.get() == o.get()
    }
}

impl fmt::Debug for LazyExamples {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

impl Serialize for LazyExamples {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(s)
    }
}

thread_local! {
    /// Set while [`Rule::from_embedded`] reads a file: examples are skipped.
    static SKIP_EXAMPLES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl<'de> Deserialize<'de> for LazyExamples {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if SKIP_EXAMPLES.with(std::cell::Cell::get) {
            serde::de::IgnoredAny::deserialize(d)?;
            Ok(LazyExamples { source: None, read: OnceLock::new() })
        } else {
            Examples::deserialize(d).map(LazyExamples::new)
        }
    }
}

/// One rule of the catalog, as written in its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id, `AML-<AREA>-<NNN>`; never reused.
    pub id: String,
    /// Short statement of the good state ("Workspace public network access is disabled").
    pub title: String,
    /// Severity of a finding.
    pub severity: Severity,
    /// Practice area.
    pub area: Area,
    /// One sentence: what is checked.
    pub summary: String,
    /// The risk, in our own words.
    pub why: String,
    /// How to fix it.
    pub remediation: Remediation,
    /// Microsoft Learn pages (and other public sources).
    pub references: Vec<String>,
    /// Name (GUID) of the Azure built-in policy for the same practice, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builtin: Option<String>,
    /// Anything the reader of the docs should know: how the rule differs from
    /// the built-in and why, what it cannot see, known false positives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Azure Policy parameter definitions (always including `effect`).
    #[serde(default)]
    pub parameters: Map,
    /// Azure Policy `mode` used on export (`Indexed` or `All`); default `All`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The condition, in Azure Policy's grammar (plus the `related` count
    /// extension of docs/design.md).
    #[serde(rename = "policyRule")]
    pub policy_rule: Value,
    /// Named Rust check (see [`checks::NAMES`]) run on each resource the
    /// `policyRule` matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// Why the rule needs a Rust check (required with `check`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_reason: Option<String>,
    /// Named examples run by the tests and shown in the docs (read on first
    /// use for the embedded catalog; reads as `&Examples`).
    pub examples: LazyExamples,
    /// Computed: can the rule be exported as a plain Azure Policy definition?
    #[serde(skip_deserializing, default)]
    pub exportable: bool,
    /// Computed: why not, when [`Rule::exportable`] is false.
    #[serde(skip_deserializing, default, skip_serializing_if = "Option::is_none")]
    pub export_note: Option<String>,
}

impl Rule {
    /// Parse and validate one rule file. `path` is relative to `core/rules/`
    /// (`network/AML-NET-001.json`) and is checked against id and area.
    pub fn from_text(path: &str, text: &str) -> Result<Rule, String> {
        let doc = crate::json::parse(text).map_err(|e| format!("{path}: {e}"))?;
        // (read straight from the parsed document: no plain-JSON copy)
        let mut rule = Rule::deserialize(&doc).map_err(|e| format!("{path}: {e}"))?;
        rule.finish();
        let problems = rule.problems(Some(path));
        if problems.is_empty() {
            Ok(rule)
        } else {
            Err(format!("{path}: {}", problems.join("; ")))
        }
    }

    /// [`Rule::from_text`] for the embedded files: read in one pass straight
    /// from the text (no document tree in between, which costs about three
    /// times as much at start-up). The strict reader refuses duplicate keys,
    /// which this one does not notice; a test checks that both read every
    /// embedded file alike. Any problem goes through the strict reader, so
    /// errors read the same.
    ///
    /// The examples are read when first used ([`LazyExamples`]), so they are
    /// not checked here: the catalog tests read every embedded file strictly.
    #[cfg(not(feature = "slim"))]
    fn from_embedded(path: &'static str, text: &'static str) -> Result<Rule, String> {
        SKIP_EXAMPLES.with(|s| s.set(true));
        let read = serde_json::from_str::<Rule>(text);
        SKIP_EXAMPLES.with(|s| s.set(false));
        match read {
            Ok(mut rule) => {
                rule.examples.source = Some(text);
                rule.finish();
                if rule.problems_but_examples(Some(path)).is_empty() {
                    Ok(rule)
                } else {
                    Rule::from_text(path, text)
                }
            }
            Err(_) => Rule::from_text(path, text),
        }
    }

    fn finish(&mut self) {
        if let Some(check) = &self.check {
            self.exportable = false;
            self.export_note = Some(format!(
                "needs the Rust check `{check}`: {}",
                self.check_reason.as_deref().unwrap_or("logic the policy grammar cannot express")
            ));
        } else if uses_related(&self.policy_rule, 0) {
            self.exportable = false;
            self.export_note = Some(
                "compares several resources of one deployment (`related` count), which Azure Policy evaluates one resource at a time".to_owned(),
            );
        } else {
            self.exportable = true;
            self.export_note = None;
        }
    }

    /// What is wrong with the rule's metadata (empty when it is valid).
    pub fn problems(&self, path: Option<&str>) -> Vec<String> {
        let mut p = self.problems_but_examples(path);
        p.extend(self.example_problems());
        p
    }

    /// What is wrong with the examples.
    fn example_problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        // The `slim` (browser) build embeds the rules without their examples
        // (core/build.rs); the native build checks them.
        if !cfg!(feature = "slim") && (self.examples.pass.is_empty() || self.examples.fail.is_empty()) {
            p.push("needs at least one `pass` and one `fail` example".to_owned());
        }
        let mut names: Vec<&str> = self.all_examples().map(|(_, e)| e.name.as_str()).collect();
        crate::order::sort_unstable(&mut names);
        if names.windows(2).any(|w| matches!(w, [a, b] if a == b)) {
            p.push("example names must be unique".to_owned());
        }
        p
    }

    /// [`Rule::problems`] except those of the examples.
    fn problems_but_examples(&self, path: Option<&str>) -> Vec<String> {
        let mut p = Vec::new();
        let prefix = format!("AML-{}-", self.area.code());
        let num = self.id.strip_prefix(&prefix);
        if !num.is_some_and(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit())) {
            p.push(format!("id `{}` must be `{prefix}NNN` for area `{}`", self.id, self.area.folder()));
        }
        if let Some(path) = path {
            let want = format!("{}/{}.json", self.area.folder(), self.id);
            if path != want {
                p.push(format!("file must be `{want}`"));
            }
        }
        for (name, text) in [("title", &self.title), ("summary", &self.summary), ("why", &self.why), ("remediation.summary", &self.remediation.summary)] {
            if text.trim().is_empty() {
                p.push(format!("`{name}` is empty"));
            }
        }
        if self.references.is_empty() {
            p.push("`references` is empty".to_owned());
        }
        for r in &self.references {
            if !r.starts_with("https://") {
                p.push(format!("reference `{r}` is not an https url"));
            }
        }
        if let Some(b) = &self.builtin {
            if !is_guid(b) {
                p.push(format!("builtin `{b}` is not a policy definition name (guid)"));
            }
        }
        if !self.parameters.contains_key("effect") {
            p.push("`parameters.effect` is missing".to_owned());
        }
        for (name, def) in &self.parameters {
            if def.get("type").and_then(Value::as_str).is_none() {
                p.push(format!("parameter `{name}` has no `type`"));
            }
        }
        if self.policy_rule.get("if").is_none() || self.policy_rule.get("then").is_none() {
            p.push("`policyRule` needs `if` and `then`".to_owned());
        }
        match (&self.check, &self.check_reason) {
            (Some(c), _) if !checks::NAMES.contains(&c.as_str()) => {
                p.push(format!("unknown check `{c}` (known: {})", checks::NAMES.join(", ")));
            }
            (Some(_), None) => p.push("`check` needs a `check_reason`".to_owned()),
            (None, Some(_)) => p.push("`check_reason` without `check`".to_owned()),
            _ => {}
        }
        p
    }

    /// Every example with its expected verdict (`pass`, `fail`, `indeterminate`).
    pub fn all_examples(&self) -> impl Iterator<Item = (&'static str, &Example)> {
        self.examples
            .pass
            .iter()
            .map(|e| ("pass", e))
            .chain(self.examples.fail.iter().map(|e| ("fail", e)))
            .chain(self.examples.indeterminate.iter().map(|e| ("indeterminate", e)))
    }

    /// Parameter values: each parameter's `defaultValue`, overridden by
    /// `overrides` (`{name: value}`).
    pub fn parameter_values(&self, overrides: Option<&Map>) -> Map {
        let mut out = Map::new();
        for (name, def) in &self.parameters {
            if let Some(v) = def.get("defaultValue") {
                out.insert(name.clone(), v.clone());
            }
        }
        if let Some(o) = overrides {
            for (k, v) in o {
                if let Some((name, _)) = self.parameters.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)) {
                    out.insert(name.clone(), v.clone());
                }
            }
        }
        out
    }

    /// The remediation as one paragraph (summary plus each front end's terms).
    pub fn remediation_text(&self) -> String {
        let r = &self.remediation;
        let parts = [("ARM", &r.arm), ("Terraform", &r.terraform), ("azure-ai-ml", &r.azure_ai_ml)];
        // (sized once: this runs for every finding)
        let len = parts.iter().filter_map(|(l, v)| v.as_ref().map(|v| l.len() + v.len() + 3)).sum::<usize>();
        let mut s = String::with_capacity(r.summary.len() + len);
        s.push_str(&r.summary);
        for (label, v) in parts {
            if let Some(v) = v {
                s.push(' ');
                s.push_str(label);
                s.push_str(": ");
                s.push_str(v);
            }
        }
        s
    }
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8usize, 4, 4, 4, 12])
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Does a condition use the `related` count extension?
fn uses_related(v: &Value, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("related") || uses_related(v, depth.saturating_add(1))),
        Value::Array(a) => a.iter().any(|v| uses_related(v, depth.saturating_add(1))),
        _ => false,
    }
}

/// The set of rules.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    rules: Vec<Rule>,
    errors: Vec<String>,
}

impl Catalog {
    /// The catalog compiled into this build (parsed once).
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        // the browser (`slim`) build reads them strictly: its rule files
        // have no examples, and one reader keeps its code small
        #[cfg(feature = "slim")]
        return CATALOG.get_or_init(|| Catalog::from_files(embedded::RULE_FILES.iter().copied()));
        #[cfg(not(feature = "slim"))]
        CATALOG.get_or_init(|| {
            let mut cat = Catalog::default();
            for (path, text) in embedded::RULE_FILES.iter().copied() {
                cat.add(path, Rule::from_embedded(path, text));
            }
            cat.sort();
            cat
        })
    }

    /// Build a catalog from `(path relative to core/rules, text)` pairs.
    /// Invalid files and duplicate ids are recorded in [`Catalog::errors`].
    pub fn from_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Catalog {
        let mut cat = Catalog::default();
        for (path, text) in files {
            cat.add(path, Rule::from_text(path, text));
        }
        cat.sort();
        cat
    }

    /// Add a file's rule (or why it could not be read).
    fn add(&mut self, path: &str, read: Result<Rule, String>) {
        match read {
            Ok(rule) => {
                if self.rules.iter().any(|r| r.id == rule.id) {
                    self.errors.push(format!("{path}: duplicate id `{}`", rule.id));
                } else {
                    self.rules.push(rule);
                }
            }
            Err(e) => self.errors.push(e),
        }
    }

    fn sort(&mut self) {
        crate::order::sort_by(&mut self.rules, |a, b| a.id.cmp(&b.id));
    }

    /// Rules sorted by id.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id (case-insensitive).
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// Files that could not be loaded, with the reason. Empty in a good build.
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// The embedded rule files, `(path relative to core/rules, text)`, for
    /// tools such as the docs generator.
    pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
        embedded::RULE_FILES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal(extra: &str) -> String {
        format!(
            r#"{{"id":"AML-IAM-099","title":"t","severity":"high","area":"identity","summary":"s","why":"w",
            "remediation":{{"summary":"r"}},"references":["https://learn.microsoft.com/x"],
            "parameters":{{"effect":{{"type":"String","defaultValue":"Audit"}}}},
            "policyRule":{{"if":{{"field":"type","equals":"x"}},"then":{{"effect":"[parameters('effect')]"}}}},
            "examples":{{"pass":[{{"name":"a","resources":[]}}],"fail":[{{"name":"b","resources":[]}}]}}{extra}}}"#
        )
    }

    #[test]
    fn a_minimal_rule_loads_and_is_exportable() {
        let r = Rule::from_text("identity/AML-IAM-099.json", &minimal("")).unwrap();
        assert_eq!(r.severity, Severity::High);
        assert!(r.exportable);
        assert_eq!(r.parameter_values(None).get("effect"), Some(&Value::from("Audit")));
    }

    #[test]
    fn unknown_fields_wrong_paths_and_unknown_checks_are_refused() {
        let e = Rule::from_text("identity/AML-IAM-099.json", &minimal(r#","severty":"low""#)).unwrap_err();
        assert!(e.contains("unknown field `severty`"), "{e}");
        let e = Rule::from_text("data/AML-IAM-099.json", &minimal("")).unwrap_err();
        assert!(e.contains("file must be `identity/AML-IAM-099.json`"), "{e}");
        let e = Rule::from_text("identity/AML-IAM-099.json", &minimal(r#","check":"nope","check_reason":"x""#)).unwrap_err();
        assert!(e.contains("unknown check `nope`"), "{e}");
        let e = Rule::from_text("identity/AML-IAM-099.json", &minimal(r#","exportable":true"#)).unwrap_err();
        assert!(e.contains("exportable"), "{e}");
    }

    #[test]
    fn a_named_check_makes_a_rule_not_exportable() {
        let r = Rule::from_text(
            "identity/AML-IAM-099.json",
            &minimal(r#","check":"subnet_capacity","check_reason":"cidr arithmetic""#),
        )
        .unwrap();
        assert!(!r.exportable);
        assert!(r.export_note.unwrap().contains("cidr arithmetic"));
    }

    #[test]
    fn rules_read_as_through_plain_json() {
        // `from_text` reads the parsed document directly; the plain-JSON
        // route it replaced must give the same rules.
        for (path, text) in Catalog::embedded_files() {
            let doc = crate::json::parse(text).unwrap();
            let mut via: Rule = serde_json::from_value(doc.to_json()).unwrap();
            via.finish();
            assert_eq!(Rule::from_text(path, text).unwrap(), via, "{path}");
        }
        // and the same errors
        for extra in [r#","notes":5"#, r#","builtin":null,"mode":[1]"#, r#","check":{"a":1}"#, r#","unexpected":1"#] {
            let text = minimal(extra);
            let doc = crate::json::parse(&text).unwrap();
            let via = serde_json::from_value::<Rule>(doc.to_json()).unwrap_err();
            let e = Rule::from_text("identity/AML-IAM-099.json", &text).unwrap_err();
            assert_eq!(e, format!("identity/AML-IAM-099.json: {via}"), "{extra}");
        }
    }

    #[test]
    #[cfg(not(feature = "slim"))]
    fn embedded_files_read_alike_in_one_pass_and_strictly() {
        let mut n = 0;
        for (path, text) in Catalog::embedded_files() {
            let strict = Rule::from_text(path, text).unwrap();
            let direct: Rule = serde_json::from_str(text).unwrap();
            assert!(!direct.exportable && direct.export_note.is_none(), "computed fields are not read");
            let lazy = Rule::from_embedded(path, text).unwrap();
            assert!(lazy.examples.read.get().is_none(), "{path}: examples not read yet");
            assert!(lazy.problems(Some(path)).is_empty(), "{path}");
            assert_eq!(lazy, strict, "{path}");
            assert_eq!(lazy.clone().examples.get(), strict.examples.get(), "{path}");
            n += 1;
        }
        assert_eq!(Catalog::embedded().rules().len(), n);
        // a file the strict reader refuses is refused with its message
        let dup: &'static str = Box::leak(minimal(r#","notes":"a","notes":"b""#).into_boxed_str());
        let e = Rule::from_embedded("identity/AML-IAM-099.json", dup).unwrap_err();
        assert_eq!(e, Rule::from_text("identity/AML-IAM-099.json", dup).unwrap_err());
        let e = Rule::from_embedded("data/AML-IAM-099.json", Box::leak(minimal("").into_boxed_str())).unwrap_err();
        assert!(e.contains("file must be `identity/AML-IAM-099.json`"), "{e}");
    }

    #[test]
    fn duplicate_ids_are_errors() {
        let t = minimal("");
        let c = Catalog::from_files([("identity/AML-IAM-099.json", t.as_str()), ("identity/AML-IAM-099.json", t.as_str())]);
        assert_eq!(c.rules().len(), 1);
        assert_eq!(c.errors().len(), 1);
    }

    #[test]
    fn the_embedded_catalog_loads_without_errors() {
        let c = Catalog::embedded();
        assert!(c.errors().is_empty(), "{:#?}", c.errors());
        assert!(c.get("AML-IAM-001").is_some());
        assert!(c.get("aml-data-006").is_some_and(|r| !r.exportable));
    }

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Low < Severity::Critical);
        assert_eq!(Severity::parse("HIGH"), Some(Severity::High));
        assert_eq!(Severity::parse("x"), None);
    }
}
