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
    for f in &files {
        let rel = f.strip_prefix(&rules)?.to_string_lossy().replace('\\', "/");
        let abs = f.to_string_lossy().into_owned();
        writeln!(code, "    ({rel:?}, include_str!({abs:?})),")?;
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("rules_index.rs");
    std::fs::write(out, code)?;
    Ok(())
}
