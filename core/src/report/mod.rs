//! Reports: findings and their renderings (text, JSON, SARIF, Markdown, HTML).
