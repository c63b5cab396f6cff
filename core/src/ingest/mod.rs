//! Input adapters: every format becomes a [`crate::Deployment`].
//!
//! `arm` owns ARM templates (and plain resource lists); `terraform` owns plan
//! JSON and HCL folders. This module detects the format of a path or document
//! and dispatches.

pub mod arm;
pub mod terraform;
