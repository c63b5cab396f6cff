//! Unit tests of the engine: conditions, effects, unknowns, the `related`
//! count extension and `source()`, existence checks against a deployment.

use super::*;
use serde_json::json;

fn v(j: serde_json::Value) -> Value {
    Value::from_json(&j)
}

fn eval_with(def: serde_json::Value, res: serde_json::Value, params: serde_json::Value) -> Evaluation {
    let p = Policy::parse(&v(def)).unwrap();
    let params = parameter_values(&v(params));
    p.evaluate(&v(res), &params, &EvalContext::default())
}

fn eval_json(def: serde_json::Value, res: serde_json::Value) -> Evaluation {
    eval_with(def, res, json!({}))
}

fn rule(cond: serde_json::Value) -> serde_json::Value {
    json!({"if": cond, "then": {"effect": "Audit"}})
}

const WS: &str = "Microsoft.MachineLearningServices/workspaces";

#[test]
fn alias_condition_matches() {
    let e = eval_json(
        rule(json!({"field": "Microsoft.MachineLearningServices/workspaces/publicNetworkAccess", "equals": "Enabled"})),
        json!({"type": WS, "properties": {"publicNetworkAccess": "enabled"}}),
    );
    assert_eq!(e.effect.as_deref(), Some("audit"));
    assert_eq!(e.outcome, Outcome::Match);
    assert_eq!(e.evidence.len(), 1);
    assert_eq!(e.evidence[0].path.as_deref(), Some("properties.publicNetworkAccess"));
    assert_eq!(e.evidence[0].value, Some(Value::from("enabled")));
}

#[test]
fn ml_compute_aliases_read_the_second_properties_level() {
    let def = rule(json!({"field": "Microsoft.MachineLearningServices/workspaces/computes/enableNodePublicIp", "equals": true}));
    let yes = json!({"type": "Microsoft.MachineLearningServices/workspaces/computes",
        "properties": {"computeType": "AmlCompute", "properties": {"enableNodePublicIp": true}}});
    let no = json!({"type": "Microsoft.MachineLearningServices/workspaces/computes",
        "properties": {"computeType": "AmlCompute", "enableNodePublicIp": true}});
    assert_eq!(eval_json(def.clone(), yes).outcome, Outcome::Match);
    assert_eq!(eval_json(def, no).outcome, Outcome::NoMatch);
}

#[test]
#[cfg_attr(feature = "slim", ignore = "needs the full alias catalog; the slim build embeds only the aliases the rules use")]
fn wildcard_field_needs_every_element() {
    let def = rule(json!({"field": "Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].value", "notEquals": "0.0.0.0/0"}));
    let res = |rules: serde_json::Value| json!({"type": "Microsoft.Storage/storageAccounts", "properties": {"networkAcls": {"ipRules": rules}}});
    let cases = [
        (json!([{"value": "10.0.0.0/8"}, {"value": "1.2.3.4"}]), Outcome::Match),
        (json!([{"value": "10.0.0.0/8"}, {"value": "0.0.0.0/0"}]), Outcome::NoMatch),
        (json!([]), Outcome::Match),
    ];
    for (rules, want) in cases {
        assert_eq!(eval_json(def.clone(), res(rules.clone())).outcome, want, "{rules}");
    }
}

#[test]
#[cfg_attr(feature = "slim", ignore = "needs the full alias catalog; the slim build embeds only the aliases the rules use")]
fn counts_with_where_name_and_current() {
    let nsg = json!({"type": "Microsoft.Network/networkSecurityGroups", "properties": {"securityRules": [
        {"name": "a", "properties": {"access": "Allow", "direction": "Inbound", "destinationPortRange": "22"}},
        {"name": "b", "properties": {"access": "Allow", "direction": "Inbound", "destinationPortRange": "443"}},
        {"name": "c", "properties": {"access": "Deny", "direction": "Inbound", "destinationPortRange": "3389"}}]}});
    let field_count = rule(json!({"count": {"field": "Microsoft.Network/networkSecurityGroups/securityRules[*]",
        "where": {"field": "Microsoft.Network/networkSecurityGroups/securityRules[*].access", "equals": "Allow"}}, "equals": 2}));
    assert_eq!(eval_json(field_count, nsg.clone()).outcome, Outcome::Match);
    let value_count = rule(json!({"count": {"value": ["22", "3389"], "name": "port",
        "where": {"count": {"field": "Microsoft.Network/networkSecurityGroups/securityRules[*]", "where": {"allOf": [
            {"field": "Microsoft.Network/networkSecurityGroups/securityRules[*].destinationPortRange", "equals": "[current('port')]"},
            {"field": "Microsoft.Network/networkSecurityGroups/securityRules[*].access", "equals": "Allow"}]}}, "greater": 0}},
        "greater": 0}));
    assert_eq!(eval_json(value_count, nsg).outcome, Outcome::Match);
}

#[test]
fn unknown_values_make_the_outcome_unknown_and_say_why() {
    let def = rule(json!({"allOf": [
        {"field": "type", "equals": WS},
        {"field": "Microsoft.MachineLearningServices/workspaces/publicNetworkAccess", "notEquals": "Disabled"}]}));
    let res = v(json!({"type": WS, "properties": {}}));
    let mut res = res;
    if let Some(p) = res.as_object_mut().and_then(|m| m.get_mut("properties")).and_then(Value::as_object_mut) {
        p.insert("publicNetworkAccess".into(), Value::unknown("parameter `pna` has no value"));
    }
    let p = Policy::parse(&v(def)).unwrap();
    let e = p.evaluate(&res, &Map::new(), &EvalContext::default());
    assert_eq!(e.outcome, Outcome::Unknown);
    assert_eq!(e.effect, None);
    assert_eq!(e.unknown.len(), 1);
    assert!(e.unknown[0].contains("publicNetworkAccess") && e.unknown[0].contains("`pna`"), "{:?}", e.unknown);
    // a false condition elsewhere still decides
    let def2 = rule(json!({"allOf": [{"field": "type", "equals": "Other/type"},
        {"field": "Microsoft.MachineLearningServices/workspaces/publicNetworkAccess", "notEquals": "Disabled"}]}));
    let e = Policy::parse(&v(def2)).unwrap().evaluate(&res, &Map::new(), &EvalContext::default());
    assert_eq!(e.outcome, Outcome::NoMatch);
    // exists over an unknown value: the property is set
    let def3 = rule(json!({"field": "Microsoft.MachineLearningServices/workspaces/publicNetworkAccess", "exists": true}));
    let e = Policy::parse(&v(def3)).unwrap().evaluate(&res, &Map::new(), &EvalContext::default());
    assert_eq!(e.outcome, Outcome::Match);
    // the keys of an object are known even when a value is not
    let def4 = rule(json!({"field": "properties", "containsKey": "publicNetworkAccess"}));
    let e = Policy::parse(&v(def4)).unwrap().evaluate(&res, &Map::new(), &EvalContext::default());
    assert_eq!(e.outcome, Outcome::Match);
}

#[test]
fn parameters_defaults_and_missing_values() {
    let def = json!({"properties": {"parameters": {
            "effect": {"type": "String", "defaultValue": "Deny"},
            "allowed": {"type": "Array"}},
        "policyRule": {"if": {"field": "location", "notIn": "[parameters('allowed')]"}, "then": {"effect": "[parameters('effect')]"}}}});
    let res = json!({"type": WS, "location": "westeurope"});
    let e = eval_with(def.clone(), res.clone(), json!({"allowed": ["northeurope"]}));
    assert_eq!(e.effect.as_deref(), Some("deny"));
    let e = eval_with(def.clone(), res.clone(), json!({"parameters": {"allowed": {"value": ["westeurope"]}, "effect": {"value": "Audit"}}}));
    assert_eq!(e.outcome, Outcome::NoMatch);
    let e = eval_with(def, res, json!({}));
    assert_eq!(e.outcome, Outcome::Unknown);
    assert!(e.unknown.iter().any(|u| u.contains("`allowed`")), "{:?}", e.unknown);
}

#[test]
fn disabled_is_not_evaluated_and_details_are_reported() {
    let def = json!({"if": {"field": "type", "equals": WS}, "then": {"effect": "[parameters('e')]",
        "details": {"roleDefinitionIds": ["/x"], "operations": [{"operation": "addOrReplace",
            "field": "Microsoft.MachineLearningServices/workspaces/publicNetworkAccess", "value": "[parameters('v')]"}]}}});
    let res = json!({"type": WS});
    let e = eval_with(def.clone(), res.clone(), json!({"e": "Disabled", "v": "Disabled"}));
    assert_eq!((e.effect, e.outcome), (None, Outcome::NoMatch));
    let e = eval_with(def, res, json!({"e": "Modify", "v": "Disabled"}));
    assert_eq!(e.effect.as_deref(), Some("modify"));
    let d = e.details.unwrap();
    assert_eq!(d.get("operations").and_then(|o| o.as_array()).and_then(|o| o.first()).and_then(|o| o.get("value")), Some(&Value::from("Disabled")));
}

#[test]
fn parse_errors_carry_the_pointer() {
    let cases = [
        (json!({"properties": {"policyRule": {"if": {"allOf": [{"field": "type"}]}, "then": {"effect": "audit"}}}}), "/properties/policyRule/if/allOf/0"),
        (json!({"if": {"field": "type", "equals": "x", "bogus": 1}, "then": {"effect": "audit"}}), "/if/bogus"),
        (json!({"if": {"value": "[concat('a']", "equals": "a"}, "then": {"effect": "audit"}}), "/if/value"),
        (json!({"if": {"value": "[guid('a')]", "equals": "a"}, "then": {"effect": "audit"}}), "/if/value"),
        (json!({"if": {"count": {"field": "a[*].b"}, "equals": 1}, "then": {"effect": "audit"}}), "/if/count/field"),
        (json!({"if": {"field": "type", "equals": "x"}}), "/"),
    ];
    for (def, ptr) in cases {
        let err = Policy::parse(&v(def.clone())).unwrap_err();
        assert_eq!(err.pointer, ptr, "{def}: {err}");
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let mut cond = json!({"field": "type", "equals": "x"});
    for _ in 0..500 {
        cond = json!({"not": cond});
    }
    assert!(Policy::parse(&v(rule(cond))).is_err());
}

// ---------- cross-resource: `related` counts and `source()` ----------

fn deployment() -> Deployment {
    let s = crate::model::Scope::default();
    let ws = s.resource_id(WS, "ws");
    let st = s.resource_id("Microsoft.Storage/storageAccounts", "st");
    let doc = json!([
        {"type": WS, "name": "ws", "location": "westeurope", "properties": {"storageAccount": st}},
        {"type": "Microsoft.Storage/storageAccounts", "name": "st", "location": "northeurope"},
        {"type": "Microsoft.Network/privateEndpoints", "name": "pe-ws", "properties": {"privateLinkServiceConnections": [
            {"name": "c", "properties": {"privateLinkServiceId": ws, "groupIds": ["amlworkspace"]}}]}},
        {"type": "Microsoft.Network/privateEndpoints", "name": "pe-st", "properties": {"privateLinkServiceConnections": [
            {"name": "c", "properties": {"privateLinkServiceId": st, "groupIds": ["blob"]}}]}},
        {"type": "Microsoft.Insights/diagnosticSettings", "name": "diag", "id": format!("{ws}/providers/Microsoft.Insights/diagnosticSettings/diag"),
         "properties": {"logs": [{"categoryGroup": "allLogs", "enabled": true}]}},
        {"type": "Microsoft.Insights/diagnosticSettings", "name": "other", "id": format!("{st}/providers/Microsoft.Insights/diagnosticSettings/other"),
         "properties": {"logs": [{"categoryGroup": "audit", "enabled": true}]}}
    ]);
    Deployment::from_resources(&v(doc), None, None).unwrap()
}

fn eval_in(dep: &Deployment, index: usize, def: serde_json::Value) -> Evaluation {
    let p = Policy::parse(&v(def)).unwrap();
    p.evaluate(&dep.resources[index].value, &Map::new(), &EvalContext::for_resource(dep, index))
}

const PE_PATH: &str = "properties.privateLinkServiceConnections[*].properties.privateLinkServiceId";

#[test]
fn related_in_counts_resources_pointing_here() {
    let dep = deployment();
    let def = |group: &str| rule(json!({"count": {
        "related": {"direction": "in", "type": "Microsoft.Network/privateEndpoints", "path": [PE_PATH]},
        "where": {"field": "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].groupIds[*]", "equals": group}},
        "equals": 0}));
    // the workspace has a private endpoint for `amlworkspace` → count 1 → no match
    assert_eq!(eval_in(&dep, 0, def("amlworkspace")).outcome, Outcome::NoMatch);
    assert_eq!(eval_in(&dep, 0, def("blob")).outcome, Outcome::Match);
    assert!(Policy::parse(&v(def("x"))).unwrap().uses_related());
    // without a deployment the related set is empty
    let p = Policy::parse(&v(def("amlworkspace"))).unwrap();
    let e = p.evaluate(&dep.resources[0].value, &Map::new(), &EvalContext::default());
    assert_eq!(e.outcome, Outcome::Match);
}

#[test]
fn related_out_and_source_compare_the_two_resources() {
    let dep = deployment();
    let def = rule(json!({"count": {
        "related": {"direction": "out", "type": "Microsoft.Storage/storageAccounts", "path": "properties.storageAccount"},
        "where": {"field": "location", "notEquals": "[source('location')]"}},
        "greater": 0}));
    let e = eval_in(&dep, 0, def);
    assert_eq!(e.outcome, Outcome::Match, "storage in another region than the workspace");
    let same = rule(json!({"count": {
        "related": {"direction": "out", "path": "properties.storageAccount"},
        "where": {"value": "[field('name')]", "equals": "st"}},
        "equals": 1}));
    assert_eq!(eval_in(&dep, 0, same).outcome, Outcome::Match);
    // wrong type filter → nothing related
    let none = rule(json!({"count": {"related": {"direction": "out", "type": "Microsoft.KeyVault/vaults", "path": "properties.storageAccount"}}, "equals": 0}));
    assert_eq!(eval_in(&dep, 0, none).outcome, Outcome::Match);
}

#[test]
fn related_counts_nest() {
    // workspace → out storage → in private endpoints with group `blob`
    let dep = deployment();
    let def = rule(json!({"count": {
        "related": {"direction": "out", "type": "Microsoft.Storage/storageAccounts", "path": "properties.storageAccount"},
        "where": {"count": {
            "related": {"direction": "in", "type": "Microsoft.Network/privateEndpoints", "path": PE_PATH},
            "where": {"allOf": [
                {"field": "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].groupIds[*]", "equals": "blob"},
                {"value": "[source('type')]", "equals": "Microsoft.Storage/storageAccounts"}]}},
            "greater": 0}},
        "equals": 1}));
    assert_eq!(eval_in(&dep, 0, def).outcome, Outcome::Match);
}

#[test]
#[cfg_attr(feature = "slim", ignore = "needs the full alias catalog; the slim build embeds only the aliases the rules use")]
fn audit_if_not_exists_looks_at_the_deployment() {
    let dep = deployment();
    let def = |group: &str| json!({"if": {"field": "type", "equals": WS}, "then": {"effect": "AuditIfNotExists", "details": {
        "type": "Microsoft.Insights/diagnosticSettings",
        "existenceCondition": {"field": "Microsoft.Insights/diagnosticSettings/logs[*].categoryGroup", "equals": group}}}});
    // the workspace's own diagnostic setting has allLogs → compliant
    let e = eval_in(&dep, 0, def("allLogs"));
    assert_eq!((e.effect.as_deref(), e.outcome), (None, Outcome::NoMatch));
    // `audit` is only on the storage account's setting, which does not count
    let e = eval_in(&dep, 0, def("audit"));
    assert_eq!(e.effect.as_deref(), Some("auditifnotexists"));
    // offline without a deployment: reported, with a note that existence was not checked
    let p = Policy::parse(&v(def("allLogs"))).unwrap();
    let e = p.evaluate(&dep.resources[0].value, &Map::new(), &EvalContext::default());
    assert_eq!(e.effect.as_deref(), Some("auditifnotexists"));
    assert!(e.unknown.iter().any(|u| u.contains("cannot be checked offline")), "{:?}", e.unknown);
}

#[test]
fn evaluate_expression_runs_template_functions() {
    let ctx = EvalContext::default();
    let res = v(json!({"name": "ws", "tags": {"env": "prod"}}));
    let mut params = Map::new();
    params.insert("p".into(), Value::from("A-b"));
    let cases = [
        ("[concat(toLower(parameters('p')), '-', field('name'))]", json!("a-b-ws")),
        ("[split('a/b/c', '/')[1]]", json!("b")),
        ("[if(contains(field('tags'), 'env'), field('tags.env'), 'none')]", json!("prod")),
        ("[ipRangeContains('10.0.0.0/16', '10.0.3.4')]", json!(true)),
        ("[length(union(createArray(1, 2), createArray(2, 3)))]", json!(3)),
        ("[dateTimeAdd('2024-01-31T00:00:00Z', 'P1D')]", json!("2024-02-01T00:00:00Z")),
        ("[[literal]", json!("[literal]")),
    ];
    for (expr, want) in cases {
        assert_eq!(evaluate_expression(expr, &res, &params, None, &ctx), Ok(v(want)), "{expr}");
    }
    assert!(evaluate_expression("[substring('abc', 5)]", &res, &params, None, &ctx).is_err());
    assert!(evaluate_expression("[utcNow()]", &res, &params, None, &ctx).unwrap().is_unknown());
}
