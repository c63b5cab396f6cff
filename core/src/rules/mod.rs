//! The rule catalog: rules as data (`core/rules/<area>/<ID>.json`), loaded and validated.
