//! Native timing of what the web demo does on every edit: ingest a design and
//! check it. Prints the median and p90 over the runs (no assertions).
//!
//! `cargo run --release -p amlguard-core --example recheck -- web-demo/presets/secure-baseline.json [runs]`

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: recheck <design.json> [runs]")?;
    let runs: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(200);
    let text = std::fs::read_to_string(&path)?;
    let opts = amlguard_core::ingest::LoadOptions::default();
    let check = amlguard_core::CheckOptions::default();
    // Warm-up: the catalog and the aliases are parsed once per process.
    let dep = amlguard_core::ingest::load_text(&text, Some(&path), &opts)?;
    let findings = amlguard_core::check(&dep, &check).findings.len();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let dep = amlguard_core::ingest::load_text(&text, Some(&path), &opts)?;
        let report = amlguard_core::check(&dep, &check);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(report);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times.get(((times.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(0.0);
    println!(
        "{path}: {} resources, {findings} findings; ingest+check median {:.3} ms, p90 {:.3} ms over {runs} runs",
        dep.resources.len(),
        at(0.5),
        at(0.9)
    );
    Ok(())
}
