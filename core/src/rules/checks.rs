//! Named Rust checks: the few rules whose logic Azure Policy's grammar cannot
//! express. A rule names one with `"check": "<name>"`; its `policyRule`
//! selects the resources, and the check decides on each of them with the
//! whole deployment in view.

use crate::model::{normalise_id, Deployment, Resource};
use std::collections::HashMap;
use crate::value::{Map, Value};

/// Names of the registered checks.
pub const NAMES: &[&str] = &["subnet_capacity", "secrets_in_resources", "image_registries", "model_sources"];

/// Verdict of a named check on one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckOutcome {
    /// Nothing wrong.
    Pass,
    /// Something wrong: a message and the facts it rests on.
    Fail {
        /// Lowercase message naming the resources in backticks.
        message: String,
        /// Facts (plain JSON objects).
        evidence: Vec<Value>,
    },
    /// The verdict depends on values unknown before deployment.
    Unknown {
        /// What could not be decided.
        message: String,
        /// What is unknown.
        unknown: Vec<String>,
    },
}

/// Run the check `name` on resource `index` of `deployment`. `None` when no
/// check of that name exists.
pub fn run(name: &str, deployment: &Deployment, index: usize, parameters: &Map) -> Option<CheckOutcome> {
    run_indexed(name, deployment, index, parameters, &mut Indexes::default())
}

/// What the checks compute once per deployment, on first use, and reuse for
/// every resource of it (pass one `Indexes` per deployment).
#[derive(Debug, Default)]
pub struct Indexes {
    /// Consumers of each subnet (normalised id), in resource order.
    demands: Option<HashMap<String, Vec<Demand>>>,
}

/// [`run`] with per-deployment indexes kept in `indexes` between calls.
pub fn run_indexed(name: &str, deployment: &Deployment, index: usize, parameters: &Map, indexes: &mut Indexes) -> Option<CheckOutcome> {
    match name {
        "subnet_capacity" => Some(subnet_capacity(deployment, index, parameters, indexes)),
        "secrets_in_resources" => Some(secrets_in_resources(deployment, index)),
        "image_registries" => Some(image_registries(deployment, index, parameters)),
        "model_sources" => Some(model_sources(deployment, index, parameters)),
        _ => None,
    }
}

/// Addresses Azure reserves in every subnet (network, broadcast, and three
/// for the gateway and DNS).
pub const AZURE_RESERVED_PER_SUBNET: u64 = 5;

/// Pods per node AKS configures with Azure CNI when `maxPods` is omitted.
const AKS_DEFAULT_MAX_PODS: u64 = 30;
/// Node count AML uses for an AKS compute it creates when `agentCount` is omitted.
const AML_AKS_DEFAULT_AGENTS: u64 = 3;

struct Subnet {
    id: String,
    name: String,
    prefix: Option<Value>,
}

fn str_at<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    v.get_path_ci(path).and_then(Value::as_str)
}

/// Subnets a resource declares: itself (a subnet) or its inline `subnets`.
fn subnets_of(deployment: &Deployment, index: usize) -> Vec<Subnet> {
    let Some(r) = deployment.resources.get(index) else { return Vec::new() };
    let prefix_of = |props: Option<&Value>| -> Option<Value> {
        let props = props?;
        if let Some(p) = props.get_ci("addressPrefix") {
            return Some(p.clone());
        }
        match props.get_ci("addressPrefixes") {
            Some(Value::Array(a)) => a.iter().find(|p| !matches!(p, Value::String(s) if s.contains(':'))).cloned(),
            Some(other) => Some(other.clone()),
            None => None,
        }
    };
    if r.is_type("Microsoft.Network/virtualNetworks/subnets") {
        return vec![Subnet { id: r.id().to_owned(), name: r.name().to_owned(), prefix: prefix_of(r.value.get_ci("properties")) }];
    }
    if r.is_type("Microsoft.Network/virtualNetworks") {
        let inline = r.value.get_path_ci("properties.subnets").and_then(Value::as_array).unwrap_or_default();
        return inline
            .iter()
            .filter_map(|s| {
                let name = s.get_ci("name").and_then(Value::as_str)?;
                let id = s
                    .get_ci("id")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("{}/subnets/{name}", r.id()));
                Some(Subnet { id, name: format!("{}/{name}", r.name()), prefix: prefix_of(s.get_ci("properties")) })
            })
            .collect();
    }
    Vec::new()
}

/// Usable addresses of an IPv4 CIDR after Azure's reservation.
pub fn usable_addresses(cidr: &str) -> Option<u64> {
    let (addr, bits) = cidr.trim().split_once('/')?;
    if addr.split('.').count() != 4 || addr.split('.').any(|o| o.parse::<u8>().is_err()) {
        return None;
    }
    let bits: u32 = bits.parse().ok()?;
    if bits > 32 {
        return None;
    }
    let size = 1u64.checked_shl(32 - bits)?;
    Some(size.saturating_sub(AZURE_RESERVED_PER_SUBNET))
}

/// A number, or the reason it is unknown.
fn count_at(v: &Value, path: &str, default: Option<u64>, what: &str) -> Result<u64, String> {
    match v.get_path_ci(path) {
        Some(Value::Int(i)) if *i >= 0 => Ok(u64::try_from(*i).unwrap_or(0)),
        Some(Value::Float(f)) if *f >= 0.0 && f.is_finite() => Ok(f.ceil() as u64),
        Some(Value::String(s)) if s.parse::<u64>().is_ok() => Ok(s.parse::<u64>().unwrap_or(0)),
        Some(Value::Unknown(u)) => Err(format!("{what}: {}", u.reason)),
        None | Some(Value::Null) => default.ok_or_else(|| format!("{what} is not set")),
        Some(other) => Err(format!("{what} is `{other}`")),
    }
}

/// One consumer of a subnet's addresses.
#[derive(Debug)]
struct Demand {
    what: String,
    addresses: Result<u64, String>,
}

/// The subnet (normalised id) a property value names, if any.
fn target(v: Option<&str>) -> Option<String> {
    v.map(normalise_id)
}

/// What each resource of the deployment places in each subnet it names
/// (by normalised id), in one pass over the resources: per subnet, the
/// consumers in resource order. Built once per deployment.
fn demands(deployment: &Deployment) -> HashMap<String, Vec<Demand>> {
    let mut out: HashMap<String, Vec<Demand>> = HashMap::new();
    let mut push = |id: &String, d: Demand| match out.get_mut(id) {
        Some(list) => list.push(d),
        None => {
            out.insert(id.clone(), vec![d]);
        }
    };
    for r in &deployment.resources {
        let v = &r.value;
        let name = r.name();
        if r.is_type("Microsoft.MachineLearningServices/workspaces/computes") {
            let ctype = str_at(v, "properties.computeType").unwrap_or_default();
            let in_subnet = || target(str_at(v, "properties.properties.subnet.id"));
            if ctype.eq_ignore_ascii_case("AmlCompute") {
                if let Some(id) = in_subnet() {
                    push(
                        &id,
                        Demand {
                            what: format!("cluster `{name}` (max nodes)"),
                            addresses: count_at(v, "properties.properties.scaleSettings.maxNodeCount", None, &format!("max node count of `{name}`")),
                        },
                    );
                }
            } else if ctype.eq_ignore_ascii_case("ComputeInstance") {
                if let Some(id) = in_subnet() {
                    push(&id, Demand { what: format!("compute instance `{name}`"), addresses: Ok(1) });
                }
            } else if ctype.eq_ignore_ascii_case("AKS") {
                if let Some(id) = target(str_at(v, "properties.properties.aksNetworkingConfiguration.subnetId")) {
                    let agents = count_at(v, "properties.properties.agentCount", Some(AML_AKS_DEFAULT_AGENTS), &format!("agent count of `{name}`"));
                    push(
                        &id,
                        Demand {
                            what: format!("AKS compute `{name}` (nodes × ({AKS_DEFAULT_MAX_PODS} pods + 1))"),
                            addresses: agents.map(|n| n.saturating_mul(AKS_DEFAULT_MAX_PODS + 1)),
                        },
                    );
                }
            }
        } else if r.is_type("Microsoft.ContainerService/managedClusters") {
            let kubenet = str_at(v, "properties.networkProfile.networkPlugin").is_some_and(|p| p.eq_ignore_ascii_case("kubenet"));
            let overlay = str_at(v, "properties.networkProfile.networkPluginMode").is_some_and(|p| p.eq_ignore_ascii_case("overlay"));
            let pools = v.get_path_ci("properties.agentPoolProfiles").and_then(Value::as_array).unwrap_or_default();
            for pool in pools {
                let Some(id) = target(str_at(pool, "vnetSubnetID")) else { continue };
                let pname = pool.get_ci("name").and_then(Value::as_str).unwrap_or("pool");
                let nodes = if pool.get_ci("enableAutoScaling").and_then(Value::as_bool) == Some(true) {
                    count_at(pool, "maxCount", None, &format!("max count of pool `{pname}` of `{name}`"))
                } else {
                    count_at(pool, "count", Some(1), &format!("node count of pool `{pname}` of `{name}`"))
                };
                let per_node = if kubenet || overlay {
                    Ok(1)
                } else {
                    count_at(pool, "maxPods", Some(AKS_DEFAULT_MAX_PODS), &format!("max pods of pool `{pname}` of `{name}`")).map(|p| p + 1)
                };
                push(
                    &id,
                    Demand {
                        what: format!("AKS cluster `{name}` pool `{pname}`"),
                        addresses: nodes.and_then(|n| per_node.map(|p| n.saturating_mul(p))),
                    },
                );
            }
        } else if r.is_type("Microsoft.Network/privateEndpoints") {
            if let Some(id) = target(str_at(v, "properties.subnet.id")) {
                push(&id, Demand { what: format!("private endpoint `{name}`"), addresses: Ok(1) });
            }
        } else if r.is_type("Microsoft.Network/networkInterfaces") {
            // Configurations per subnet, subnets in order of first mention.
            let mut counts: Vec<(String, u64)> = Vec::new();
            let configs = v.get_path_ci("properties.ipConfigurations").and_then(Value::as_array).unwrap_or_default();
            for c in configs {
                if let Some(id) = target(str_at(c, "properties.subnet.id")) {
                    match counts.iter_mut().find(|(k, _)| *k == id) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((id, 1)),
                    }
                }
            }
            for (id, n) in counts {
                push(&id, Demand { what: format!("network interface `{name}`"), addresses: Ok(n) });
            }
        }
    }
    out
}

/// AML-NET-011: the subnet's usable addresses (size minus Azure's 5
/// reserved) cover everything placed in it at full scale: cluster max
/// nodes, compute instances, AKS nodes × (pods + 1) with Azure CNI, private
/// endpoints and NICs.
fn subnet_capacity(deployment: &Deployment, index: usize, _parameters: &Map, indexes: &mut Indexes) -> CheckOutcome {
    let mut failures = Vec::new();
    let mut evidence = Vec::new();
    let mut unknown = Vec::new();
    let subnets = subnets_of(deployment, index);
    if subnets.is_empty() {
        return CheckOutcome::Pass;
    }
    let by_subnet = indexes.demands.get_or_insert_with(|| demands(deployment));
    for subnet in subnets {
        let Some(demands) = by_subnet.get(&normalise_id(&subnet.id)) else { continue };
        if demands.is_empty() {
            continue;
        }
        let capacity = match &subnet.prefix {
            Some(Value::String(p)) => match usable_addresses(p) {
                Some(c) => c,
                None => {
                    unknown.push(format!("address prefix `{p}` of subnet `{}` is not an IPv4 CIDR", subnet.name));
                    continue;
                }
            },
            Some(Value::Unknown(u)) => {
                unknown.push(format!("address prefix of subnet `{}`: {}", subnet.name, u.reason));
                continue;
            }
            _ => {
                unknown.push(format!("subnet `{}` has no address prefix", subnet.name));
                continue;
            }
        };
        let mut total: u64 = 0;
        let mut parts = Vec::new();
        let mut open = Vec::new();
        for d in demands {
            match &d.addresses {
                Ok(n) => {
                    total = total.saturating_add(*n);
                    parts.push(format!("{} {n}", d.what));
                }
                Err(reason) => open.push(reason.clone()),
            }
        }
        let mut ev = Map::new();
        ev.insert("subnet".into(), Value::from(subnet.name.as_str()));
        ev.insert("usable_addresses".into(), Value::Int(i64::try_from(capacity).unwrap_or(i64::MAX)));
        ev.insert("required_addresses".into(), Value::Int(i64::try_from(total).unwrap_or(i64::MAX)));
        ev.insert("consumers".into(), Value::Array(parts.iter().map(|p| Value::from(p.as_str())).collect()));
        if total > capacity {
            failures.push(format!(
                "subnet `{}` has {capacity} usable addresses but needs {total} ({})",
                subnet.name,
                parts.join(", ")
            ));
            evidence.push(Value::Object(ev));
        } else if !open.is_empty() {
            unknown.extend(open);
        }
    }
    if !failures.is_empty() {
        CheckOutcome::Fail { message: failures.join("; "), evidence }
    } else if !unknown.is_empty() {
        CheckOutcome::Unknown { message: "subnet capacity could not be decided".to_owned(), unknown }
    } else {
        CheckOutcome::Pass
    }
}

/// Property names (lowercase suffixes) that hold secrets.
const SECRET_NAME_SUFFIXES: &[&str] = &[
    "password", "secret", "connectionstring", "accountkey", "sastoken", "apikey", "primarykey", "secondarykey",
    "clientsecret", "accesskey", "sharedaccesskey", "privatekey",
];
/// Property names that look secret-like but are not secrets.
const NOT_SECRET_NAMES: &[&str] = &["adminpublickey", "publickey", "keyvault", "keyuri", "keyname", "keysource", "keyidentifier"];

/// A secret-like property name (ASCII case ignored), not one of the
/// look-alikes.
fn secret_name(k: &str) -> bool {
    let b = k.as_bytes();
    let ends = |s: &str| b.len().checked_sub(s.len()).and_then(|at| b.get(at..)).is_some_and(|t| t.eq_ignore_ascii_case(s.as_bytes()));
    SECRET_NAME_SUFFIXES.iter().any(|s| ends(s)) && !NOT_SECRET_NAMES.iter().any(|n| k.eq_ignore_ascii_case(n))
}

/// Paths (dotted, `[*]` for array elements) below `path` of literal
/// strings in secret-named properties. `path` is one stack of segments,
/// extended and cut back on the way (written out only for what is found).
fn walk_secrets<'v>(v: &'v Value, path: &mut crate::model::PathSegs<'v>, depth: usize, out: &mut Vec<String>) {
    if depth > 32 {
        return;
    }
    // (only containers are walked into: nothing else holds a property)
    match v {
        Value::Object(m) => {
            for (k, item) in m {
                match item {
                    Value::String(s) if secret_name(k) && !s.trim().is_empty() && !s.starts_with('[') => {
                        path.push(Some(k));
                        out.push(crate::model::render_path(path));
                        path.pop();
                    }
                    Value::Object(_) | Value::Array(_) => {
                        path.push(Some(k));
                        walk_secrets(item, path, depth.saturating_add(1), out);
                        path.pop();
                    }
                    _ => {}
                }
            }
        }
        Value::Array(a) => {
            path.push(None);
            for item in a.iter().filter(|x| matches!(x, Value::Object(_) | Value::Array(_))) {
                walk_secrets(item, path, depth.saturating_add(1), out);
            }
            path.pop();
        }
        _ => {}
    }
}

/// AML-DATA-006: literal values in secret-named properties (and the value
/// of a Key Vault secret resource).
fn secrets_in_resources(deployment: &Deployment, index: usize) -> CheckOutcome {
    let Some(r) = deployment.resources.get(index) else { return CheckOutcome::Pass };
    let mut found = Vec::new();
    if let Some(props) = r.value.get_ci("properties") {
        // (room for a deep path up front: the stack does not regrow)
        let mut path = Vec::with_capacity(16);
        path.push(Some("properties"));
        walk_secrets(props, &mut path, 0, &mut found);
        if r.is_type("Microsoft.KeyVault/vaults/secrets") && matches!(props.get_ci("value"), Some(Value::String(s)) if !s.is_empty()) {
            found.push("properties.value".to_owned());
        }
    }
    if found.is_empty() {
        return CheckOutcome::Pass;
    }
    CheckOutcome::Fail {
        message: format!("`{}` has a literal secret in {}", r.name(), found.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")),
        evidence: found.iter().map(|p| Value::from(format!("{p}: <literal value hidden>"))).collect(),
    }
}

/// What a named check finds in the deployment beyond its resources, as
/// stand-in resources (type `output`, named after what they stand for, with
/// its provenance) and their verdicts. AML-DATA-006: template outputs that
/// call a `list*` function.
pub fn on_deployment(name: &str, deployment: &Deployment) -> Vec<(Resource, CheckOutcome)> {
    if name != "secrets_in_resources" {
        return Vec::new();
    }
    deployment
        .secret_outputs
        .iter()
        .map(|o| {
            let mut m = Map::new();
            m.insert("type".to_owned(), Value::from("output"));
            m.insert("name".to_owned(), Value::from(o.name.clone()));
            m.insert("id".to_owned(), Value::from(o.provenance.pointer.clone()));
            let outcome = CheckOutcome::Fail {
                message: format!(
                    "output `{}` returns the result of `{}`: anyone who can read the deployment can read the key or secret",
                    o.name, o.function
                ),
                evidence: vec![Value::from(format!("{}: calls `{}`", o.provenance.pointer, o.function))],
            };
            (Resource::new(Value::Object(m), o.provenance.clone()), outcome)
        })
        .collect()
}

fn string_list(parameters: &Map, name: &str) -> Vec<String> {
    parameters
        .get(name)
        .and_then(Value::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_ascii_lowercase))
        .collect()
}

/// Registry host of an image reference (`docker.io` when none is given).
pub fn image_registry(image: &str) -> String {
    let first = image.split('/').next().unwrap_or_default();
    if image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost") {
        first.to_ascii_lowercase()
    } else {
        "docker.io".to_owned()
    }
}

/// AML-SUP-001: images of environment versions and of custom compute services.
fn image_registries(deployment: &Deployment, index: usize, parameters: &Map) -> CheckOutcome {
    let Some(r) = deployment.resources.get(index) else { return CheckOutcome::Pass };
    let allowed = string_list(parameters, "allowedRegistries");
    let mut images: Vec<&Value> = Vec::new();
    if let Some(i) = r.value.get_path_ci("properties.image") {
        images.push(i);
    }
    for svc in r.value.get_path_ci("properties.properties.customServices").and_then(Value::as_array).unwrap_or_default() {
        if let Some(i) = svc.get_path_ci("image.reference") {
            images.push(i);
        }
    }
    let mut bad = Vec::new();
    let mut unknown = Vec::new();
    for image in images {
        match image {
            Value::String(s) => {
                let reg = image_registry(s);
                if !allowed.contains(&reg) {
                    bad.push(format!("`{s}` (registry `{reg}`)"));
                }
            }
            Value::Unknown(u) => unknown.push(format!("image of `{}`: {}", r.name(), u.reason)),
            _ => {}
        }
    }
    if !bad.is_empty() {
        CheckOutcome::Fail {
            message: format!("`{}` uses images from registries not on the allowed list: {}", r.name(), bad.join(", ")),
            evidence: vec![Value::from(format!("allowed: {}", allowed.join(", ")))],
        }
    } else if !unknown.is_empty() {
        CheckOutcome::Unknown { message: "image registry could not be decided".to_owned(), unknown }
    } else {
        CheckOutcome::Pass
    }
}

/// AML-SUP-002: custom (pickle-based) models only from trusted prefixes.
fn model_sources(deployment: &Deployment, index: usize, parameters: &Map) -> CheckOutcome {
    let Some(r) = deployment.resources.get(index) else { return CheckOutcome::Pass };
    let mtype = r.value.get_path_ci("properties.modelType");
    match mtype {
        Some(Value::String(t)) if !t.eq_ignore_ascii_case("custom_model") => return CheckOutcome::Pass,
        Some(Value::Unknown(u)) => {
            return CheckOutcome::Unknown { message: "model type unknown".to_owned(), unknown: vec![u.reason.clone()] }
        }
        _ => {}
    }
    let trusted = string_list(parameters, "trustedModelUriPrefixes");
    match r.value.get_path_ci("properties.modelUri") {
        Some(Value::String(uri)) => {
            let lower = uri.to_ascii_lowercase();
            if trusted.iter().any(|p| lower.starts_with(p.as_str())) {
                CheckOutcome::Pass
            } else {
                CheckOutcome::Fail {
                    message: format!("custom model `{}` is registered from `{uri}`, outside the trusted locations", r.name()),
                    evidence: vec![Value::from(format!("trusted: {}", trusted.join(", ")))],
                }
            }
        }
        Some(Value::Unknown(u)) => CheckOutcome::Unknown { message: "model location unknown".to_owned(), unknown: vec![u.reason.clone()] },
        _ => CheckOutcome::Pass,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(v: serde_json::Value) -> Deployment {
        Deployment::from_resources(&v.into(), None, None).unwrap()
    }

    #[test]
    fn usable_addresses_subtracts_the_five_reserved() {
        assert_eq!(usable_addresses("10.0.0.0/24"), Some(251));
        assert_eq!(usable_addresses("10.0.0.0/29"), Some(3));
        assert_eq!(usable_addresses("10.0.0.0/33"), None);
        assert_eq!(usable_addresses("fd00::/64"), None);
    }

    fn cluster(max: serde_json::Value, subnet: &str) -> serde_json::Value {
        serde_json::json!({"type": "Microsoft.MachineLearningServices/workspaces/computes", "name": "ws/cpu",
            "properties": {"computeType": "AmlCompute", "properties": {"subnet": {"id": subnet},
                "scaleSettings": {"minNodeCount": 0, "maxNodeCount": max}}}})
    }

    #[test]
    fn a_cluster_larger_than_its_subnet_fails_and_a_small_one_passes() {
        let s = crate::model::Scope::default().resource_id("Microsoft.Network/virtualNetworks/subnets", "vnet/train");
        let vnet = serde_json::json!({"type": "Microsoft.Network/virtualNetworks", "name": "vnet",
            "properties": {"subnets": [{"name": "train", "properties": {"addressPrefix": "10.0.0.0/27"}}]}});
        let d = dep(serde_json::json!([vnet, cluster(serde_json::json!(40), &s)]));
        match run("subnet_capacity", &d, 0, &Map::new()) {
            Some(CheckOutcome::Fail { message, .. }) => assert!(message.contains("27 usable addresses but needs 40"), "{message}"),
            other => panic!("{other:?}"),
        }
        let d = dep(serde_json::json!([vnet, cluster(serde_json::json!(20), &s)]));
        assert_eq!(run("subnet_capacity", &d, 0, &Map::new()), Some(CheckOutcome::Pass));
        let d = dep(serde_json::json!([vnet, cluster(serde_json::json!({"$unknown": "parameter `maxNodes` has no value"}), &s)]));
        assert!(matches!(run("subnet_capacity", &d, 0, &Map::new()), Some(CheckOutcome::Unknown { .. })));
    }

    #[test]
    fn aks_pods_count_with_azure_cni() {
        let d = dep(serde_json::json!([
            {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "vnet/score", "properties": {"addressPrefix": "10.0.1.0/26"}},
            {"type": "Microsoft.ContainerService/managedClusters", "name": "aks", "properties": {"agentPoolProfiles": [
                {"name": "sys", "count": 3, "vnetSubnetID": crate::model::Scope::default().resource_id("Microsoft.Network/virtualNetworks/subnets", "vnet/score")}]}}
        ]));
        // 3 × (30 + 1) = 93 > 59
        assert!(matches!(run("subnet_capacity", &d, 0, &Map::new()), Some(CheckOutcome::Fail { .. })));
        assert_eq!(run("nope", &d, 0, &Map::new()), None);
    }

    #[test]
    fn image_registry_defaults_to_docker_hub() {
        assert_eq!(image_registry("python:3.11"), "docker.io");
        assert_eq!(image_registry("someone/img"), "docker.io");
        assert_eq!(image_registry("mcr.microsoft.com/azureml/base:1"), "mcr.microsoft.com");
        assert_eq!(image_registry("localhost:5000/x"), "localhost:5000");
    }

    #[test]
    fn secrets_are_found_by_property_name_and_public_keys_are_not() {
        let d = dep(serde_json::json!([
            {"type": "Microsoft.MachineLearningServices/workspaces/computes", "name": "ws/c", "properties": {"properties": {
                "sshSettings": {"adminPublicKey": "ssh-rsa AAA"}, "userAccountCredentials": {"adminUserPassword": "x1"}}}}
        ]));
        match run("secrets_in_resources", &d, 0, &Map::new()) {
            Some(CheckOutcome::Fail { message, .. }) => {
                assert!(message.contains("userAccountCredentials.adminUserPassword"), "{message}");
                assert!(!message.contains("adminPublicKey"), "{message}");
                assert!(!message.contains("x1"), "the secret itself must not be printed");
            }
            other => panic!("{other:?}"),
        }
    }
}
