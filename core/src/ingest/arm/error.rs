//! Typed template errors: what went wrong, in which file, at which JSON
//! pointer and line/column.

use std::fmt;

/// The kind of a template error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The expression text does not parse.
    Syntax,
    /// A function that ARM does not have (or a user function not declared).
    UnknownFunction,
    /// A function called with the wrong number of arguments.
    Arity,
    /// An argument or value of the wrong type, or a missing property.
    Type,
    /// Variables (or parameter defaults) that depend on each other in a loop.
    Cycle,
    /// `parameters('x')` / `variables('x')` / `copyIndex('x')` naming something undeclared.
    Reference,
    /// A documented Azure template limit was exceeded.
    Limit,
    /// The template's shape is wrong (e.g. `resources` is not an array).
    Structure,
    /// A linked template could not be read.
    Io,
}

/// An error found while evaluating a template, before it is placed.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    /// What kind.
    pub kind: ErrorKind,
    /// Lowercase message, user input in backticks.
    pub message: String,
    /// JSON pointer, when the error is known to come from a specific place
    /// (e.g. inside a variable) rather than from where evaluation started.
    pub pointer: Option<String>,
}

impl EvalError {
    /// A new error without a place.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        EvalError { kind, message: message.into(), pointer: None }
    }

    /// Set the pointer if none is set yet (the innermost place wins).
    pub fn at(mut self, pointer: &str) -> Self {
        if self.pointer.is_none() {
            self.pointer = Some(pointer.to_owned());
        }
        self
    }
}

/// A template that cannot be used (or a part that cannot be expanded), with
/// its place: file, JSON pointer, line and column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
pub struct TemplateError {
    /// What kind.
    pub kind: ErrorKind,
    /// Lowercase message, user input in backticks.
    pub message: String,
    /// File, if the template came from one.
    pub file: Option<String>,
    /// JSON pointer in the file.
    pub pointer: String,
    /// 1-based line, if known.
    pub line: Option<u32>,
    /// 1-based column, if known.
    pub column: Option<u32>,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.as_deref().unwrap_or("<input>"))?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": {}", self.message)?;
        if !self.pointer.is_empty() {
            write!(f, " (at `{}`)", self.pointer)?;
        }
        Ok(())
    }
}

impl TemplateError {
    /// Place an evaluation error in a file; `fallback` is the pointer used
    /// when the error does not carry its own.
    pub fn place(e: EvalError, file: Option<&str>, text: Option<&str>, fallback: &str) -> Self {
        let pointer = e.pointer.unwrap_or_else(|| fallback.to_owned());
        let pos = text.and_then(|t| crate::json::locate(t, &pointer));
        TemplateError {
            kind: e.kind,
            message: e.message,
            file: file.map(str::to_owned),
            pointer,
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
        }
    }
}
