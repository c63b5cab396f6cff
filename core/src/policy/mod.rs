//! Azure Policy engine: parse definitions, resolve aliases, evaluate conditions with three-valued logic.
