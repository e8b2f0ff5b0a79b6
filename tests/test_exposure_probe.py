"""Who can read a file: the level from real mode bits and real POSIX ACLs (setfacl), never through a link."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from scanner.exposure.probe import ProbeRefused, parse_acl_text, probe
from scanner.states import ExposureLevel
from tests.exposure_fixtures import GROUPS, HAS_ACL_LIB, HAS_SETFACL

needs_setfacl = pytest.mark.skipif(not HAS_SETFACL, reason="setfacl (Debian package acl) is not installed")


def _file(tmp_path: Path, mode: int, gid: int | None = None) -> Path:
    path = tmp_path / "f.txt"
    path.write_text("x", encoding="utf-8")
    if gid is not None:
        os.chown(path, -1, gid)
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    ("mode", "level"),
    [(0o600, ExposureLevel.OWNER), (0o640, ExposureLevel.GROUP), (0o644, ExposureLevel.ALL),
     (0o604, ExposureLevel.ALL), (0o620, ExposureLevel.OWNER)],
)  # fmt: skip
def test_levels_from_mode_bits(tmp_path: Path, mode: int, level: ExposureLevel) -> None:
    seen = probe(_file(tmp_path, mode, gid=4242), GROUPS)
    assert (seen.mode, seen.level, seen.gid) == (mode, level, 4242)
    assert seen.acl == (() if HAS_ACL_LIB else None)  # the ACL only mirrors the mode (None: ACLs not read)


@pytest.mark.parametrize("gid", [4343, 4444])
def test_a_broad_group_by_name_or_by_size(tmp_path: Path, gid: int) -> None:
    seen = probe(_file(tmp_path, 0o640, gid=gid), GROUPS)
    assert seen.level == ExposureLevel.BROAD_GROUP
    assert seen.readers == (f"group {GROUPS.label(gid)} (broad)",)


def test_a_group_without_read_is_not_exposure(tmp_path: Path) -> None:
    assert probe(_file(tmp_path, 0o600, gid=4343), GROUPS).level == ExposureLevel.OWNER


@needs_setfacl
def test_an_acl_user_entry_makes_it_group_level(tmp_path: Path) -> None:
    path = _file(tmp_path, 0o600, gid=4242)
    subprocess.run(["setfacl", "-m", "u:1234:r", str(path)], check=True)
    seen = probe(path, GROUPS)
    assert seen.level == ExposureLevel.GROUP
    assert "user 1234" in seen.readers
    assert parse_acl_text(seen.acl_text) == seen.acl
    assert seen.mode_text.endswith("+")


@needs_setfacl
def test_an_acl_group_entry_for_a_broad_group(tmp_path: Path) -> None:
    path = _file(tmp_path, 0o600, gid=4242)
    subprocess.run(["setfacl", "-m", "g:4343:r", str(path)], check=True)
    assert probe(path, GROUPS).level == ExposureLevel.BROAD_GROUP


@needs_setfacl
def test_the_mask_limits_named_entries(tmp_path: Path) -> None:
    path = _file(tmp_path, 0o600, gid=4242)
    subprocess.run(["setfacl", "-m", "g:4343:r,m::-", str(path)], check=True)
    assert probe(path, GROUPS).level == ExposureLevel.OWNER


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    target = _file(tmp_path, 0o644)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with pytest.raises(ProbeRefused):
        probe(link, GROUPS)


def test_a_filesystem_without_acls_gives_the_mode_alone() -> None:
    read, write = os.pipe()  # pipefs has no POSIX ACLs: acl_get_fd fails with EOPNOTSUPP
    try:
        seen = probe(read, GROUPS)
    finally:
        os.close(read)
        os.close(write)
    assert seen.acl is None and seen.acl_text is None
    assert seen.level == ExposureLevel.OWNER  # a pipe is 0600


def test_stored_acl_text_is_parsed_strictly() -> None:
    assert [e.text for e in parse_acl_text("u::rw-,u:7:r--,g::---,m::r--,o::---")][1] == "u:7:r--"
    for bad in ("u::rwx-", "x::r--", "m:7:r--", "u:me:r--", "u::r"):
        with pytest.raises(ValueError):
            parse_acl_text(bad)
