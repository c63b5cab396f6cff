//! Criterion micro-benchmarks (`cargo bench -p amlguard-bench --bench micro`):
//! the JSON reader on one template, ARM expansion of one corpus template,
//! one rule's `policyRule` on one resource, and `check` of the secure
//! baseline example. The corpus template comes from `../shared`; without it
//! that benchmark uses the baseline example's text for the reader and is
//! skipped for expansion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use amlguard_core::ingest::{self, arm};
use amlguard_core::policy::{EvalContext, Policy};
use amlguard_core::{CheckOptions, Map, Value};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

const BASELINE: &str = include_str!("../../examples/secure-baseline.json");
const CORPUS_TEMPLATE: &str = "../shared/corpus/arm/quickstart-aistudio-basics/azuredeploy.json";

fn corpus_template() -> Option<String> {
    // `cargo bench` runs in the package folder (bench/); the repository root is one up.
    let path = std::path::Path::new("..").join(CORPUS_TEMPLATE);
    match std::fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(_) => {
            println!("NOTE: ../shared is not present: ARM expansion benchmark skipped, JSON reader measured on the baseline example");
            None
        }
    }
}

fn benches(c: &mut Criterion) {
    let template = corpus_template();
    let text = template.as_deref().unwrap_or(BASELINE);
    c.bench_function("json_read_template", |b| b.iter(|| amlguard_core::json::parse(black_box(text)).unwrap()));
    c.bench_function("serde_json_parse_template", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(text)).unwrap())
    });
    let shared: std::sync::Arc<str> = std::sync::Arc::from(text);
    c.bench_function("json_position_index_template", |b| {
        b.iter(|| amlguard_core::json::PositionIndex::build(black_box(std::sync::Arc::clone(&shared))).unwrap())
    });

    if let Some(t) = &template {
        let doc = amlguard_core::json::parse(t).unwrap();
        let limits = ingest::Limits::default();
        c.bench_function("arm_expand_template", |b| {
            b.iter(|| {
                let mut dep = amlguard_core::Deployment::default();
                let src = arm::Source::new(Some(CORPUS_TEMPLATE), Some(t), None);
                arm::expand_into(&mut dep, black_box(&doc), &src, Map::new(), &limits).unwrap();
                dep
            })
        });
    }

    // One rule on one resource: the first rule about workspaces, on the baseline's workspace.
    let baseline = amlguard_core::deployment_from_json_text(BASELINE, Some("secure-baseline.json")).unwrap();
    let workspace = baseline
        .resources
        .iter()
        .find(|r| r.type_().eq_ignore_ascii_case("Microsoft.MachineLearningServices/workspaces"))
        .unwrap();
    let rule = amlguard_core::rules()
        .iter()
        .find(|r| r.policy_rule.to_json().to_string().contains("Microsoft.MachineLearningServices/workspaces"))
        .unwrap();
    let mut def = Map::new();
    def.insert("policyRule".to_owned(), rule.policy_rule.clone());
    def.insert("parameters".to_owned(), Value::Object(rule.parameters.clone()));
    let policy = Policy::parse(&Value::Object(def)).unwrap();
    let params = rule.parameter_values(None);
    let ctx = EvalContext::default();
    c.bench_function(&format!("policy_eval_one_rule_one_resource ({})", rule.id), |b| {
        b.iter(|| policy.evaluate(black_box(&workspace.value), &params, &ctx))
    });

    let opts = CheckOptions::default();
    c.bench_function("check_secure_baseline", |b| b.iter(|| amlguard_core::check(black_box(&baseline), &opts)));
    c.bench_function("check_text_secure_baseline (read + check + json report)", |b| {
        b.iter(|| amlguard_core::check_text(black_box(BASELINE), Some("secure-baseline.json"), &ingest::LoadOptions::default(), &opts).unwrap().to_json())
    });
}

criterion_group! {
    name = micro;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = benches
}
criterion_main!(micro);
