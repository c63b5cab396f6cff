//! The one error type of the public API. Findings are never errors: `Error`
//! means the input could not be used at all, and says where.

use crate::export::ExportError;
use crate::json::JsonError;
use crate::ingest::terraform::TerraformError;
use crate::model::ModelError;

/// Input that amlguard cannot use, with the place it went wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A document is not valid JSON (comments are allowed).
    #[error("{}: {source}", file.as_deref().unwrap_or("<input>"))]
    Json {
        /// File, if the document came from one.
        file: Option<String>,
        /// What and where.
        source: JsonError,
    },
    /// A document is JSON but not a list of resources.
    #[error("{}: {source}", file.as_deref().unwrap_or("<input>"))]
    Model {
        /// File, if the document came from one.
        file: Option<String>,
        /// What and where.
        source: ModelError,
    },
    /// The rule catalog could not be exported as Azure Policy.
    #[error("export: {0}")]
    Export(#[from] ExportError),
    /// A policy definition (or alias catalog) cannot be used.
    #[error("{}: {source}", file.as_deref().unwrap_or("<policy>"))]
    Policy {
        /// File, if the definition came from one.
        file: Option<String>,
        /// What and where.
        source: crate::policy::PolicyError,
    },
    /// Terraform input (HCL folder or plan JSON) that cannot be used.
    #[error("{source}")]
    Terraform {
        /// What and where.
        source: TerraformError,
    },
    /// An ARM template could not be used (syntax, unknown function, cycle,
    /// limit, …), with file, JSON pointer and line/column.
    #[error("{0}")]
    Template(#[from] crate::ingest::arm::TemplateError),
    /// A suppressions file (`.amlguard.json`) cannot be used.
    #[error("{file}: {message}")]
    Suppressions {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Check options name a rule or a rule parameter that does not exist,
    /// or give a parameter a value its declaration refuses.
    #[error("{0}")]
    Options(#[from] crate::rules::OptionsError),
    /// A file or folder could not be read.
    #[error("cannot read `{path}`: {message}")]
    Io {
        /// Path as given.
        path: String,
        /// The operating system's message.
        message: String,
    },
}

impl Error {
    /// Wrap a JSON error with the file it came from.
    pub fn json(file: Option<&str>, source: JsonError) -> Self {
        Error::Json { file: file.map(str::to_owned), source }
    }

    /// An I/O error for `path`.
    pub fn io(path: impl Into<String>, e: &std::io::Error) -> Self {
        Error::Io { path: path.into(), message: e.to_string() }
    }
}
