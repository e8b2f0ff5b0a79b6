"""`custos exposure`: the list with masked paths, the level and folder filters, and the summary count."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.cli import main
from tests.action_fixtures import scanned_db
from tests.exposure_fixtures import ID_NOTE, exposure_share


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = exposure_share(tmp_path / "share")
    (root / "身份证" / "客户.txt").chmod(0o644)
    (root / "张伟").mkdir()
    (root / "张伟" / "档案.txt").write_text(ID_NOTE, encoding="utf-8")
    (root / "张伟" / "档案.txt").chmod(0o640)
    return root


def _run(capsys, *args: str) -> tuple[str, str]:
    assert main(["exposure", *args]) == 0
    out = capsys.readouterr()
    return out.out, out.err


def test_lists_levels_with_masked_paths_and_counts(db: Path, share: Path, capsys) -> None:
    out, err = _run(capsys, "--db", str(db))
    assert "张伟" not in out and "张*" in out  # the name in the folder is masked
    assert "110105199003071239" not in out
    lines = [line for line in out.splitlines() if "客户.txt" in line or "档案.txt" in line]
    assert [line.split()[0] for line in lines] == ["all", "group"]  # broadest first
    assert "sensitive files readable by all users: 1" in out
    assert "2 files listed" in err

    out, err = _run(capsys, "--db", str(db), "--level", "all")
    assert "1 files listed" in err and "客户.txt" in out
    out, err = _run(capsys, "--db", str(db), "--folder", str(share / "张伟"))
    assert "1 files listed" in err and "档案.txt" in out


@pytest.fixture
def db(tmp_path: Path, share: Path, packs, detector) -> Path:
    return scanned_db(tmp_path / "state", share, packs, detector)
