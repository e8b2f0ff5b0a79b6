"""The one place a `Scanner` is put together: rule packs → detection engine and classification policy, the
fingerprint key beside the database, the store it writes into.

`custos scan`, the daemon's workers, the action workspace and the tests all build their scanner here, so a new
ingredient (a key source, a policy layer, a database backend) is added once. Importing this module is cheap: the
engine (spaCy, Presidio) is imported only when a scanner is built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.detect.rulepack import RulePack, merged_policy
from scanner.fingerprint import key_id, load_or_create_key
from scanner.paths import key_path_for

if TYPE_CHECKING:
    from scanner.classify import Policy
    from scanner.detect.engine import Detector
    from scanner.scan import Scanner, ScanOptions
    from scanner.store.store import Store


def classification_policy(packs: Sequence[RulePack]) -> Policy:
    """How findings are classified (sensitivity, retention), merged from the packs' policy tables."""
    from scanner.classify import Policy

    return Policy.from_mapping(merged_policy(packs))


def build_scanner(
    store: Store,
    db: Path,
    packs: Sequence[RulePack],
    *,
    options: ScanOptions | None = None,
    detector: Detector | None = None,
    today: date | None = None,
    pipelines: Mapping[str, str] | None = None,
) -> Scanner:
    """A scanner writing into ``store`` (the database at ``db``; its fingerprint key lies beside it) that
    detects with ``packs``. ``detector``: an already loaded one to reuse (tests, the review UI); without it one is
    built here, except with ``options.jobs`` > 1, where each worker process builds its own from the engine spec."""
    from scanner.pool import EngineSpec
    from scanner.scan import Scanner, ScanOptions

    options = options or ScanOptions()
    engine = EngineSpec(tuple(packs), today, tuple(sorted((pipelines or {}).items())))
    key = load_or_create_key(key_path_for(db))
    store.bind_fingerprint_key(key_id(key))  # another key's fingerprints would match nobody's: refused here
    if detector is None and options.jobs == 1:
        detector = engine.build()
    return Scanner(store, detector, key=key, policy=classification_policy(packs), options=options, engine=engine)
