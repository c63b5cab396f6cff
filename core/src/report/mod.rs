//! Reports: findings and their renderings (text, JSON, SARIF, Markdown, HTML).
//!
//! A [`Report`] is plain data (serialisable) with findings sorted
//! deterministically (file, line, pointer, rule, resource). Suppressed
//! findings stay in the list with their justification; they do not count
//! towards the exit code or the summary's failed/indeterminate totals.

mod render;
mod sarif;
mod write;

use crate::model::Diagnostic;
use crate::rules::Severity;
use crate::value::Value;
use serde::Serialize;
use std::collections::BTreeMap;

/// Verdict of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The resource breaks the rule.
    Fail,
    /// The verdict depends on values unknown before deployment.
    Indeterminate,
}

impl Status {
    /// `fail` or `indeterminate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Indeterminate => "indeterminate",
        }
    }
}

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
pub struct ResourceRef {
    /// Full type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Full name.
    pub name: String,
    /// Resource id (placeholder scope when the template does not fix it).
    pub id: String,
}

/// Where in the user's input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
pub struct Location {
    /// File as given by the user.
    pub file: Option<String>,
    /// JSON pointer (or Terraform address).
    pub pointer: String,
    /// 1-based line.
    pub line: Option<u32>,
}

/// Why a finding is suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// The reason given by whoever suppressed it.
    pub justification: String,
    /// `template` (resource `metadata.amlguard.suppress`) or the suppressions file path.
    pub source: String,
}

/// One fact a finding rests on. It serialises as the plain JSON it holds:
/// a condition as `{"field", "path"?, "value", "operator", "expected",
/// "result"}` (in that order), anything else as its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Evidence {
    /// A condition the policy engine compared (values as they read back
    /// from JSON: non-finite numbers null, unknown markers unknown).
    Condition(crate::policy::Evidence),
    /// Any other JSON (named checks' facts: strings, objects).
    Other(Value),
}

impl Evidence {
    /// The property path the fact read: a condition's `path`, or the
    /// `path` string member of another fact's object.
    pub fn path(&self) -> Option<&str> {
        match self {
            Evidence::Condition(c) => c.path.as_deref(),
            Evidence::Other(v) => v.get("path").and_then(Value::as_str),
        }
    }
}

/// One finding: a rule a resource breaks (or may break).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Rule id.
    pub rule_id: String,
    /// Rule title (the good state).
    pub title: String,
    /// Rule severity.
    pub severity: Severity,
    /// fail / indeterminate.
    pub status: Status,
    /// The resource.
    pub resource: ResourceRef,
    /// Where it is declared.
    pub location: Location,
    /// What is wrong (or unknown), lowercase, names in backticks.
    pub message: String,
    /// Facts the verdict rests on.
    pub evidence: Vec<Evidence>,
    /// What could not be known (indeterminate findings).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
    /// How to fix it.
    pub remediation: String,
    /// Present when the finding is suppressed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

impl Finding {
    /// Counts towards the exit code and totals (not suppressed).
    pub fn is_active(&self) -> bool {
        self.suppressed.is_none()
    }

    /// Append the finding as compact JSON (one line, exactly what
    /// `serde_json::to_string` writes) to `out`.
    pub fn write_json(&self, out: &mut String) {
        let mut w = write::Writer::append(false, std::mem::take(out));
        w.finding(self);
        *out = w.out;
    }

    fn sort_key(&self) -> (Option<&str>, Option<u32>, &str, &str, &str) {
        (self.location.file.as_deref(), self.location.line, &self.location.pointer, &self.rule_id, &self.resource.id)
    }
}

/// Totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Summary {
    /// Resources in the deployment.
    pub resources: usize,
    /// Rules run.
    pub rules: usize,
    /// Rule × resource evaluations where the rule applied.
    pub checks: usize,
    /// Of those, how many passed.
    pub passed: usize,
    /// Active failing findings.
    pub failed: usize,
    /// Active indeterminate findings.
    pub indeterminate: usize,
    /// Suppressed findings.
    pub suppressed: usize,
    /// Active failing findings per severity (`critical`, `high`, `medium`, `low`).
    pub by_severity: BTreeMap<String, usize>,
}

/// The result of a check.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Report {
    /// Findings, sorted.
    pub findings: Vec<Finding>,
    /// Totals.
    pub summary: Summary,
    /// Notes about the input (parts skipped or not expandable).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Sort findings and recompute the summary's finding totals (resources,
    /// rules, checks and passed are set by the caller).
    pub fn finish(&mut self) {
        sort_findings(&mut self.findings);
        self.findings.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.message == b.message);
        let s = &mut self.summary;
        s.failed = 0;
        s.indeterminate = 0;
        s.suppressed = 0;
        // Inserted one by one: collecting into a BTreeMap sorts first, which
        // costs the wasm build a sort routine of its own.
        s.by_severity.clear();
        for v in Severity::ALL.iter() {
            s.by_severity.insert(v.as_str().to_owned(), 0);
        }
        for f in &self.findings {
            if !f.is_active() {
                s.suppressed += 1;
            } else if f.status == Status::Fail {
                s.failed += 1;
                *s.by_severity.entry(f.severity.as_str().to_owned()).or_default() += 1;
            } else {
                s.indeterminate += 1;
            }
        }
    }

    /// Active findings (not suppressed).
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_active())
    }

    /// `true` when no active failing finding exists.
    pub fn passed(&self) -> bool {
        !self.active().any(|f| f.status == Status::Fail)
    }

    /// Error diagnostics: parts of the input that were not checked.
    pub fn input_errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.level == crate::model::DiagnosticLevel::Error)
    }

    /// Process exit code: 2 when part of the input could not be used (an
    /// error diagnostic, e.g. a resource whose copy count or variables cannot
    /// be expanded: the run did not check everything); else 1 when an active
    /// failing finding has severity at or above `fail_on`, else 0.
    /// Indeterminate findings are reported but do not fail the run (a
    /// template cannot know runtime values).
    pub fn exit_code(&self, fail_on: Severity) -> i32 {
        if self.input_errors().next().is_some() {
            return 2;
        }
        i32::from(self.active().any(|f| f.status == Status::Fail && f.severity >= fail_on))
    }

    /// Pretty JSON (the documented report shape).
    /// Written directly (byte-identical to `serde_json::to_string_pretty`
    /// of the `Serialize` shape, which tests check).
    pub fn to_json(&self) -> String {
        let mut w = write::Writer::new(true, self.json_size_hint());
        w.report(self);
        w.out
    }

    /// Bytes [`Report::to_json`] writes, roughly but not fewer (its buffer
    /// is sized once).
    fn json_size_hint(&self) -> usize {
        let hint = self.findings.iter().map(write::finding_size_hint).fold(1024usize, usize::saturating_add);
        self.diagnostics.iter().map(write::diagnostic_size_hint).fold(hint, usize::saturating_add)
    }

    /// SARIF 2.1.0 for GitHub code scanning and other viewers.
    pub fn to_sarif(&self) -> String {
        sarif::write_sarif(self)
    }

    /// Plain text for terminals.
    pub fn to_text(&self) -> String {
        render::text(self)
    }

    /// Markdown (pull-request comments, job summaries).
    pub fn to_markdown(&self) -> String {
        render::markdown(self)
    }

    /// A self-contained HTML table for notebooks: grouped by resource,
    /// severity colours, no external assets.
    pub fn to_html(&self) -> String {
        render::html(self)
    }
}

/// Stable sort of findings by place, rule and resource. Natively the
/// indices are sorted and the findings moved once (a finding is a few
/// hundred bytes; a merge sort would move each one many times); the
/// browser build keeps the one shared sort routine (`order`).
fn sort_findings(findings: &mut Vec<Finding>) {
    #[cfg(not(feature = "slim"))]
    {
        let mut idx: Vec<usize> = (0..findings.len()).collect();
        idx.sort_by(|&a, &b| match (findings.get(a), findings.get(b)) {
            (Some(x), Some(y)) => x.sort_key().cmp(&y.sort_key()),
            _ => a.cmp(&b),
        });
        if idx.windows(2).all(|w| matches!(w, [a, b] if a < b)) {
            return;
        }
        let mut slots: Vec<Option<Finding>> = std::mem::take(findings).into_iter().map(Some).collect();
        *findings = idx.iter().filter_map(|&i| slots.get_mut(i).and_then(Option::take)).collect();
    }
    #[cfg(feature = "slim")]
    crate::order::sort_by(findings, |a, b| a.sort_key().cmp(&b.sort_key()));
}

/// Append `s` as a JSON string literal (quotes included, serde_json's
/// escapes).
pub(crate) fn push_str_lit(out: &mut String, s: &str) {
    write::push_str_lit(out, s);
}

/// Append a diagnostic as compact JSON (one line, exactly what
/// `serde_json::to_string` writes) to `out`.
pub fn write_diagnostic_json(d: &Diagnostic, out: &mut String) {
    let mut w = write::Writer::append(false, std::mem::take(out));
    w.diagnostic(d);
    *out = w.out;
}

/// Stable 64-bit FNV-1a hash (for SARIF fingerprints).
pub(crate) fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn finding(rule: &str, sev: Severity, status: Status, line: u32) -> Finding {
        Finding {
            rule_id: rule.into(),
            title: format!("{rule} title"),
            severity: sev,
            status,
            resource: ResourceRef { type_: "Microsoft.MachineLearningServices/workspaces".into(), name: "ws<1>".into(), id: "/x/ws".into() },
            location: Location { file: Some("main.json".into()), pointer: "/resources/0".into(), line: Some(line) },
            message: "workspace `ws` allows public network access".into(),
            evidence: vec![Evidence::Other(Value::from("properties.publicNetworkAccess = Enabled"))],
            unknown: vec![],
            remediation: "set it".into(),
            suppressed: None,
        }
    }

    pub(crate) fn sample() -> Report {
        let mut r = Report::default();
        r.findings.push(finding("AML-NET-001", Severity::High, Status::Fail, 20));
        r.findings.push(finding("AML-CMP-006", Severity::Medium, Status::Indeterminate, 5));
        let mut s = finding("AML-DATA-002", Severity::Medium, Status::Fail, 7);
        s.suppressed = Some(Suppression { justification: "no sensitive data".into(), source: "template".into() });
        r.findings.push(s);
        r.summary.resources = 1;
        r.finish();
        r
    }

    #[test]
    fn findings_sort_by_location_and_summary_counts_active_ones() {
        let r = sample();
        let ids: Vec<&str> = r.findings.iter().map(|f| f.rule_id.as_str()).collect();
        assert_eq!(ids, ["AML-CMP-006", "AML-DATA-002", "AML-NET-001"]);
        assert_eq!((r.summary.failed, r.summary.indeterminate, r.summary.suppressed), (1, 1, 1));
        assert_eq!(r.summary.by_severity.get("high"), Some(&1));
        assert_eq!(r.summary.by_severity.get("medium"), Some(&0));
    }

    #[test]
    fn exit_code_honours_the_threshold_and_ignores_suppressed_and_indeterminate() {
        let r = sample();
        assert_eq!(r.exit_code(Severity::Low), 1);
        assert_eq!(r.exit_code(Severity::High), 1);
        assert_eq!(r.exit_code(Severity::Critical), 0);
        let mut only_suppressed = sample();
        only_suppressed.findings.retain(|f| f.rule_id != "AML-NET-001");
        only_suppressed.finish();
        assert_eq!(only_suppressed.exit_code(Severity::Low), 0);
        assert!(only_suppressed.passed());
        let mut incomplete = only_suppressed;
        incomplete.diagnostics.push(crate::model::Diagnostic {
            level: crate::model::DiagnosticLevel::Error,
            message: "copy count `1000000` is over the limit".into(),
            provenance: crate::model::Provenance::default(),
        });
        assert_eq!(incomplete.exit_code(Severity::Critical), 2);
    }

    #[test]
    fn json_has_the_documented_shape() {
        let v: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
        let f = &v["findings"][2];
        assert_eq!(f["rule_id"], "AML-NET-001");
        assert_eq!(f["status"], "fail");
        assert_eq!(f["severity"], "high");
        assert_eq!(f["resource"]["type"], "Microsoft.MachineLearningServices/workspaces");
        assert_eq!(f["location"]["line"], 20);
        assert_eq!(v["findings"][1]["suppressed"]["justification"], "no sensitive data");
        assert_eq!(v["summary"]["failed"], 1);
    }

    /// The sample plus every optional part and strings that need escapes.
    pub(crate) fn varied() -> Report {
        let mut r = sample();
        let mut f = finding("AML-XYZ-999", Severity::Critical, Status::Indeterminate, 3);
        f.location.file = Some(".\\infra dir\\main \"q\".json".into());
        f.location.line = None;
        f.message = "tab\there, quote \" and \\ and \u{1}\u{1f}\u{7f} é😀\n".into();
        f.unknown = vec!["parameter `p` has no value".into(), "`reference()`\r\n".into()];
        f.evidence = vec![
            Evidence::Other(crate::json::parse(r#"{"a": [1, -2, 2.5, true, null, {}], "b": [], "c": {"d": "e\u0007"}}"#).unwrap()),
            Evidence::Other(Value::Unknown(crate::value::Unknown { reason: "`listKeys()`".into() })),
            Evidence::Other(Value::Float(f64::INFINITY)),
            Evidence::Condition(crate::policy::Evidence {
                field: "Microsoft.X/y[*].z".into(),
                path: Some("properties.y[*].\"z\"".into()),
                value: Some(crate::json::parse(r#"[{"k": 1.5}, "é\n"]"#).unwrap()),
                operator: "notEquals".into(),
                expected: Value::Unknown(crate::value::Unknown { reason: "parameter `p`".into() }),
                result: "unknown".into(),
            }),
            Evidence::Condition(crate::policy::Evidence {
                field: "type".into(),
                path: None,
                value: None,
                operator: "equals".into(),
                expected: Value::from("a/b"),
                result: "true".into(),
            }),
        ];
        f.suppressed = Some(Suppression { justification: "see \"ticket\"".into(), source: "suppress.json".into() });
        r.findings.push(f);
        let mut g = finding("AML-NET-001", Severity::Low, Status::Indeterminate, 0);
        g.location.file = None;
        g.evidence.clear();
        r.findings.push(g);
        for (level, file, line) in [
            (crate::model::DiagnosticLevel::Error, Some("dir/main.json"), Some(4)),
            (crate::model::DiagnosticLevel::Info, Some("x y.json"), None),
            (crate::model::DiagnosticLevel::Info, None, Some(0)),
        ] {
            r.diagnostics.push(crate::model::Diagnostic {
                level,
                message: "variable cycle `a` -> `b`\t".into(),
                provenance: crate::model::Provenance { file: file.map(str::to_owned), pointer: "/variables/a".into(), line, column: line },
            });
        }
        r.finish();
        r
    }

    #[test]
    fn json_is_what_serde_json_writes() {
        for r in [Report::default(), sample(), varied()] {
            assert_eq!(r.to_json(), serde_json::to_string_pretty(&r).unwrap());
            let (mut mine, mut want) = (String::from("x"), String::from("x"));
            for f in &r.findings {
                f.write_json(&mut mine);
                want.push_str(&serde_json::to_string(f).unwrap());
            }
            for d in &r.diagnostics {
                write_diagnostic_json(d, &mut mine);
                want.push_str(&serde_json::to_string(d).unwrap());
            }
            assert_eq!(mine, want);
        }
    }

    #[test]
    fn the_output_is_sized_once() {
        // The hint must cover what is written, or the buffer grows (copies).
        for r in [Report::default(), sample(), varied()] {
            let json = r.to_json();
            let hint = r.json_size_hint();
            assert!(json.len() <= hint, "{} > {hint}", json.len());
            assert!(hint <= json.len() * 3 + 1024, "{hint} is far above {}", json.len());
        }
    }

    #[test]
    fn findings_sort_like_a_stable_sort_by_their_key() {
        let mut r = Report::default();
        // Equal keys (same place, rule and resource) in a known order.
        for (n, (rule, line)) in [("B", 3), ("A", 3), ("B", 1), ("A", 3), ("C", 2), ("A", 3)].into_iter().enumerate() {
            let mut f = finding(rule, Severity::Low, Status::Fail, line);
            f.message = format!("m{n}");
            r.findings.push(f);
        }
        let mut want = r.findings.clone();
        want.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        sort_findings(&mut r.findings);
        assert_eq!(r.findings, want);
        let messages: Vec<&str> = r.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages, ["m2", "m4", "m1", "m3", "m5", "m0"]);
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_ne!(fnv1a("a"), fnv1a("b"));
    }
}
