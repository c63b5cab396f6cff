//! Azure's documented template limits ("Template limits" in the ARM best
//! practices and "Resolve errors for job size exceeded"), configurable.

use serde::Serialize;

/// Limits applied while reading templates. Defaults are Azure's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Template file size in bytes (Azure: 4 MB).
    pub max_template_bytes: usize,
    /// Parameters file size in bytes (Azure: 4 MB).
    pub max_parameters_file_bytes: usize,
    /// One expanded resource definition, in bytes of JSON (Azure: 1 MB).
    pub max_resource_bytes: usize,
    /// Resources per template, counting copies (Azure: 800).
    pub max_resources: usize,
    /// `copy` count (Azure: 800).
    pub max_copy_count: usize,
    /// Parameters declared per template (Azure: 256).
    pub max_parameters: usize,
    /// Variables declared per template. Azure's current documentation says
    /// 512 (it said 256 before); the larger number is used so templates Azure
    /// accepts are not refused.
    pub max_variables: usize,
    /// Outputs per template (Azure: 64).
    pub max_outputs: usize,
    /// Characters in one template expression (Azure: 24,576).
    pub max_expression_chars: usize,
    /// Nesting depth of nested/linked deployments. Azure documents no number;
    /// this bound is amlguard's own, to stop runaway recursion.
    pub max_deployment_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_template_bytes: 4 * 1024 * 1024,
            max_parameters_file_bytes: 4 * 1024 * 1024,
            max_resource_bytes: 1024 * 1024,
            max_resources: 800,
            max_copy_count: 800,
            max_parameters: 256,
            max_variables: 512,
            max_outputs: 64,
            max_expression_chars: 24_576,
            max_deployment_depth: 32,
        }
    }
}
