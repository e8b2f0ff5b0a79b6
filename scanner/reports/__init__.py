"""Reports for management and regulators built from the findings database (the compliance report)."""
