//! The network rules flag the right resource: for every `fail` example of an
//! AML-NET rule, the failing findings name exactly the resources listed here
//! (the catalog test only asks for "some failing finding"). A cross-resource
//! rule that fires on a bystander, or on both ends of a relation, fails this.

use amlguard_core::report::Status;
use amlguard_core::rules::{check_with, Catalog, CheckOptions};
use amlguard_core::{Deployment, Value};
use std::collections::BTreeSet;

/// (rule, example name, resources its failing findings must name).
const EXPECTED: &[(&str, &str, &[&str])] = &[
    ("AML-NET-001", "private link workspace reopened by the legacy switch", &["ws"]),
    ("AML-NET-001", "public network access enabled", &["ws"]),
    ("AML-NET-001", "public network access omitted (Azure default is Enabled)", &["ws"]),
    ("AML-NET-002", "private endpoint waiting for manual approval", &["ws"]),
    ("AML-NET-002", "private workspace without any private endpoint", &["ws"]),
    ("AML-NET-002", "workspace name from a parameter without value, no private endpoint at all", &["<unknown: parameter `workspaceName` has no value>"]),
    ("AML-NET-003", "child subnet resource, no zones", &["pe-ws"]),
    ("AML-NET-003", "no private DNS zones", &["pe-ws"]),
    ("AML-NET-003", "notebook zone missing", &["pe-ws"]),
    ("AML-NET-003", "zones linked to another VNet", &["pe-ws"]),
    ("AML-NET-004", "blob endpoint only", &["ws"]),
    ("AML-NET-004", "no storage endpoints", &["ws"]),
    ("AML-NET-005", "endpoint to another vault", &["ws"]),
    ("AML-NET-005", "no vault endpoint", &["ws"]),
    ("AML-NET-006", "premium registry with endpoint but public access left on", &["ws"]),
    ("AML-NET-006", "premium registry without endpoint", &["ws"]),
    ("AML-NET-006", "standard registry", &["ws"]),
    ("AML-NET-007", "firewalls left open (Azure default)", &["st", "kv"]),
    ("AML-NET-007", "storage denies but blocks trusted services", &["st"]),
    ("AML-NET-008", "cluster without subnet", &["ws/cluster"]),
    ("AML-NET-008", "instance without subnet, workspace not in the deployment", &["ws/ci"]),
    ("AML-NET-009", "public IP enabled", &["ws/ci"]),
    ("AML-NET-009", "public IP left at its default", &["ws/cluster"]),
    ("AML-NET-010", "AKS compute in the training subnet", &["ws/aks"]),
    ("AML-NET-010", "Kubernetes (Arc) compute attaching a cluster in the training subnet", &["aks"]),
    ("AML-NET-010", "attached AKS cluster's node pool in the training subnet", &["aks"]),
    ("AML-NET-011", "cluster of 20 nodes in a /28 (11 usable addresses)", &["vnet"]),
    ("AML-NET-012", "storage endpoints in the scoring subnet", &["pe-ws"]),
    ("AML-NET-013", "cluster in another VNet", &["ws/cluster"]),
    ("AML-NET-013", "cluster in another region", &["ws/cluster"]),
    ("AML-NET-013", "key vault endpoint only in another VNet", &["pe-ws"]),
    ("AML-NET-014", "ACI web service in a private-link workspace", &["ws/svc"]),
    ("AML-NET-014", "ACI web service with a private registry", &["ws/svc"]),
    ("AML-NET-015", "private workspace in an isolated VNet", &["ws"]),
    ("AML-NET-016", "AKS scoring subnet without NSG", &["ws/aks"]),
    ("AML-NET-016", "child subnet without NSG", &["ws/cluster"]),
    ("AML-NET-016", "inline training subnet without NSG", &["ws/cluster"]),
    ("AML-NET-017", "managed VNet allowing internet outbound", &["ws"]),
    ("AML-NET-017", "route table without default route to a firewall", &["ws/cluster"]),
    ("AML-NET-017", "training subnet without route table", &["ws/cluster"]),
    ("AML-NET-018", "deployment with public egress", &["ws/ep/blue"]),
    ("AML-NET-018", "public endpoint (default)", &["ws/ep"]),
    ("AML-NET-019", "private registry, no build cluster", &["ws"]),
    ("AML-NET-020", "custom subnet with public IPs", &["ws"]),
    ("AML-NET-020", "no serverless settings", &["ws"]),
    ("AML-NET-021", "another workspace's compute in this workspace's VNet", &["ws1"]),
    ("AML-NET-021", "two workspaces in one VNet", &["ws1", "ws2"]),
    ("AML-NET-021", "two workspaces' endpoints in one child subnet", &["ws1", "ws2"]),
];

fn flagged(rule_id: &str, example: &str) -> Option<BTreeSet<String>> {
    let cat = Catalog::embedded();
    let rule = cat.get(rule_id)?;
    let ex = rule.examples.fail.iter().find(|e| e.name == example)?;
    let dep = Deployment::from_resources(&Value::Array(ex.resources.clone()), None, None).ok()?;
    let options = CheckOptions { rules: vec![rule_id.to_owned()], ..CheckOptions::default() };
    let report = check_with(cat, &dep, &options);
    Some(report.findings.iter().filter(|f| f.status == Status::Fail).map(|f| f.resource.name.clone()).collect())
}

#[test]
fn every_network_fail_example_flags_exactly_the_expected_resources() {
    let mut problems = Vec::new();
    for (id, example, want) in EXPECTED {
        let want: BTreeSet<String> = want.iter().map(|s| (*s).to_owned()).collect();
        match flagged(id, example) {
            Some(got) if got == want => {}
            Some(got) => problems.push(format!("{id} / {example}: flagged {got:?}, expected {want:?}")),
            None => problems.push(format!("{id} / {example}: no such rule or example")),
        }
    }
    assert!(problems.is_empty(), "{} of {} examples flag the wrong resources:\n{}", problems.len(), EXPECTED.len(), problems.join("\n"));
}

#[test]
fn every_network_fail_example_is_listed() {
    let cat = Catalog::embedded();
    let listed: BTreeSet<(&str, &str)> = EXPECTED.iter().map(|(id, ex, _)| (*id, *ex)).collect();
    let mut missing = Vec::new();
    for r in cat.rules().iter().filter(|r| r.id.starts_with("AML-NET-")) {
        for e in &r.examples.fail {
            if !listed.contains(&(r.id.as_str(), e.name.as_str())) {
                missing.push(format!("{} / {}", r.id, e.name));
            }
        }
    }
    assert!(missing.is_empty(), "fail examples without expected resources: {missing:?}");
}

/// The status of `rule_id` on resource `name` after adding `extra` to a fail
/// example, with the finding's `unknown` reasons.
fn status_with(rule_id: &str, example: &str, extra: &[serde_json::Value], name: &str) -> Option<(Option<Status>, Vec<String>)> {
    let cat = Catalog::embedded();
    let rule = cat.get(rule_id)?;
    let ex = rule.examples.fail.iter().find(|e| e.name == example)?;
    let mut resources = ex.resources.clone();
    resources.extend(extra.iter().cloned().map(Value::from));
    let dep = Deployment::from_resources(&Value::Array(resources), None, None).ok()?;
    let options = CheckOptions { rules: vec![rule_id.to_owned()], ..CheckOptions::default() };
    let report = check_with(cat, &dep, &options);
    let f = report.findings.iter().find(|f| f.resource.name == name);
    Some((f.map(|f| f.status), f.map(|f| f.unknown.clone()).unwrap_or_default()))
}

/// A relation hidden behind an unknown id (`reference()`, "known after
/// apply") is not a missing relation: the rules that fire on an absent
/// relation say indeterminate and name the unknown property; a known id to
/// something else still fails.
#[test]
fn unknown_relation_targets_are_indeterminate_not_fail() {
    let pe = |target: serde_json::Value| {
        serde_json::json!({
            "type": "Microsoft.Network/privateEndpoints", "name": "pe-x", "apiVersion": "2023-04-01",
            "properties": { "privateLinkServiceConnections": [ { "name": "c", "properties": {
                "privateLinkServiceId": target, "groupIds": ["amlworkspace"] } } ] }
        })
    };
    let unknown = serde_json::json!({"$unknown": "`azurerm_x.y.id` is known after apply"});
    let elsewhere = serde_json::json!("/subscriptions/0/resourceGroups/other/providers/Microsoft.Storage/storageAccounts/zz");
    let cases: &[(&str, &str, serde_json::Value, Option<Status>)] = &[
        ("AML-NET-002", "private workspace without any private endpoint", unknown.clone(), Some(Status::Indeterminate)),
        ("AML-NET-002", "private workspace without any private endpoint", elsewhere, Some(Status::Fail)),
    ];
    for (rule, example, target, want) in cases {
        let (got, why) = status_with(rule, example, &[pe(target.clone())], "ws").expect("rule and example exist");
        assert_eq!(got, *want, "{rule} / {example} with target {target}: {why:?}");
        if *want == Some(Status::Indeterminate) {
            assert!(
                why.iter().any(|w| w.contains("privateLinkServiceId") && w.contains("known after apply")),
                "{rule}: the reason names the unknown property: {why:?}"
            );
        }
    }
}
