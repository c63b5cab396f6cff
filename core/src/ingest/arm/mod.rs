//! ARM template ingestion: expressions, copy loops, nested deployments.
