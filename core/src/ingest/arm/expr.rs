//! ARM template expressions: `[concat(parameters('a'), '-x')]` parsed into a
//! small syntax tree. The grammar is ARM's: function calls (optionally
//! `namespace.name(...)` for user-defined functions), single-quoted strings
//! (`''` is a quote), integers, member access `.name` and index access `[e]`.

use super::error::{ErrorKind, EvalError};
use crate::value::Value;

/// Deepest nesting of calls and accesses accepted in one expression.
const MAX_EXPR_DEPTH: usize = 128;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A string literal: always a [`Value::String`] (held as a value so
    /// that a function can be lent it as an argument, not given a copy).
    Str(Value),
    /// An integer literal.
    Int(i64),
    /// A number literal with a fraction.
    Float(f64),
    /// A function call; `name` keeps its spelling (`ns.fn` for user functions).
    Call {
        /// Function name as spelled (borrowed from the function tables when
        /// spelled as they hold it, as most calls are: no allocation).
        name: std::borrow::Cow<'static, str>,
        /// What the name resolves to (found once, when parsed).
        func: Func,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `base.name`.
    Member(Box<Expr>, String),
    /// `base[index]`.
    Index(Box<Expr>, Box<Expr>),
}

/// What a call's name resolves to, found when the expression is parsed (a
/// cached parse is evaluated many times: no lower-casing or name search per
/// call).
#[derive(Debug, Clone, PartialEq)]
pub enum Func {
    /// A function the evaluator runs with its arguments unevaluated
    /// (`if`, `parameters`, lambdas…), lower case.
    Lazy(&'static str),
    /// One of the template functions ARM shares with Azure Policy, lower case.
    Shared(&'static str),
    /// `parameters('name')` with a literal name: the name in lower case.
    Parameter(Box<str>),
    /// `variables('name')` with a literal name: the name in lower case.
    Variable(Box<str>),
    /// A user-defined function (`namespace.name`).
    User,
    /// Any other name (ARM's own functions, or not a function), lower case.
    Other(std::borrow::Cow<'static, str>),
}

/// What a template string is: a literal (with `[[` unescaped) or an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Template<'a> {
    /// Plain text, already unescaped.
    Literal(std::borrow::Cow<'a, str>),
    /// The expression source between the outer brackets.
    Expression(&'a str),
}

/// Classify a JSON string value: `[...]` is an expression, `[[...` is the
/// literal `[...`, anything else is literal.
pub fn classify(s: &str) -> Template<'_> {
    if let Some(rest) = s.strip_prefix("[[") {
        return Template::Literal(std::borrow::Cow::Owned(format!("[{rest}")));
    }
    if s.len() >= 2 && s.starts_with('[') && s.ends_with(']') {
        if let Some(inner) = s.get(1..s.len().saturating_sub(1)) {
            return Template::Expression(inner);
        }
    }
    Template::Literal(std::borrow::Cow::Borrowed(s))
}

/// Parse the text between the outer brackets of an expression.
pub fn parse(src: &str) -> Result<Expr, EvalError> {
    let mut p = Parser { pos: 0, src, depth: 0 };
    p.skip_ws();
    let e = p.expr()?;
    p.skip_ws();
    if let Some(c) = p.peek() {
        return Err(p.error(format!("unexpected `{c}` after the end of the expression")));
    }
    Ok(e)
}

/// ASCII letters, digits, `_` and `$` as bits of two words (bytes 0-63,
/// 64-127): one shift and test per byte.
const IDENT_LO: u64 = (1 << b'$') | (0x3ff << b'0');
const IDENT_HI: u64 = (0x3ff_ffff << (b'A' - 64)) | (1 << (b'_' - 64)) | (0x3ff_ffff << (b'a' - 64));

fn is_ident_byte(b: u8) -> bool {
    let word = if b < 64 { IDENT_LO } else { IDENT_HI };
    b < 128 && (word >> (b & 63)) & 1 != 0
}

struct Parser<'a> {
    /// Byte offset of the next character.
    pos: usize,
    src: &'a str,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        match self.src.as_bytes().get(self.pos) {
            Some(&b) if b.is_ascii() => Some(char::from(b)),
            Some(_) => self.src.get(self.pos..).and_then(|rest| rest.chars().next()),
            None => None,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        if let Some(c) = c {
            self.pos = self.pos.saturating_add(c.len_utf8());
        }
        c
    }

    /// Skip white space (most calls find none: checked inline first; not in
    /// the size-bound browser build).
    #[cfg_attr(not(feature = "slim"), inline(always))]
    fn skip_ws(&mut self) {
        match self.src.as_bytes().get(self.pos) {
            Some(b) if b.is_ascii() && !matches!(b, b' ' | b'\t'..=b'\r') => {}
            None => {}
            Some(_) => self.skip_ws_slow(),
        }
    }

    #[inline(never)]
    fn skip_ws_slow(&mut self) {
        // ASCII bytes directly (`char::is_whitespace` on ASCII is tab to
        // carriage return and space); other characters through `peek`.
        loop {
            match self.src.as_bytes().get(self.pos) {
                Some(b' ' | b'\t'..=b'\r') => self.pos = self.pos.saturating_add(1),
                Some(b) if b.is_ascii() => return,
                None => return,
                Some(_) => {
                    if !self.peek().is_some_and(char::is_whitespace) {
                        return;
                    }
                    self.bump();
                }
            }
        }
    }

    fn error(&self, message: String) -> EvalError {
        let at = self.pos.min(self.src.len());
        EvalError::new(ErrorKind::Syntax, format!("{message} (character {} of `[{}]`)", at.saturating_add(1), self.src))
    }

    fn expect(&mut self, want: char) -> Result<(), EvalError> {
        self.skip_ws();
        match self.peek() {
            Some(c) if c == want => {
                self.bump();
                Ok(())
            }
            Some(c) => Err(self.error(format!("expected `{want}`, found `{c}`"))),
            None => Err(self.error(format!("expected `{want}`, found the end of the expression"))),
        }
    }

    fn expr(&mut self) -> Result<Expr, EvalError> {
        self.depth = self.depth.saturating_add(1);
        if self.depth > MAX_EXPR_DEPTH {
            return Err(self.error(format!("expression nested deeper than {MAX_EXPR_DEPTH} levels")));
        }
        self.skip_ws();
        let mut e = self.primary()?;
        loop {
            self.skip_ws();
            match self.peek() {
                Some('.') => {
                    self.bump();
                    self.skip_ws();
                    let name = self.ident();
                    if name.is_empty() {
                        return Err(self.error("expected a property name after `.`".to_owned()));
                    }
                    e = Expr::Member(Box::new(e), name);
                }
                Some('[') => {
                    self.bump();
                    let idx = self.expr()?;
                    self.expect(']')?;
                    e = Expr::Index(Box::new(e), Box::new(idx));
                }
                _ => break,
            }
        }
        self.depth = self.depth.saturating_sub(1);
        Ok(e)
    }

    fn ident(&mut self) -> String {
        self.ident_span().to_owned()
    }

    fn ident_span(&mut self) -> &str {
        let start = self.pos;
        // ASCII letters, digits, `_` and `$` directly (`char::is_alphanumeric`
        // on ASCII is `is_ascii_alphanumeric`); other characters through `peek`.
        let rest = self.src.as_bytes().get(start..).unwrap_or_default();
        let n = rest.iter().position(|&b| !is_ident_byte(b)).unwrap_or(rest.len());
        self.pos = start.saturating_add(n);
        if rest.get(n).is_none_or(u8::is_ascii) {
            return self.src.get(start..self.pos).unwrap_or_default();
        }
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || c == '_' || c == '$' {
                self.bump();
            } else {
                break;
            }
        }
        self.src.get(start..self.pos).unwrap_or_default()
    }

    fn primary(&mut self) -> Result<Expr, EvalError> {
        match self.peek() {
            Some('\'') => self.string(),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' => self.number(),
            Some(c) if c.is_alphabetic() || c == '_' || c == '$' => self.call(),
            Some(c) => Err(self.error(format!("unexpected `{c}`"))),
            None => Err(self.error("expected an expression, found the end".to_owned())),
        }
    }

    fn string(&mut self) -> Result<Expr, EvalError> {
        self.bump();
        // The usual literal has no `''`: one sized copy.
        let rest = self.src.get(self.pos..).unwrap_or_default();
        // (A byte loop: literals are short, a searcher costs more.)
        if let Some(at) = rest.bytes().position(|b| b == b'\'') {
            if rest.as_bytes().get(at.saturating_add(1)) != Some(&b'\'') {
                self.pos = self.pos.saturating_add(at).saturating_add(1);
                return Ok(Expr::Str(Value::String(rest.get(..at).unwrap_or_default().to_owned())));
            }
        }
        let mut out = String::new();
        loop {
            // Up to the next quote: `''` is a quote, a single one ends the literal.
            let rest = self.src.get(self.pos..).unwrap_or_default();
            let Some(at) = rest.find('\'') else {
                self.pos = self.src.len();
                return Err(self.error("unterminated string literal".to_owned()));
            };
            out.push_str(rest.get(..at).unwrap_or_default());
            self.pos = self.pos.saturating_add(at).saturating_add(1);
            if self.peek() == Some('\'') {
                self.bump();
                out.push('\'');
            } else {
                return Ok(Expr::Str(Value::String(out)));
            }
        }
    }

    fn number(&mut self) -> Result<Expr, EvalError> {
        let start = self.pos;
        if let Some('-' | '+') = self.peek() {
            self.bump();
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() || c == '.' {
                self.bump();
            } else {
                break;
            }
        }
        let text = self.src.get(start..self.pos).unwrap_or_default();
        if text.contains('.') {
            text.parse::<f64>()
                .map(Expr::Float)
                .map_err(|_| self.error(format!("`{text}` is not a number")))
        } else {
            text.parse::<i64>()
                .map(Expr::Int)
                .map_err(|_| self.error(format!("`{text}` is not an integer")))
        }
    }

    fn call(&mut self) -> Result<Expr, EvalError> {
        // (`src` outlives `self`: the name is borrowed across the arguments' parse.)
        let src = self.src;
        let start = self.pos;
        self.ident_span();
        let mut spelled: std::borrow::Cow<'_, str> = src.get(start..self.pos).unwrap_or_default().into();
        self.skip_ws();
        // `namespace.function(` for user-defined functions.
        if self.peek() == Some('.') {
            let save = self.pos;
            self.bump();
            let member = self.ident_span();
            let found = !member.is_empty();
            let member_end = self.pos;
            self.skip_ws();
            if found && self.peek() == Some('(') {
                let member = src.get(save.saturating_add(1)..member_end).unwrap_or_default();
                spelled = format!("{spelled}.{member}").into();
            } else {
                self.pos = save;
            }
        }
        let name: &str = &spelled;
        self.skip_ws();
        if self.peek() != Some('(') {
            return Err(self.error(format!("expected `(` after `{name}`")));
        }
        self.bump();
        self.skip_ws();
        let mut args = Vec::new();
        if self.peek() == Some(')') {
            self.bump();
        } else {
            // (Room for the usual argument counts, allocated once.)
            args = Vec::with_capacity(4);
            loop {
                args.push(self.expr()?);
                self.skip_ws();
                match self.bump() {
                    Some(',') => {}
                    Some(')') => break,
                    Some(c) => return Err(self.error(format!("expected `,` or `)`, found `{c}`"))),
                    None => return Err(self.error(format!("unclosed call to `{name}`"))),
                }
            }
        }
        let (func, lower) = super::functions::resolve_call(name, &args);
        let name = match super::functions::spelling(&func) {
            // (A name in lower case is the table's name it resolves to.)
            Some(known) if lower => std::borrow::Cow::Borrowed(known),
            _ => std::borrow::Cow::Owned(spelled.into_owned()),
        };
        Ok(Expr::Call { name, func, args })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: Vec<Expr>) -> Expr {
        let func = super::super::functions::resolve(name, &args);
        Expr::Call { name: name.to_owned().into(), func, args }
    }

    #[test]
    fn parses_calls_members_and_indexes() {
        let e = parse("concat(parameters('a').b[0], 'it''s', -3)").unwrap();
        assert_eq!(
            e,
            call(
                "concat",
                vec![
                    Expr::Index(
                        Box::new(Expr::Member(Box::new(call("parameters", vec![Expr::Str(Value::String("a".into()))])), "b".into())),
                        Box::new(Expr::Int(0))
                    ),
                    Expr::Str(Value::String("it's".into())),
                    Expr::Int(-3),
                ]
            )
        );
        assert_eq!(parse("__bicep.f( 1 )").unwrap(), call("__bicep.f", vec![Expr::Int(1)]));
    }

    #[test]
    fn call_names_resolve_when_parsed() {
        let func = |src: &str| match parse(src).unwrap() {
            Expr::Call { func, .. } => func,
            other => panic!("not a call: {other:?}"),
        };
        assert_eq!(func("IF(true(), 1, 2)"), Func::Lazy("if"));
        // `and`/`or` are the evaluator's own (lazy), though shared too.
        assert_eq!(func("Or(true(), false())"), Func::Lazy("or"));
        assert_eq!(func("toLower('A')"), Func::Shared("tolower"));
        assert_eq!(func("parameters('MyName')"), Func::Parameter("myname".into()));
        assert_eq!(func("Variables('V1')"), Func::Variable("v1".into()));
        // a computed or missing name is looked up when evaluated
        assert_eq!(func("parameters(concat('a', 'b'))"), Func::Lazy("parameters"));
        assert_eq!(func("variables()"), Func::Lazy("variables"));
        assert_eq!(func("parameters('a', 'b')"), Func::Lazy("parameters"));
        assert_eq!(func("ns.toLower('A')"), Func::User);
        assert_eq!(func("resourceId('a.b/c', 'n')"), Func::Other("resourceid".into()));
        assert_eq!(func("listKeys('x', '1')"), Func::Other("listkeys".into()));
    }

    #[test]
    fn ident_bytes_are_letters_digits_underscore_and_dollar() {
        for b in 0..=255u8 {
            assert_eq!(is_ident_byte(b), b.is_ascii_alphanumeric() || b == b'_' || b == b'$', "{b}");
        }
    }

    #[test]
    fn classifies_strings() {
        assert_eq!(classify("[a()]"), Template::Expression("a()"));
        assert_eq!(classify("[[a()]"), Template::Literal("[a()]".into()));
        assert_eq!(classify("plain"), Template::Literal("plain".into()));
        assert_eq!(classify("[not closed"), Template::Literal("[not closed".into()));
    }

    #[test]
    fn syntax_errors_are_typed() {
        for bad in ["concat('a'", "'open", "a", "f() g", "f(,)"] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Syntax, "{bad}");
        }
    }
}
