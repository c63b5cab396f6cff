//! Export of the catalog as Azure Policy definitions, initiative and deployment template.
