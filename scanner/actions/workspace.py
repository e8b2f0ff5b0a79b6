"""Everything an action command needs, opened from one database path: store, vault, audit log, policy.

The vault, its master key, the audit log and its signing key live beside the database unless configured
elsewhere (see scanner.paths), and so does the private working directory masking uses (<db>.work, mode 0700);
the action policy is the built-in floor made stricter by the site policy file.
The detector is loaded only when an action is executed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scanner.actions.audit import AuditLog
from scanner.actions.execute import Executor
from scanner.actions.policy import ActionPolicy
from scanner.actions.rewrite.registry import rewriter_for
from scanner.actions.service import ActionService
from scanner.actions.site_policy import load_site_policy
from scanner.actions.vault import Vault
from scanner.actions.vault_actions import VaultActions
from scanner.detect.rulepack import load_default_packs, merged_policy
from scanner.fingerprint import load_or_create_key
from scanner.paths import (
    audit_key_path_for,
    audit_log_path_for,
    key_path_for,
    policy_path_for,
    vault_dir_for,
    vault_key_path_for,
)
from scanner.store.actions import ActionStore
from scanner.store.audit_chain import AuditChain
from scanner.store.store import Store


@dataclass
class Workspace:
    db: Path
    store: Store
    actions: ActionStore
    audit: AuditLog
    vault: Vault
    service: ActionService
    policy: ActionPolicy


@contextmanager
def open_workspace(db: Path, rule_dirs: Sequence[Path] = (), detector=None) -> Iterator[Workspace]:
    """``detector``: an already loaded Detector to reuse (tests, the review UI); else one is loaded on demand."""
    packs = load_default_packs(list(rule_dirs))
    merged = merged_policy(packs)  # classification settings only: packs cannot carry action policy
    policy = load_site_policy(policy_path_for(db))
    with Store(db) as store:
        key = load_or_create_key(key_path_for(db))

        def make_scanner():
            from scanner.classify import Policy
            from scanner.detect.engine import Detector
            from scanner.scan import Scanner

            return Scanner(store, detector or Detector(packs), key=key, policy=Policy.from_mapping(merged))

        actions = ActionStore(store)
        audit = AuditLog(audit_log_path_for(db), audit_key_path_for(db), AuditChain(store))
        vault = Vault(vault_dir_for(db), vault_key_path_for(db))
        executor = Executor(actions, audit, vault, make_scanner, rewriter_for, db.with_name(db.stem + ".work"))
        service = ActionService(actions, audit, policy, executor, VaultActions(actions, audit, vault, policy))
        yield Workspace(db, store, actions, audit, vault, service, policy)
