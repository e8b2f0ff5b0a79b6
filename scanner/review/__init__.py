"""What the review UI reads and does, behind one interface (`scanner.review.service.ReviewService`): dashboard
counts, pages of files and findings, one finding's detail with masked context, and action plans, proposals,
approvals and applies. The TUI imports this package, never `scanner.store`.
"""
