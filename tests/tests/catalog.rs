//! The rule catalog: every required rule exists and loads, ids are unique,
//! every alias a rule uses exists in the alias catalog, every named example
//! gives the verdict it is labelled with, and the generated docs are fresh.
//!
//! `AMLGUARD_BLESS=1 cargo test -p amlguard-tests --test catalog` rewrites
//! `docs/rules/*.md`.

use amlguard_core::rules::{self, Catalog, Rule};
use amlguard_core::Value;
use std::collections::BTreeSet;

fn catalog() -> &'static Catalog {
    let c = Catalog::embedded();
    assert!(c.errors().is_empty(), "rule files that do not load:\n{}", c.errors().join("\n"));
    c
}

#[test]
fn every_required_rule_exists_with_unique_ids() {
    let c = catalog();
    let mut want = Vec::new();
    for (area, n) in [("NET", 21), ("IAM", 11), ("DATA", 7), ("MON", 3), ("CMP", 6), ("SUP", 2)] {
        for i in 1..=n {
            want.push(format!("AML-{area}-{i:03}"));
        }
    }
    let missing: Vec<&String> = want.iter().filter(|id| c.get(id).is_none()).collect();
    assert!(missing.is_empty(), "missing rules: {missing:?}");
    let ids: BTreeSet<&str> = c.rules().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), c.rules().len(), "duplicate ids");
}

#[test]
fn every_rule_cites_microsoft_learn_and_has_an_effect_parameter() {
    for r in catalog().rules() {
        assert!(r.references.iter().any(|u| u.starts_with("https://learn.microsoft.com/")), "{} cites no Microsoft Learn page", r.id);
        assert!(r.parameters.get("effect").and_then(|e| e.get("defaultValue")).is_some(), "{}: effect needs a default", r.id);
        assert!(r.problems(None).is_empty(), "{}: {:?}", r.id, r.problems(None));
    }
}

/// Fields Azure Policy accepts that are not aliases.
fn is_builtin_field(f: &str) -> bool {
    let l = f.to_ascii_lowercase();
    ["type", "name", "fullname", "kind", "location", "id", "identity.type", "tags"].contains(&l.as_str())
        || l.starts_with("tags[")
        || l.starts_with("tags.")
        || l.starts_with("identity.userassignedidentities")
}

/// Every `field` operand and every `field('…')` / `current('…')` inside an expression.
fn fields(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, item) in m {
                if k == "field" {
                    if let Some(s) = item.as_str() {
                        if !s.starts_with('[') {
                            out.insert(s.to_owned());
                        }
                    }
                }
                fields(item, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|i| fields(i, out)),
        Value::String(s) if s.starts_with('[') => {
            for func in ["field('", "current('"] {
                let mut rest = s.as_str();
                while let Some(p) = rest.find(func) {
                    let after = rest.get(p + func.len()..).unwrap_or_default();
                    if let Some(end) = after.find('\'') {
                        let name = after.get(..end).unwrap_or_default();
                        if name.contains('/') {
                            out.insert(name.to_owned());
                        }
                    }
                    rest = after;
                }
            }
        }
        _ => {}
    }
}

fn alias_names() -> Option<BTreeSet<String>> {
    let embedded = amlguard_tests::repo_root().join("core/data/aliases.json");
    let path = if embedded.is_file() {
        embedded
    } else {
        amlguard_tests::shared_dir()?.join("azure-policy/aliases/aliases.json")
    };
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let mut out = BTreeSet::new();
    for ns in doc.as_array()? {
        for rt in ns["resourceTypes"].as_array()? {
            for a in rt["aliases"].as_array()? {
                if let Some(n) = a["name"].as_str() {
                    out.insert(n.to_ascii_lowercase());
                }
            }
        }
    }
    Some(out)
}

#[test]
fn every_alias_a_rule_uses_exists() {
    let Some(aliases) = alias_names() else {
        eprintln!("NOTE: no alias catalog (core/data/aliases.json or ../shared); alias check skipped");
        return;
    };
    let mut unknown = Vec::new();
    let mut checked = 0;
    for r in catalog().rules() {
        let mut fs = BTreeSet::new();
        fields(&r.policy_rule, &mut fs);
        // A rule that cannot be exported anyway may read a property by its ARM
        // path where Azure publishes no alias (its notes say so).
        let by_path_ok = |f: &str| !r.exportable && f.starts_with("properties.") && r.notes.as_deref().is_some_and(|n| n.contains(f));
        for f in fs.iter().filter(|f| !is_builtin_field(f) && !by_path_ok(f)) {
            checked += 1;
            if !aliases.contains(&f.to_ascii_lowercase()) {
                unknown.push(format!("{}: `{f}`", r.id));
            }
        }
    }
    assert!(unknown.is_empty(), "aliases not in the catalog:\n{}", unknown.join("\n"));
    assert!(checked > 30, "expected to check many aliases, checked {checked}");
}

#[test]
fn every_example_gives_its_labelled_verdict() {
    let mut problems = Vec::new();
    let mut n = 0;
    for r in catalog().rules() {
        n += r.all_examples().count();
        problems.extend(rules::run_examples(r));
    }
    assert!(n >= 2 * catalog().rules().len());
    assert!(problems.is_empty(), "{} of {n} examples disagree:\n{}", problems.len(), problems.join("\n"));
}

fn doc_path(r: &Rule) -> std::path::PathBuf {
    amlguard_tests::repo_root().join("docs/rules").join(format!("{}.md", r.id))
}

#[test]
fn generated_rule_docs_are_fresh() {
    let bless = std::env::var_os("AMLGUARD_BLESS").is_some();
    let dir = amlguard_tests::repo_root().join("docs/rules");
    let mut stale = Vec::new();
    for r in catalog().rules() {
        let want = rules::doc::markdown(r);
        let path = doc_path(r);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(r.id.clone());
            }
        }
    }
    let ids: BTreeSet<String> = catalog().rules().iter().map(|r| format!("{}.md", r.id)).collect();
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("AML-") && !ids.contains(&name) {
            if bless {
                std::fs::remove_file(e.path()).unwrap();
            } else {
                stale.push(format!("{name} (no such rule)"));
            }
        }
    }
    assert!(stale.is_empty(), "stale docs/rules pages (run AMLGUARD_BLESS=1 cargo test -p amlguard-tests --test catalog): {stale:?}");
}
