"""Helpers for tests that drive the real CLI on a real scanned share: a small share, its database, and
`custos` run as a subprocess with this tree's code first on the path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scanner.actions.audit import Actor
from scanner.build import build_scanner
from scanner.store.store import Store

REPO = Path(__file__).resolve().parents[1]
ALICE = Actor(os_user="alice", reviewer="alice")
BOB = Actor(os_user="bob", reviewer="bob")
PHONE = "13912345678"


def write_share(root: Path, count: int = 3) -> Path:
    """``count`` small text files, each holding a phone number: ``客户0.txt`` …"""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (root / f"客户{i}.txt").write_text(f"客户：张伟\n手机：{PHONE}\n编号 {i}\n", encoding="utf-8")
    return root


def scanned_db(state: Path, share: Path, packs, detector, target: str | None = None) -> Path | str:
    """A findings database of ``share`` under ``state`` (or at ``target``: a path or a PostgreSQL URL), scanned in
    this process (the detector is loaded once)."""
    db = target or state / "custos.db"
    with Store(db) as store:
        build_scanner(store, store.path, packs, detector=detector).scan(share)
    return db


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOS_")}
    return {**env, "PYTHONPATH": str(REPO), **extra}


def custos(*args: object, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``custos ARGS`` (this tree's code) and return what it printed and its exit code."""
    return subprocess.run(
        [sys.executable, "-m", "scanner.cli", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=env or cli_env(), stdin=subprocess.DEVNULL,
    )  # fmt: skip
