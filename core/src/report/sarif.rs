//! SARIF 2.1.0, shaped for GitHub code scanning: `tool.driver.rules` with
//! help text and `security-severity`, results with `ruleId`, `ruleIndex`,
//! `level`, a physical location (`artifactLocation.uri` + `region.startLine`),
//! `partialFingerprints`, and `suppressions` for suppressed findings.

use super::write::Writer;
use super::{fnv1a, Finding, Report, Status};
use crate::rules::{Catalog, Severity};

fn level(s: Severity, status: Status) -> &'static str {
    if status == Status::Indeterminate {
        return "note";
    }
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// A relative URI for a user-given path (forward slashes, no `./`).
fn uri(file: Option<&str>) -> String {
    let f = file.unwrap_or("input.json").replace('\\', "/");
    let f = f.strip_prefix("./").unwrap_or(&f).to_owned();
    f.replace(' ', "%20")
}

/// Pascal-case name from a rule title (SARIF `name`).
fn rule_name(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next().map(|c| c.to_ascii_uppercase().to_string() + cs.as_str()).unwrap_or_default()
        })
        .collect()
}

/// The SARIF log, written directly (byte-identical to `to_string_pretty`
/// of the `serde_json::json!` tree it replaced; a test keeps that tree as
/// the reference).
pub(super) fn write_sarif(report: &Report) -> String {
    let catalog = Catalog::embedded();
    let mut ids: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
    crate::order::sort_unstable(&mut ids);
    ids.dedup();
    let hint = report.findings.iter().map(|f| super::write::finding_size_hint(f).saturating_add(300)).fold(4096usize, usize::saturating_add);
    let mut w = Writer::new(true, hint.saturating_add(ids.len().saturating_mul(2048)));
    w.open('{');
    w.field("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    w.field("version", "2.1.0");
    w.name("runs");
    w.open('[');
    w.item();
    w.open('{');
    w.name("tool");
    w.open('{');
    w.name("driver");
    w.open('{');
    w.field("name", "amlguard");
    w.field("version", env!("CARGO_PKG_VERSION"));
    w.field("informationUri", "https://learn.microsoft.com/azure/machine-learning/concept-enterprise-security");
    w.name("rules");
    w.open('[');
    for id in &ids {
        w.item();
        w.open('{');
        match catalog.get(id) {
            Some(r) => {
                let fix = r.remediation_text();
                w.field("id", &r.id);
                w.field("name", &rule_name(&r.title));
                text_object(&mut w, "shortDescription", &r.title);
                text_object(&mut w, "fullDescription", &r.summary);
                w.name("help");
                w.open('{');
                w.field("text", &format!("{} Why: {} Fix: {}", r.summary, r.why, fix));
                let mut md = format!("{}\n\n**Why:** {}\n\n**Fix:** {}\n\n", r.summary, r.why, fix);
                for (n, u) in r.references.iter().enumerate() {
                    if n > 0 {
                        md.push('\n');
                    }
                    md.push_str("- <");
                    md.push_str(u);
                    md.push('>');
                }
                w.field("markdown", &md);
                w.close('}');
                w.field("helpUri", r.references.first().map_or("", String::as_str));
                w.name("defaultConfiguration");
                w.open('{');
                w.field("level", level(r.severity, Status::Fail));
                w.close('}');
                w.name("properties");
                w.open('{');
                w.name("tags");
                w.open('[');
                for t in ["security", r.area.folder()] {
                    w.item();
                    w.str(t);
                }
                w.close(']');
                w.field("security-severity", security_severity(r.severity));
                w.field("precision", "high");
                w.close('}');
            }
            None => {
                w.field("id", id);
                text_object(&mut w, "shortDescription", id);
                text_object(&mut w, "help", id);
            }
        }
        w.close('}');
    }
    w.close(']');
    w.close('}');
    w.close('}');
    w.name("invocations");
    w.open('[');
    w.item();
    invocation(&mut w, report);
    w.close(']');
    w.field("columnKind", "unicodeCodePoints");
    w.name("results");
    w.open('[');
    for f in &report.findings {
        w.item();
        result(&mut w, f, &ids);
    }
    w.close(']');
    w.close('}');
    w.close(']');
    w.close('}');
    w.out
}

/// `"key": {"text": text}`.
/// `"physicalLocation": {"artifactLocation": {"uri": …}, "region": {"startLine": …}}`
/// (the region only when the line is known).
fn physical_location(w: &mut Writer, file: Option<&str>, line: Option<u32>) {
    w.name("physicalLocation");
    w.open('{');
    w.name("artifactLocation");
    w.open('{');
    w.field("uri", &uri(file));
    w.close('}');
    if let Some(line) = line {
        w.name("region");
        w.open('{');
        w.name("startLine");
        w.int(i64::from(line.max(1)));
        w.close('}');
    }
    w.close('}');
}

fn text_object(w: &mut Writer, key: &str, text: &str) {
    w.name(key);
    w.open('{');
    w.field("text", text);
    w.close('}');
}

/// One result.
fn result(w: &mut Writer, f: &Finding, ids: &[&str]) {
    // `ids` is sorted and holds every finding's rule.
    let index = ids.binary_search(&f.rule_id.as_str()).unwrap_or(0);
    w.open('{');
    w.field("ruleId", &f.rule_id);
    w.name("ruleIndex");
    w.count(index);
    w.field("level", level(f.severity, f.status));
    w.name("message");
    w.open('{');
    if f.status == Status::Indeterminate {
        let mut text = format!("indeterminate: {}", f.message);
        if !f.unknown.is_empty() {
            text.push_str(" (unknown: ");
            text.push_str(&f.unknown.join("; "));
            text.push(')');
        }
        w.field("text", &text);
    } else {
        w.field("text", &f.message);
    }
    w.close('}');
    w.name("locations");
    w.open('[');
    w.item();
    w.open('{');
    physical_location(w, f.location.file.as_deref(), Some(f.location.line.unwrap_or(1)));
    w.name("logicalLocations");
    w.open('[');
    w.item();
    w.open('{');
    w.field("name", &f.resource.name);
    w.field("fullyQualifiedName", &f.resource.id);
    w.field("kind", "resource");
    w.close('}');
    w.close(']');
    w.close('}');
    w.close(']');
    w.name("partialFingerprints");
    w.open('{');
    w.field("amlguardFinding/v1", &fingerprint(f));
    w.close('}');
    w.name("properties");
    w.open('{');
    w.field("status", f.status.as_str());
    w.field("pointer", &f.location.pointer);
    w.close('}');
    if let Some(s) = &f.suppressed {
        w.name("suppressions");
        w.open('[');
        w.item();
        w.open('{');
        w.field("kind", if s.source == "template" { "inSource" } else { "external" });
        w.field("justification", &s.justification);
        w.close('}');
        w.close(']');
    }
    w.close('}');
}

/// `partialFingerprints` value: FNV-1a of `rule|lowercased resource id`.
fn fingerprint(f: &Finding) -> String {
    let mut key = String::with_capacity(f.rule_id.len().saturating_add(f.resource.id.len()).saturating_add(1));
    key.push_str(&f.rule_id);
    key.push('|');
    let start = key.len();
    key.push_str(&f.resource.id);
    if let Some(id) = key.get_mut(start..) {
        id.make_ascii_lowercase();
    }
    format!("{:016x}", fnv1a(&key))
}

/// The run's invocation: `executionSuccessful` is false when part of the
/// input could not be checked; every diagnostic is a notification (errors
/// as `error`, skipped inputs as `note`) with its place: file and line as
/// the physical location, the JSON pointer (when there is one) as a
/// property, as results carry theirs.
fn invocation(w: &mut Writer, report: &Report) {
    w.open('{');
    w.name("executionSuccessful");
    w.bool(report.input_errors().next().is_none());
    w.name("toolExecutionNotifications");
    w.open('[');
    for d in &report.diagnostics {
        w.item();
        w.open('{');
        let error = d.level == crate::model::DiagnosticLevel::Error;
        w.field("level", if error { "error" } else { "note" });
        text_object(w, "message", &d.message);
        if let Some(file) = d.provenance.file.as_deref() {
            w.name("locations");
            w.open('[');
            w.item();
            w.open('{');
            physical_location(w, Some(file), d.provenance.line);
            w.close('}');
            w.close(']');
        }
        if !d.provenance.pointer.is_empty() {
            w.name("properties");
            w.open('{');
            w.field("pointer", &d.provenance.pointer);
            w.close('}');
        }
        w.close('}');
    }
    w.close(']');
    w.close('}');
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;
    use serde_json::{json, Value as J};

    /// The `json!` tree SARIF was built from before it was written
    /// directly: the reference the writer must match byte for byte.
    fn reference(report: &Report) -> J {
        let catalog = Catalog::embedded();
        let mut ids: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
        crate::order::sort_unstable(&mut ids);
        ids.dedup();
        let rules: Vec<J> = ids
            .iter()
            .map(|id| match catalog.get(id) {
                Some(r) => {
                    let help_md = format!(
                        "{}\n\n**Why:** {}\n\n**Fix:** {}\n\n{}",
                        r.summary,
                        r.why,
                        r.remediation_text(),
                        r.references.iter().map(|u| format!("- <{u}>")).collect::<Vec<_>>().join("\n")
                    );
                    json!({
                        "id": r.id,
                        "name": rule_name(&r.title),
                        "shortDescription": {"text": r.title},
                        "fullDescription": {"text": r.summary},
                        "help": {"text": format!("{} Why: {} Fix: {}", r.summary, r.why, r.remediation_text()), "markdown": help_md},
                        "helpUri": r.references.first().cloned().unwrap_or_default(),
                        "defaultConfiguration": {"level": level(r.severity, Status::Fail)},
                        "properties": {"tags": ["security", r.area.folder()], "security-severity": security_severity(r.severity), "precision": "high"}
                    })
                }
                None => json!({"id": id, "shortDescription": {"text": id}, "help": {"text": id}}),
            })
            .collect();
        let results: Vec<J> = report
            .findings
            .iter()
            .map(|f| {
                let index = ids.iter().position(|i| *i == f.rule_id).unwrap_or(0);
                let mut text = f.message.clone();
                if f.status == Status::Indeterminate {
                    text = format!("indeterminate: {text}");
                    if !f.unknown.is_empty() {
                        text.push_str(&format!(" (unknown: {})", f.unknown.join("; ")));
                    }
                }
                let mut result = json!({
                    "ruleId": f.rule_id,
                    "ruleIndex": index,
                    "level": level(f.severity, f.status),
                    "message": {"text": text},
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri(f.location.file.as_deref())},
                            "region": {"startLine": f.location.line.unwrap_or(1).max(1)}
                        },
                        "logicalLocations": [{"name": f.resource.name, "fullyQualifiedName": f.resource.id, "kind": "resource"}]
                    }],
                    "partialFingerprints": {
                        "amlguardFinding/v1": format!("{:016x}", fnv1a(&format!("{}|{}", f.rule_id, f.resource.id.to_ascii_lowercase())))
                    },
                    "properties": {"status": f.status.as_str(), "pointer": f.location.pointer}
                });
                if let (Some(s), Some(obj)) = (&f.suppressed, result.as_object_mut()) {
                    let kind = if s.source == "template" { "inSource" } else { "external" };
                    obj.insert("suppressions".into(), json!([{"kind": kind, "justification": s.justification}]));
                }
                result
            })
            .collect();
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "amlguard",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://learn.microsoft.com/azure/machine-learning/concept-enterprise-security",
                    "rules": rules
                }},
                "invocations": [reference_invocation(report)],
                "columnKind": "unicodeCodePoints",
                "results": results
            }]
        })
    }

    /// The run's invocation: `executionSuccessful` is false when part of the
    /// input could not be checked; every diagnostic is a notification (errors
    /// as `error`, skipped inputs as `note`) with its place.
    fn reference_invocation(report: &Report) -> J {
        let notifications: Vec<J> = report
            .diagnostics
            .iter()
            .map(|d| {
                let error = d.level == crate::model::DiagnosticLevel::Error;
                let mut n = json!({"level": if error { "error" } else { "note" }, "message": {"text": d.message}});
                if let (Some(file), Some(obj)) = (d.provenance.file.as_deref(), n.as_object_mut()) {
                    let mut physical = json!({"artifactLocation": {"uri": uri(Some(file))}});
                    if let (Some(line), Some(p)) = (d.provenance.line, physical.as_object_mut()) {
                        p.insert("region".into(), json!({"startLine": line.max(1)}));
                    }
                    obj.insert("locations".into(), json!([{"physicalLocation": physical}]));
                }
                if let (false, Some(obj)) = (d.provenance.pointer.is_empty(), n.as_object_mut()) {
                    obj.insert("properties".into(), json!({"pointer": d.provenance.pointer}));
                }
                n
            })
            .collect();
        json!({"executionSuccessful": report.input_errors().next().is_none(), "toolExecutionNotifications": notifications})
    }

    #[test]
    fn sarif_is_what_the_json_tree_wrote() {
        for r in [Report::default(), sample(), super::super::tests::varied()] {
            assert_eq!(r.to_sarif(), serde_json::to_string_pretty(&reference(&r)).unwrap());
        }
    }

    #[test]
    fn sarif_invocation_reports_what_was_not_checked() {
        let clean: J = serde_json::from_str(&sample().to_sarif()).unwrap();
        assert_eq!(clean["runs"][0]["invocations"][0]["executionSuccessful"], true);
        let mut r = sample();
        r.diagnostics.push(crate::model::Diagnostic {
            level: crate::model::DiagnosticLevel::Error,
            message: "variable cycle `a` -> `b` -> `a`".into(),
            provenance: crate::model::Provenance { file: Some("dir/main.json".into()), pointer: "/variables/a".into(), line: Some(4), ..Default::default() },
        });
        let v: J = serde_json::from_str(&r.to_sarif()).unwrap();
        let inv = &v["runs"][0]["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        let n = &inv["toolExecutionNotifications"][0];
        assert_eq!(n["level"], "error");
        assert_eq!(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "dir/main.json");
        assert_eq!(n["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
        assert_eq!(n["properties"]["pointer"], "/variables/a");
        assert_eq!(r.to_sarif(), serde_json::to_string_pretty(&reference(&r)).unwrap());
    }

    #[test]
    fn sarif_has_what_github_code_scanning_requires() {
        let v: J = serde_json::from_str(&sample().to_sarif()).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 3);
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        for r in results {
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"]);
            assert_eq!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "main.json");
            assert!(r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap() >= 1);
            assert_eq!(r["partialFingerprints"]["amlguardFinding/v1"].as_str().unwrap().len(), 16);
        }
        let suppressed = results.iter().find(|r| r["ruleId"] == "AML-DATA-002").unwrap();
        assert_eq!(suppressed["suppressions"][0]["kind"], "inSource");
        let ind = results.iter().find(|r| r["ruleId"] == "AML-CMP-006").unwrap();
        assert_eq!(ind["level"], "note");
        let known = rules.iter().find(|r| r["id"] == "AML-CMP-006").unwrap();
        assert!(known["help"]["markdown"].as_str().unwrap().contains("**Why:**"));
        assert_eq!(known["properties"]["security-severity"], "5.5");
    }

    #[test]
    fn names_and_uris() {
        assert_eq!(rule_name("Compute has local authentication disabled"), "ComputeHasLocalAuthenticationDisabled");
        assert_eq!(uri(Some(".\\infra\\main file.json")), "infra/main%20file.json");
    }
}
