"""Custos review dashboard (Textual). Built in the review-TUI issue."""
