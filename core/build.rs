#![allow(clippy::disallowed_methods)] // runs on the host: the source of the slim case tables (clippy.toml)
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
        case_tables(&out_dir)?;
        // The Terraform mapping table, also without layout whitespace and
        // without the per-type `$comment` notes (documentation only; the
        // table's own provenance note stays).
        let mut table: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(manifest.join("data/terraform/azurerm.json"))?)?;
        if let Some(types) = table.get_mut("resources").and_then(|r| r.as_object_mut()) {
            for entry in types.values_mut().filter_map(|e| e.as_object_mut()) {
                entry.remove("$comment");
            }
        }
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

/// A character's mapping by `char::to_lowercase`/`to_uppercase`.
fn lower_of(c: char) -> Vec<char> {
    c.to_lowercase().collect()
}
fn upper_of(c: char) -> Vec<char> {
    c.to_uppercase().collect()
}

/// The `slim` (browser) build converts case with `core/src/case.rs` and the
/// tables written here to `OUT_DIR/case_tables.rs`, instead of the standard
/// library's (about 24 KB of tables): they are computed from the standard
/// library of the compiler that builds this crate (the same Unicode version),
/// so the result is the same by construction; a test compares every
/// character.
///
/// - `LOWER_RUNS`/`UPPER_RUNS`: `[start | (count - 1) << 21, delta << 1 | (stride - 1)]`,
///   sorted: the characters `start + i * stride` (`i < count`) map to
///   themselves plus `delta`.
/// - `LOWER_MULTI`/`UPPER_MULTI`: `[from, to1, to2, to3]` (0 = none) for the
///   few characters that map to more than one (all in the BMP).
/// - `SIGMA_CLASSES`: what the final-sigma rule of `str::to_lowercase` needs:
///   the characters where the class changes, in order, each as one LEB128
///   number `(distance from the previous one) << 2 | class`, the class
///   holding up to the next change: 0 other, 1 case-ignorable, 2 cased and
///   not case-ignorable.
fn case_tables(out_dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut code = format!(
        "// Generated by core/build.rs from the Rust standard library's case mappings\n// (Unicode {:?}); see `case_tables` there.\n",
        char::UNICODE_VERSION
    );
    for (name, map) in [("LOWER", lower_of as fn(char) -> Vec<char>), ("UPPER", upper_of)] {
        let mut single: Vec<(u32, i64)> = Vec::new();
        let mut multi: Vec<[u32; 4]> = Vec::new();
        for c in (0..=0x10_FFFF_u32).filter_map(char::from_u32) {
            let to = map(c);
            match to.as_slice() {
                [one] if *one == c => {}
                [one] => single.push((u32::from(c), i64::from(u32::from(*one)) - i64::from(u32::from(c)))),
                more => {
                    let mut row = [u32::from(c), 0, 0, 0];
                    for (slot, m) in row.iter_mut().skip(1).zip(more) {
                        *slot = u32::from(*m);
                    }
                    if more.len() > 3 || row.iter().any(|x| *x > 0xFFFF) {
                        return Err(format!("case mapping of U+{:04X} does not fit the table", u32::from(c)).into());
                    }
                    multi.push(row);
                }
            }
        }
        let mut runs = String::new();
        let mut i = 0;
        while let Some(&(start, delta)) = single.get(i) {
            let (mut count, mut stride) = (1u32, 1u32);
            for s in [1u32, 2] {
                let mut n = 1u32;
                while n < 2048 && single.get(i + n as usize) == Some(&(start + n * s, delta)) {
                    n += 1;
                }
                if n > count {
                    (count, stride) = (n, s);
                }
            }
            let packed = ((delta << 1) | i64::from(stride - 1)) as i32 as u32;
            write!(runs, "[{:#x}, {:#x}], ", start | ((count - 1) << 21), packed)?;
            i += count as usize;
        }
        writeln!(code, "pub(crate) static {name}_RUNS: &[[u32; 2]] = &[{runs}];")?;
        let rows: Vec<String> = multi.iter().map(|[a, b, c, d]| format!("[{a:#x}, {b:#x}, {c:#x}, {d:#x}]")).collect();
        writeln!(code, "pub(crate) static {name}_MULTI: &[[u16; 4]] = &[{}];", rows.join(", "))?;
    }
    // Final sigma classes, read off `str::to_lowercase` itself: `x` is cased
    // and not case-ignorable when `xΣ` ends in `ς`; case-ignorable when `AxΣ`
    // does and `x` is not of the first kind.
    let ends_final = |s: String| s.to_lowercase().ends_with('ς');
    let mut bytes: Vec<u8> = Vec::new();
    let (mut last_class, mut last_start) = (0u8, 0u32);
    for c in (0..=0x10_FFFF_u32).filter_map(char::from_u32) {
        let class = if ends_final(format!("{c}Σ")) {
            2
        } else if ends_final(format!("A{c}Σ")) {
            1
        } else {
            0
        };
        if class != last_class {
            let mut n = ((u32::from(c) - last_start) << 2) | u32::from(class);
            while n >= 0x80 {
                bytes.push((n & 0x7F) as u8 | 0x80);
                n >>= 7;
            }
            bytes.push(n as u8);
            (last_class, last_start) = (class, u32::from(c));
        }
    }
    writeln!(code, "pub(crate) static SIGMA_CLASSES: &[u8] = &{bytes:?};")?;
    std::fs::write(out_dir.join("case_tables.rs"), code)?;
    Ok(())
}
