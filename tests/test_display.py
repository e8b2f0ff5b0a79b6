"""The one escaping function, the lossless stored form of names that are not UTF-8, and reviewer identities."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import pytest

from scanner.actions.audit import current_actor
from scanner.daemon.log import _Formatter
from scanner.display import safe, safe_record, safe_text
from scanner.identity import IdentityError, checked_identity
from scanner.store.lossless import MARK, storable, stored, unstorable, unstored
from scanner.store.store import NewFinding, Store
from tests.cli_output import FORBIDDEN

GBK_NAME = b"\xbf\xcd\xbb\xa7.txt"  # 客户.txt in GBK: not UTF-8


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),
        ("\x1b]52;c;cm0gLXJmIH4=\x07", "\\x1b]52;c;cm0gLXJmIH4=\\x07"),
        ("\x1b[2J", "\\x1b[2J"),
        ("a\rmask readme.txt", "a\\rmask readme.txt"),
        ("line\nbreak\ttab", "line\\nbreak\\ttab"),
        ("\u202etxt.exe", "\\u202etxt.exe"),
        ("a\u200bb\u200fc\u2060d\ufeff", "a\\u200bb\\u200fc\\u2060d\\ufeff"),
        ("\u2066x\u2069", "\\u2066x\\u2069"),
        ("csi\x9b2J", "csi\\u009b2J"),
        ("hangul\u3164filler", "hangul\\u3164filler"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("C:\\x1b", "C:\\\\x1b"),  # a literal backslash cannot pass for an escape
        (GBK_NAME, "\\xbf\u037b\\xa7.txt"),  # bytes: undecodable ones as \xNN (cd bb is valid UTF-8: U+037B)
        ("客户 名单.xlsx", "客户 名单.xlsx"),
        (None, ""),
    ],
)
def test_safe_escapes_every_character_that_could_drive_or_fool_a_terminal(raw, shown):
    assert safe(raw) == shown
    assert not FORBIDDEN & set(safe(raw))


def test_safe_is_unambiguous_between_controls_unicode_and_raw_bytes():
    names = ["\x1b", "\\x1b", "\x85", os.fsdecode(b"\x85"), "\\u0085", "\u202e", "\\u202e", "a\\", "a\\\\"]
    shown = [safe(n) for n in names]
    assert len(set(shown)) == len(names), shown


def test_safe_accepts_paths_and_bytes_paths():
    path = Path(os.fsdecode(b"/srv/share/" + GBK_NAME))
    assert safe(path) == safe(os.fsencode(path)) == "/srv/share/\\xbf\u037b\\xa7.txt"


def test_safe_text_is_never_markup():
    text = safe_text("[bold red]x[/] \x1b[2J")
    assert text.plain == "[bold red]x[/] \\x1b[2J" and not text.spans


def test_stored_form_round_trips_every_string_and_is_valid_unicode():
    samples = [os.fsdecode(GBK_NAME), f"{MARK}BF", MARK * 3, "x\ud800y", "客户.csv", f"{MARK}UDC80", ""]
    for text in samples:
        assert unstored(stored(text)) == text
        stored(text).encode("utf-8")  # never a lone surrogate
    assert stored("客户.csv") == "客户.csv"  # valid names are stored as they are
    assert stored(os.fsdecode(GBK_NAME)) != stored(f"{MARK}BF\u037b{MARK}A7.txt")  # no collision with a real name
    tree = {"target": os.fsdecode(GBK_NAME), "ids": [1, 2], "note": None}
    assert unstorable(storable(tree)) == tree


def test_the_store_keeps_a_name_that_is_not_utf8_byte_for_byte(tmp_path):
    rel = "部门/" + os.fsdecode(GBK_NAME)
    db = tmp_path / "custos.db"
    with Store(db) as store:
        run = store.begin_run("/srv/share", "p@1", "t")
        finding = NewFinding("CN_MOBILE", 0, 11, "line 1", 0.9, "cn_mobile", "p@1", "general", (), "139****", "f", None)
        store.record_scan(root="/srv/share", rel_path=rel, run_id=run, status="scanned", findings=[finding])
        store.keep_members("/srv/share", rel, run)
        assert store.file("/srv/share", rel).rel_path == rel
        assert os.fsencode(next(store.findings()).path) == "部门/".encode() + GBK_NAME
        assert store.file_at(Path("/srv/share") / rel) is not None
    raw = sqlite3.connect(db).execute("SELECT rel_path FROM files").fetchone()[0]  # another reader: valid text
    assert raw == stored(rel)


def test_daemon_log_lines_stay_one_line_whatever_the_name():
    record = logging.LogRecord("custos.daemon", logging.INFO, __file__, 1, "scanned", None, None)
    record.fields = {"path": "/srv/a\nlevel=error event=forged\r\x1b]0;x\x07 \u202e", "n": 3}
    line = _Formatter().format(record)
    assert "\n" not in line and not FORBIDDEN & set(line)
    assert 'path="/srv/a\\nlevel=error event=forged\\r\\x1b]0;x\\x07 \\u202e" n=3' in line


def test_safe_record_decodes_the_stored_form_before_escaping():
    record = storable({"target": "/srv/" + os.fsdecode(GBK_NAME), "actor": {"reviewer": "bob"}})
    assert safe_record(record)["target"] == "/srv/\\xbf\u037b\\xa7.txt"


@pytest.mark.parametrize("raw", ["bob\u200b", "bo\x1bb", "\u202ebob", "bob\u2060", "", "   ", "bo\nb", "b\x85ob"])
def test_identities_with_invisible_or_control_characters_are_refused(raw):
    with pytest.raises(IdentityError) as caught:
        checked_identity(raw)
    assert "\n" not in safe(caught.value) and not FORBIDDEN & set(safe(caught.value))


def test_identities_are_nfkc_normalised():
    assert checked_identity("ｂｏｂ") == "bob"
    assert checked_identity(" 王芳 ") == "王芳"
    assert checked_identity("CORP\\alice") == "CORP\\alice"


def test_every_way_in_checks_the_identity(monkeypatch):
    monkeypatch.setenv("CUSTOS_REVIEWER", "ａｌｉｃｅ")
    assert current_actor().reviewer == "alice"
    monkeypatch.setenv("CUSTOS_REVIEWER", "alice\u200d")
    with pytest.raises(IdentityError):
        current_actor()
    with pytest.raises(IdentityError):
        current_actor("")
