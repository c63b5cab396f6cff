//! Python bindings (see issue: Python).
