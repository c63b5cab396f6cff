//! Reading a folder of `.tf` files into the blocks of one module.

use super::TerraformError;
use hcl::{Body, Expression};
use indexmap::IndexMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Files larger than this are refused (hostile input).
const MAX_FILE_BYTES: usize = 8 << 20;
/// More `.tf` files than this in one folder are refused.
const MAX_FILES: usize = 2_000;
/// Deepest bracket nesting handed to the HCL parser.
pub const MAX_HCL_NESTING: usize = 100;

/// A `resource`, `data` or `module` block.
#[derive(Debug, Clone)]
pub struct Decl {
    /// Resource type (`azurerm_subnet`); for modules, empty.
    pub tf_type: String,
    /// Local name (`snet`); for modules, the call name.
    pub name: String,
    /// The block body.
    pub body: Body,
    /// File path as displayed.
    pub file: String,
    /// 1-based line of the block header, if found.
    pub line: Option<u32>,
}

/// What a `variable` block declares.
#[derive(Debug, Clone)]
pub struct VarDecl {
    /// `default`, if any.
    pub default: Option<Expression>,
    /// `type` as written (`string`, `number`, `bool`, or other).
    pub type_: Option<String>,
    /// The `type` expression (for `object({...})` with `optional()` defaults).
    pub type_expr: Option<Expression>,
}

/// The kind of a declaration, in file order.
#[derive(Debug, Clone)]
pub enum Item {
    /// `resource`.
    Resource(Decl),
    /// `data`.
    Data(Decl),
    /// `module`.
    Module(Decl),
}

/// One module: the `.tf` files of one folder.
#[derive(Debug, Clone, Default)]
pub struct ModuleConfig {
    /// The folder.
    pub dir: PathBuf,
    /// `variable` blocks.
    pub variables: IndexMap<String, VarDecl>,
    /// `locals` entries.
    pub locals: HashMap<String, Expression>,
    /// Where each local is declared: file as displayed, 1-based line if found.
    pub local_sites: HashMap<String, (String, Option<u32>)>,
    /// `resource`, `data`, `module` blocks in file order (files sorted by name).
    pub items: Vec<Item>,
    /// `output` values.
    pub outputs: IndexMap<String, Expression>,
}

fn label(b: &hcl::Block, i: usize) -> String {
    b.labels.get(i).map(|l| l.as_str().to_owned()).unwrap_or_default()
}

/// Line numbers of block headers: (`resource`|`data`|`module`, type, name) → line.
fn header_lines(text: &str) -> HashMap<(String, String, String), u32> {
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let kind = ["resource", "data", "module"].into_iter().find(|k| {
            t.starts_with(k) && t.get(k.len()..).is_some_and(|r| r.starts_with([' ', '\t', '"']))
        });
        let Some(kind) = kind else { continue };
        let rest = t.get(kind.len()..).unwrap_or_default();
        let labels: Vec<String> = rest
            .split(['"', ' ', '\t', '{'])
            .filter(|s| !s.is_empty())
            .take(if kind == "module" { 1 } else { 2 })
            .map(str::to_owned)
            .collect();
        let (a, b) = match (kind, labels.as_slice()) {
            ("module", [n]) => (String::new(), n.clone()),
            (_, [ty, n]) => (ty.clone(), n.clone()),
            _ => continue,
        };
        let line_no = u32::try_from(i.saturating_add(1)).unwrap_or(u32::MAX);
        out.entry((kind.to_owned(), a, b)).or_insert(line_no);
    }
    out
}

/// Line numbers of the entries of `locals` blocks: name → line. Entries are
/// `name =` lines directly inside a `locals {` block (bracket depth 1).
fn local_lines(text: &str) -> HashMap<String, u32> {
    let mut out = HashMap::new();
    let mut depth: Option<i64> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if depth.is_none() {
            let rest = t.strip_prefix("locals").map(str::trim_start);
            if let Some(rest) = rest.filter(|r| r.starts_with('{')) {
                // `locals { a = 1 }` on one line has its entry after the brace.
                depth = Some(0);
                let inner = rest.get(1..).unwrap_or_default().trim_start();
                record_entry(inner, i, &mut out);
                depth = depth.map(|d| d.saturating_add(bracket_balance(rest)));
                if depth.is_some_and(|d| d <= 0) {
                    depth = None;
                }
            }
            continue;
        }
        if depth == Some(1) {
            record_entry(t, i, &mut out);
        }
        depth = depth.map(|d| d.saturating_add(bracket_balance(t)));
        if depth.is_some_and(|d| d <= 0) {
            depth = None;
        }
    }
    out
}

/// Record `name =` (not `==`) at the start of `t` as declared on line `i + 1`.
fn record_entry(t: &str, i: usize, out: &mut HashMap<String, u32>) {
    let name: String = t.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
    let rest = t.get(name.len()..).unwrap_or_default().trim_start();
    if !name.is_empty() && rest.starts_with('=') && !rest.starts_with("==") {
        let line_no = u32::try_from(i.saturating_add(1)).unwrap_or(u32::MAX);
        out.entry(name).or_insert(line_no);
    }
}

/// Opening minus closing brackets on a line (strings are not skipped; the
/// interpolations inside them are balanced anyway).
fn bracket_balance(t: &str) -> i64 {
    t.bytes().fold(0i64, |n, b| match b {
        b'{' | b'[' | b'(' => n.saturating_add(1),
        b'}' | b']' | b')' => n.saturating_sub(1),
        _ => n,
    })
}

/// `true` if the folder holds at least one `.tf` file.
pub fn has_tf_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.filter_map(Result::ok).any(|e| e.path().extension().is_some_and(|x| x == "tf") && e.path().is_file())
    })
}

/// Sorted paths of files in `dir` whose name satisfies `pred`.
pub fn files_in(dir: &Path, pred: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>, TerraformError> {
    let rd = std::fs::read_dir(dir).map_err(|e| TerraformError::Io { path: dir.display().to_string(), message: e.to_string() })?;
    let mut out: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(&pred))
        .collect();
    out.sort();
    if out.len() > MAX_FILES {
        return Err(TerraformError::TooLarge { path: dir.display().to_string(), what: "too many files".to_owned() });
    }
    Ok(out)
}

/// Read a text file with a size limit (bounded even when the size the file
/// system reports is wrong, as for a pipe or a device).
pub fn read_text(path: &Path) -> Result<String, TerraformError> {
    let io = |e: std::io::Error| TerraformError::Io { path: path.display().to_string(), message: e.to_string() };
    let bytes = crate::ingest::read_at_most(path, MAX_FILE_BYTES)
        .map_err(io)?
        .map_err(|_| TerraformError::TooLarge { path: path.display().to_string(), what: "file larger than 8 MiB".to_owned() })?;
    String::from_utf8(bytes).map_err(|_| io(std::io::Error::new(std::io::ErrorKind::InvalidData, "stream did not contain valid UTF-8")))
}

/// Parse HCL text (`file` for messages).
pub fn parse_hcl(text: &str, file: &str) -> Result<Body, TerraformError> {
    // The HCL parser recurses per bracket: refuse deep nesting before it
    // can overflow the stack. Counted over the raw text (brackets inside
    // strings count too), which only ever over-estimates.
    let mut depth: usize = 0;
    let mut line: usize = 1;
    for b in text.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth = depth.saturating_add(1);
                if depth > MAX_HCL_NESTING {
                    return Err(TerraformError::TooLarge {
                        path: file.to_owned(),
                        what: format!("brackets nested deeper than {MAX_HCL_NESTING} levels at line {line}"),
                    });
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' => line = line.saturating_add(1),
            _ => {}
        }
    }
    hcl::parse(text).map_err(|e| TerraformError::Hcl { file: file.to_owned(), message: e.to_string() })
}

/// Read all `.tf` files of a folder.
pub fn load_module(dir: &Path) -> Result<ModuleConfig, TerraformError> {
    let mut cfg = ModuleConfig { dir: dir.to_path_buf(), ..ModuleConfig::default() };
    for path in files_in(dir, |n| n.ends_with(".tf"))? {
        let file = path.display().to_string();
        let text = read_text(&path)?;
        let body = parse_hcl(&text, &file)?;
        let lines = header_lines(&text);
        let locals_at = local_lines(&text);
        for block in body.blocks() {
            let kind = block.identifier.as_str();
            match kind {
                "resource" | "data" | "module" => {
                    let (tf_type, name) = if kind == "module" { (String::new(), label(block, 0)) } else { (label(block, 0), label(block, 1)) };
                    let line = lines.get(&(kind.to_owned(), tf_type.clone(), name.clone())).copied();
                    let d = Decl { tf_type, name, body: block.body.clone(), file: file.clone(), line };
                    cfg.items.push(match kind {
                        "resource" => Item::Resource(d),
                        "data" => Item::Data(d),
                        _ => Item::Module(d),
                    });
                }
                "variable" => {
                    let mut v = VarDecl { default: None, type_: None, type_expr: None };
                    for a in block.body.attributes() {
                        match a.key.as_str() {
                            "default" => v.default = Some(a.expr.clone()),
                            "type" => {
                                v.type_ = Some(type_name(&a.expr));
                                v.type_expr = Some(a.expr.clone());
                            }
                            _ => {}
                        }
                    }
                    cfg.variables.insert(label(block, 0), v);
                }
                "locals" => {
                    for a in block.body.attributes() {
                        let name = a.key.as_str().to_owned();
                        cfg.local_sites.insert(name.clone(), (file.clone(), locals_at.get(&name).copied()));
                        cfg.locals.insert(name, a.expr.clone());
                    }
                }
                "output" => {
                    if let Some(a) = block.body.attributes().find(|a| a.key.as_str() == "value") {
                        cfg.outputs.insert(label(block, 0), a.expr.clone());
                    }
                }
                _ => {}
            }
        }
    }
    Ok(cfg)
}

fn type_name(e: &Expression) -> String {
    match e {
        Expression::Variable(v) => v.as_str().to_owned(),
        Expression::FuncCall(f) => f.name.name.as_str().to_owned(),
        _ => "any".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines_find_blocks() {
        let t = "# c\nresource \"azurerm_subnet\" \"a\" {\n}\n  data \"x\" \"y\" {}\nmodule \"m\" {\n}\nresourcex \"a\" \"b\" {}\n";
        let l = header_lines(t);
        assert_eq!(l.get(&("resource".into(), "azurerm_subnet".into(), "a".into())), Some(&2));
        assert_eq!(l.get(&("data".into(), "x".into(), "y".into())), Some(&4));
        assert_eq!(l.get(&("module".into(), String::new(), "m".into())), Some(&5));
        assert_eq!(l.len(), 3);
    }

    #[test]
    fn local_lines_find_entries_of_locals_blocks() {
        let t = "locals {\n  a = \"${local.b}-x\"\n  m = {\n    x = 1\n  }\n  b = local.a == 1\n}\nresource \"r\" \"n\" {\n  c = 1\n}\nlocals { d = 2 }\n";
        let l = local_lines(t);
        assert_eq!(l.get("a"), Some(&2));
        assert_eq!(l.get("m"), Some(&3));
        assert_eq!(l.get("b"), Some(&6));
        assert_eq!(l.get("d"), Some(&11));
        // `x` is inside an object, `c` inside a resource
        assert_eq!(l.len(), 4, "{l:?}");
    }
}
