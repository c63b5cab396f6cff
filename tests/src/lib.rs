//! Helpers shared by the integration tests in `tests/tests/`.

use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `../shared` beside the repository, if present (it always is in CI). Tests
/// that need it print a plain line and return early when it is absent, so a
/// run without it is visibly partial rather than silently green.
pub fn shared_dir() -> Option<PathBuf> {
    let p = std::env::var_os("AMLGUARD_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"));
    if p.join("corpus").is_dir() {
        Some(p)
    } else {
        eprintln!("NOTE: ../shared is not present; skipping the suites that read it");
        None
    }
}
pub mod hostile;
