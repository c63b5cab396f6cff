//! Our verdicts against the labels of other tools' own test fixtures
//! (`../shared/corpus/fixtures/{psrule,checkov}`). Labels are read from the
//! upstream test files, not copied here. Every disagreement must be listed,
//! with its reason, in `docs/fixtures-agreement.md` (a line containing
//! `` `<tool rule>` `` and `` `<resource>` ``), and every listed
//! disagreement must still occur, so the document cannot go stale.

use amlguard_core::report::Status;
use amlguard_core::{CheckOptions, Deployment, Value};
use std::path::Path;

struct Case {
    tool: &'static str,
    tool_rule: String,
    our_rule: &'static str,
    resource: String,
    expected: &'static str,
    got: &'static str,
}

/// A fixture label names a resource by its name (ARM) or its address
/// (Terraform, `type.name`).
fn labelled(name: &str, pointer: &str, label: &str) -> bool {
    name == label || pointer == label || pointer.ends_with(&format!(".{label}"))
}

fn verdict(dep: &Deployment, rule: &str, resource: &str) -> &'static str {
    assert!(
        dep.resources.iter().any(|r| labelled(r.name(), &r.provenance.pointer, resource)),
        "labelled resource `{resource}` not found"
    );
    let opts = CheckOptions { rules: vec![rule.to_owned()], ..CheckOptions::default() };
    let report = amlguard_core::check(dep, &opts);
    let mine: Vec<_> = report.findings.iter().filter(|f| labelled(&f.resource.name, &f.location.pointer, resource)).collect();
    if mine.iter().any(|f| f.status == Status::Fail) {
        "fail"
    } else if mine.is_empty() {
        "pass"
    } else {
        "indeterminate"
    }
}

fn load(path: &Path) -> Deployment {
    let text = std::fs::read_to_string(path).unwrap();
    let doc: Value = amlguard_core::json::parse(&text).unwrap();
    Deployment::from_resources(&doc, Some(&path.display().to_string()), Some(&text)).unwrap()
}

/// `It 'Azure.ML.X' { … Outcome -eq 'Fail' … TargetName | Should -Be(In) 'a', 'b' … }`
fn psrule_labels(ps1: &str) -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    for block in ps1.split("It '").skip(1) {
        let Some(name) = block.split('\'').next() else { continue };
        let mut outcome: Option<&'static str> = None;
        for line in block.lines() {
            if line.contains("Outcome -eq 'Fail'") {
                outcome = Some("fail");
            } else if line.contains("Outcome -eq 'Pass'") {
                outcome = Some("pass");
            } else if line.contains("TargetName | Should") {
                if let Some(o) = outcome {
                    for (i, part) in line.split('\'').enumerate() {
                        if i % 2 == 1 {
                            out.push((name.to_owned(), o, part.to_owned()));
                        }
                    }
                }
            }
        }
    }
    out
}

const PSRULE_MAP: &[(&str, &str)] = &[
    ("Azure.ML.ComputeIdleShutdown", "AML-CMP-001"),
    ("Azure.ML.DisableLocalAuth", "AML-IAM-001"),
    ("Azure.ML.ComputeVnet", "AML-NET-008"),
    ("Azure.ML.PublicAccess", "AML-NET-001"),
    ("Azure.ML.UserManagedIdentity", "AML-IAM-004"),
];

fn psrule_cases(shared: &Path, cases: &mut Vec<Case>) {
    let dir = shared.join("corpus/fixtures/psrule/tests/PSRule.Rules.Azure.Tests");
    let labels = psrule_labels(&std::fs::read_to_string(dir.join("Azure.ML.Tests.ps1")).unwrap());
    assert!(labels.len() >= 10, "expected PSRule labels, got {labels:?}");
    let dep = load(&dir.join("Resources.ML.json"));
    for (tool_rule, expected, resource) in labels {
        let Some((_, ours)) = PSRULE_MAP.iter().find(|(t, _)| *t == tool_rule) else {
            panic!("PSRule rule `{tool_rule}` has no mapping; add it to PSRULE_MAP");
        };
        let got = verdict(&dep, ours, &resource);
        cases.push(Case { tool: "psrule", tool_rule, our_rule: ours, resource, expected, got });
    }
}

/// Checkov labels `Type.name` from an expected.yaml or a unit test's sets.
fn checkov_names(text: &str, section: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut on = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with(&format!("{section}:")) || t.starts_with(&format!("{section}ing_resources = {{")) {
            on = true;
            continue;
        }
        if on {
            if t.starts_with('-') || t.starts_with('"') || t.starts_with('\'') {
                let name = t.trim_start_matches('-').trim().trim_matches(|c| c == '"' || c == ',' || c == '\'');
                if name.contains('/') {
                    // ARM labels are `Type.name`: keep the name
                    if let Some((_, n)) = name.rsplit_once('.') {
                        out.push(n.to_owned());
                    }
                } else if name.contains('.') {
                    // Terraform labels are addresses: keep them whole
                    out.push(name.to_owned());
                }
            } else {
                on = false;
            }
        }
    }
    out
}

fn checkov_cases(shared: &Path, cases: &mut Vec<Case>) {
    let base = shared.join("corpus/fixtures/checkov/tests/arm");
    let sets = [
        ("CKV2_AZURE_49", "AML-NET-001", base.join("graph_builder/checks/resources/AzureMLWorkspacePublicNetwork"), "expected.yaml"),
        ("CKV_AZURE_243", "AML-NET-002", base.join("checks/resource/example_AzureMLWorkspacePrivateEndpoint"), "../test_AzureMLWorkspacePrivateEndpoint.py"),
    ];
    for (tool_rule, ours, dir, labels_file) in sets {
        let labels = std::fs::read_to_string(dir.join(labels_file)).unwrap();
        let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
        files.sort();
        let mut dep = Deployment::default();
        for f in &files {
            for r in load(f).resources {
                dep.push(r.value, r.provenance);
            }
        }
        dep.derive_relations();
        for (section, expected) in [("pass", "pass"), ("fail", "fail")] {
            let names = checkov_names(&labels, section);
            assert!(!names.is_empty(), "no `{section}` labels in {}", dir.join(labels_file).display());
            for resource in names {
                let got = verdict(&dep, ours, &resource);
                cases.push(Case { tool: "checkov", tool_rule: tool_rule.to_owned(), our_rule: ours, resource, expected, got });
            }
        }
    }
}

fn checkov_terraform_cases(shared: &Path, cases: &mut Vec<Case>) {
    let base = shared.join("corpus/fixtures/checkov/tests/terraform");
    let res = base.join("checks/resource/azure");
    let sets = [
        ("CKV_AZURE_144", "AML-NET-001", res.join("example_MLPublicAccess"), res.join("test_MLPublicAccess.py")),
        ("CKV_AZURE_142", "AML-IAM-001", res.join("example_MLCCLADisabled"), res.join("test_MLCCLADisabled.py")),
        ("CKV_AZURE_150", "AML-CMP-002", res.join("example_MLComputeClusterMinNodes"), res.join("test_MLComputeClusterMinNodes.py")),
        (
            "CKV2_AZURE_49",
            "AML-NET-001",
            base.join("graph/checks/resources/AzureMLWorkspacePublicNetwork"),
            base.join("graph/checks/resources/AzureMLWorkspacePublicNetwork/expected.yaml"),
        ),
    ];
    // Every Azure ML Terraform fixture of Checkov is compared, or is listed
    // here (and in docs/fixtures-agreement.md) with the reason it is not.
    let not_compared = [base.join("graph/checks/resources/AzureMLWorkspaceHBIPublicNetwork")];
    let mut fixtures: Vec<std::path::PathBuf> = Vec::new();
    for (parent, prefix) in [(res.clone(), "example_ML"), (base.join("graph/checks/resources"), "AzureML")] {
        for e in std::fs::read_dir(&parent).unwrap().flatten() {
            if e.file_name().to_string_lossy().starts_with(prefix) {
                fixtures.push(e.path());
            }
        }
    }
    assert!(fixtures.len() >= 5, "expected Checkov's Azure ML Terraform fixtures, found {fixtures:?}");
    for f in &fixtures {
        assert!(
            sets.iter().any(|(_, _, dir, _)| dir == f) || not_compared.contains(f),
            "Checkov Terraform fixture {} is neither compared nor listed as not compared",
            f.display()
        );
    }
    let before = cases.len();
    for (tool_rule, ours, dir, labels_file) in sets {
        let labels = std::fs::read_to_string(&labels_file).unwrap();
        let dep = amlguard_core::ingest::load_path(&dir, &amlguard_core::ingest::LoadOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for (section, expected) in [("pass", "pass"), ("fail", "fail")] {
            let names = checkov_names(&labels, section);
            assert!(!names.is_empty(), "no `{section}` labels in {}", labels_file.display());
            for resource in names {
                let got = verdict(&dep, ours, &resource);
                cases.push(Case { tool: "checkov-terraform", tool_rule: tool_rule.to_owned(), our_rule: ours, resource, expected, got });
            }
        }
    }
    // 3 + 2 + 3 + 3 labelled resources in the four compared fixtures
    assert_eq!(cases.len() - before, 11, "Checkov Terraform labels read: {:?}", cases.get(before..).map(|c| c.iter().map(|c| &c.resource).collect::<Vec<_>>()));
}

#[test]
fn our_verdicts_match_upstream_fixture_labels_or_the_difference_is_documented() {
    let Some(shared) = amlguard_tests::shared_dir() else { return };
    let mut cases = Vec::new();
    psrule_cases(&shared, &mut cases);
    checkov_cases(&shared, &mut cases);
    checkov_terraform_cases(&shared, &mut cases);
    let doc = std::fs::read_to_string(amlguard_tests::repo_root().join("docs/fixtures-agreement.md")).unwrap_or_default();
    let documented = |c: &Case| {
        doc.lines().any(|l| l.contains(&format!("`{}`", c.tool_rule)) && l.contains(&format!("`{}`", c.resource)))
    };
    let mut undocumented = Vec::new();
    let mut agree = 0;
    for c in &cases {
        if c.expected == c.got {
            agree += 1;
            assert!(!documented(c), "{} `{}` on `{}` agrees now; remove it from docs/fixtures-agreement.md", c.tool, c.tool_rule, c.resource);
        } else if !documented(c) {
            undocumented.push(format!("{} `{}` ({}) on `{}`: upstream {}, ours {}", c.tool, c.tool_rule, c.our_rule, c.resource, c.expected, c.got));
        }
    }
    eprintln!("fixtures: {agree} of {} labels agree", cases.len());
    assert!(cases.len() >= 16, "expected at least 16 labelled cases, got {}", cases.len());
    assert!(undocumented.is_empty(), "undocumented disagreements:\n{}", undocumented.join("\n"));
}
