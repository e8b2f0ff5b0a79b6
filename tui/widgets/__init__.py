"""Reusable widgets of the review UI. Widgets emit intent as messages; screens decide and read the store."""
