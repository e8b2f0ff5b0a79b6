"""Detection: rule packs, validators, Presidio recognizers and the windowed engine."""
