"""Synthetic rows in the store's shape for bench/pg_scale.py, bulk-loaded into PostgreSQL with COPY.

Seeded and deterministic: ``Shape(files, findings)`` always makes the same share. Files are spread over
``hosts`` machines (one root each) and ~40 top-level folders; 40 % of files hold no findings, the others a
geometric number (mean ``findings / files_with``) so a few files hold hundreds, as exports do. Findings of one
file have consecutive ids (a scan writes them per file); 85 % are active, the rest superseded, gone, dismissed
or decided. About 1 % of files with findings carry an action (and its action_findings), a tenth of the files an
exposure row. Previews are masked and fingerprints are hex digests: no value, as in the real store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

ENTITY_TYPES = (  # (type, sensitivity, share of findings in ‰)
    ("PHONE_NUMBER", "general", 200), ("CN_MOBILE", "general", 150), ("PERSON", "general", 180),
    ("CN_RESIDENT_ID", "sensitive", 120), ("EMAIL_ADDRESS", "general", 90), ("CN_ADDRESS", "general", 80),
    ("CN_BANK_CARD", "sensitive", 50), ("CREDIT_CARD", "sensitive", 20), ("DATE_OF_BIRTH", "general", 30),
    ("IP_ADDRESS", "general", 30), ("CN_PASSPORT", "sensitive", 15), ("CN_WECHAT", "general", 15),
    ("CN_QQ", "general", 10), ("CN_LICENSE_PLATE", "general", 5), ("CN_USCC", "general", 5),
)  # fmt: skip
FINDING_STATES = (("active", 850), ("superseded", 80), ("gone", 30), ("dismissed", 20), ("retained", 8),
                  ("masked", 6), ("quarantined", 4), ("deleted", 2))  # fmt: skip
FILE_STATUSES = (("scanned", 965), ("unsupported", 12), ("binary", 8), ("permission_denied", 5),
                 ("gone", 5), ("too_large", 3), ("io_error", 2))  # fmt: skip
ACTION_STATES = (("proposed", 30), ("approved", 20), ("executed", 35), ("failed", 5), ("cancelled", 10))
ACTION_KINDS = ("mask", "quarantine", "delete", "retain", "false_positive")
FOLDERS = tuple(
    [f"{d}{n}" for d in ("财务部", "人事部", "销售部", "客服中心", "法务部") for n in range(1, 5)]
    + [f"{d}_{n}" for d in ("exports", "projects", "archive", "shared", "scans") for n in range(1, 5)]
)
NAMES = ("客户名单", "员工花名册", "合同", "orders", "customers", "报销单", "report", "通讯录")
EXTENSIONS = ("xlsx", "csv", "docx", "pdf", "txt", "eml", "zip")
LOCATIONS = ("line {}", "Sheet1!B{}", "page {}", "object at line {}")
PACK = "cn-core@1.4.0"
REVIEWER, PROPOSED_AT = "reviewer@example.com", "2026-11-21T09:00:00+08:00"
NO_FINDINGS = 0.4
ACTION_SHARE = 0.01
EXPOSURE_SHARE = 0.1
EXPOSURE_LEVELS = ("owner", "group", "broad_group", "all")


@dataclass(frozen=True)
class Shape:
    files: int
    findings: int
    hosts: int = 4
    seed: int = 18

    def root(self, host: int) -> str:
        return f"/srv/share{host}"

    def host(self, host: int) -> str:
        return f"fs-{host:02d}"


def _pick(rng: np.random.Generator, table: tuple, size: int) -> np.ndarray:
    """Indexes into ``table`` ((value, ‰)… or (value, _, ‰)…) drawn by their weights."""
    weights = np.array([row[-1] for row in table], dtype=float)
    return rng.choice(len(table), size=size, p=weights / weights.sum())


def findings_per_file(shape: Shape) -> np.ndarray:
    """How many findings each file holds: zero for ``NO_FINDINGS`` of them, summing to ``shape.findings``."""
    rng = np.random.default_rng(shape.seed)
    holding = rng.random(shape.files) >= NO_FINDINGS
    holding[0] = True
    mean = shape.findings / holding.sum()
    counts = np.where(holding, rng.geometric(min(1.0, 1 / mean), shape.files), 0).astype(np.int64)
    excess = int(counts.sum()) - shape.findings
    order = np.flatnonzero(holding)
    while excess:  # trim or pad one finding at a time over the holding files, largest first, until exact
        step = np.sign(excess)
        chosen = order[np.argsort(-counts[order])][: min(abs(excess), len(order))]
        chosen = chosen[counts[chosen] > 1] if step > 0 else chosen
        counts[chosen] -= step
        excess -= step * len(chosen)
    return counts


FILE_COLUMNS = ("id", "root", "rel_path", "member", "size", "mtime_ns", "sha256", "encoding", "status", "error",
                "last_scan_id", "scanned_at", "scan_count", "names_scanned")  # fmt: skip
FINDING_COLUMNS = ("id", "file_id", "scan_id", "entity_type", "start", "end", "location", "score", "rule_id", "pack",
                   "sensitivity", "flags", "preview", "fingerprint", "context_word", "state", "record")  # fmt: skip
ACTION_COLUMNS = ("id", "kind", "state", "file_id", "proposed_by", "proposed_os_user", "proposed_at")
EXPOSURE_COLUMNS = ("file_id", "uid", "gid", "mode", "acl", "level", "readers", "probed_at")


def file_rows(shape: Shape, with_host: bool) -> Iterator[tuple]:
    """files rows in FILE_COLUMNS's order, with the host after the id when ``with_host`` (schema 8)."""
    rng = np.random.default_rng(shape.seed + 1)
    hosts = rng.integers(0, shape.hosts, shape.files)
    folders = rng.integers(0, len(FOLDERS), shape.files)
    statuses = _pick(rng, FILE_STATUSES, shape.files)
    members = rng.random(shape.files) < 0.02
    sizes = rng.integers(200, 5_000_000, shape.files)
    for i in range(shape.files):
        file_id, host, status = i + 1, int(hosts[i]), FILE_STATUSES[statuses[i]][0]
        ext = EXTENSIONS[i % len(EXTENSIONS)]
        rel_path = f"{FOLDERS[folders[i]]}/{2019 + i % 7}/{NAMES[i % len(NAMES)]}_{i}.{ext}"
        member = f"part{i % 5}.csv" if members[i] else ""
        error = None if status == "scanned" else f"{status} (synthetic)"
        row = (file_id, shape.root(host), rel_path, member, int(sizes[i]), 1_700_000_000_000_000_000 + i,
               _digest("file", i), "utf-8", status, error, host + 1, "2026-11-20T10:00:00+08:00", 1, 1)  # fmt: skip
        yield (row[0], shape.host(host), *row[1:]) if with_host else row


def finding_rows(shape: Shape, counts: np.ndarray, scan_of: Callable[[int], int]) -> Iterator[tuple]:
    """findings rows in FINDING_COLUMNS's order."""
    rng = np.random.default_rng(shape.seed + 2)
    types = _pick(rng, ENTITY_TYPES, shape.findings)
    states = _pick(rng, FINDING_STATES, shape.findings)
    scores = np.round(rng.uniform(0.4, 1.0, shape.findings), 2)
    people = rng.integers(0, max(1, shape.findings // 3), shape.findings)  # a value recurs ~3 times
    finding_id = 0
    for file_index in np.flatnonzero(counts):
        file_id = int(file_index) + 1
        scan_id = scan_of(file_id)
        for k in range(int(counts[file_index])):
            j = finding_id
            finding_id += 1
            entity, sensitivity, _ = ENTITY_TYPES[types[j]]
            line = k + 2
            location = LOCATIONS[file_id % len(LOCATIONS)].format(line)
            yield (finding_id, file_id, scan_id, entity, 10 * k, 10 * k + 11, location, float(scores[j]),
                   f"{entity.lower()}.v1", PACK, sensitivity, "", f"138****{j % 10_000:04d}",
                   _digest(entity, int(people[j])), None, FINDING_STATES[states[j]][0], None)  # fmt: skip


def action_rows(shape: Shape, counts: np.ndarray) -> tuple[list[tuple], list[tuple]]:
    """actions (ACTION_COLUMNS) on ~1 % of the files with findings, and their action_findings (every finding of
    the file)."""
    rng = np.random.default_rng(shape.seed + 3)
    holding = np.flatnonzero(counts)
    chosen = np.sort(rng.choice(holding, size=max(1, int(len(holding) * ACTION_SHARE)), replace=False))
    states = _pick(rng, ACTION_STATES, len(chosen))
    first_finding = np.concatenate(([0], np.cumsum(counts)))  # findings of file index i: first[i] + 1 …
    actions, links = [], []
    for n, file_index in enumerate(chosen):
        action_id = n + 1
        kind, state = ACTION_KINDS[n % len(ACTION_KINDS)], ACTION_STATES[states[n]][0]
        actions.append((action_id, kind, state, int(file_index) + 1, REVIEWER, "reviewer", PROPOSED_AT))
        start = int(first_finding[file_index])
        links.extend((action_id, start + k + 1) for k in range(int(counts[file_index])))
    return actions, links


def exposure_rows(shape: Shape) -> Iterator[tuple]:
    """file_exposure rows (EXPOSURE_COLUMNS) for every tenth file."""
    step = round(1 / EXPOSURE_SHARE)
    for file_id in range(1, shape.files + 1, step):
        level = EXPOSURE_LEVELS[file_id % len(EXPOSURE_LEVELS)]
        yield (file_id, 1000, 1000, 0o640, None, level, "[]", "2026-11-20T10:00:00+08:00")


def _digest(kind: str, n: int) -> str:
    return hashlib.blake2b(f"{kind}:{n}".encode(), digest_size=32).hexdigest()
