"""Masked previews follow Chinese conventions; fingerprints are keyed, stable and separator-blind."""

from __future__ import annotations

import os

import pytest

from scanner.detect.rulepack import MaskStyle
from scanner.fingerprint import KeyFileError, fingerprint, load_or_create_key
from scanner.mask import mask_value


@pytest.mark.parametrize(
    ("value", "style", "preview"),
    [
        ("13800138000", MaskStyle("keep", 3, 4), "138****8000"),
        ("138 0013 8000", MaskStyle("keep", 3, 4), "138 **** 8000"),
        ("110101199003071234", MaskStyle("keep", 6, 4), "110101********1234"),
        ("6222 0212 3456 1234", MaskStyle("keep", 4, 4), "6222 **** **** 1234"),
        ("张伟", MaskStyle("name"), "张*"),
        ("买合木提·克里木", MaskStyle("name"), "买***·***"),
        ("John Smith", MaskStyle("name"), "J*** S****"),
        ("alice@example.com", MaskStyle("email"), "a***@example.com"),
        ("北京市朝阳区建国路88号", MaskStyle("address"), "北京市朝阳区******"),
        ("10.8.1.11", MaskStyle("ip"), "10.8.*.*"),
        ("苏D45670", MaskStyle("keep", 3, 1), "苏D4***0"),
        ("12", MaskStyle("keep", 3, 4), "**"),  # short values keep at most a third
    ],
)
def test_previews(value, style, preview):
    assert mask_value(value, style) == preview


def test_a_preview_never_equals_the_value():
    for value in ["a", "ab", "王", "1.2.3.4"]:
        assert mask_value(value, MaskStyle("keep", 5, 5)) != value


def test_key_is_created_once_with_mode_0600(tmp_path):
    path = tmp_path / "state" / "custos.key"
    key = load_or_create_key(path)
    assert len(key) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_key(path) == key


def test_unsafe_or_damaged_key_is_refused(tmp_path):
    path = tmp_path / "custos.key"
    load_or_create_key(path)
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_or_create_key(path)
    path.write_bytes(b"short")
    os.chmod(path, 0o600)
    with pytest.raises(KeyFileError, match="5 bytes"):
        load_or_create_key(path)


def test_fingerprints_ignore_separators_but_depend_on_key_and_type():
    key, other = b"k" * 32, b"o" * 32
    same = fingerprint(key, "CN_MOBILE", "13800138000")
    assert fingerprint(key, "CN_MOBILE", "+86 138-0013-8000") == same
    assert fingerprint(key, "CN_MOBILE", "１３８００１３８０００") == same
    assert fingerprint(other, "CN_MOBILE", "13800138000") != same
    assert fingerprint(key, "CN_QQ", "13800138000") != same
    assert "13800138000" not in same
