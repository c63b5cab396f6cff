//! Text, Markdown and HTML renderings of a report.

use super::{Finding, Report, Status};
use crate::model::{Diagnostic, DiagnosticLevel};
use crate::rules::Severity;
use std::fmt::Write as _;

fn location(f: &Finding) -> String {
    let file = f.location.file.as_deref().unwrap_or("<input>");
    match f.location.line {
        Some(l) => format!("{file}:{l}"),
        None if f.location.pointer.is_empty() => file.to_owned(),
        None => format!("{file}#{}", f.location.pointer),
    }
}

/// `1 resource`, `2 resources`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summary_line(r: &Report) -> String {
    let s = &r.summary;
    format!(
        "{}, {}: {} failed, {} indeterminate, {} suppressed, {}",
        count(s.resources, "resource", "resources"),
        count(s.rules, "rule", "rules"),
        s.failed,
        s.indeterminate,
        s.suppressed,
        count(s.passed, "passed check", "passed checks")
    )
}

/// Terminal text.
pub(super) fn text(r: &Report) -> String {
    let mut out = String::new();
    for f in r.active() {
        let _ = writeln!(
            out,
            "{:<8} {:<13} {:<13} {} `{}`",
            f.severity.as_str().to_ascii_uppercase(),
            f.rule_id,
            f.status.as_str(),
            f.resource.type_,
            f.resource.name
        );
        let _ = writeln!(out, "         {}  ({})", location(f), f.location.pointer);
        let _ = writeln!(out, "         {}: {}", f.title, f.message);
        for u in &f.unknown {
            let _ = writeln!(out, "         unknown: {u}");
        }
        let _ = writeln!(out, "         fix: {}", f.remediation);
        out.push('\n');
    }
    let suppressed: Vec<&Finding> = r.findings.iter().filter(|f| !f.is_active()).collect();
    if !suppressed.is_empty() {
        out.push_str("suppressed:\n");
        for f in suppressed {
            if let Some(s) = &f.suppressed {
                let _ = writeln!(out, "  {} `{}` at {} ({}): {}", f.rule_id, f.resource.name, location(f), s.source, s.justification);
            }
        }
        out.push('\n');
    }
    for d in &r.diagnostics {
        let level = if d.level == DiagnosticLevel::Error { "error" } else { "note" };
        let _ = writeln!(out, "{level}: {} ({})", d.message, diagnostic_place(d));
    }
    out.push_str(&summary_line(r));
    out.push('\n');
    out
}

/// `file:line pointer` of a diagnostic.
fn diagnostic_place(d: &Diagnostic) -> String {
    let file = d.provenance.file.as_deref().unwrap_or("<input>");
    match d.provenance.line {
        Some(line) if !d.provenance.pointer.is_empty() => format!("{file}:{line} {}", d.provenance.pointer),
        Some(line) => format!("{file}:{line}"),
        None => file.to_owned(),
    }
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Markdown.
pub(super) fn markdown(r: &Report) -> String {
    let mut out = String::from("## amlguard\n\n");
    let _ = writeln!(out, "{}\n", summary_line(r));
    // Markdown and HTML show only the input errors; info diagnostics (such
    // as skipped files) stay in the text and JSON reports.
    let mut errors = r.input_errors().peekable();
    let any_error = errors.peek().is_some();
    for d in errors {
        let _ = writeln!(out, "- **not checked:** {} (`{}`)", md_escape(&d.message), md_escape(&diagnostic_place(d)));
    }
    if any_error {
        out.push('\n');
    }
    if r.findings.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    out.push_str("| severity | rule | status | resource | location | message |\n|---|---|---|---|---|---|\n");
    for f in &r.findings {
        let status = match &f.suppressed {
            Some(s) => format!("suppressed: {}", md_escape(&s.justification)),
            None => f.status.as_str().to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | `{}` | {} | {} |",
            f.severity,
            f.rule_id,
            status,
            md_escape(&f.resource.name),
            md_escape(&location(f)),
            md_escape(&f.message)
        );
    }
    out
}

/// Escape text for HTML element content and attribute values.
pub(crate) fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#a4262c",
        Severity::High => "#d13438",
        Severity::Medium => "#ca5010",
        Severity::Low => "#8a8886",
    }
}

/// Self-contained HTML, grouped by resource.
pub(super) fn html(r: &Report) -> String {
    let mut out = String::from(
        "<div class=\"amlguard-report\" style=\"font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:13px\">",
    );
    let _ = write!(out, "<p><strong>amlguard</strong>: {}</p>", html_escape(&summary_line(r)));
    for d in r.input_errors() {
        let _ = write!(
            out,
            "<p style=\"color:#a4262c\"><strong>not checked:</strong> {} <code>{}</code></p>",
            html_escape(&d.message),
            html_escape(&diagnostic_place(d))
        );
    }
    if r.findings.is_empty() {
        out.push_str("<p>No findings.</p></div>");
        return out;
    }
    let mut groups: Vec<(&str, &str, Vec<&Finding>)> = Vec::new();
    for f in &r.findings {
        match groups.iter_mut().find(|(id, _, _)| *id == f.resource.id) {
            Some((_, _, v)) => v.push(f),
            None => groups.push((&f.resource.id, &f.resource.name, vec![f])),
        }
    }
    out.push_str("<table style=\"border-collapse:collapse;width:100%\"><thead><tr>");
    for h in ["severity", "rule", "status", "message", "location", "fix"] {
        let _ = write!(out, "<th style=\"text-align:left;border-bottom:1px solid #ccc;padding:4px\">{h}</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for (_, name, findings) in groups {
        let type_ = findings.first().map(|f| f.resource.type_.as_str()).unwrap_or_default();
        let _ = write!(
            out,
            "<tr><td colspan=\"6\" style=\"background:#f3f2f1;padding:4px\"><strong>{}</strong> <span style=\"color:#605e5c\">{}</span></td></tr>",
            html_escape(name),
            html_escape(type_)
        );
        for f in findings {
            let status = match &f.suppressed {
                Some(s) => format!("suppressed ({})", html_escape(&s.justification)),
                None => f.status.as_str().to_owned(),
            };
            let dim = if f.is_active() && f.status == Status::Fail { "" } else { "opacity:0.7;" };
            let _ = write!(
                out,
                "<tr style=\"{dim}\"><td style=\"padding:4px\"><span style=\"background:{};color:#fff;border-radius:3px;padding:1px 6px\">{}</span></td><td style=\"padding:4px\"><code>{}</code></td><td style=\"padding:4px\">{}</td><td style=\"padding:4px\">{}<br><small>{}</small></td><td style=\"padding:4px\"><code>{}</code></td><td style=\"padding:4px\">{}</td></tr>",
                colour(f.severity),
                f.severity,
                html_escape(&f.rule_id),
                status,
                html_escape(&f.title),
                html_escape(&f.message),
                html_escape(&location(f)),
                html_escape(&f.remediation)
            );
        }
    }
    out.push_str("</tbody></table></div>");
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;

    #[test]
    fn text_lists_active_findings_then_suppressed_then_summary() {
        let t = sample().to_text();
        let net = t.find("AML-NET-001").unwrap();
        let sup = t.find("suppressed:").unwrap();
        assert!(net < sup);
        assert!(t.contains("main.json:20"));
        assert!(t.contains("AML-DATA-002 `ws<1>` at main.json:7 (template): no sensitive data"));
        assert!(t.trim_end().ends_with("1 failed, 1 indeterminate, 1 suppressed, 0 passed checks"));
    }

    #[test]
    fn summary_counts_agree_in_number() {
        let mut r = sample();
        r.summary.resources = 1;
        r.summary.rules = 1;
        r.summary.passed = 1;
        assert!(r.to_text().trim_end().ends_with("1 resource, 1 rule: 1 failed, 1 indeterminate, 1 suppressed, 1 passed check"));
        r.summary.resources = 2;
        r.summary.rules = 0;
        r.summary.passed = 2;
        assert!(r.to_text().trim_end().ends_with("2 resources, 0 rules: 1 failed, 1 indeterminate, 1 suppressed, 2 passed checks"));
    }

    #[test]
    fn markdown_and_html_name_what_was_not_checked() {
        let mut r = sample();
        r.diagnostics.push(crate::model::Diagnostic {
            level: crate::model::DiagnosticLevel::Error,
            message: "copy count `1000000` is over <800>".into(),
            provenance: crate::model::Provenance { file: Some("main.json".into()), pointer: "/resources/0/copy/count".into(), line: Some(9), ..Default::default() },
        });
        r.diagnostics.push(crate::model::Diagnostic {
            level: crate::model::DiagnosticLevel::Info,
            message: "skipped `metadata.json`".into(),
            provenance: crate::model::Provenance::default(),
        });
        let md = r.to_markdown();
        assert!(md.contains("- **not checked:** copy count `1000000` is over <800> (`main.json:9 /resources/0/copy/count`)"), "{md}");
        assert!(!md.contains("metadata.json"));
        let h = r.to_html();
        assert!(h.contains("copy count `1000000` is over &lt;800&gt;"), "{h}");
        assert!(!h.contains("metadata.json"));
    }

    #[test]
    fn html_escapes_and_groups_by_resource() {
        let h = sample().to_html();
        assert!(h.contains("ws&lt;1&gt;"));
        assert!(!h.contains("ws<1>"));
        assert_eq!(h.matches("colspan=\"6\"").count(), 1);
        assert!(h.contains("#d13438"));
    }

    #[test]
    fn markdown_is_a_table() {
        let m = sample().to_markdown();
        assert!(m.contains("| high | AML-NET-001 | fail |"));
        assert!(m.contains("suppressed: no sensitive data"));
    }
}
