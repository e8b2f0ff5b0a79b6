"""Review-side reading of scanned files: masked context lines for the review UI (never a plain value)."""
