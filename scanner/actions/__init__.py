"""Acting on findings: proposals and approvals, in-place masking, the encrypted vault, secure deletion, audit."""
