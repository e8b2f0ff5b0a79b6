"""Custos scanner: discover files, extract text, detect personal data, store findings."""

__version__ = "0.1.0"
