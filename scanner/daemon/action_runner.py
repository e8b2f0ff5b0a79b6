"""The daemon's action runner: a process of its own that executes the approved actions on this host's files.

A proposal made anywhere (the review UI on a reviewer's machine, `custos propose`) carries the host whose disk
holds the file (`actions.host`). Once approved, that host's daemon picks it up here and applies it exactly as
`custos apply` does (`ActionService.apply`: vault copy, atomic write, audit record, result recorded); no other
host opens the path. It shares the apply lock beside the database with `custos apply` and the review UI, so one
apply runs at a time on a host; an action a crash left executing is finished first.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.actions.audit import Actor, current_actor
from scanner.actions.audit_keys import AuditError
from scanner.actions.execute import Outcome
from scanner.actions.policy import PolicyError
from scanner.actions.service import ActionError
from scanner.actions.workspace import Workspace, open_workspace
from scanner.daemon.log import event, setup
from scanner.states import ActionState
from scanner.store.engine import db_errors

if TYPE_CHECKING:
    from scanner.daemon.daemon import WorkerStop

POLL_SECONDS = 2.0  # how often the runner looks for newly approved actions of its host


def daemon_actor(host: str) -> Actor:
    """Who executes in the audit record: the daemon of this host, under the OS account running it."""
    return current_actor(f"custos-watch@{host}")


def action_runner_main(db: Path, stop: WorkerStop, log_level: str, poll_seconds: float = POLL_SECONDS) -> None:
    """Entry point of the runner process (multiprocessing 'spawn': everything it needs is passed in)."""
    setup(log_level)
    with open_workspace(db) as ws:
        runner = ActionRunner(ws)
        event("actions_ready", host=runner.host, pid=os.getpid())
        while not stop.is_set():
            runner.run_due()
            stop.wait(poll_seconds)
        event("actions_stopped", host=runner.host)


class ActionRunner:
    """Applies this host's approved actions (and finishes any left executing) whenever there are some."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.host = ws.store.host
        self.actor = daemon_actor(self.host)

    def due(self) -> bool:
        states = (ActionState.APPROVED, ActionState.EXECUTING)
        return bool(self.ws.actions.actions(states=states, host=self.host))

    def run_due(self) -> list[Outcome]:
        """Apply what is due now; a refusal (another apply running here, an audit log that cannot be written, a
        broken site policy) is logged and tried again at the next poll."""
        try:
            if not self.due():
                return []
            self.ws.reload_policy()  # as every command does: a policy tightened since applies now
            outcomes = self.ws.service.apply(self.actor, None)
        except (ActionError, AuditError, PolicyError, *db_errors()) as exc:
            event("actions_waiting", "warning", host=self.host, reason=exc)
            return []
        for o in outcomes:  # target: the masked path
            level = "info" if o.state == ActionState.EXECUTED else "warning"
            event("action_applied", level, action=o.action_id, kind=o.kind, state=o.state, path=o.target,
                  message=o.message)  # fmt: skip
        return outcomes
