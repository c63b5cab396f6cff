//! Build script: embeds every rule file under `rules/` (the catalog is data)
//! by generating a list of `include_str!` entries, so adding a rule is adding
//! a file, with no code change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let rules = manifest.join("rules");
    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=data");
    let mut files = Vec::new();
    if rules.is_dir() {
        collect(&rules, &mut files)?;
    }
    files.sort();
    let mut code = String::from("/// `(path relative to core/rules, contents)` of every rule file.\npub(crate) static RULE_FILES: &[(&str, &str)] = &[\n");
    let slim = std::env::var_os("CARGO_FEATURE_SLIM").is_some();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    for f in &files {
        let rel = f.strip_prefix(&rules)?.to_string_lossy().replace('\\', "/");
        let mut abs = f.to_string_lossy().into_owned();
        if slim {
            // The browser build embeds each rule file without its layout
            // whitespace and without its `examples` (test data, 60% of the
            // rule text; the browser API returns them empty): a smaller
            // binary.
            let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(f)?)?;
            if let Some(examples) = doc.get_mut("examples") {
                *examples = serde_json::json!({"pass": [], "fail": []});
            }
            let min = out_dir.join("rules").join(&rel);
            if let Some(dir) = min.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&min, serde_json::to_string(&doc)?)?;
            abs = min.to_string_lossy().into_owned();
        }
        writeln!(code, "    ({rel:?}, include_str!({abs:?})),")?;
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("rules_index.rs");
    std::fs::write(out, code)?;
    if slim {
        slim_aliases(&manifest, &files)?;
        // The Terraform mapping table, also without layout whitespace.
        let table: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(manifest.join("data/terraform/azurerm.json"))?)?;
        std::fs::write(out_dir.join("azurerm.json"), serde_json::to_string(&table)?)?;
    }
    Ok(())
}

/// The `slim` (browser) build embeds `OUT_DIR/aliases.json`: the alias catalog
/// `data/aliases.json` cut to the aliases the rule files mention (by full
/// name, name within the type, or property path; case-insensitive), with
/// every resource type kept. The native build embeds the whole catalog.
fn slim_aliases(manifest: &Path, rule_files: &[PathBuf]) -> Result<(), Box<dyn std::error::Error>> {
    let mut text = String::new();
    for f in rule_files {
        text.push_str(&std::fs::read_to_string(f)?.to_lowercase());
    }
    let full: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(manifest.join("data/aliases.json"))?)?;
    let mut types = serde_json::Map::new();
    if let Some(all) = full.get("types").and_then(|t| t.as_object()) {
        for (ty, aliases) in all {
            let mut kept = serde_json::Map::new();
            for (name, entry) in aliases.as_object().into_iter().flatten() {
                let path = entry.as_str().or_else(|| entry.get("path").and_then(|p| p.as_str())).unwrap_or("");
                let used = text.contains(&format!("{ty}/{name}").to_lowercase())
                    || text.contains(&name.to_lowercase())
                    || (!path.is_empty() && text.contains(&path.to_lowercase()));
                if used {
                    kept.insert(name.clone(), entry.clone());
                }
            }
            types.insert(ty.clone(), serde_json::Value::Object(kept));
        }
    }
    let mut slim = serde_json::Map::new();
    if let Some(about) = full.get("about") {
        slim.insert("about".to_owned(), about.clone());
    }
    slim.insert("types".to_owned(), serde_json::Value::Object(types));
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("aliases.json");
    std::fs::write(out, serde_json::to_string(&serde_json::Value::Object(slim))?)?;
    Ok(())
}
