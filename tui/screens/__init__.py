"""The app's modes (top-level screens), by name. Each factory builds a fresh screen."""

from __future__ import annotations

from tui.screens.approvals import ApprovalsScreen
from tui.screens.audit import AuditScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.findings import FindingsScreen
from tui.screens.subjects import SubjectsScreen
from tui.screens.violations import ViolationsScreen

MODES = {
    "dashboard": DashboardScreen,
    "findings": FindingsScreen,
    "approvals": ApprovalsScreen,
    "audit": AuditScreen,
    "subjects": SubjectsScreen,
    "violations": ViolationsScreen,
}
