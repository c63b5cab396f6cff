//! Unit tests of Terraform ingestion: expressions, expansion, variables,
//! modules, mapping and plan JSON.

use super::eval::{is_error, Scope};
use super::*;
use crate::model::Scope as ArmScope;
use std::path::PathBuf;

fn ev(expr: &str) -> Value {
    let body = hcl::parse(&format!("v = {expr}\n")).unwrap();
    let attr = body.attributes().next().unwrap();
    let mut s = Scope::default();
    s.vars.insert("env".into(), Value::String("Dev".into()));
    s.vars.insert("nums".into(), Value::from(serde_json::json!([1, 2, 3])));
    s.vars.insert("none".into(), Value::Null);
    s.local_exprs.insert("a".into(), hcl::parse("x = \"${local.b}-a\"").unwrap().attributes().next().unwrap().expr.clone());
    s.local_exprs.insert("b".into(), hcl::parse("x = upper(var.env)").unwrap().attributes().next().unwrap().expr.clone());
    s.local_exprs.insert("loop".into(), hcl::parse("x = local.loop").unwrap().attributes().next().unwrap().expr.clone());
    s.eval(&attr.expr)
}

fn j(v: serde_json::Value) -> Value {
    Value::from(v)
}

#[test]
fn expressions_and_functions() {
    let cases: Vec<(&str, serde_json::Value)> = vec![
        (r#""st${lower(var.env)}01""#, serde_json::json!("stdev01")),
        (r#"format("%s-%02d", "vm", 3)"#, serde_json::json!("vm-03")),
        (r#"join(",", concat(["a"], ["b", "c"]))"#, serde_json::json!("a,b,c")),
        (r#"merge({a = 1, b = 2}, {b = 3})"#, serde_json::json!({"a": 1, "b": 3})),
        (r#"lookup({a = "x"}, "b", "dflt")"#, serde_json::json!("dflt")),
        (r#"try(var.none.x, "fallback")"#, serde_json::json!("fallback")),
        (r#"coalesce("", null, "c")"#, serde_json::json!("c")),
        (r#"length(var.nums) + 1"#, serde_json::json!(4)),
        (r#"element(var.nums, 4)"#, serde_json::json!(2)),
        (r#"tostring(5)"#, serde_json::json!("5")),
        (r#"cidrsubnet("10.1.0.0/16", 8, 3)"#, serde_json::json!("10.1.3.0/24")),
        (r#"[for n in var.nums : n * 2 if n > 1]"#, serde_json::json!([4, 6])),
        (r#"{for i, n in var.nums : "k${i}" => n}"#, serde_json::json!({"k0": 1, "k1": 2, "k2": 3})),
        (r#"var.env == "Dev" ? "d" : "p""#, serde_json::json!("d")),
        (r#"[{a = 1}, {a = 2}][*].a"#, serde_json::json!([1, 2])),
        (r#"local.a"#, serde_json::json!("DEV-a")),
        (r#""%{ if var.env == "Dev" }x%{ else }y%{ endif }""#, serde_json::json!("x")),
        (r#"replace("a-b-c", "-", "")"#, serde_json::json!("abc")),
        (r#"can(var.none.x)"#, serde_json::json!(false)),
        (r#"!true || 2 >= 2"#, serde_json::json!(true)),
    ];
    for (src, want) in cases {
        assert_eq!(ev(src), j(want), "{src}");
    }
    // Unknowns propagate with their reason; errors are error unknowns; cycles end.
    assert!(is_error(&ev("local.loop")));
    assert!(is_error(&ev("var.missing_fn_arg.x")));
    match ev(r#"upper(timestamp())"#) {
        Value::Unknown(u) => assert!(u.reason.contains("timestamp"), "{}", u.reason),
        other => panic!("{other:?}"),
    }
}

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir(name: &str, files: &[(&str, &str)]) -> TempDir {
    let dir = std::env::temp_dir().join(format!("amlguard-tf-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    TempDir(dir)
}

fn by_pointer<'a>(d: &'a Deployment, p: &str) -> &'a crate::Resource {
    d.resources.iter().find(|r| r.provenance.pointer == p).unwrap_or_else(|| {
        panic!("no {p} in {:?}", d.resources.iter().map(|r| &r.provenance.pointer).collect::<Vec<_>>())
    })
}

#[test]
fn count_and_for_each_expand_with_addresses_and_lines() {
    let t = tempdir(
        "expand",
        &[(
            "main.tf",
            r#"
variable "subnets" {
  default = { training = "10.0.1.0/24", scoring = "10.0.2.0/24" }
}
resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  resource_group_name = "rg"
  location            = "westeurope"
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "s" {
  for_each             = var.subnets
  name                 = "snet-${each.key}"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = [each.value]
}
resource "azurerm_private_dns_zone" "z" {
  count               = 2
  name                = "zone${count.index}.example"
  resource_group_name = "rg"
}
resource "azurerm_private_endpoint" "pe" {
  name                = "pe"
  location            = "westeurope"
  resource_group_name = "rg"
  subnet_id           = azurerm_subnet.s["training"].id
  private_service_connection {
    name                           = "c"
    private_connection_resource_id = "/x"
    is_manual_connection           = false
  }
  private_dns_zone_group {
    name                 = "g"
    private_dns_zone_ids = azurerm_private_dns_zone.z[*].id
  }
}
"#,
        )],
    );
    let d = load_hcl_dir(&t.0, &[]).unwrap();
    let s = by_pointer(&d, r#"azurerm_subnet.s["scoring"]"#);
    assert_eq!(s.name(), "vnet/snet-scoring");
    assert_eq!(s.provenance.line, Some(12));
    assert!(s.provenance.file.as_deref().unwrap().ends_with("main.tf"));
    assert_eq!(by_pointer(&d, "azurerm_private_dns_zone.z[1]").name(), "zone1.example");
    let pe = d.resources.iter().position(|r| r.provenance.pointer == "azurerm_private_endpoint.pe").unwrap();
    let training = d.resources.iter().position(|r| r.provenance.pointer == r#"azurerm_subnet.s["training"]"#).unwrap();
    assert_eq!(d.targets(pe, "properties.subnet.id").collect::<Vec<_>>(), vec![training]);
    let group = d.resources.iter().position(|r| r.provenance.pointer == "azurerm_private_endpoint.pe.private_dns_zone_group").unwrap();
    assert_eq!(d.targets(group, "properties.privateDnsZoneConfigs[*].properties.privateDnsZoneId").count(), 2);
}

#[test]
fn variable_precedence() {
    let files = [
        (
            "main.tf",
            r#"
variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
variable "n" {
  type    = number
  default = 1
}
variable "nodefault" {}
resource "azurerm_resource_group" "rg" {
  name     = "${var.a}.${var.b}.${var.c}.${var.d}.${var.n}"
  location = "westeurope"
  tags     = { x = var.nodefault }
}
"#,
        ),
        ("env.tfvars", "a = \"file\"\nb = \"file\"\nc = \"file\"\nd = \"file\"\n"),
        ("terraform.tfvars", "b = \"tfvars\"\nc = \"tfvars\"\nd = \"tfvars\"\n"),
        ("x.auto.tfvars", "c = \"auto\"\nd = \"auto\"\n"),
    ];
    let t = tempdir("vars", &files);
    let d = load_hcl_dir(&t.0, &[("d".into(), "cli".into()), ("n".into(), "7".into())]).unwrap();
    let rg = by_pointer(&d, "azurerm_resource_group.rg");
    assert_eq!(rg.name(), "file.tfvars.auto.cli.7");
    assert!(rg.value.get("tags").and_then(|t| t.get("x")).is_some_and(Value::is_unknown));
    assert!(d.diagnostics.iter().any(|x| x.message.contains("env.tfvars")));
}

#[test]
fn local_modules_registry_modules_and_cycles() {
    let t = tempdir(
        "modules",
        &[
            (
                "main.tf",
                r#"
module "net" {
  source = "./modules/net"
  prefix = "ml"
}
module "remote" {
  source  = "Azure/avm-res-storage-storageaccount/azurerm"
  version = "0.1.0"
}
module "loop" {
  source = "./modules/loop"
}
resource "azurerm_machine_learning_compute_cluster" "cc" {
  name                          = "cpu"
  location                      = "westeurope"
  machine_learning_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"
  vm_size                       = "STANDARD_DS2_V2"
  vm_priority                   = "Dedicated"
  subnet_resource_id            = module.net.subnet_id
  node_public_ip_enabled        = false
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT5M"
  }
}
resource "azurerm_storage_account" "st" {
  name                     = module.remote.name
  resource_group_name      = "rg"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
"#,
            ),
            (
                "modules/net/main.tf",
                r#"
variable "prefix" {}
resource "azurerm_virtual_network" "v" {
  name                = "vnet-${var.prefix}"
  resource_group_name = "rg"
  location            = "westeurope"
  address_space       = ["10.0.0.0/16"]
}
resource "azurerm_subnet" "s" {
  name                 = "snet"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.1.0/24"]
}
output "subnet_id" { value = azurerm_subnet.s.id }
"#,
            ),
            ("modules/loop/main.tf", "module \"again\" {\n  source = \"../loop\"\n}\n"),
        ],
    );
    let d = load_hcl_dir(&t.0, &[]).unwrap();
    let snet = by_pointer(&d, "module.net.azurerm_subnet.s");
    assert_eq!(snet.name(), "vnet-ml/snet");
    let cc_i = d.resources.iter().position(|r| r.provenance.pointer == "azurerm_machine_learning_compute_cluster.cc").unwrap();
    let cc = &d.resources[cc_i];
    assert_eq!(cc.name(), "ws/cpu");
    let props = cc.value.get("properties").unwrap();
    assert_eq!(props.get("computeType"), Some(&Value::String("AmlCompute".into())));
    let inner = props.get("properties").unwrap();
    assert_eq!(inner.get("enableNodePublicIp"), Some(&Value::Bool(false)));
    assert_eq!(inner.get("scaleSettings").and_then(|s| s.get("maxNodeCount")), Some(&Value::Int(2)));
    let snet_i = d.resources.iter().position(|r| r.provenance.pointer == "module.net.azurerm_subnet.s").unwrap();
    assert_eq!(d.targets(cc_i, "properties.properties.subnet.id").collect::<Vec<_>>(), vec![snet_i]);
    // The registry module is reported and its outputs are unknown with that reason.
    assert!(d.diagnostics.iter().any(|x| x.message.contains("module `module.remote`") && x.message.contains("not followed")));
    assert!(d.diagnostics.iter().any(|x| x.level == DiagnosticLevel::Error && x.message.contains("circular")));
    let st = by_pointer(&d, "azurerm_storage_account.st");
    assert_eq!(st.name(), "azurerm_storage_account.st", "unknown names fall back to the address");
}

#[test]
fn mapping_defaults_and_merges() {
    let t = tempdir(
        "mapping",
        &[(
            "main.tf",
            r#"
resource "azurerm_storage_account" "st" {
  name                     = "st1"
  resource_group_name      = "rg"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "ZRS"
}
resource "azurerm_storage_account_network_rules" "r" {
  storage_account_id = azurerm_storage_account.st.id
  default_action     = "Deny"
  bypass             = ["AzureServices", "Logging"]
  ip_rules           = ["1.2.3.4"]
}
resource "azurerm_key_vault" "kv" {
  name                          = "kv1"
  resource_group_name           = "rg"
  location                      = "westeurope"
  tenant_id                     = "t"
  sku_name                      = "standard"
  public_network_access_enabled = false
  enable_rbac_authorization     = true
}
resource "azurerm_machine_learning_workspace" "ws" {
  name                    = "ws"
  resource_group_name     = "rg"
  location                = "westeurope"
  storage_account_id      = azurerm_storage_account.st.id
  key_vault_id            = azurerm_key_vault.kv.id
  application_insights_id = "/x"
  identity {
    type = "SystemAssigned"
  }
}
resource "azapi_resource" "rule" {
  type      = "Microsoft.MachineLearningServices/workspaces/outboundRules@2024-04-01"
  name      = "pypi"
  parent_id = azurerm_machine_learning_workspace.ws.id
  body = {
    properties = { type = "FQDN", destination = "pypi.org" }
  }
}
"#,
        )],
    );
    let d = load_hcl_dir(&t.0, &[]).unwrap();
    let st = by_pointer(&d, "azurerm_storage_account.st");
    let p = st.value.get("properties").unwrap();
    assert_eq!(p.get("publicNetworkAccess"), Some(&Value::String("Enabled".into())), "azurerm default");
    assert_eq!(st.value.get("sku").and_then(|s| s.get("name")), Some(&Value::String("Standard_ZRS".into())));
    let acls = p.get("networkAcls").unwrap();
    assert_eq!(acls.get("defaultAction"), Some(&Value::String("Deny".into())), "merged from the network rules resource");
    assert_eq!(acls.get("bypass"), Some(&Value::String("AzureServices, Logging".into())));
    assert_eq!(acls.get("ipRules"), Some(&j(serde_json::json!([{"value": "1.2.3.4"}]))));
    assert!(d.resources.iter().all(|r| r.provenance.pointer != "azurerm_storage_account_network_rules.r"));
    let kv = by_pointer(&d, "azurerm_key_vault.kv").value.get("properties").unwrap();
    assert_eq!(kv.get("publicNetworkAccess"), Some(&Value::String("Disabled".into())));
    assert_eq!(kv.get("enableRbacAuthorization"), Some(&Value::Bool(true)));
    let ws = by_pointer(&d, "azurerm_machine_learning_workspace.ws");
    assert_eq!(ws.value.get("identity"), Some(&j(serde_json::json!({"type": "SystemAssigned"}))));
    let ws_i = d.resources.iter().position(|r| r.type_() == "Microsoft.MachineLearningServices/workspaces").unwrap();
    let st_i = d.resources.iter().position(|r| r.type_() == "Microsoft.Storage/storageAccounts").unwrap();
    assert_eq!(d.targets(ws_i, "properties.storageAccount").collect::<Vec<_>>(), vec![st_i]);
    let rule = by_pointer(&d, "azapi_resource.rule");
    assert_eq!(rule.type_(), "Microsoft.MachineLearningServices/workspaces/outboundRules");
    assert_eq!(rule.name(), "ws/pypi");
    assert_eq!(rule.id(), format!("{}/outboundRules/pypi", ws.id()));
    assert_eq!(rule.value.get("properties").and_then(|p| p.get("destination")), Some(&Value::String("pypi.org".into())));
}

#[test]
fn plan_json_with_unknowns_and_configuration_references() {
    let s = ArmScope::default();
    let plan = serde_json::json!({
      "format_version": "1.2",
      "terraform_version": "1.9.5",
      "planned_values": {"root_module": {
        "resources": [
          {"address": "azurerm_storage_account.st", "mode": "managed", "type": "azurerm_storage_account", "name": "st",
           "provider_name": "registry.terraform.io/hashicorp/azurerm", "schema_version": 4,
           "values": {"name": "stml01", "resource_group_name": "rg-ml", "location": "westeurope", "account_tier": "Standard",
                      "account_replication_type": "LRS", "public_network_access_enabled": false, "network_rules": [], "tags": null},
           "sensitive_values": {}},
          {"address": "azurerm_subnet.pe", "mode": "managed", "type": "azurerm_subnet", "name": "pe",
           "values": {"name": "snet-pe", "resource_group_name": "rg-ml", "virtual_network_name": "vnet-ml", "address_prefixes": ["10.0.1.0/24"]}}
        ],
        "child_modules": [{"address": "module.ml", "resources": [
          {"address": "module.ml.azurerm_machine_learning_workspace.ws[0]", "mode": "managed", "type": "azurerm_machine_learning_workspace",
           "name": "ws", "index": 0,
           "values": {"name": "mlw-1", "resource_group_name": "rg-ml", "location": "westeurope", "public_network_access_enabled": false,
                      "identity": [{"type": "SystemAssigned", "identity_ids": null}], "application_insights_id": "/subscriptions/x/resourceGroups/rg-ml/providers/Microsoft.Insights/components/ai"}},
          {"address": "module.ml.azurerm_private_endpoint.pe", "mode": "managed", "type": "azurerm_private_endpoint", "name": "pe",
           "values": {"name": "pe-ws", "resource_group_name": "rg-ml", "location": "westeurope",
                      "private_service_connection": [{"name": "c", "is_manual_connection": false, "subresource_names": ["amlworkspace"]}]}}
        ]}]
      }},
      "resource_changes": [
        {"address": "azurerm_storage_account.st", "change": {"actions": ["create"], "after_unknown": {"id": true, "primary_blob_endpoint": true, "network_rules": []}}},
        {"address": "module.ml.azurerm_machine_learning_workspace.ws[0]", "module_address": "module.ml",
         "change": {"actions": ["create"], "after_unknown": {"id": true, "storage_account_id": true, "key_vault_id": true, "identity": [{"principal_id": true}]}}},
        {"address": "module.ml.azurerm_private_endpoint.pe", "change": {"actions": ["create"],
         "after_unknown": {"id": true, "subnet_id": true, "private_service_connection": [{"private_connection_resource_id": true}]}}}
      ],
      "configuration": {"root_module": {
        "resources": [{"address": "azurerm_storage_account.st", "expressions": {"name": {"constant_value": "stml01"}}}],
        "module_calls": {"ml": {"source": "./ml",
          "expressions": {"storage_id": {"references": ["azurerm_storage_account.st.id", "azurerm_storage_account.st"]},
                          "subnet_id": {"references": ["azurerm_subnet.pe.id", "azurerm_subnet.pe"]}},
          "module": {"resources": [
            {"address": "azurerm_machine_learning_workspace.ws", "expressions": {
               "storage_account_id": {"references": ["var.storage_id"]},
               "key_vault_id": {"references": ["var.kv_id"]}}},
            {"address": "azurerm_private_endpoint.pe", "expressions": {
               "subnet_id": {"references": ["var.subnet_id"]},
               "private_service_connection": [{"private_connection_resource_id": {"references": ["azurerm_machine_learning_workspace.ws[0].id", "azurerm_machine_learning_workspace.ws[0]", "azurerm_machine_learning_workspace.ws"]}}]}}
          ]}}}
      }}
    });
    let text = serde_json::to_string_pretty(&plan).unwrap();
    let d = load_plan(&Value::from(plan), Some("plan.json")).unwrap();
    let from_text = load_plan_text(&text, Some("plan.json")).unwrap();
    let st_line = from_text.resources.iter().find(|r| r.provenance.pointer == "azurerm_storage_account.st").unwrap().provenance.line.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[st_line as usize].contains("\"address\": \"azurerm_storage_account.st\""), "{}", lines[st_line as usize]);
    assert_eq!(from_text.relations, d.relations);
    assert_eq!(d.resources.len(), 4);
    let ws_i = d.resources.iter().position(|r| r.provenance.pointer == "module.ml.azurerm_machine_learning_workspace.ws[0]").unwrap();
    let st_i = d.resources.iter().position(|r| r.provenance.pointer == "azurerm_storage_account.st").unwrap();
    let pe_i = d.resources.iter().position(|r| r.provenance.pointer == "module.ml.azurerm_private_endpoint.pe").unwrap();
    let sn_i = d.resources.iter().position(|r| r.provenance.pointer == "azurerm_subnet.pe").unwrap();
    let ws = &d.resources[ws_i];
    assert_eq!(ws.id(), s.resource_id("Microsoft.MachineLearningServices/workspaces", "mlw-1").replace("amlguard-rg", "rg-ml"));
    // Storage id recovered through `var.storage_id` and the module call.
    assert_eq!(d.targets(ws_i, "properties.storageAccount").collect::<Vec<_>>(), vec![st_i]);
    // Key vault: the variable's reference does not resolve, so the value stays unknown with its reason.
    match ws.value.get("properties").and_then(|p| p.get("keyVault")) {
        Some(Value::Unknown(u)) => assert!(u.reason.contains("known after apply"), "{}", u.reason),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.targets(pe_i, "properties.privateLinkServiceConnections[*].properties.privateLinkServiceId").collect::<Vec<_>>(), vec![ws_i]);
    assert_eq!(d.targets(pe_i, "properties.subnet.id").collect::<Vec<_>>(), vec![sn_i]);
    let st = &d.resources[st_i];
    assert_eq!(st.value.get("properties").and_then(|p| p.get("publicNetworkAccess")), Some(&Value::String("Disabled".into())));
    assert_eq!(ws.provenance.file.as_deref(), Some("plan.json"));
    // Not a plan at all.
    assert!(load_plan(&Value::from(serde_json::json!({"resources": []})), None).is_err());
}

#[test]
fn bad_hcl_is_a_typed_error_with_the_file() {
    let t = tempdir("bad", &[("main.tf", "resource \"x\" \"y\" {\n  a = \n")]);
    let e = load_hcl_dir(&t.0, &[]).unwrap_err();
    assert!(e.to_string().contains("main.tf") && e.to_string().contains("invalid HCL"), "{e}");
    let empty = tempdir("empty", &[("readme.md", "x")]);
    assert!(matches!(load_hcl_dir(&empty.0, &[]), Err(Error::Terraform { source: TerraformError::NoTfFiles { .. } })));
}

#[test]
fn typed_variables_fill_optional_attributes() {
    let t = tempdir(
        "typed",
        &[(
            "main.tf",
            r#"
variable "identity" {
  type = object({
    system_assigned = optional(bool, false)
    ids             = optional(set(string), [])
    tier            = optional(string)
  })
  default = {}
}
variable "size" {
  type    = number
  default = "3"
}
resource "azurerm_resource_group" "rg" {
  name     = "rg-${var.identity.system_assigned}-${length(var.identity.ids)}-${var.identity.tier == null}-${var.size + 1}"
  location = "westeurope"
}
"#,
        )],
    );
    let d = load_hcl_dir(&t.0, &[]).unwrap();
    assert_eq!(by_pointer(&d, "azurerm_resource_group.rg").name(), "rg-false-0-true-4");
}

#[test]
fn installed_registry_modules_are_followed_through_modules_json() {
    let t = tempdir(
        "installed",
        &[
            ("main.tf", "module \"kv\" {\n  source  = \"Azure/avm-res-keyvault-vault/azurerm\"\n  version = \"0.9.1\"\n  name    = \"kv-ml\"\n}\n"),
            (".terraform/modules/modules.json", r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"kv","Source":"registry.terraform.io/Azure/avm-res-keyvault-vault/azurerm","Version":"0.9.1","Dir":".terraform/modules/kv"}]}"#),
            (
                ".terraform/modules/kv/main.tf",
                "variable \"name\" {}\nresource \"azurerm_key_vault\" \"this\" {\n  name = var.name\n  resource_group_name = \"rg\"\n  location = \"westeurope\"\n  tenant_id = \"t\"\n  sku_name = \"premium\"\n}\n",
            ),
        ],
    );
    let d = load_hcl_dir(&t.0, &[]).unwrap();
    assert_eq!(by_pointer(&d, "module.kv.azurerm_key_vault.this").name(), "kv-ml");
    assert!(d.diagnostics.iter().all(|x| !x.message.contains("not followed")), "{:?}", d.diagnostics);
}

#[test]
fn computed_attributes_of_blocks_and_azapi_output() {
    let t = tempdir(
        "computed",
        &[(
            "main.tf",
            r#"
resource "azurerm_firewall" "fw" {
  name                = "fw"
  resource_group_name = "rg"
  location            = "westeurope"
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
  ip_configuration {
    name      = "c"
    subnet_id = "/s"
  }
}
resource "azurerm_route_table" "rt" {
  name                = "rt"
  resource_group_name = "rg"
  location            = "westeurope"
  route {
    name                   = "all"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = azurerm_firewall.fw.ip_configuration[0].private_ip_address
  }
}
resource "azapi_resource" "ws" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "ws"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
  location  = "westeurope"
  body = jsonencode({ properties = { publicNetworkAccess = "Disabled" } })
}
resource "azapi_update_resource" "ibc" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = azapi_resource.ws.output.name
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
  body = {
    properties = { imageBuildCompute = "cluster", publicNetworkAccess = azapi_resource.ws.output.properties.publicNetworkAccess }
  }
}
resource "azurerm_storage_data_lake_gen2_filesystem" "fs" {
  name               = "data"
  storage_account_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"
}
"#,
        )],
    );
    let d = load_hcl_dir(&t.0, &[]).unwrap();
    let rt = by_pointer(&d, "azurerm_route_table.rt");
    let hop = rt.value.get("properties").and_then(|p| p.get("routes")).and_then(|r| r.as_array()).and_then(|r| r.first()).and_then(|r| r.get("properties")).and_then(|p| p.get("nextHopIpAddress"));
    match hop {
        Some(Value::Unknown(u)) => assert_eq!(u.reason, "`azurerm_firewall.fw.ip_configuration[0].private_ip_address` is known after apply"),
        other => panic!("{other:?}"),
    }
    let ws = by_pointer(&d, "azapi_resource.ws").value.get("properties").unwrap();
    assert_eq!(ws.get("imageBuildCompute"), Some(&Value::String("cluster".into())), "azapi_update_resource merged");
    assert_eq!(ws.get("publicNetworkAccess"), Some(&Value::String("Disabled".into())));
    let fs = by_pointer(&d, "azurerm_storage_data_lake_gen2_filesystem.fs");
    assert_eq!(fs.name(), "st/default/data");
    assert!(fs.id().ends_with("/storageAccounts/st/blobServices/default/containers/data"), "{}", fs.id());
}

#[test]
fn deeply_nested_input_is_an_error_not_a_crash() {
    let n = 5000;
    let text = format!("locals {{\n  x = {}{}\n}}\nresource \"azurerm_resource_group\" \"rg\" {{\n  name = \"a\"\n  location = \"b\"\n}}\n", "[".repeat(n), "]".repeat(n));
    let t = tempdir("deep", &[("main.tf", &text)]);
    // Either refused with a typed error or read; it must not overflow the stack.
    let _ = load_hcl_dir(&t.0, &[]);
    // The parser refuses very deep nesting itself; chains of locals are
    // bounded by the evaluator's own depth limit.
    assert!(hcl::parse(&format!("v = {}1{}\n", "(".repeat(5000), ")".repeat(5000))).is_err());
    let mut scope = Scope::default();
    for i in 0..400 {
        let src = if i == 399 { "x = 1".to_owned() } else { format!("x = local.l{} + 1", i + 1) };
        let e = hcl::parse(&src).unwrap().attributes().next().unwrap().expr.clone();
        scope.local_exprs.insert(format!("l{i}"), e);
    }
    let top = hcl::parse("x = local.l0").unwrap().attributes().next().unwrap().expr.clone();
    assert!(scope.eval(&top).to_string().contains("nested too deeply"));
    let mut short = Scope::default();
    for i in 380..400 {
        short.local_exprs.insert(format!("l{i}"), scope.local_exprs[&format!("l{i}")].clone());
    }
    let mid = hcl::parse("x = local.l380").unwrap().attributes().next().unwrap().expr.clone();
    assert_eq!(short.eval(&mid), Value::Int(20));

}

#[test]
fn key_vault_access_policies_append_to_the_vault() {
    let t = tempdir(
        "kvap",
        &[(
            "main.tf",
            r#"
resource "azurerm_key_vault" "kv" {
  name                = "kv-ml"
  resource_group_name = "rg"
  location            = "westeurope"
  tenant_id           = "t"
  sku_name            = "standard"
  access_policy {
    tenant_id          = "t"
    object_id          = "inline"
    secret_permissions = ["Get"]
  }
}
resource "azurerm_key_vault_access_policy" "ws" {
  key_vault_id       = azurerm_key_vault.kv.id
  tenant_id          = "t"
  object_id          = "workspace"
  key_permissions    = ["Get", "WrapKey"]
}
resource "azurerm_key_vault_access_policy" "other" {
  key_vault_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/elsewhere"
  tenant_id    = "t"
  object_id    = "nobody"
}
"#,
        )],
    );
    let d = load_hcl_dir(&t.0, &[]).unwrap();
    let kv = by_pointer(&d, "azurerm_key_vault.kv");
    let policies = kv.value.get("properties").and_then(|p| p.get("accessPolicies")).and_then(Value::as_array).unwrap();
    let ids: Vec<_> = policies.iter().filter_map(|p| p.get("objectId").and_then(Value::as_str)).collect();
    assert_eq!(ids, ["inline", "workspace"]);
    let keys = policies.get(1).and_then(|p| p.get("permissions")).and_then(|p| p.get("keys")).and_then(Value::as_array).unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(d.resources.len(), 1, "an access policy is not a resource of its own");
    assert!(d.diagnostics.iter().any(|x| x.message.contains("azurerm_key_vault_access_policy.other") && x.message.contains("not declared")));
}

#[test]
fn storage_blob_properties_become_the_blob_service() {
    let t = tempdir(
        "blobprops",
        &[(
            "main.tf",
            r#"
resource "azurerm_storage_account" "st" {
  name                     = "stml"
  resource_group_name      = "rg"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  blob_properties {
    versioning_enabled = true
    delete_retention_policy {
      days = 14
    }
  }
}
resource "azurerm_storage_account" "plain" {
  name                     = "stplain"
  resource_group_name      = "rg"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
"#,
        )],
    );
    let d = load_hcl_dir(&t.0, &[]).unwrap();
    let blob = by_pointer(&d, "azurerm_storage_account.st.blob_properties");
    assert_eq!(blob.type_(), "Microsoft.Storage/storageAccounts/blobServices");
    assert_eq!(blob.name(), "stml/default");
    assert!(blob.id().ends_with("/storageAccounts/stml/blobServices/default"), "{}", blob.id());
    let p = blob.value.get("properties").unwrap();
    assert_eq!(p.get("isVersioningEnabled"), Some(&Value::Bool(true)));
    let del = p.get("deleteRetentionPolicy").unwrap();
    assert_eq!(del.get("enabled"), Some(&Value::Bool(true)));
    assert_eq!(del.get("days").and_then(Value::as_i64), Some(14));
    let cont = p.get("containerDeleteRetentionPolicy").unwrap();
    assert_eq!(cont.get("enabled"), Some(&Value::Bool(false)));
    assert!(d.resources.iter().all(|r| r.provenance.pointer != "azurerm_storage_account.plain.blob_properties"));
    assert!(d.relations.iter().any(|r| r.from == d.resources.iter().position(|x| std::ptr::eq(x, blob)).unwrap()));
}

#[test]
fn file_and_templatefile_read_local_files_only() {
    let outside = tempdir("fileoutside", &[("secret.txt", "do not read")]);
    let outside_file = outside.0.join("secret.txt").display().to_string();
    let main = format!(
        r#"
locals {{
  policy   = file("${{path.module}}/policy.json")
  relative = file("policy.json")
  rendered = templatefile("tpl/role.tftpl", {{ name = "reader", actions = ["a", "b"] }})
  exists   = fileexists("nope.txt")
  missing  = try(file("nope.txt"), "fallback")
  outside  = file("{outside_file}")
  big      = file("big.txt")
}}
resource "azurerm_storage_account" "st" {{
  name                     = "st${{jsondecode(local.policy).suffix}}"
  resource_group_name      = "rg"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  tags = {{
    relative = local.relative
    rendered = local.rendered
    exists   = tostring(local.exists)
    missing  = local.missing
    outside  = local.outside
    big      = local.big
  }}
}}
"#
    );
    let big = "x".repeat(usize::try_from(super::eval::MAX_LOCAL_FILE_BYTES).unwrap() + 1);
    let t = tempdir(
        "files",
        &[
            ("main.tf", &main),
            ("policy.json", r#"{"suffix": "fromfile"}"#),
            ("tpl/role.tftpl", "role ${name}:%{ for a in actions }${a};%{ endfor }"),
            ("big.txt", &big),
        ],
    );
    let d = load_hcl_dir(&t.0, &[]).unwrap();
    let st = by_pointer(&d, "azurerm_storage_account.st");
    assert_eq!(st.name(), "stfromfile");
    let tags = st.value.get("tags").unwrap();
    assert_eq!(tags.get("relative").and_then(Value::as_str), Some(r#"{"suffix": "fromfile"}"#));
    assert_eq!(tags.get("rendered").and_then(Value::as_str), Some("role reader:a;b;"));
    assert_eq!(tags.get("exists").and_then(Value::as_str), Some("false"));
    assert_eq!(tags.get("missing").and_then(Value::as_str), Some("fallback"));
    match tags.get("outside") {
        Some(Value::Unknown(u)) => assert!(u.reason.contains("outside the configuration"), "{}", u.reason),
        other => panic!("a file outside the configuration was read: {other:?}"),
    }
    match tags.get("big") {
        Some(Value::Unknown(u)) => assert!(u.reason.contains("larger than"), "{}", u.reason),
        other => panic!("{other:?}"),
    }
}

#[test]
fn locals_in_a_cycle_are_one_error_naming_them_with_file_and_line() {
    let t = tempdir(
        "localcycle",
        &[
            (
                "main.tf",
                "locals {\n  ok = \"fine\"\n  a  = \"${local.b}-x\"\n  b  = local.c\n  c  = local.a\n  self = [local.self]\n}\n\nresource \"azurerm_resource_group\" \"rg\" {\n  name     = local.a\n  location = local.ok\n}\n",
            ),
            ("unused.tf", "locals {\n  p = local.q\n  q = local.p\n}\n"),
        ],
    );
    let d = load_hcl_dir(&t.0, &[]).unwrap();
    let cycles: Vec<_> = d.diagnostics.iter().filter(|x| x.message.contains("cycle") || x.message.contains("refers to itself")).collect();
    let summary: Vec<String> = cycles
        .iter()
        .map(|x| {
            let file = x.provenance.file.as_deref().unwrap_or_default();
            let file = file.rsplit('/').next().unwrap_or_default();
            format!("{:?} {file}:{:?} {} | {}", x.level, x.provenance.line, x.provenance.pointer, x.message)
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            "Error main.tf:Some(3) local.a | local values form a cycle: `local.a` → `local.b` → `local.c` → `local.a`; they and the values using them are unknown",
            "Error unused.tf:Some(2) local.p | local values form a cycle: `local.p` → `local.q` → `local.p`; they and the values using them are unknown",
            "Error main.tf:Some(6) local.self | local value `local.self` refers to itself; it and the values using it are unknown",
        ],
        "{:#?}",
        d.diagnostics
    );
    // The resource is still read; its name is unknown, the rest known.
    let rg = by_pointer(&d, "azurerm_resource_group.rg");
    assert_eq!(rg.value.get("location"), Some(&Value::String("fine".into())));
}
