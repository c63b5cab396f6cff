//! The rule catalog: every required rule exists and loads, ids are unique,
//! every alias a rule uses exists in the alias catalog, every named example
//! gives the verdict it is labelled with, and the generated docs are fresh.
//!
//! `AMLGUARD_BLESS=1 cargo test -p amlguard-tests --test catalog` rewrites
//! `docs/rules/*.md`.

use amlguard_core::rules::{self, Catalog, Rule};
use amlguard_core::{Deployment, Value};
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

/// The built-in definition file whose `name` is `guid`, if `../shared` has it.
fn builtin_definition(shared: &std::path::Path, guid: &str) -> Option<Value> {
    fn walk(dir: &std::path::Path, guid: &str, depth: usize) -> Option<Value> {
        if depth > 3 {
            return None;
        }
        let mut entries: Vec<_> = std::fs::read_dir(dir).ok()?.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                if let Some(v) = walk(&p, guid, depth + 1) {
                    return Some(v);
                }
            } else if p.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&p).ok()?;
                if text.contains(guid) {
                    let v = amlguard_core::json::parse(&text).ok()?;
                    if v.get("name").and_then(Value::as_str) == Some(guid) {
                        return Some(v);
                    }
                }
            }
        }
        None
    }
    walk(&shared.join("azure-policy/builtins"), guid, 0)
}

/// Rules that deliberately differ from their built-in on some examples; the
/// rule's `notes` say why.
const BUILTIN_DIFFERENCES: &[(&str, &str)] = &[
    // The DINE built-in pins one Log Analytics workspace (a parameter) and
    // requires metrics; we accept any Log Analytics destination.
    ("AML-MON-001", "diagnostic setting to Log Analytics"),
    // The legacy `allowPublicAccessWhenBehindVnet` switch reopens a private
    // workspace; the built-in looks at `publicNetworkAccess` only (PSRule
    // checks both, as we do).
    ("AML-NET-001", "private link workspace reopened by the legacy switch"),
    // A public workspace is AML-NET-001's finding; AML-NET-002 judges private
    // workspaces only, so one problem is reported once.
    ("AML-NET-002", "public workspace without private endpoint (AML-NET-001's business)"),
    // A workspace whose name is unknown has no id, so no endpoint can be seen
    // targeting it: we cannot tell (the built-in, seeing no connection, fails).
    ("AML-NET-002", "workspace name from a parameter without value"),
    // The built-in is a deployIfNotExists attaching a zone group to each
    // endpoint; ours checks that the zones exist and are linked to the VNet.
    ("AML-NET-003", "both zones linked to the endpoint's VNet"),
    ("AML-NET-003", "VNet resolves through a central DNS server"),
    ("AML-NET-003", "endpoint in a VNet outside the deployment"),
    ("AML-NET-003", "child subnet resource, zones linked"),
    ("AML-NET-003", "links to zones managed outside the deployment"),
    // Computes in a managed VNet have no subnet; the guidance does not want
    // them flagged (the built-in does).
    ("AML-NET-008", "instance in a managed-VNet workspace"),
    // The built-in's isolationMode parameter defaults to `Disabled`, so with
    // defaults it inverts its own title; ours accepts the approved-outbound
    // managed VNet or a firewall route for custom VNets.
    ("AML-NET-017", "managed VNet, approved outbound only"),
    ("AML-NET-017", "training subnet without route table"),
    ("AML-NET-017", "route table without default route to a firewall"),
    // A compute whose name is unknown may belong to the managed-VNet
    // workspace beside it; the built-ins do not look at the workspace.
    ("AML-NET-008", "compute named from a parameter without value, beside a managed-VNet workspace"),
    ("AML-NET-017", "compute named from a parameter without value, beside a managed-VNet workspace"),
];

#[test]
fn rules_agree_with_their_azure_builtin_on_every_example() {
    let Some(shared) = amlguard_tests::shared_dir() else { return };
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for r in catalog().rules() {
        let Some(guid) = &r.builtin else { continue };
        let Some(def) = builtin_definition(&shared, guid) else {
            eprintln!("NOTE: built-in {guid} of {} is not in ../shared; not compared", r.id);
            continue;
        };
        let policy = amlguard_core::policy::Policy::parse(&def).unwrap_or_else(|e| panic!("{}: built-in {guid} does not parse: {e}", r.id));
        for (label, ex) in r.all_examples() {
            if ex.parameters.is_some() {
                continue; // our parameters have no counterpart in the built-in
            }
            let mut dep = Deployment::from_resources(&Value::Array(ex.resources.clone()), None, None).unwrap();
            amlguard_core::simulate::apply(&mut dep);
            let mut verdict = "pass";
            for i in 0..dep.resources.len() {
                let ctx = amlguard_core::policy::EvalContext::for_resource(&dep, i);
                let ev = policy.evaluate(&dep.resources[i].value, &amlguard_core::Map::new(), &ctx);
                match ev.outcome {
                    amlguard_core::policy::Outcome::Match => verdict = "fail",
                    amlguard_core::policy::Outcome::Unknown if verdict == "pass" => verdict = "indeterminate",
                    _ => {}
                }
            }
            compared += 1;
            let allowed = BUILTIN_DIFFERENCES.iter().any(|(id, name)| *id == r.id && *name == ex.name);
            if verdict != label && !allowed {
                disagreements.push(format!("{} / {}: ours {label}, built-in {guid} {verdict}", r.id, ex.name));
            }
            if verdict == label && allowed {
                disagreements.push(format!("{} / {}: listed as a difference but agrees now", r.id, ex.name));
            }
        }
    }
    assert!(compared >= 10, "compared only {compared} examples with built-ins");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

fn example(name: &str) -> Deployment {
    let path = amlguard_tests::repo_root().join("examples").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    amlguard_core::deployment_from_json_text(&text, Some(name)).unwrap()
}

#[test]
fn the_secure_baseline_example_passes_every_rule() {
    let r = amlguard_core::check(&example("secure-baseline.json"), &amlguard_core::CheckOptions::default());
    let problems: Vec<String> = r.findings.iter().map(|f| format!("{} {} `{}`: {}", f.status.as_str(), f.rule_id, f.resource.name, f.message)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(r.summary.checks > 80, "{:?}", r.summary);
}

#[test]
fn removing_a_piece_of_the_baseline_is_noticed() {
    // Each removal must produce a failing finding of the named rule: the
    // cross-resource rules see the relation disappear.
    let cases = [
        ("pe-st-file", "AML-NET-004"),
        ("pe-kv", "AML-NET-005"),
        ("pe-acr", "AML-NET-006"),
        ("pe-mlw", "AML-NET-002"),
        ("privatelink.notebooks.azure.net/link-vnet-aml", "AML-NET-003"),
        ("to-law", "AML-MON-001"),
        ("bas-aml", "AML-NET-015"),
    ];
    for (name, rule) in cases {
        let mut dep = example("secure-baseline.json");
        let before = dep.resources.len();
        dep.resources.retain(|r| r.name() != name);
        assert_eq!(dep.resources.len() + 1, before, "`{name}` not in the baseline");
        dep.derive_relations();
        let r = amlguard_core::check(&dep, &amlguard_core::CheckOptions::default());
        assert!(
            r.findings.iter().any(|f| f.rule_id == rule && f.status == amlguard_core::report::Status::Fail),
            "removing `{name}` should fail {rule}; got {:?}",
            r.findings.iter().map(|f| &f.rule_id).collect::<Vec<_>>()
        );
    }
}

#[test]
fn the_quickstart_example_shows_what_defaults_mean() {
    let r = amlguard_core::check(&example("quickstart-public-workspace.json"), &amlguard_core::CheckOptions::default());
    let failed: BTreeSet<&str> = r.active().filter(|f| f.status == amlguard_core::report::Status::Fail).map(|f| f.rule_id.as_str()).collect();
    for rule in ["AML-NET-001", "AML-NET-009", "AML-IAM-001", "AML-IAM-005", "AML-DATA-004", "AML-DATA-005", "AML-DATA-006", "AML-MON-001", "AML-CMP-001"] {
        assert!(failed.contains(rule), "{rule} missing from {failed:?}");
    }
    // Without the defaults, omitted properties are not judged as Azure would.
    let raw = amlguard_core::check(
        &example("quickstart-public-workspace.json"),
        &amlguard_core::CheckOptions { simulate: false, ..Default::default() },
    );
    let msg = |rep: &amlguard_core::Report, rule: &str| {
        rep.findings.iter().find(|f| f.rule_id == rule).map(|f| f.message.clone()).unwrap_or_default()
    };
    assert!(msg(&r, "AML-NET-001").contains("is \"Enabled\""), "{}", msg(&r, "AML-NET-001"));
    assert!(msg(&raw, "AML-NET-001").contains("is absent"), "{}", msg(&raw, "AML-NET-001"));
    // A runtime-only property is unknown for a design, not silently absent.
    assert_eq!((r.summary.indeterminate, raw.summary.indeterminate), (1, 0));
    assert_eq!(r.exit_code(amlguard_core::Severity::Critical), 1);
}

#[test]
fn outputs_that_list_keys_are_secrets_in_the_template() {
    // The fixture's template has two outputs calling `listKeys`, an inline
    // nested deployment (inner scope) returning `listCredentials`, one in
    // outer scope returning `listKeys`, and a linked one returning
    // `listAdminKeys`; its other outputs (an id, a name) are fine, and so is
    // one whose `condition` is a parameter defaulting to false.
    let dir = amlguard_tests::repo_root().join("tests/fixtures/secret-outputs");
    let opts = amlguard_core::CheckOptions { rules: vec!["AML-DATA-006".into()], ..amlguard_core::CheckOptions::default() };
    let report = amlguard_core::check_path(&[dir.as_path()], &amlguard_core::ingest::LoadOptions::default(), &opts).unwrap();
    let mut got: Vec<(String, String, String, Option<u32>)> = report
        .findings
        .iter()
        .map(|f| {
            let file = f.location.file.as_deref().unwrap_or_default().replace('\\', "/");
            let file = file.rsplit_once("secret-outputs/").map_or(file.clone(), |(_, rest)| rest.to_owned());
            assert_eq!(f.status, amlguard_core::report::Status::Fail, "{f:?}");
            assert_eq!(f.resource.type_, "output");
            (f.resource.name.clone(), file, f.location.pointer.clone(), f.location.line)
        })
        .collect();
    got.sort();
    let want = [
        ("connection", "azuredeploy.json", "/outputs/connection", 75),
        ("eventKey", "azuredeploy.json", "/resources/2/properties/template/outputs/eventKey", 48),
        ("registryPassword", "azuredeploy.json", "/resources/1/properties/template/outputs/registryPassword", 29),
        ("searchKeys", "nested/secrets.json", "/outputs/searchKeys", 7),
        ("storageKey", "azuredeploy.json", "/outputs/storageKey", 71),
    ];
    let want: Vec<(String, String, String, Option<u32>)> =
        want.iter().map(|(n, f, p, l)| ((*n).to_owned(), (*f).to_owned(), (*p).to_owned(), Some(*l))).collect();
    assert_eq!(got, want);
    assert!(report.findings.iter().any(|f| f.message.contains("`listCredentials`")), "{:?}", report.findings);
    // A file suppression naming the output keeps the finding, suppressed.
    let opts = amlguard_core::CheckOptions {
        suppressions: amlguard_core::rules::parse_suppressions(
            r#"{"suppress": [{"id": "AML-DATA-006", "resource": "storageKey", "justification": "test"}]}"#,
            "s.json",
        )
        .unwrap(),
        ..opts
    };
    let report = amlguard_core::check_path(&[dir.as_path()], &amlguard_core::ingest::LoadOptions::default(), &opts).unwrap();
    let suppressed: Vec<&str> = report.findings.iter().filter(|f| f.suppressed.is_some()).map(|f| f.resource.name.as_str()).collect();
    assert_eq!(suppressed, ["storageKey"]);
}

#[test]
fn a_folder_reads_plain_resource_lists_and_says_what_it_skipped() {
    // `exported.json` is an array of ARM resources, `resource-graph.json` an
    // Azure Resource Graph result (`{"data": [...]}`, lower-case types);
    // `settings.json` and `names.json` are other JSON and are skipped.
    let dir = amlguard_tests::repo_root().join("tests/fixtures/resource-list-folder");
    let dep = amlguard_core::ingest::load_path(&dir, &amlguard_core::ingest::LoadOptions::default()).unwrap();
    let names: BTreeSet<&str> = dep.resources.iter().map(|r| r.name()).collect();
    assert_eq!(names, BTreeSet::from(["ws-exported", "stgraph"]));
    let notes: Vec<&str> = dep.diagnostics.iter().map(|d| d.message.as_str()).collect();
    for (file, says) in [
        ("exported.json", "as a list of 1 ARM resource(s)"),
        ("resource-graph.json", "as a list of 1 ARM resource(s)"),
        ("settings.json", "skipped"),
        ("names.json", "skipped"),
    ] {
        assert!(notes.iter().any(|n| n.contains(file) && n.contains(says)), "{file}: {notes:?}");
    }
    assert!(notes.iter().any(|n| n.contains("settings.json") && n.contains("not an ARM resource type")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("names.json") && n.contains("element 0 has no ARM resource `type`")), "{notes:?}");
    let r = amlguard_core::check(&dep, &amlguard_core::CheckOptions { rules: vec!["AML-DATA-005".into()], ..amlguard_core::CheckOptions::default() });
    let failed: Vec<(&str, &str)> = r.findings.iter().map(|f| (f.resource.name.as_str(), f.location.pointer.as_str())).collect();
    assert_eq!(failed, [("stgraph", "/data/0")]);
}
