"""Data subjects: the people the findings describe, linked from records and shared strong identifiers."""
