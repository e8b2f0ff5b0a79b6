"""Masking a file in place, per format: a masked copy is written beside the original, never the original."""
