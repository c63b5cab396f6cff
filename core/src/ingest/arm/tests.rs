//! Table-driven tests of the expression functions and of template expansion.

use super::*;
use crate::model::DiagnosticLevel;
use serde_json::json;

fn eval(e: &str) -> Value {
    match evaluate_expression(e) {
        Ok(v) => v,
        Err(err) => Value::String(format!("ERROR {err}")),
    }
}

fn j(v: serde_json::Value) -> Value {
    Value::from(v)
}

#[test]
fn functions_table() {
    let rg = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlguard-rg";
    let cases: Vec<(&str, Value)> = vec![
        // strings
        ("concat('a', 'b', 1)", j(json!("ab1"))),
        ("format('{0}-{1}-{0}', 'x', 2)", j(json!("x-2-x"))),
        ("format('{{literal}} {0}', true())", j(json!("{literal} True"))),
        ("toLower('AbC')", j(json!("abc"))),
        ("toUpper('AbC')", j(json!("ABC"))),
        ("trim('  x  ')", j(json!("x"))),
        ("replace('a-b-c', '-', '')", j(json!("abc"))),
        ("split('a,b;c', createArray(',', ';'))", j(json!(["a", "b", "c"]))),
        ("join(createArray('a', 'b'), '/')", j(json!("a/b"))),
        ("substring('hello', 1, 3)", j(json!("ell"))),
        ("substring('hello', 2)", j(json!("llo"))),
        ("padLeft('7', 3, '0')", j(json!("007"))),
        ("startsWith('Hello', 'he')", j(json!(true))),
        ("endsWith('Hello', 'LO')", j(json!(true))),
        ("indexOf('abcabc', 'C')", j(json!(2))),
        ("lastIndexOf('abcabc', 'c')", j(json!(5))),
        ("indexOf('abc', 'z')", j(json!(-1))),
        ("contains('abc', 'b')", j(json!(true))),
        ("contains(createObject('Key', 1), 'key')", j(json!(true))),
        ("contains(createArray(1, 2), 3)", j(json!(false))),
        ("base64('hello')", j(json!("aGVsbG8="))),
        ("base64ToString('aGVsbG8=')", j(json!("hello"))),
        ("base64ToJson(base64('{\"a\":1}'))", j(json!({"a": 1}))),
        ("dataUriToString(dataUri('hi'))", j(json!("hi"))),
        ("uriComponent('a b/c')", j(json!("a%20b%2Fc"))),
        ("uriComponentToString('a%20b%2Fc')", j(json!("a b/c"))),
        ("uri('https://x.org/a/b.json', 'c.json')", j(json!("https://x.org/a/c.json"))),
        ("uri('https://x.org/a/', '/c.json')", j(json!("https://x.org/c.json"))),
        ("string(createObject('a', 1))", j(json!("{\"a\":1}"))),
        ("string(5)", j(json!("5"))),
        ("string('s')", j(json!("s"))),
        ("json('{\"a\": [1, 2]}').a[1]", j(json!(2))),
        ("json('null')", Value::Null),
        ("first('abc')", j(json!("a"))),
        ("last(createArray(1, 2, 3))", j(json!(3))),
        ("skip('abcd', 2)", j(json!("cd"))),
        ("take(createArray(1, 2, 3), 2)", j(json!([1, 2]))),
        ("length('héllo')", j(json!(5))),
        ("length(createObject('a', 1, 'b', 2))", j(json!(2))),
        ("empty('')", j(json!(true))),
        ("empty(createArray())", j(json!(true))),
        ("empty(createObject('a', null()))", j(json!(false))),
        // numbers and logic
        ("add(1, 2)", j(json!(3))),
        ("sub(1, 2)", j(json!(-1))),
        ("mul(3, 4)", j(json!(12))),
        ("div(7, 2)", j(json!(3))),
        ("mod(7, 2)", j(json!(1))),
        ("int('42')", j(json!(42))),
        ("min(3, 1, 2)", j(json!(1))),
        ("max(createArray(3, 1, 2))", j(json!(3))),
        ("range(2, 3)", j(json!([2, 3, 4]))),
        ("equals('a', 'A')", j(json!(false))),
        ("equals(createArray(1, 'x'), createArray(1, 'x'))", j(json!(true))),
        ("greater(2, 1)", j(json!(true))),
        ("lessOrEquals('a', 'b')", j(json!(true))),
        ("and(true(), false())", j(json!(false))),
        ("or(false(), true())", j(json!(true))),
        ("not(true())", j(json!(false))),
        ("bool('TRUE')", j(json!(true))),
        ("if(equals(1, 1), 'yes', 'no')", j(json!("yes"))),
        ("if(false(), div(1, 0), 'lazy')", j(json!("lazy"))),
        ("coalesce(null(), null(), 'x')", j(json!("x"))),
        // arrays and objects
        ("union(createObject('a', 1, 'n', createObject('x', 1)), createObject('b', 2, 'n', createObject('y', 2)))",
         j(json!({"a": 1, "n": {"x": 1, "y": 2}, "b": 2}))),
        ("union(createArray(1, 2), createArray(2, 3))", j(json!([1, 2, 3]))),
        ("intersection(createArray(1, 2, 3), createArray(2, 3, 4))", j(json!([2, 3]))),
        ("intersection(createObject('a', 1, 'b', 2), createObject('a', 1, 'b', 3))", j(json!({"a": 1}))),
        ("concat(createArray(1), createArray(2, 3))", j(json!([1, 2, 3]))),
        ("flatten(createArray(createArray(1), createArray(2, 3)))", j(json!([1, 2, 3]))),
        ("items(createObject('b', 2, 'a', 1))", j(json!([{"key": "a", "value": 1}, {"key": "b", "value": 2}]))),
        ("objectKeys(createObject('b', 2, 'a', 1))", j(json!(["b", "a"]))),
        ("shallowMerge(createArray(createObject('a', 1), createObject('a', 2, 'b', 3)))", j(json!({"a": 2, "b": 3}))),
        ("tryGet(createObject('a', createObject('b', 1)), 'a', 'b')", j(json!(1))),
        ("tryGet(createObject('a', 1), 'z')", Value::Null),
        ("array('x')", j(json!(["x"]))),
        ("createObject('A', 1).a", j(json!(1))),
        ("createArray('x', 'y')[1]", j(json!("y"))),
        ("indexFromEnd(createArray(1, 2, 3), 1)", j(json!(3))),
        // lambdas
        ("filter(range(0, 5), lambda('x', greater(lambdaVariables('x'), 2)))", j(json!([3, 4]))),
        ("map(createArray('a', 'b'), lambda('x', 'i', concat(lambdaVariables('x'), string(lambdaVariables('i')))))", j(json!(["a0", "b1"]))),
        ("reduce(range(1, 4), 0, lambda('acc', 'x', add(lambdaVariables('acc'), lambdaVariables('x'))))", j(json!(10))),
        ("sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))", j(json!([1, 2, 3]))),
        ("toObject(createArray('a', 'b'), lambda('x', lambdaVariables('x')), lambda('x', toUpper(lambdaVariables('x'))))", j(json!({"a": "A", "b": "B"}))),
        ("groupBy(createArray('ab', 'ac', 'b'), lambda('x', first(lambdaVariables('x'))))", j(json!({"a": ["ab", "ac"], "b": ["b"]}))),
        ("mapValues(createObject('a', 1), lambda('v', add(lambdaVariables('v'), 1)))", j(json!({"a": 2}))),
        // resource ids and scope
        ("resourceId('Microsoft.Storage/storageAccounts', 'st')", j(json!(format!("{rg}/providers/Microsoft.Storage/storageAccounts/st")))),
        ("resourceId('other-rg', 'Microsoft.Network/virtualNetworks/subnets', 'vnet', 'snet')",
         j(json!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/other-rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet"))),
        ("resourceId('sub', 'rg', 'Microsoft.KeyVault/vaults', 'kv')", j(json!("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"))),
        ("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'r1')",
         j(json!("/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/r1"))),
        ("tenantResourceId('Microsoft.Management/managementGroups', 'mg')", j(json!("/providers/Microsoft.Management/managementGroups/mg"))),
        ("managementGroupResourceId('mg', 'Microsoft.Authorization/policyDefinitions', 'p')",
         j(json!("/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/policyDefinitions/p"))),
        ("extensionResourceId(resourceId('Microsoft.Storage/storageAccounts', 'st'), 'Microsoft.Authorization/locks', 'l')",
         j(json!(format!("{rg}/providers/Microsoft.Storage/storageAccounts/st/providers/Microsoft.Authorization/locks/l")))),
        ("resourceGroup().id", j(json!(rg))),
        ("resourceGroup().location", j(json!("westeurope"))),
        ("subscription().subscriptionId", j(json!("00000000-0000-0000-0000-000000000000"))),
        ("tenant().tenantId", j(json!("00000000-0000-0000-0000-000000000000"))),
        ("environment().suffixes.storage", j(json!("core.windows.net"))),
        ("environment().name", j(json!("AzureCloud"))),
        ("deployment().name", j(json!("deployment"))),
        // hashes (see hash.rs for the reference outputs)
        ("uniqueString('test')", j(json!("rbgf3xv4ufgzg"))),
        ("uniqueString('hello', 'world')", j(json!("a7wkljktk6wne"))),
        ("guid('a', 'b', 'c')", j(json!("a98fa280-e03f-5afa-8d8e-92d0a9c201e8"))),
        // network ranges (IPv4)
        ("parseCidr('10.144.0.0/20')", j(json!({"network": "10.144.0.0", "netmask": "255.255.240.0", "broadcast": "10.144.15.255",
                                                  "firstUsable": "10.144.0.1", "lastUsable": "10.144.15.254", "cidr": 20}))),
        ("cidrSubnet('10.144.0.0/20', 24, 2)", j(json!("10.144.2.0/24"))),
        ("cidrHost('10.144.3.0/24', 0)", j(json!("10.144.3.1"))),
        // network ranges (IPv6): Learn's documented examples
        ("parseCidr('fdad:3236:5555::/48')", j(json!({"network": "fdad:3236:5555::", "netmask": "ffff:ffff:ffff::",
                                                       "firstUsable": "fdad:3236:5555::",
                                                       "lastUsable": "fdad:3236:5555:ffff:ffff:ffff:ffff:ffff", "cidr": 48}))),
        ("cidrSubnet('fdad:3236:5555::/48', 52, 0)", j(json!("fdad:3236:5555::/52"))),
        ("cidrSubnet('fdad:3236:5555::/48', 52, 1)", j(json!("fdad:3236:5555:1000::/52"))),
        ("cidrSubnet('fdad:3236:5555::/48', 52, 4)", j(json!("fdad:3236:5555:4000::/52"))),
        ("cidrHost('fdad:3236:5555:3000::/52', 0)", j(json!("fdad:3236:5555:3000::1"))),
        ("cidrHost('fdad:3236:5555:3000::/52', 4)", j(json!("fdad:3236:5555:3000::5"))),
        // IPv6 edges: host bits in the input are masked, /128 and /0
        ("parseCidr('2001:db8::1/64').network", j(json!("2001:db8::"))),
        ("parseCidr('::1/128').lastUsable", j(json!("::1"))),
        ("parseCidr('::/0').netmask", j(json!("::"))),
        ("cidrSubnet('2001:db8::/32', 48, 65535)", j(json!("2001:db8:ffff::/48"))),
        // date-times (cross-checked with Python datetime)
        ("dateTimeFromEpoch(1683040573)", j(json!("2023-05-02T15:16:13Z"))),
        ("dateTimeToEpoch('2023-05-02T15:16:13Z')", j(json!(1683040573))),
        ("dateTimeFromEpoch(dateTimeToEpoch('2000-02-29T23:59:59Z'))", j(json!("2000-02-29T23:59:59Z"))),
        // dateTimeAdd: Learn's documented examples (P1Y = 365 days, P1M = 30 days)
        ("dateTimeAdd('2023-01-01 00:00:00Z', 'P1Y')", j(json!("2024-01-01T00:00:00Z"))),
        ("dateTimeAdd('2024-01-01 00:00:00Z', 'P1Y')", j(json!("2024-12-31T00:00:00Z"))),
        ("dateTimeAdd('2023-02-01 00:00:00Z', 'P1M')", j(json!("2023-03-03T00:00:00Z"))),
        ("dateTimeAdd('2024-02-01 00:00:00Z', 'P1M')", j(json!("2024-03-02T00:00:00Z"))),
        // dateTimeAdd: time parts, weeks, negative durations (cross-checked by hand)
        ("dateTimeAdd('2020-04-07T14:53:14Z', 'PT1H')", j(json!("2020-04-07T15:53:14Z"))),
        ("dateTimeAdd('2020-04-07T14:53:14Z', '-PT3H')", j(json!("2020-04-07T11:53:14Z"))),
        ("dateTimeAdd('2020-04-07T14:53:14Z', 'P1DT2H3M4S')", j(json!("2020-04-08T16:56:18Z"))),
        ("dateTimeAdd('2020-03-01T00:00:00Z', '-P1D')", j(json!("2020-02-29T00:00:00Z"))),
        ("dateTimeAdd('2020-12-31T23:59:59Z', 'PT1S')", j(json!("2021-01-01T00:00:00Z"))),
        ("dateTimeAdd('2020-01-01T00:00:00Z', 'P2W')", j(json!("2020-01-15T00:00:00Z"))),
        // format() with .NET numeric specifiers; the first is Learn's `format` example
        ("format('{0}, {1}. Formatted number: {2:N0}', 'Hello', 'User', 8175133)", j(json!("Hello, User. Formatted number: 8,175,133"))),
        ("format('{0:D3}', 7)", j(json!("007"))),
        ("format('{0:D3}', -7)", j(json!("-007"))),
        ("format('{0:D}', 1234)", j(json!("1234"))),
        ("format('{0:N2}', 1234567)", j(json!("1,234,567.00"))),
        ("format('{0:N}', -1000)", j(json!("-1,000.00"))),
        ("format('{0:N0}', 999)", j(json!("999"))),
        ("format('{0:X}', 255)", j(json!("FF"))),
        ("format('{0:x4}', 255)", j(json!("00ff"))),
        ("format('{0:F1}', 3)", j(json!("3.0"))),
        ("format('[{0,5}]', 'ab')", j(json!("[   ab]"))),
        ("format('[{0,-5}]', 'ab')", j(json!("[ab   ]"))),
        ("format('[{0,4:D2}]', 5)", j(json!("[  05]"))),
        // .NET ignores the format of a value that is not a number (not IFormattable)
        ("format('{0:D3}', 'text')", j(json!("text"))),
        // through the evaluator: the shared library in the ARM dialect
        ("string(true())", j(json!("True"))),
        ("format('{0:N2}', json('1234.5'))", j(json!("1,234.50"))),
        ("format('{0:#,0.0}', 1234567)", j(json!("1,234,567.0"))),
        ("dateTimeAdd('2020-04-07 14:53:14Z', 'P1D', 'yyyy-MM-dd')", j(json!("2020-04-08"))),
        ("dateTimeAdd('2020-04-07 14:53:14Z', 'PT1H', 'u')", j(json!("2020-04-07 15:53:14Z"))),
        // escapes
        ("[[not an expression]", j(json!("[not an expression]"))),
    ];
    let mut failures = Vec::new();
    for (expr, want) in cases {
        let got = eval(expr);
        if got != want {
            failures.push(format!("{expr}: got {got}, want {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn deployment_time_values_are_unknown_with_a_reason() {
    for (expr, reason_part) in [
        ("reference(resourceId('Microsoft.Storage/storageAccounts', 'st')).primaryEndpoints", "only known after deployment"),
        ("listKeys(resourceId('Microsoft.Storage/storageAccounts', 'st'), '2023-01-01').keys[0].value", "only known after deployment"),
        ("newGuid()", "new value at each deployment"),
        ("utcNow()", "time of deployment"),
        ("dateTimeAdd(utcNow(), 'PT1H')", "time of deployment"),
        ("format('{0:C}', 5)", "not evaluated"),
        ("concat('x', utcNow())", "time of deployment"),
        ("toLower(subscription().displayName)", "display name"),
        ("equals(createArray(utcNow()), createArray('x'))", "time of deployment"),
        ("contains(createArray('a', newGuid()), 'b')", "new value"),
    ] {
        match eval(expr) {
            Value::Unknown(u) => assert!(u.reason.contains(reason_part), "{expr}: {}", u.reason),
            other => panic!("{expr}: expected unknown, got {other}"),
        }
    }
}

#[test]
fn expression_errors_are_typed() {
    for (expr, kind) in [
        ("noSuchFunction(1)", ErrorKind::UnknownFunction),
        ("concat(", ErrorKind::Syntax),
        ("add(1)", ErrorKind::Arity),
        ("resourceGroup(1)", ErrorKind::Arity),
        ("add('a', 1)", ErrorKind::Type),
        ("createObject('a', 1).b", ErrorKind::Type),
        ("createArray(1)[3]", ErrorKind::Type),
        ("substring('abc', 2, 5)", ErrorKind::Type),
        ("div(1, 0)", ErrorKind::Type),
        ("parseCidr('not-a-range')", ErrorKind::Type),
        ("parseCidr('fdad::/129')", ErrorKind::Type),
        ("cidrSubnet('fdad:3236:5555::/48', 52, 16)", ErrorKind::Type),
        ("cidrSubnet('fdad:3236:5555::/48', 40, 0)", ErrorKind::Type),
        ("cidrHost('::/127', 1)", ErrorKind::Type),
        ("dateTimeAdd('2020-01-01T00:00:00Z', 'P')", ErrorKind::Type),
        ("dateTimeAdd('2020-01-01T00:00:00Z', 'PT1D')", ErrorKind::Type),
        ("dateTimeAdd('2020-01-01T00:00:00Z', '1H')", ErrorKind::Type),
        ("dateTimeAdd('not a date', 'P1D')", ErrorKind::Type),
        ("parameters('nope')", ErrorKind::Reference),
        ("variables('nope')", ErrorKind::Reference),
        ("copyIndex()", ErrorKind::Reference),
        ("resourceId('Microsoft.Network/virtualNetworks/subnets', 'only-one')", ErrorKind::Type),
    ] {
        let e = evaluate_expression(expr).expect_err(expr);
        assert_eq!(e.kind, kind, "{expr}: {e}");
        assert!(!e.message.is_empty());
    }
    let long = format!("[concat('{}')]", "a".repeat(30_000));
    assert_eq!(evaluate_expression(&long).unwrap_err().kind, ErrorKind::Limit);
}

fn expand(t: serde_json::Value, params: serde_json::Value) -> Deployment {
    let text = serde_json::to_string_pretty(&t).unwrap();
    let doc = crate::json::parse(&text).unwrap();
    let src = Source::new(Some("t.json"), Some(&text), None);
    expand_template(&doc, &src, parameter_values(&[Value::from(params)]), &Limits::default()).unwrap()
}

fn template(resources: serde_json::Value) -> serde_json::Value {
    json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
           "contentVersion": "1.0.0.0", "resources": resources})
}

fn names(d: &Deployment) -> Vec<String> {
    d.resources.iter().map(|r| format!("{} {}", r.type_(), r.name())).collect()
}

#[test]
fn copy_condition_children_and_variables_expand() {
    let mut t = template(json!([
        {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-01-01", "name": "[variables('vnet')]",
         "properties": {"copy": [{"name": "subnets", "count": 2,
             "input": {"name": "[concat('snet', copyIndex('subnets', 1))]"}}]},
         "resources": [{"type": "subnets", "name": "extra", "properties": {}}]},
        {"type": "Microsoft.Storage/storageAccounts", "name": "[concat('st', copyIndex(10))]",
         "copy": {"name": "stLoop", "count": "[parameters('n')]", "mode": "serial", "batchSize": 1},
         "properties": {"index": "[copyIndex('stLoop')]"}},
        {"condition": "[parameters('deployKv')]", "type": "Microsoft.KeyVault/vaults", "name": "kv"},
        {"condition": "[not(parameters('deployKv'))]", "type": "Microsoft.KeyVault/vaults", "name": "never"}
    ]));
    t["parameters"] = json!({"n": {"type": "int", "defaultValue": 1}, "deployKv": {"type": "bool", "defaultValue": true}});
    t["variables"] = json!({"vnet": "[concat('vnet-', variables('suffix'))]", "suffix": "x",
                            "copy": [{"name": "ports", "count": 2, "input": "[add(80, copyIndex('ports'))]"}]});
    let d = expand(t, json!({"n": 2}));
    assert_eq!(
        names(&d),
        vec![
            "Microsoft.Network/virtualNetworks vnet-x",
            "Microsoft.Network/virtualNetworks/subnets vnet-x/extra",
            "Microsoft.Storage/storageAccounts st10",
            "Microsoft.Storage/storageAccounts st11",
            "Microsoft.KeyVault/vaults kv",
        ]
    );
    let vnet = d.resources.first().unwrap();
    assert_eq!(vnet.value.get_path_ci("properties.subnets").unwrap(), &j(json!([{"name": "snet1"}, {"name": "snet2"}])));
    assert_eq!(d.resources.get(3).unwrap().value.get_path_ci("properties.index"), Some(&Value::Int(1)));
    assert_eq!(d.resources.get(1).unwrap().provenance.pointer, "/resources/0/resources/0");
    assert!(d.resources.get(1).unwrap().provenance.line.is_some());
}

#[test]
fn missing_parameters_are_unknown_and_nullable_ones_null() {
    let mut t = template(json!([
        {"type": "Microsoft.Storage/storageAccounts", "name": "st",
         "properties": {"a": "[parameters('secret')]", "b": "[parameters('opt')]", "c": "[parameters('kvref')]"}}
    ]));
    t["parameters"] = json!({"secret": {"type": "securestring"}, "opt": {"type": "string", "nullable": true},
                             "kvref": {"type": "string"}});
    let d = expand(t, json!({"parameters": {"kvref": {"reference": {"keyVault": {"id": "x"}, "secretName": "s"}}}}));
    let r = d.resources.first().unwrap();
    assert_eq!(r.value.get_path_ci("properties.a"), Some(&Value::unknown("parameter `secret` has no value")));
    assert_eq!(r.value.get_path_ci("properties.b"), Some(&Value::Null));
    assert_eq!(r.value.get_path_ci("properties.c"), Some(&Value::unknown("parameter `kvref` is a key vault secret reference")));
}

#[test]
fn extension_resources_get_ids_under_their_target() {
    let rg = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlguard-rg";
    let t = template(json!([
        {"type": "Microsoft.Storage/storageAccounts", "name": "st"},
        {"type": "Microsoft.Authorization/roleAssignments", "name": "[guid('x')]",
         "scope": "[format('Microsoft.Storage/storageAccounts/{0}', 'st')]",
         "properties": {"principalId": "p"}},
        {"type": "Microsoft.Storage/storageAccounts/providers/roleAssignments", "name": "st/Microsoft.Authorization/ra1"},
        {"type": "Microsoft.Insights/diagnosticSettings", "name": "diag",
         "scope": "[resourceId('Microsoft.Storage/storageAccounts', 'st')]"}
    ]));
    let d = expand(t, json!({}));
    let st = format!("{rg}/providers/Microsoft.Storage/storageAccounts/st");
    let ids: Vec<&str> = d.resources.iter().map(crate::model::Resource::id).collect();
    assert_eq!(
        ids,
        vec![
            st.clone(),
            format!("{st}/providers/Microsoft.Authorization/roleAssignments/{}", hash::guid(&["x"])),
            format!("{st}/providers/Microsoft.Authorization/roleAssignments/ra1"),
            format!("{st}/providers/Microsoft.Insights/diagnosticSettings/diag"),
        ]
    );
    for i in 1..4 {
        assert!(d.relations.iter().any(|r| r.from == i && r.to == 0 && r.path == "scope"), "resource {i} → storage via scope");
    }
}

#[test]
fn nested_deployments_inner_outer_and_outputs() {
    let inner = json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"name": {"type": "string"}},
        "variables": {"v": "inner-var"},
        "resources": [{"type": "Microsoft.Network/virtualNetworks", "name": "[parameters('name')]", "properties": {"tag": "[variables('v')]"}}],
        "outputs": {"id": {"type": "string", "value": "[resourceId('Microsoft.Network/virtualNetworks', parameters('name'))]"}}});
    let mut t = template(json!([
        // declared first, consumes the output of the module below
        {"type": "Microsoft.Network/privateEndpoints", "name": "pe",
         "properties": {"subnet": {"id": "[format('{0}/subnets/s', reference(resourceId('Microsoft.Resources/deployments', 'net')).outputs.id.value)]"}}},
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "net",
         "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                        "parameters": {"name": {"value": "[concat('vnet-', variables('v'))]"}}, "template": inner}},
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "outer",
         "properties": {"mode": "Incremental", "template": {"contentVersion": "1.0.0.0",
            "resources": [{"type": "Microsoft.KeyVault/vaults", "name": "[concat('kv-', variables('v'))]"}]}}}
    ]));
    t["variables"] = json!({"v": "outer-var"});
    let d = expand(t, json!({}));
    assert_eq!(
        names(&d),
        vec![
            "Microsoft.Network/privateEndpoints pe",
            "Microsoft.Network/virtualNetworks vnet-outer-var",
            "Microsoft.KeyVault/vaults kv-outer-var",
        ]
    );
    let vnet = d.resources.get(1).unwrap();
    assert_eq!(vnet.value.get_path_ci("properties.tag"), Some(&j(json!("inner-var"))));
    assert_eq!(vnet.provenance.pointer, "/resources/1/properties/template/resources/0");
    assert!(d.relations.iter().any(|r| r.from == 0 && r.to == 1 && r.path == "properties.subnet.id"));
}

#[test]
fn module_outputs_feeding_modules_in_one_pass_or_several() {
    // Module `m{i}` deploys a storage account named by its parameter and
    // outputs that name plus `x`; each module after the first takes the
    // previous one's output. One pass that sees earlier outputs is exact for
    // `m1 -> m2`; a chain `m1 -> m2 -> m3` goes through the passes, where `m3`
    // sees `m2`'s first-pass output (unknown), as before.
    let module = json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "parameters": {"p": {"type": "string"}},
        "resources": [{"type": "Microsoft.Storage/storageAccounts", "name": "[parameters('p')]"}],
        "outputs": {"y": {"type": "string", "value": "[concat(parameters('p'), 'x')]"}}});
    let dep = |i: usize, p: serde_json::Value| {
        json!({"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": format!("m{i}"),
               "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                              "parameters": {"p": {"value": p}}, "template": module.clone()}})
    };
    let from = |i: usize| json!(format!("[reference('m{i}').outputs.y.value]"));
    let storage_names = |d: &Deployment| -> Vec<Value> {
        d.resources.iter().map(|r| r.value.get("name").cloned().unwrap_or(Value::Null)).collect()
    };
    let two = expand(template(json!([dep(1, json!("st1")), dep(2, from(1))])), json!({}));
    assert_eq!(storage_names(&two), vec![j(json!("st1")), j(json!("st1x"))]);
    let three = expand(template(json!([dep(1, json!("st1")), dep(2, from(1)), dep(3, from(2))])), json!({}));
    let names3 = storage_names(&three);
    assert_eq!(names3.get(..2), Some(&[j(json!("st1")), j(json!("st1x"))][..]));
    assert!(names3.get(2).is_some_and(Value::is_unknown), "{names3:?}");
    // Declared in reverse order: the same answers through the passes.
    let reversed = expand(template(json!([dep(2, from(1)), dep(1, json!("st1"))])), json!({}));
    assert_eq!(storage_names(&reversed), vec![j(json!("st1x")), j(json!("st1"))]);
}

#[test]
fn symbolic_names_existing_and_user_functions() {
    let t = json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "languageVersion": "2.0", "contentVersion": "1.0.0.0",
        "functions": [{"namespace": "__bicep", "members": {"vnetName": {
            "parameters": [{"name": "id", "type": "string"}],
            "output": {"type": "string", "value": "[split(parameters('id'), '/')[8]]"}}}}],
        "resources": {
            "vnet": {"existing": true, "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-01-01",
                     "name": "[__bicep.vnetName(resourceId('Microsoft.Network/virtualNetworks', 'corp'))]"},
            "hub": {"existing": true, "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-01-01",
                    "name": "hub", "resourceGroup": "net-rg", "subscriptionId": "11111111-1111-1111-1111-111111111111"},
            "nic": {"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-01-01", "name": "nic",
                    "properties": {"vnet": "[resourceId('Microsoft.Network/virtualNetworks', 'corp')]"}}
        }});
    let d = expand(t, json!({}));
    assert_eq!(
        names(&d),
        vec!["Microsoft.Network/virtualNetworks corp", "Microsoft.Network/virtualNetworks hub", "Microsoft.Network/networkInterfaces nic"]
    );
    assert_eq!(
        d.resources.get(1).unwrap().id(),
        "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/hub"
    );
    let vnet = d.resources.first().unwrap();
    assert_eq!(vnet.value.get("existing"), Some(&Value::Bool(true)));
    assert_eq!(vnet.value.get("symbolicName"), Some(&j(json!("vnet"))));
    assert!(d.relations.iter().any(|r| r.from == 2 && r.to == 0));
}

fn expand_err(t: serde_json::Value) -> (Option<TemplateError>, Deployment) {
    let text = serde_json::to_string_pretty(&t).unwrap();
    let doc = crate::json::parse(&text).unwrap();
    let src = Source::new(Some("bad.json"), Some(&text), None);
    match expand_template(&doc, &src, Map::new(), &Limits::default()) {
        Ok(d) => (None, d),
        Err(e) => (Some(e), Deployment::default()),
    }
}

#[test]
fn malformed_resources_become_error_diagnostics_and_the_rest_ingest() {
    let mut t = template(json!([
        {"type": "Microsoft.Storage/storageAccounts", "name": "[variables('a')]"},
        {"type": "Microsoft.Storage/storageAccounts", "name": "[bogus()]"},
        {"type": "Microsoft.Storage/storageAccounts", "name": "[concat('x' 'y')]"},
        {"type": "Microsoft.Storage/storageAccounts", "name": "[add(1)]"},
        {"type": "Microsoft.Storage/storageAccounts", "name": "[add('a', 1)]"},
        {"type": "Microsoft.Storage/storageAccounts", "name": "x", "copy": {"name": "c", "count": 801}},
        {"type": "Microsoft.Storage/storageAccounts", "name": "ok"}
    ]));
    t["variables"] = json!({"a": "[variables('b')]", "b": "[concat(variables('a'), '!')]"});
    let (e, d) = expand_err(t);
    assert!(e.is_none());
    assert_eq!(names(&d), vec!["Microsoft.Storage/storageAccounts ok"]);
    let errors: Vec<_> = d.diagnostics.iter().filter(|x| x.level == DiagnosticLevel::Error).collect();
    assert_eq!(errors.len(), 6, "{errors:#?}");
    let msg = |i: usize| errors.get(i).map(|x| x.message.clone()).unwrap_or_default();
    assert!(msg(0).contains("depends on itself"), "{}", msg(0));
    assert!(errors.first().unwrap().provenance.pointer.starts_with("/variables/"));
    assert!(msg(1).contains("unknown function `bogus`"));
    assert!(msg(2).contains("expected"));
    assert!(msg(3).contains("takes 2 argument"));
    assert!(msg(4).contains("expects an integer"));
    assert!(msg(5).contains("801"));
    assert_eq!(errors.get(5).unwrap().provenance.pointer, "/resources/5/copy/count");
    for x in &errors {
        assert_eq!(x.provenance.file.as_deref(), Some("bad.json"));
        assert!(x.provenance.line.is_some(), "{x:?}");
    }
}

#[test]
fn template_level_problems_are_typed_errors_with_place() {
    let mut many = serde_json::Map::new();
    for i in 0..257 {
        many.insert(format!("p{i}"), json!({"type": "string", "defaultValue": "x"}));
    }
    let mut t = template(json!([]));
    t["parameters"] = serde_json::Value::Object(many);
    let (e, _) = expand_err(t);
    let e = e.unwrap();
    assert_eq!(e.kind, ErrorKind::Limit);
    assert_eq!(e.pointer, "/parameters");
    assert!(e.line.is_some() && e.file.as_deref() == Some("bad.json"));
    assert!(e.to_string().contains("256"), "{e}");

    let big: Vec<_> = (0..801).map(|i| json!({"type": "Microsoft.Storage/storageAccounts", "name": format!("s{i}")})).collect();
    let (e, _) = expand_err(template(serde_json::Value::Array(big)));
    assert_eq!(e.unwrap().kind, ErrorKind::Limit);

    // One resource over 1 MB once expanded: that resource is an error, the rest ingest.
    let (e, d) = expand_err(template(json!([
        {"type": "Microsoft.Storage/storageAccounts", "name": "huge", "properties": {"x": "[map(range(0, 600), lambda('i', padLeft('', 2000, 'x')))]"}},
        {"type": "Microsoft.Storage/storageAccounts", "name": "ok"}
    ])));
    assert!(e.is_none());
    assert_eq!(names(&d), vec!["Microsoft.Storage/storageAccounts ok"]);
    assert!(d.diagnostics.iter().any(|x| x.message.contains("per resource (1 MB)")), "{:?}", d.diagnostics);

    let (e, _) = expand_err(json!({"$schema": "x/deploymentTemplate.json#", "resources": 5}));
    assert_eq!(e.unwrap().kind, ErrorKind::Structure);
}

#[test]
fn parameters_files_and_plain_objects_merge_in_order() {
    let file = j(json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
                         "parameters": {"a": {"value": 1}, "b": {"value": 2}}}));
    let plain = j(json!({"b": 3}));
    let m = parameter_values(&[file, plain]);
    assert_eq!(m.get("a"), Some(&Value::Int(1)));
    assert_eq!(m.get("b"), Some(&Value::Int(3)));
}

#[test]
fn guid_matches_rfc4122_v5_in_the_azure_namespace() {
    // Cross-checked with an independent RFC 4122 implementation (Python's
    // uuid.uuid5 with namespace 11fb06fb-712d-4ddd-98c7-e71bbd588830).
    assert_eq!(hash::guid(&["a", "b", "c"]), "a98fa280-e03f-5afa-8d8e-92d0a9c201e8");
    let g = hash::guid(&["/subscriptions/x/resourceGroups/rg"]);
    assert_eq!(g.len(), 36);
    assert_eq!(g.chars().nth(14), Some('5'));
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("amlguard-arm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("nested")).unwrap();
    d
}

#[test]
fn linked_templates_by_relative_path_and_by_own_uri() {
    let dir = temp_dir("linked");
    let child = json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "parameters": {"n": {"type": "string"}},
        "resources": [{"type": "Microsoft.KeyVault/vaults", "name": "[parameters('n')]"}],
        "outputs": {"id": {"type": "string", "value": "[resourceId('Microsoft.KeyVault/vaults', parameters('n'))]"}}});
    std::fs::write(dir.join("nested/kv.json"), child.to_string()).unwrap();
    let mut parent = template(json!([
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "a",
         "properties": {"mode": "Incremental", "templateLink": {"relativePath": "nested/kv.json"},
                        "parameters": {"n": {"value": "kv-a"}}}},
        {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "b",
         "properties": {"mode": "Incremental",
                        "templateLink": {"uri": "[uri(deployment().properties.templateLink.uri, 'nested/kv.json')]"},
                        "parameters": {"n": {"value": "kv-b"}}}},
        {"type": "Microsoft.Storage/storageAccounts", "name": "st",
         "properties": {"vault": "[reference('a').outputs.id.value]"}}
    ]));
    parent["parameters"] = json!({});
    std::fs::write(dir.join("azuredeploy.json"), parent.to_string()).unwrap();
    let d = crate::ingest::load_path(&dir.join("azuredeploy.json"), &crate::ingest::LoadOptions::default()).unwrap();
    assert_eq!(
        names(&d),
        vec!["Microsoft.KeyVault/vaults kv-a", "Microsoft.KeyVault/vaults kv-b", "Microsoft.Storage/storageAccounts st"]
    );
    let kv = d.resources.first().unwrap();
    assert!(kv.provenance.file.as_deref().unwrap_or_default().ends_with("kv.json"));
    assert!(d.relations.iter().any(|r| r.from == 2 && r.to == 0 && r.path == "properties.vault"));
    // A missing linked file is an error diagnostic; the rest still ingests.
    std::fs::remove_file(dir.join("nested/kv.json")).unwrap();
    let d = crate::ingest::load_path(&dir.join("azuredeploy.json"), &crate::ingest::LoadOptions::default()).unwrap();
    assert_eq!(names(&d), vec!["Microsoft.Storage/storageAccounts st"]);
    assert_eq!(d.diagnostics.iter().filter(|x| x.level == DiagnosticLevel::Error).count(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn folders_pick_templates_and_parameters_and_say_what_they_skip() {
    let dir = temp_dir("folder");
    let mut t = template(json!([{"type": "Microsoft.Storage/storageAccounts", "name": "[parameters('n')]"}]));
    t["parameters"] = json!({"n": {"type": "string"}});
    std::fs::write(dir.join("azuredeploy.json"), t.to_string()).unwrap();
    std::fs::write(dir.join("main.json"), t.to_string()).unwrap();
    std::fs::write(dir.join("azuredeploy.parameters.json"), json!({"parameters": {"n": {"value": "fromfile"}}}).to_string()).unwrap();
    std::fs::write(dir.join("azuredeploy.parameters.us.json"), json!({"parameters": {"n": {"value": "us"}}}).to_string()).unwrap();
    std::fs::write(dir.join("main.bicep"), "param n string").unwrap();
    std::fs::write(dir.join("metadata.json"), "{}").unwrap();
    std::fs::create_dir_all(dir.join("prereqs")).unwrap();
    let pre = template(json!([{"type": "Microsoft.KeyVault/vaults", "name": "kv"}]));
    std::fs::write(dir.join("prereqs/prereq.azuredeploy.json"), pre.to_string()).unwrap();
    let d = crate::ingest::load_path(&dir, &crate::ingest::LoadOptions::default()).unwrap();
    assert_eq!(names(&d), vec!["Microsoft.Storage/storageAccounts fromfile", "Microsoft.KeyVault/vaults kv"]);
    let infos: Vec<&str> = d.diagnostics.iter().map(|x| x.message.as_str()).collect();
    for want in ["main.json`: `azuredeploy.json`", "main.bicep`: bicep source", "azuredeploy.parameters.us.json` not applied", "metadata.json`: not a template"] {
        assert!(infos.iter().any(|m| m.contains(want)), "{want} not in {infos:#?}");
    }
    // --parameters override the sibling file; plain objects work too.
    let opts = crate::ingest::LoadOptions { parameters: vec![j(json!({"n": "cli"}))], ..Default::default() };
    let d = crate::ingest::load_path(&dir.join("azuredeploy.json"), &opts).unwrap();
    assert_eq!(names(&d), vec!["Microsoft.Storage/storageAccounts cli"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn load_text_detects_formats() {
    let opts = crate::ingest::LoadOptions::default();
    let d = crate::ingest::load_text(r#"[{"type": "Microsoft.Storage/storageAccounts", "name": "x"}]"#, None, &opts).unwrap();
    assert_eq!(names(&d), vec!["Microsoft.Storage/storageAccounts x"]);
    let d = crate::ingest::load_text(
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", // comment
            "resources": [{"type": "Microsoft.Storage/storageAccounts", "name": "[concat('a', 'b')]"}]}"#,
        Some("t.json"),
        &opts,
    )
    .unwrap();
    assert_eq!(names(&d), vec!["Microsoft.Storage/storageAccounts ab"]);
    let e = crate::ingest::load_text(
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "parameters": {}}"#,
        Some("p.json"),
        &opts,
    )
    .unwrap_err();
    assert!(e.to_string().contains("parameters file"), "{e}");
    let small = crate::ingest::LoadOptions { limits: Limits { max_template_bytes: 10, ..Limits::default() }, ..Default::default() };
    let e = crate::ingest::load_text("[1, 2, 3, 4, 5, 6]", Some("big.json"), &small).unwrap_err();
    // A changed limit is named as such, not as Azure's 4 MB.
    assert!(e.to_string().contains("the limit is 10 bytes") && !e.to_string().contains("4 MB"), "{e}");
    let e = crate::ingest::load_text(&" ".repeat(4_194_305), Some("big.json"), &Default::default()).unwrap_err();
    assert!(e.to_string().contains("azure accepts at most 4194304 bytes (4 MB)"), "{e}");
    // Files: a real size is named; an endless file is read just past the limit.
    let path = std::env::temp_dir().join(format!("amlguard-limit-{}.json", std::process::id()));
    std::fs::write(&path, "[1, 2, 3, 4, 5, 6]").unwrap();
    let e = crate::ingest::read_text(&path, 10).unwrap_err();
    let _ = std::fs::remove_file(&path);
    assert!(e.to_string().contains("file is 18 bytes; the limit is 10 bytes"), "{e}");
    if std::path::Path::new("/dev/zero").exists() {
        let e = crate::ingest::read_text(std::path::Path::new("/dev/zero"), 10).unwrap_err();
        assert!(e.to_string().contains("file is larger than 10 bytes; the limit is 10 bytes"), "{e}");
    }
}

#[test]
fn hostile_nesting_and_recursion_are_errors_not_crashes() {
    // Deep expression nesting (parser limit) and self-recursive user functions.
    let deep = format!("[{}'x'{}]", "concat(".repeat(120), ")".repeat(120));
    assert_eq!(evaluate_expression(&deep).unwrap(), j(json!("x")));
    let too_deep = format!("[{}'x'{}]", "concat(".repeat(300), ")".repeat(300));
    assert_eq!(evaluate_expression(&too_deep).unwrap_err().kind, ErrorKind::Syntax);
    let t = json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "functions": [{"namespace": "f", "members": {"loop": {
            "parameters": [{"name": "x", "type": "int"}],
            "output": {"type": "int", "value": "[f.loop(add(parameters('x'), 1))]"}}}}],
        "resources": [{"type": "Microsoft.Storage/storageAccounts", "name": "[string(f.loop(0))]"},
                      {"type": "Microsoft.Storage/storageAccounts", "name": "ok"}]});
    let (e, d) = expand_err(t);
    assert!(e.is_none());
    assert_eq!(names(&d), vec!["Microsoft.Storage/storageAccounts ok"]);
    assert!(d.diagnostics.iter().any(|x| x.message.contains("nested deeper")), "{:?}", d.diagnostics);
}

#[test]
fn deep_documents_and_deployment_chains_stay_bounded() {
    // 250 nested arrays in a property: refused with a limit, not a crash.
    let mut v = json!("leaf");
    for _ in 0..250 {
        v = json!([v]);
    }
    let (e, d) = expand_err(template(json!([
        {"type": "Microsoft.Storage/storageAccounts", "name": "deep", "properties": {"x": v}},
        {"type": "Microsoft.Storage/storageAccounts", "name": "ok"}
    ])));
    assert!(e.is_none());
    assert_eq!(names(&d), vec!["Microsoft.Storage/storageAccounts ok"]);
    // A chain of nested deployments deeper than the limit.
    let mut inner = template(json!([{"type": "Microsoft.KeyVault/vaults", "name": "bottom"}]));
    for i in 0..40 {
        inner = template(json!([{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
            "name": format!("d{i}"), "properties": {"mode": "Incremental",
            "expressionEvaluationOptions": {"scope": "inner"}, "template": inner}}]));
    }
    let (e, d) = expand_err(inner);
    assert!(e.is_none());
    assert!(d.resources.is_empty());
    assert!(d.diagnostics.iter().any(|x| x.message.contains("levels deep")), "{:?}", d.diagnostics);
}

#[test]
fn terraform_plans_are_dispatched_to_the_terraform_adapter() {
    let plan = r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "azurerm_storage_account.st", "mode": "managed", "type": "azurerm_storage_account", "name": "st",
         "values": {"name": "stplan", "resource_group_name": "rg", "location": "westeurope",
                    "account_tier": "Standard", "account_replication_type": "LRS"}}]}}}"#;
    let doc = crate::json::parse(plan).unwrap();
    assert_eq!(crate::ingest::detect(&doc), crate::ingest::Format::TerraformPlan);
    let d = crate::ingest::load_text(plan, Some("plan.json"), &crate::ingest::LoadOptions::default()).unwrap();
    assert!(d.resources.iter().any(|r| r.is_type("Microsoft.Storage/storageAccounts")), "{:?}", names(&d));
}

#[test]
fn the_early_pass_gives_what_the_repeated_passes_give() {
    // Each template is expanded twice: as usual (one early pass when it can
    // stand) and through the repeated passes only; both must agree exactly
    // (resources, provenance, diagnostics, relations).
    let module = json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "parameters": {"p": {"type": "string"}},
        "resources": [{"type": "Microsoft.Storage/storageAccounts", "name": "[parameters('p')]"}],
        "outputs": {"y": {"type": "string", "value": "[concat(parameters('p'), 'x')]"},
                    "n": {"type": "int", "value": 2}}});
    let dep = |name: &str, p: serde_json::Value| {
        json!({"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": name,
               "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                              "parameters": {"p": {"value": p}}, "template": module.clone()}})
    };
    let from = |name: &str| json!(format!("[reference('{name}').outputs.y.value]"));
    let storage = |name: serde_json::Value| json!({"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": name});
    let mut cond = dep("c", json!("cc"));
    cond["condition"] = json!("[equals(reference('a').outputs.y.value, 'stx')]");
    let mut counted = dep("[concat('k', copyIndex())]", from("a"));
    counted["copy"] = json!({"name": "k", "count": "[reference('a').outputs.n.value]"});
    let mut looped = dep("[concat('l', copyIndex())]", json!("[concat(reference('a').outputs.y.value, copyIndex())]"));
    looped["copy"] = json!({"name": "l", "count": 2});
    let outer = json!({"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "o",
        "properties": {"mode": "Incremental", "template": {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": [storage(from("b"))],
            "outputs": {"y": {"type": "string", "value": "[reference('b').outputs.y.value]"}}}}});
    let cases = vec![
        ("chain", template(json!([dep("a", json!("st")), dep("b", from("a")), dep("c", from("b")), dep("d", from("c"))]))),
        ("reversed", template(json!([dep("d", from("c")), dep("c", from("b")), dep("b", from("a")), dep("a", json!("st"))]))),
        ("forward from a resource", template(json!([storage(from("b")), dep("b", from("a")), dep("a", json!("st"))]))),
        ("missing", template(json!([dep("a", json!("st")), dep("b", from("zz")), storage(from("b"))]))),
        ("condition", template(json!([dep("a", json!("st")), cond, storage(json!("[reference('c').outputs.y.value]"))]))),
        ("count", template(json!([dep("a", json!("st")), counted, storage(json!("[reference('k1').outputs.y.value]"))]))),
        ("loop", template(json!([dep("a", json!("st")), looped, dep("z", from("l1")), storage(from("z"))]))),
        ("twice", template(json!([dep("a", json!("st")), dep("a", from("a")), storage(from("a"))]))),
        ("outer", template(json!([dep("a", json!("st")), dep("b", from("a")), outer, storage(json!("[reference('o').outputs.y.value]"))]))),
    ];
    let mut with_vars = template(json!([dep("a", json!("st")), storage(json!("[variables('v')]")), dep("b", json!("[variables('v')]")), dep("c", from("b"))]));
    with_vars["variables"] = json!({"v": "[reference('a').outputs.y.value]"});
    let mut nested_chain = template(json!([{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "wrap",
        "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                       "template": template(json!([dep("a", json!("st")), dep("b", from("a")), dep("c", from("b"))]))}}]));
    nested_chain["resources"][0]["properties"]["template"]["outputs"] = json!({"y": {"type": "string", "value": "[reference('c').outputs.y.value]"}});
    nested_chain["resources"].as_array_mut().unwrap().push(storage(json!("[reference('wrap').outputs.y.value]")));
    // Replays expand a module for its outputs only, passing over resources
    // that cannot change them (no `reference` in them or in the module's
    // declarations); those must still count towards the resource limit, and
    // when only an upper bound is known (conditions, failures) past the
    // limit, the replay gives up rather than guess.
    let module_with = |resources: serde_json::Value| {
        let mut m = module.clone();
        m["resources"] = resources;
        m
    };
    let dep_of = |name: &str, p: serde_json::Value, m: serde_json::Value| {
        let mut d = dep(name, p);
        d["properties"]["template"] = m;
        d
    };
    let busy = module_with(json!([
        {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[concat(parameters('p'), copyIndex())]",
         "copy": {"name": "s", "count": 3}, "properties": {"x": "[toUpper(parameters('p'))]"},
         "resources": [{"type": "blobServices", "apiVersion": "2023-01-01", "name": "default"}]},
        {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-01-01", "name": "[concat('ip', parameters('p'))]", "condition": false}]));
    let huge = module_with(json!([
        {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[concat(parameters('p'), copyIndex())]",
         "condition": "[equals(parameters('p'), 'never')]", "copy": {"name": "s", "count": 500}},
        {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[concat(parameters('p'), 't', copyIndex())]",
         "condition": "[equals(parameters('p'), 'never')]", "copy": {"name": "t", "count": 500}},
        {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[parameters('p')]"}]));
    let mut all = cases;
    all.push(("skipped in replays", template(json!([dep("a", json!("st")), dep_of("b", from("a"), busy.clone()), dep("c", from("b")), storage(from("c"))]))));
    all.push(("skipped in lookaheads", template(json!([storage(from("b")), dep_of("b", json!("st"), busy), dep("c", from("b"))]))));
    all.push(("limit in replays", template(json!([dep("a", json!("st")), dep_of("b", from("a"), huge.clone()), dep("c", from("b")), storage(from("c"))]))));
    all.push(("limit in lookaheads", template(json!([storage(from("b")), dep_of("b", json!("st"), huge), dep("c", from("b"))]))));
    // The same id recorded twice (names known only at deployment both give
    // `unnamed-deployment`): read only after the last record, read between
    // the records, and a record that read early outputs followed by one that
    // did not (and the other way round).
    let unnamed = "[reference('x').outputs.y.value]";
    all.push(("twice unread", template(json!([dep(unnamed, json!("st")), dep(unnamed, json!("su")), dep("a", json!("st")), dep("a", json!("su")), storage(from("a"))]))));
    all.push(("twice read between", template(json!([dep("a", json!("st")), storage(from("a")), dep("a", json!("su")), storage(from("a"))]))));
    all.push(("twice tainted first", template(json!([dep("z", json!("st")), dep("a", from("z")), dep("a", json!("su")), storage(from("a"))]))));
    all.push(("twice tainted last", template(json!([dep("z", json!("st")), dep("a", json!("su")), dep("a", from("z")), storage(from("a"))]))));
    // A read of an id no deployment records, with and without a chain (the
    // repeated passes then run past their second pass).
    all.push(("missing, chain after", template(json!([storage(from("zz")), dep("a", json!("st")), dep("b", from("a")), storage(from("b"))]))));
    all.push(("missing, chain before", template(json!([dep("a", json!("st")), dep("b", from("a")), storage(from("b")), storage(from("zz"))]))));
    all.push(("missing twice", template(json!([dep("a", json!("st")), storage(from("zz")), dep("b", from("zz")), storage(from("b"))]))));
    // An outer-scope inline template without resources (AVM's telemetry
    // deployment) records only its own outputs: lookaheads pass over it.
    let telemetry = json!({"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "t",
        "properties": {"mode": "Incremental", "template": {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": [], "outputs": {"y": {"type": "string", "value": "[concat(reference('a').outputs.y.value, 'x')]"}}}}});
    all.push(("empty outer, forward", template(json!([telemetry.clone(), storage(from("b")), dep("b", from("a")), dep("a", json!("st")), storage(from("t"))]))));
    all.push(("empty outer, missing", template(json!([telemetry.clone(), storage(from("zz")), dep("a", json!("st")), storage(from("a"))]))));
    all.push(("empty outer, read", template(json!([storage(from("t")), dep("a", json!("st")), telemetry]))));
    all.push(("variables", with_vars));
    all.push(("nested", nested_chain));
    for (what, t) in all {
        let usual = expand(t.clone(), json!({}));
        super::nested::NO_EARLY_PASS.with(|c| c.set(true));
        let passes = expand(t, json!({}));
        super::nested::NO_EARLY_PASS.with(|c| c.set(false));
        assert_eq!(usual, passes, "{what}");
        assert!(!usual.resources.is_empty(), "{what}");
    }
}
