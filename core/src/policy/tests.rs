//! Unit tests of the engine (conditions, effects, unknowns, related counts).

use super::*;

fn eval_json(def: serde_json::Value, res: serde_json::Value) -> Evaluation {
    let p = Policy::parse(&def.into()).unwrap();
    p.evaluate(&res.into(), &Map::new(), &EvalContext::default())
}

#[test]
fn alias_condition_matches() {
    let e = eval_json(
        serde_json::json!({"if": {"field": "Microsoft.MachineLearningServices/workspaces/publicNetworkAccess", "equals": "Enabled"}, "then": {"effect": "Audit"}}),
        serde_json::json!({"type": "Microsoft.MachineLearningServices/workspaces", "properties": {"publicNetworkAccess": "enabled"}}),
    );
    assert_eq!(e.effect.as_deref(), Some("audit"));
    assert_eq!(e.outcome, Outcome::Match);
    assert_eq!(e.evidence.len(), 1);
}
