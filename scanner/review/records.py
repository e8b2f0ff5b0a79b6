"""The records the review UI is handed and the filter it passes back, named here so the UI depends on
`scanner.review` alone (the store defines them; nothing is copied)."""

from __future__ import annotations

from scanner.actions.audit import VerifyResult
from scanner.store.actions import ActionRow
from scanner.store.hosts import HostStatus
from scanner.store.review import Dashboard, FileItem, FindingFilter, FindingItem
from scanner.store.violations import ViolationRow

__all__ = [
    "ActionRow",
    "Dashboard",
    "FileItem",
    "FindingFilter",
    "FindingItem",
    "HostStatus",
    "VerifyResult",
    "ViolationRow",
]
