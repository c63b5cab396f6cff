//! Template expressions (`"[concat('a', parameters('b'))]"`) and values that
//! may contain them, compiled once.

use crate::value::{Map, Value};

/// Deepest nesting of calls/subscripts accepted in one expression.
pub const MAX_EXPR_DEPTH: usize = 64;

/// A compiled template expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal string, number or boolean.
    Lit(Value),
    /// `name(args…)`; `name` lower-cased.
    Call(String, Vec<Expr>),
    /// `base.prop`.
    Prop(Box<Expr>, String),
    /// `base[index]`.
    Index(Box<Expr>, Box<Expr>),
}

/// A JSON value that may contain expressions anywhere (strings starting with `[`).
#[derive(Debug, Clone, PartialEq)]
pub enum Tmpl {
    /// No expression inside: used as is.
    Const(Value),
    /// A string expression.
    Expr(Expr),
    /// An array with at least one expression inside.
    Array(Vec<Tmpl>),
    /// An object with at least one expression inside.
    Object(Vec<(String, Tmpl)>),
}

impl Tmpl {
    /// Compile a value; every string is checked for an expression.
    pub fn compile(v: &Value) -> Result<Tmpl, String> {
        match v {
            Value::String(s) => Ok(match compile_str(s)? {
                Some(e) => Tmpl::Expr(e),
                None => Tmpl::Const(Value::String(unescape(s))),
            }),
            Value::Array(a) => {
                let items = a.iter().map(Tmpl::compile).collect::<Result<Vec<_>, _>>()?;
                if items.iter().all(|t| matches!(t, Tmpl::Const(_))) {
                    Ok(Tmpl::Const(Value::Array(
                        items.into_iter().filter_map(|t| if let Tmpl::Const(v) = t { Some(v) } else { None }).collect(),
                    )))
                } else {
                    Ok(Tmpl::Array(items))
                }
            }
            Value::Object(m) => {
                let items = m
                    .iter()
                    .map(|(k, v)| Tmpl::compile(v).map(|t| (k.clone(), t)))
                    .collect::<Result<Vec<_>, _>>()?;
                if items.iter().all(|(_, t)| matches!(t, Tmpl::Const(_))) {
                    let mut out = Map::new();
                    for (k, t) in items {
                        if let Tmpl::Const(v) = t {
                            out.insert(k, v);
                        }
                    }
                    Ok(Tmpl::Const(Value::Object(out)))
                } else {
                    Ok(Tmpl::Object(items))
                }
            }
            other => Ok(Tmpl::Const(other.clone())),
        }
    }

    /// Compile only a top-level string expression; arrays and objects are
    /// taken literally (as Azure does for operator values).
    pub fn compile_shallow(v: &Value) -> Result<Tmpl, String> {
        match v {
            Value::String(_) => Tmpl::compile(v),
            other => Ok(Tmpl::Const(other.clone())),
        }
    }
}

/// Compile `then.details`: like [`Tmpl::compile`], but the values of
/// `field` and `condition` keys stay as written (they name fields and
/// conditions to apply later, as Azure reports them).
pub fn compile_details(v: &Value) -> Result<Tmpl, String> {
    match v {
        Value::Array(a) => {
            let items = a.iter().map(compile_details).collect::<Result<Vec<_>, _>>()?;
            Ok(Tmpl::Array(items))
        }
        Value::Object(m) => {
            let mut items = Vec::new();
            for (k, x) in m {
                let t = if k.eq_ignore_ascii_case("field") || k.eq_ignore_ascii_case("condition") {
                    Tmpl::Const(x.clone())
                } else {
                    compile_details(x)?
                };
                items.push((k.clone(), t));
            }
            Ok(Tmpl::Object(items))
        }
        other => Tmpl::compile(other),
    }
}

/// `[[x` is the literal `[x`.
fn unescape(s: &str) -> String {
    if s.starts_with("[[") {
        s.get(1..).unwrap_or_default().to_owned()
    } else {
        s.to_owned()
    }
}

/// `Some(expr)` if `s` is an expression (`[...]`, not `[[...`).
pub fn compile_str(s: &str) -> Result<Option<Expr>, String> {
    let t = s.trim_end();
    if !t.starts_with('[') || t.starts_with("[[") || !t.ends_with(']') {
        return Ok(None);
    }
    let inner = t.get(1..t.len() - 1).unwrap_or_default();
    let e = parse_expr(inner)?;
    super::functions::validate(&e)?;
    Ok(Some(e))
}

/// Parse the text between the outer brackets.
pub fn parse_expr(src: &str) -> Result<Expr, String> {
    let toks = tokenize(src)?;
    let mut p = Parser { toks: &toks, pos: 0, depth: 0 };
    let e = p.expr()?;
    if p.pos != toks.len() {
        return Err(format!("unexpected token at the end of expression `{src}`"));
    }
    Ok(e)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(Value),
    LParen,
    RParen,
    LBrack,
    RBrack,
    Comma,
    Dot,
}

fn tokenize(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0usize;
    while let Some(&c) = chars.get(i) {
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => { out.push(Tok::LParen); i += 1; }
            ')' => { out.push(Tok::RParen); i += 1; }
            '[' => { out.push(Tok::LBrack); i += 1; }
            ']' => { out.push(Tok::RBrack); i += 1; }
            ',' => { out.push(Tok::Comma); i += 1; }
            '.' => { out.push(Tok::Dot); i += 1; }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(format!("unterminated string in expression `{src}`")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => { s.push('\''); i += 2; }
                        Some('\'') => { i += 1; break; }
                        Some(&ch) => { s.push(ch); i += 1; }
                    }
                }
                out.push(Tok::Str(s));
            }
            c if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) => {
                let start = i;
                i += 1;
                while chars.get(i).is_some_and(|c| c.is_ascii_digit() || *c == '.') {
                    i += 1;
                }
                let text: String = chars.get(start..i).unwrap_or_default().iter().collect();
                let v = if let Ok(n) = text.parse::<i64>() {
                    Value::Int(n)
                } else if let Ok(f) = text.parse::<f64>() {
                    Value::Float(f)
                } else {
                    return Err(format!("bad number `{text}` in expression `{src}`"));
                };
                out.push(Tok::Num(v));
            }
            c if c.is_alphanumeric() || c == '_' || c == '$' => {
                let start = i;
                while chars.get(i).is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '$') {
                    i += 1;
                }
                out.push(Tok::Ident(chars.get(start..i).unwrap_or_default().iter().collect()));
            }
            other => return Err(format!("unexpected `{other}` in expression `{src}`")),
        }
    }
    Ok(out)
}

struct Parser<'t> {
    toks: &'t [Tok],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect(&mut self, t: &Tok, what: &str) -> Result<(), String> {
        match self.next() {
            Some(ref got) if got == t => Ok(()),
            _ => Err(format!("expected {what} in expression")),
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_EXPR_DEPTH {
            return Err("expression nested too deeply".to_owned());
        }
        let mut e = self.primary()?;
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.pos += 1;
                    match self.next() {
                        Some(Tok::Ident(name)) => e = Expr::Prop(Box::new(e), name),
                        _ => return Err("expected a property name after `.`".to_owned()),
                    }
                }
                Some(Tok::LBrack) => {
                    self.pos += 1;
                    let idx = self.expr()?;
                    self.expect(&Tok::RBrack, "`]`")?;
                    e = Expr::Index(Box::new(e), Box::new(idx));
                }
                _ => break,
            }
        }
        self.depth -= 1;
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Expr::Lit(Value::String(s))),
            Some(Tok::Num(v)) => Ok(Expr::Lit(v)),
            Some(Tok::Ident(name)) => {
                if self.peek() != Some(&Tok::LParen) {
                    return match name.to_ascii_lowercase().as_str() {
                        "true" => Ok(Expr::Lit(Value::Bool(true))),
                        "false" => Ok(Expr::Lit(Value::Bool(false))),
                        "null" => Ok(Expr::Lit(Value::Null)),
                        _ => Err(format!("expected `(` after `{name}`")),
                    };
                }
                self.pos += 1;
                let mut args = Vec::new();
                if self.peek() == Some(&Tok::RParen) {
                    self.pos += 1;
                } else {
                    loop {
                        args.push(self.expr()?);
                        match self.next() {
                            Some(Tok::Comma) => {}
                            Some(Tok::RParen) => break,
                            _ => return Err(format!("expected `,` or `)` in the arguments of `{name}`")),
                        }
                    }
                }
                Ok(Expr::Call(name.to_ascii_lowercase(), args))
            }
            _ => Err("expected a function call or a literal".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_calls_properties_and_indexes() {
        let e = compile_str("[concat(parameters('a'), 'it''s', split(field('name'), '/')[1], requestContext().apiVersion)]")
            .unwrap()
            .unwrap();
        let Expr::Call(name, args) = e else { panic!() };
        assert_eq!(name, "concat");
        assert_eq!(args.len(), 4);
        assert_eq!(args[1], Expr::Lit("it's".into()));
        assert!(matches!(args[2], Expr::Index(..)));
        assert!(matches!(args[3], Expr::Prop(..)));
        assert_eq!(compile_str("[[not an expression]").unwrap(), None);
        assert_eq!(compile_str("plain").unwrap(), None);
        assert!(compile_str("[concat('a',]").is_err());
        assert!(compile_str("[concat('a']").is_err());
    }
}
