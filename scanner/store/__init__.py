"""Findings store: SQLite schema and the query/command API the CLI and TUI use."""
