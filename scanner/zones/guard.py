"""Zone policies at scan time: after each file's scan, judge it against the zones and record what it breaks.

`ZoneGuard` is the scanner's observer (`Scanner.observer`), in `custos scan` and in each daemon worker. For a
file in a zone it reads what the store now holds of it (findings of the file and its archive members, people),
records the violations (`ViolationStore.sync`: repeats update last_seen, fixed ones resolve), then for each NEW
one calls the alert hooks and, for a zone with `auto_quarantine`, proposes a quarantine as "custos-zones"
(proposed only: it still needs approval per the site policy). A file moved out of every zone resolves its open
violations; files gone, quarantined or deleted resolve theirs when a run ends. Nothing here may break a scan:
an error is logged and the scan goes on.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.display_mask import mask_for_display
from scanner.name_mask import mask_path
from scanner.states import ActionKind, ZoneRuleKind
from scanner.store.store import Store
from scanner.store.violations import ViolationStore
from scanner.zones.evaluate import violations_for_file
from scanner.zones.hooks import notify
from scanner.zones.model import ViolationAlert, Zone

if TYPE_CHECKING:
    from scanner.actions.workspace import Workspace

PROPOSER = "custos-zones"  # the reviewer identity an automatic quarantine proposal is recorded under
ExposureOf = Callable[[int], str | None]  # file id → ExposureLevel, None when not known

_log = logging.getLogger("custos.zones")


class ZoneGuard:
    """Judges scanned files against `zones` and records violations in the store's database."""

    def __init__(self, store: Store, zones: Sequence[Zone], *, exposure_of: ExposureOf | None = None) -> None:
        self.store = store
        self.zones = tuple(zones)
        self.violations = ViolationStore(store)
        self.exposure_of = exposure_of
        self.host = socket.gethostname()
        self._workspace: Workspace | None = None
        self._stack = ExitStack()
        self._judged: set[tuple[str, str]] = set()

    def file_done(self, root: str, rel_path: str) -> None:
        """After a walked file's scan (or its unchanged skip) was recorded."""
        try:
            self._judge(root, rel_path)
        except Exception:  # noqa: BLE001 - a zone check must never stop scanning
            _log.exception("zone check of a file under %s failed", root)

    def run_done(self, root: str) -> None:
        """After a run marked files gone: their violations resolve."""
        try:
            self.violations.resolve_retired(root)
        except Exception:  # noqa: BLE001
            _log.exception("resolving zone violations under %s failed", root)

    @property
    def counts_people(self) -> bool:
        """Does a zone limit how many people a file may hold (max_people, counted as linked subjects)?"""
        return any(rule.kind == ZoneRuleKind.MAX_PEOPLE for zone in self.zones for rule in zone.rules)

    def recheck(self) -> None:
        """Judge again every file judged so far (after `custos scan` linked subjects for max_people: people are
        now counted as subjects, not records)."""
        for root, rel_path in sorted(self._judged):
            self.file_done(root, rel_path)

    def close(self) -> None:
        self._stack.close()

    def _judge(self, root: str, rel_path: str) -> None:
        if not any(zone.holds(rel_path) for zone in self.zones):
            if self.violations.has_open(root, rel_path):  # moved out of its zone (or the zone was removed)
                self.violations.resolve_path(root, rel_path)
            return
        facts = self.violations.facts(root, rel_path)
        if facts is None:
            return
        self._judged.add((root, rel_path))
        exposure = self.exposure_of(facts.file_id) if self.exposure_of and facts.findings else None
        found = violations_for_file(self.zones, rel_path, facts.findings, people=facts.people, exposure=exposure)
        new = self.violations.sync(facts.file_id, found)
        if not new:
            return
        shown = mask_path(rel_path, self.store.name_spans([facts.file_id]).get(facts.file_id, []))
        for vid, v in new:
            row = self.violations.violation(vid)
            first_seen = row.first_seen if row else ""
            notify(ViolationAlert(vid, v.zone, v.rule, v.severity, root, shown, v.previews, v.count, first_seen,
                                  self.host))  # fmt: skip
        quarantining = [vid for vid, v in new if v.auto_quarantine]
        if quarantining:
            self._propose_quarantine(root, rel_path, shown, quarantining)

    def _propose_quarantine(self, root: str, rel_path: str, shown: str, violation_ids: list[int]) -> None:
        """Propose quarantining the file (once: a file with an open action cannot get another)."""
        from scanner.actions.audit import current_actor
        from scanner.actions.service import Proposal

        try:
            ws = self._open_workspace()
            actor = current_actor(PROPOSER)
            reason = f"zone policy: {len(violation_ids)} violation(s) of a zone that quarantines automatically"
            action_id = ws.service.propose(Proposal(ActionKind.QUARANTINE, path=Path(root) / rel_path, reason=reason),
                                           actor)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - e.g. an open action on the file already, no audit key
            why = mask_for_display(str(exc))
            _log.warning("zone auto-quarantine of %s not proposed: %s: %s", shown, type(exc).__name__, why)
            return
        for vid in violation_ids:
            self.violations.set_action(vid, action_id)
        _log.info("zone auto-quarantine proposed for %s (action %d)", shown, action_id)

    def _open_workspace(self) -> Workspace:
        if self._workspace is None:
            from scanner.actions.workspace import open_workspace

            self._workspace = self._stack.enter_context(open_workspace(self.store.path))
        return self._workspace


def attach_guard(scanner: object, store: Store, zones: Sequence[Zone]) -> ZoneGuard | None:
    """A `ZoneGuard` set as `scanner.observer` when any zone is configured; None (and nothing set) without."""
    if not zones:
        return None
    from scanner.store.exposure import ExposureStore

    guard = ZoneGuard(store, zones, exposure_of=ExposureStore(store).level_of)  # recorded before file_done
    scanner.observer = guard  # type: ignore[attr-defined]
    return guard
