"""Everything an action command needs, opened from one database path: store, vault, audit log, policy.

The vault, its master key, the audit log and its signing key live beside the database (see scanner.paths), and
so does the private working directory masking uses (<db>.work, mode 0700);
the detector is loaded only when an action is executed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scanner.actions.audit import AuditLog
from scanner.actions.beneath import UnsafeTarget
from scanner.actions.execute import Executor
from scanner.actions.policy import ActionPolicy
from scanner.actions.restore import original_place
from scanner.actions.rewrite.registry import rewriter_for
from scanner.actions.service import ActionService
from scanner.actions.vault import Vault, VaultError
from scanner.detect.rulepack import load_default_packs, merged_policy
from scanner.fingerprint import load_or_create_key
from scanner.paths import audit_key_path_for, audit_log_path_for, key_path_for, vault_dir_for, vault_key_path_for
from scanner.store.actions import ActionStore
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

    def restore_original(self, vault_id: str, *, overwrite: bool = False) -> Path:
        """Put a vault item back where it came from, beneath its scan root, never through a symbolic link."""
        item = self.vault.item(vault_id)
        try:
            root, parts = original_place(self.actions, vault_id, item.original_path)
        except (UnsafeTarget, ValueError) as exc:
            raise VaultError(f"vault item {vault_id}: cannot restore {item.display_path!r}: {exc}") from exc
        return self.vault.restore_beneath(vault_id, root, parts, overwrite=overwrite)


@contextmanager
def open_workspace(db: Path, rule_dirs: Sequence[Path] = (), detector=None) -> Iterator[Workspace]:
    """``detector``: an already loaded Detector to reuse (tests, the review UI); else one is loaded on demand."""
    packs = load_default_packs(list(rule_dirs))
    merged = merged_policy(packs)
    policy = ActionPolicy.from_policy(merged)
    with Store(db) as store:
        key = load_or_create_key(key_path_for(db))

        def make_scanner():
            from scanner.classify import Policy
            from scanner.detect.engine import Detector
            from scanner.scan import Scanner

            return Scanner(store, detector or Detector(packs), key=key, policy=Policy.from_mapping(merged))

        actions = ActionStore(store)
        audit = AuditLog(audit_log_path_for(db), audit_key_path_for(db))
        vault = Vault(vault_dir_for(db), vault_key_path_for(db))
        executor = Executor(actions, audit, vault, make_scanner, rewriter_for, db.with_name(db.stem + ".work"))
        service = ActionService(actions, audit, policy, executor)
        yield Workspace(db, store, actions, audit, vault, service, policy)
