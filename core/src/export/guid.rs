//! Deterministic names: a policy definition's name (a GUID) is a UUID v5 of
//! the rule id in a fixed namespace, so the same rule gets the same name in
//! every run, on every machine, and redeploying updates instead of duplicating.

use uuid::Uuid;

/// The namespace of every amlguard policy name: UUID v5 of this URL in the
/// standard URL namespace. Never change it: deployed definitions are found
/// again by their names.
const NAMESPACE_URL: &str = "https://github.com/amlguard/amlguard/azure-policy";

fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, NAMESPACE_URL.as_bytes())
}

/// Name of the policy definition exported from rule `rule_id` (case-insensitive).
pub fn definition_name(rule_id: &str) -> String {
    let key = format!("policyDefinition/{}", rule_id.to_ascii_uppercase());
    Uuid::new_v5(&namespace(), key.as_bytes()).hyphenated().to_string()
}

/// Name of the exported initiative (policy set definition).
pub fn initiative_name() -> String {
    Uuid::new_v5(&namespace(), b"policySetDefinition/amlguard").hyphenated().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_distinct_and_version_5() {
        let a = definition_name("AML-NET-001");
        assert_eq!(a, definition_name("aml-net-001"));
        assert_ne!(a, definition_name("AML-NET-002"));
        assert_ne!(a, initiative_name());
        let u = Uuid::parse_str(&a).map_err(|e| e.to_string());
        assert_eq!(u.map(|u| u.get_version_num()), Ok(5));
        // Pinned: a change of namespace or key format would orphan every
        // definition users have already deployed.
        assert_eq!(definition_name("AML-NET-001"), PINNED_NET_001);
    }

    // Computed independently with Python: `uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, URL), "policyDefinition/AML-NET-001")`.
    const PINNED_NET_001: &str = "445098f1-59e0-5a46-aa43-0fb0e3f02e95";
}
