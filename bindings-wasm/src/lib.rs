//! WebAssembly bindings (see issue: browser).
