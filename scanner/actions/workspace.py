"""Everything an action command needs, opened from one database path: store, vault, audit log, policy.

The vault, its master key, the audit log and its signing key live beside the database unless configured
elsewhere (see scanner.paths), and so does the private working directory masking uses (<db>.work, mode 0700);
the action policy is the built-in floor made stricter by the site policy file.
Nothing is created by opening a workspace: the vault (and its master key) is opened on first use, the
fingerprint key and the detector only when an action is executed, so read-only commands leave no state behind
and a missing vault key matters only to commands that use the vault.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.actions.audit import AuditLog
from scanner.actions.audit_shared import SharedAuditLog, audit_log_for
from scanner.actions.detection import ScannerDetection
from scanner.actions.execute import Executor
from scanner.actions.policy import ActionPolicy
from scanner.actions.rewrite.registry import rewriter_for
from scanner.actions.service import ActionService
from scanner.actions.site_policy import load_site_policy
from scanner.actions.vault import Vault, VaultItem, holds_items
from scanner.actions.vault_actions import VaultActions
from scanner.build import build_scanner
from scanner.detect.rulepack import load_default_packs
from scanner.paths import (
    policy_path_for,
    vault_dir_for,
    vault_key_path_for,
)
from scanner.store.actions import ActionStore
from scanner.store.store import Store

if TYPE_CHECKING:
    from scanner.scan import Scanner


@dataclass
class Workspace:
    db: Path
    store: Store
    actions: ActionStore
    audit: AuditLog | SharedAuditLog  # the log file (SQLite) or the company's chain (PostgreSQL)
    open_vault: Callable[[], Vault]  # opens (a new vault: creates) the vault and its master key, once
    service: ActionService
    policy: ActionPolicy
    detection: ScannerDetection  # the scanner actions detect with, built on first use

    @property
    def vault(self) -> Vault:
        return self.open_vault()

    def reload_policy(self) -> ActionPolicy:
        """Read the site policy file again, for a process that stays open (the review UI) while an administrator
        may tighten it: every later proposal, approval and apply follows the file as it is now."""
        policy = load_site_policy(policy_path_for(self.db))
        self.policy = self.service.policy = self.service.vault_actions.policy = policy
        return policy

    @property
    def scanner(self) -> Scanner:
        """The workspace's scanner (loads the detector the first time): the one actions rescan with."""
        return self.detection.scanner

    def vault_items(self) -> list[VaultItem]:
        """The vault's items, tombstones included; a vault that holds none is not opened (nor created)."""
        return self.vault.items() if holds_items(vault_dir_for(self.db)) else []


@contextmanager
def open_workspace(db: Path, rule_dirs: Sequence[Path] = (), detector=None) -> Iterator[Workspace]:
    """``detector``: an already loaded Detector to reuse (tests, the review UI); else one is loaded on demand."""
    packs = load_default_packs(list(rule_dirs))  # classification settings only: packs cannot carry action policy
    policy = load_site_policy(policy_path_for(db))
    with Store(db) as store:
        detection = ScannerDetection(lambda: build_scanner(store, db, packs, detector=detector))
        actions = ActionStore(store)
        audit = audit_log_for(db, store)
        open_vault = functools.cache(lambda: Vault(vault_dir_for(db), vault_key_path_for(db)))
        executor = Executor(actions, audit, open_vault, detection, rewriter_for, db.with_name(db.stem + ".work"))
        vault_actions = VaultActions(actions, audit, open_vault, policy)
        service = ActionService(actions, audit, policy, executor, vault_actions)
        yield Workspace(db, store, actions, audit, open_vault, service, policy, detection)
