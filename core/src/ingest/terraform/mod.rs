//! Terraform ingestion: plan JSON and HCL folders, mapped to ARM shape by data tables.
