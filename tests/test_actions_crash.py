"""Crash test: `custos apply` is killed with SIGKILL while masking and quarantining a batch, then restarted.

Kill points are the executor's checkpoints (CUSTOS_CRASH_AT=N: the process SIGKILLs itself at the N-th one),
chosen by a seeded random sample (CUSTOS_CRASH_POINTS=all runs every one), plus kills at random moments.
After every kill and after the restart that finishes the batch: each file is its original or its fully masked
version, each vault item decrypts to an original's bytes, nothing is lost, and the audit chain verifies.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from scanner.actions.audit import Actor
from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.build import build_scanner
from scanner.store.store import Store

SEED = 20261123
MASKED = ["a.txt", "b.csv", "c.json", "d.xlsx"]
QUARANTINED = ["e.txt", "f.csv"]
CHECKPOINTS_PER_MASK, CHECKPOINTS_PER_QUARANTINE = 8, 5
TOTAL_CHECKPOINTS = len(MASKED) * CHECKPOINTS_PER_MASK + len(QUARANTINED) * CHECKPOINTS_PER_QUARANTINE


def _write_share(root: Path) -> None:
    root.mkdir(parents=True)
    for i, name in enumerate([*MASKED, *QUARANTINED]):
        phone = f"1391234{5600 + i}"
        if name.endswith(".xlsx"):
            book = openpyxl.Workbook()
            book.active.append(["姓名", "手机"])
            book.active.append(["王芳", phone])
            book.save(root / name)
        elif name.endswith(".json"):
            (root / name).write_text(f'{{"phone": "{phone}", "id": "110105199003071239"}}', encoding="utf-8")
        elif name.endswith(".csv"):
            (root / name).write_text(f"姓名,手机\n李娜,{phone}\n" * 50, encoding="utf-8")
        else:
            (root / name).write_text(f"手机：{phone}\n邮箱：li.na{i}@example.com\n" * 200, encoding="utf-8")


@pytest.fixture(scope="module")
def batch(tmp_path_factory, packs, detector):
    """A scanned share with approved actions (template), and what each file looks like fully masked."""
    base = tmp_path_factory.mktemp("crash")
    work, template = base / "work", base / "template"
    _write_share(work / "share")
    db = work / "state" / "custos.db"
    with Store(db) as store:
        build_scanner(store, db, packs, detector=detector).scan(work / "share")
    with open_workspace(db, detector=detector) as ws:
        for name in [*MASKED, *QUARANTINED]:
            kind = "mask" if name in MASKED else "quarantine"
            action = ws.service.propose(Proposal(kind, path=work / "share" / name), Actor("alice", "alice"))
            ws.service.approve(action, Actor("bob", "bob"))
    shutil.copytree(work, template)
    originals = {n: _sha(work / "share" / n) for n in [*MASKED, *QUARANTINED]}
    original_content = {n: _content(work / "share" / n) for n in MASKED}
    assert _apply(work, crash_at=None).returncode == 0
    masked = {n: _content(work / "share" / n) for n in MASKED}
    assert all(masked[n] != original_content[n] for n in MASKED)
    return work, template, originals, {"original": original_content, "masked": masked}


def _apply(work: Path, crash_at: int | None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "CUSTOS_CRASH_AT": str(crash_at) if crash_at else ""}
    return subprocess.run(
        [sys.executable, "-m", "scanner.cli", "apply", "--yes", "--as", "bob", "--db", str(work / "state/custos.db")],
        env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def _reset(work: Path, template: Path) -> None:
    shutil.rmtree(work)
    shutil.copytree(template, work)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _content(path: Path) -> str:
    """A file's content: its bytes, or for a workbook its cell values (openpyxl stamps each save's time)."""
    if path.suffix != ".xlsx":
        return _sha(path)
    book = openpyxl.load_workbook(path)
    cells = [[c.value for c in row] for sheet in book for row in sheet.iter_rows()]
    return hashlib.sha256(repr(cells).encode()).hexdigest()


def _check_invariants(work: Path, originals: dict, masked: dict, finished: bool) -> None:
    share = work / "share"
    for name in MASKED:
        now = _content(share / name)
        expected = (masked["original"][name], masked["masked"][name])
        assert now in expected, f"{name} is neither original nor fully masked"
        if finished:
            assert now == masked["masked"][name]
    for name in QUARANTINED:
        path = share / name
        if path.exists():
            assert _sha(path) == originals[name] and not finished
    leftovers = [p.name for p in share.iterdir() if p.name.startswith(".custos-")]
    assert not finished or leftovers == []
    with open_workspace(work / "state" / "custos.db") as ws:
        known = set(originals.values())
        for item in ws.vault.items():
            plain = hashlib.sha256(b"".join(ws.vault.open_plaintext(item.id))).hexdigest()
            assert plain == item.sha256 and plain in known
        kept = {i.sha256 for i in ws.vault.items()}
        for name in QUARANTINED:  # a quarantined file is on the share or in the vault, never nowhere
            assert (share / name).exists() or originals[name] in kept
        result = ws.audit.verify()
        assert result.ok, result.reason
        if finished:
            states = {a.state for a in ws.actions.actions()}
            assert states == {"executed"}
            for name in MASKED:
                assert originals[name] in kept
            duplicates = ws.store.connection.execute(
                "SELECT COUNT(*) FROM (SELECT file_id, start, entity_type FROM findings WHERE state = 'active'"
                " GROUP BY 1, 2, 3 HAVING COUNT(*) > 1)"
            ).fetchone()[0]
            assert duplicates == 0


def _kill_points() -> list:
    """Every checkpoint: a seeded sample of 2 in the default run, the others in the slow set (all of them in
    the default run too with CUSTOS_CRASH_POINTS=all)."""
    everything = range(1, TOTAL_CHECKPOINTS + 1)
    if os.environ.get("CUSTOS_CRASH_POINTS") == "all":
        return list(everything)
    sample = set(random.Random(SEED).sample(everything, 2))
    return [pytest.param(p, marks=() if p in sample else pytest.mark.slow) for p in everything]


@pytest.mark.parametrize("crash_at", _kill_points())
def test_kill_at_a_checkpoint_then_restart(batch, crash_at):
    work, template, originals, masked = batch
    _reset(work, template)
    crashed = _apply(work, crash_at)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    _check_invariants(work, originals, masked, finished=False)
    second = random.Random(SEED + crash_at).randint(1, 12)  # and once more while recovering
    _apply(work, second)
    _check_invariants(work, originals, masked, finished=False)
    final = _apply(work, None)
    assert final.returncode == 0, final.stdout + final.stderr
    _check_invariants(work, originals, masked, finished=True)


@pytest.mark.parametrize("round_", range(2))
@pytest.mark.slow
def test_kill_at_a_random_moment_then_restart(batch, round_):
    work, template, originals, masked = batch
    _reset(work, template)
    rng = random.Random(SEED * 10 + round_)
    for _ in range(3):
        env = {**os.environ, "CUSTOS_CRASH_AT": ""}
        cmd = [
            sys.executable,
            "-m",
            "scanner.cli",
            "apply",
            "--yes",
            "--as",
            "bob",
            "--db",
            str(work / "state/custos.db"),
        ]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 5.0))  # the random moment of the kill is what is tested
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _check_invariants(work, originals, masked, finished=False)
    final = _apply(work, None)
    assert final.returncode == 0, final.stdout + final.stderr
    _check_invariants(work, originals, masked, finished=True)
