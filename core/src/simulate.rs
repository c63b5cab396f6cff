//! Deployed-state simulation: Azure defaults and derived properties applied before rules run.
