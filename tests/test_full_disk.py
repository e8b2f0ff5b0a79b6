"""Issue 12 item 9: a full (or read-only) disk is a clear error. The state folder (database, audit log, keys,
vault) lives on a real 3 MB tmpfs that the test fills to the last byte; every command prints one line and
exits non-zero, and once space is back nothing is corrupted. Mounting needs root: elsewhere these tests skip."""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from tests.action_fixtures import ALICE, custos, scanned_db, write_share


@contextlib.contextmanager
def _small_filesystem(where: Path) -> Iterator[None]:
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", str(where)], check=False)
    if mounted.returncode != 0:
        pytest.skip("this sandbox cannot mount a tmpfs")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(directory: Path) -> Path:
    """Write until not one more byte fits."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as fh:
        for size in (1 << 16, 1 << 12, 1 << 8, 1):
            with contextlib.suppress(OSError):
                while True:
                    fh.write(b"\0" * size)
    with pytest.raises(OSError) as full, open(directory / "one-more", "wb", buffering=0) as fh:
        fh.write(b"\0" * 4096)
    assert full.value.errno == errno.ENOSPC
    return filler


@pytest.fixture
def state(tmp_path: Path, packs, detector) -> Iterator[tuple[Path, Path]]:
    """A scanned database with one proposed delete, on a 3 MB filesystem of its own."""
    share = write_share(tmp_path / "share")
    state_dir = tmp_path / "state"
    with _small_filesystem(state_dir):
        db = scanned_db(state_dir, share, packs, detector)
        with open_workspace(db, detector=detector) as ws:
            ws.service.propose(Proposal("delete", path=share / "客户0.txt"), ALICE)
        yield db, share


COMMANDS = [
    ("approve", "1", "--as", "bob"),
    ("actions", "list"),
    ("audit", "verify"),
    ("audit", "show"),
    ("propose", "mask", "--file", "{share}/客户1.txt", "--as", "alice"),
    ("cancel", "1", "--as", "alice"),
    ("apply", "--yes", "--as", "bob"),
    ("findings",),
    ("export", "--output", "{state}/out.jsonl"),
    ("report", "destruction", "--output", "{state}/report.md"),
    ("vault", "list"),
]


@pytest.mark.parametrize("trouble", ["full", "full-while-open", "read-only"])
@pytest.mark.slow
def test_every_command_on_a_full_or_read_only_disk_is_one_line_and_nothing_breaks(state, trouble):
    """``full-while-open``: another connection keeps the WAL files in place, so opening succeeds and the
    failure comes later, at the first write (the database, the audit log, the vault)."""
    db, share = state
    holder = sqlite3.connect(db) if trouble == "full-while-open" else None
    if holder is not None:
        holder.execute("SELECT COUNT(*) FROM actions").fetchone()
        assert db.with_name(db.name + "-shm").exists()
    filler = _fill(db.parent) if trouble.startswith("full") else None
    if trouble == "read-only":
        subprocess.run(["mount", "-o", "remount,ro", str(db.parent)], check=True)
    for command in COMMANDS:
        args = [a.format(share=share, state=db.parent) for a in command]
        result = custos(*args, "--db", db)
        assert "Traceback" not in result.stderr, (command, result.stderr)
        if command[0] in ("approve", "propose", "cancel", "export", "report"):
            assert result.returncode != 0, (command, result.stdout)
        if result.returncode != 0:
            assert result.stderr.count("\n") == 1 and result.stderr.startswith("custos: error: "), result.stderr
    again = custos("approve", "1", "--as", "bob", "--db", db).stderr
    if trouble == "full":
        assert "is full: free space and run the command again" in again
    elif trouble == "full-while-open":
        assert "free space" in again
        holder.close()
    else:
        assert "is read-only" in again
        subprocess.run(["mount", "-o", "remount,rw", str(db.parent)], check=True)
    if filler is not None:
        filler.unlink()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT id, state FROM actions").fetchall() == [(1, "proposed")]
    verified = custos("audit", "verify", "--db", db)
    assert verified.returncode == 0 and "audit log OK: 1 records" in verified.stdout, verified.stdout
    assert (share / "客户0.txt").exists()
    assert custos("approve", "1", "--as", "bob", "--db", db).returncode == 0  # space back: all works again
