"""Issue 12 item 10: exports and reports are created 0600, like the database, whatever the umask; an existing
file written over is made 0600 too."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.fsio import open_private_output
from tests.action_fixtures import cli_env


def _custos_with_umask(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scanner.cli", *map(str, args)],
        capture_output=True, text=True, timeout=120, env=cli_env(), preexec_fn=lambda: os.umask(0o002),
    )  # fmt: skip


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (("export", "--format", "jsonl"), "findings.jsonl"),
        (("export", "--format", "csv"), "findings.csv"),
        (("report", "destruction", "--format", "md"), "销毁记录.md"),
        (("report", "destruction", "--format", "html"), "销毁记录.html"),
    ],
)
def test_outputs_are_created_0600_whatever_the_umask(db, tmp_path, command, name):
    fresh, existing = tmp_path / "out" / name, tmp_path / "out" / f"old-{name}"
    fresh.parent.mkdir()
    existing.write_text("old", encoding="utf-8")
    os.chmod(existing, 0o664)
    for target in (fresh, existing):
        result = _custos_with_umask(*command, "--db", db, "--output", target)
        assert result.returncode == 0, result.stderr
        assert _mode(target) == 0o600, target
    assert "13912345678" not in fresh.read_text(encoding="utf-8")  # masked previews only, as before
    assert fresh.read_text(encoding="utf-8") and existing.read_text(encoding="utf-8") != "old"


def test_a_pipe_or_device_keeps_its_mode(tmp_path):
    with open_private_output(Path(os.devnull)) as out:
        out.write("nothing")
    assert _mode(Path(os.devnull)) == 0o666
