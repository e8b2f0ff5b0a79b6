"""Attack: file names made to drive the terminal (OSC title and clipboard, screen clear), forge lines (CR, LF),
or read as something else (bidi override, zero-width characters), against the real CLI in subprocesses.

Everything the CLI writes must be free of such characters (its output is not a terminal here, so it emits no
colour codes of its own either); names appear escaped, exactly as `scanner.display.safe` shows them.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
from pathlib import Path

import pytest

from scanner.display import safe
from tests.cli_output import clean_text, custos, custos_on_a_terminal

PHONE = "13912345678"
NAMES = {
    "title": "\x1b]0;pwned\x07.txt",
    "clipboard": "\x1b]52;c;cm0gLXJmIH4K\x07.txt",
    "clear": "\x1b[2J.txt",
    "spoof": "a\rmask readme.txt",
    "newline": "two\nlevel=error lines.txt",
    "bidi": "invoice\u202etxt.exe.txt",
    "zero_width": "read\u200bme\u2060\ufeff.txt",
    "c1": "csi\x9b2J.txt",
}
LINK = "\x1b[2J-link"  # a symbolic link: not followed, so listed under "Files not inspected" with its name


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> tuple[Path, Path, bytes]:
    """The hostile share, scanned once by `custos scan` (its stdout and stderr kept) for every test here."""
    tmp = tmp_path_factory.mktemp("hostile")
    share = tmp / "share"
    share.mkdir()
    for name in NAMES.values():
        (share / name).write_text(f"客户电话：{PHONE}\n", encoding="utf-8")
    (share / LINK).symlink_to(share / NAMES["title"])
    db = tmp / "state" / "custos.db"
    result = custos("scan", share, "--db", db, "--jobs", "1", "--no-progress")
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return share, db, result.stdout + result.stderr


def test_the_scan_summary_shows_names_escaped_and_nothing_raw(scanned):
    _, _, output = scanned
    text = clean_text(output)
    assert safe(LINK) in text and "symlink_skipped" in text


def test_findings_list_and_exports_name_every_file_escaped(scanned):
    share, db, _ = scanned
    listing = custos("findings", "--db", db)
    text = clean_text(listing.stdout + listing.stderr)
    for name in NAMES.values():
        assert safe(name) in text
    jsonl = custos("export", "--db", db, "--format", "jsonl")
    records = [json.loads(line) for line in clean_text(jsonl.stdout).splitlines()]
    assert {r["path"] for r in records} == {safe(n) for n in NAMES.values()}
    assert {r["root"] for r in records} == {safe(share.resolve())}
    table = custos("export", "--db", db, "--format", "csv", "--no-bom")  # clean_text refuses U+FEFF
    rows = list(csv.DictReader(io.StringIO(clean_text(table.stdout))))
    assert {r["path"] for r in rows} == {safe(n) for n in NAMES.values()}


@pytest.mark.slow  # subprocesses of the CLI: seconds each (default run under 5 min)
def test_reviewer_identities_are_normalised_or_refused_with_one_line(scanned):
    share, db, _ = scanned
    target = share / NAMES["title"]
    for hostile in ("bob\u200b", "bo\x1bb", "\u202ebob", ""):
        refused = custos("propose", "delete", "--file", target, "--as", hostile, "--db", db)
        err = clean_text(refused.stderr)
        assert refused.returncode == 2 and err.count("\n") == 1 and "reviewer identity" in err
    assert "bob\\u200b" in clean_text(custos("review", "--as", "bob\u200b", "--db", db).stderr)
    proposed = custos("propose", "delete", "--file", target, "--as", "ａｌｉｃｅ", "--db", db)  # full-width
    assert proposed.returncode == 0, proposed.stderr
    action_id = clean_text(proposed.stdout).split()[2].rstrip(":")
    listing = clean_text(custos("actions", "list", "--db", db).stdout)
    assert [action_id, "proposed", "delete"] in [line.split()[:3] for line in listing.splitlines()]
    assert " alice " in listing
    # the same person in other code points is still the same person: the two-person rule holds
    same = custos("approve", action_id, "--as", "alice", "--db", db)
    assert same.returncode == 2 and "second person" in clean_text(same.stderr)
    assert custos("cancel", action_id, "--as", "alice", "--db", db).returncode == 0


@pytest.mark.slow  # subprocesses of the CLI: seconds each (default run under 5 min)
def test_the_apply_confirmation_names_the_escaped_path_and_the_true_kind(scanned):
    share, db, _ = scanned
    spoof = share / NAMES["spoof"]
    proposed = custos("propose", "delete", "--file", spoof, "--as", "alice", "--db", db)
    assert proposed.returncode == 0, proposed.stderr
    assert safe(NAMES["spoof"]) in clean_text(proposed.stdout)
    action_id = clean_text(proposed.stdout).split()[2].rstrip(":")
    assert custos("approve", action_id, "--as", "bob", "--db", db).returncode == 0

    shown = custos_on_a_terminal("apply", "--as", "bob", "--db", db, answer=b"no\n")
    assert "\r" not in shown and "\x1b" not in shown
    [line] = [x for x in shown.splitlines() if x.strip().startswith(action_id)]
    assert line.split()[1] == "delete" and line.endswith(f"{safe(spoof)}  (1 finding)")
    assert "(1 delete)? type 'apply' to go on:" in shown and "nothing changed" in shown
    assert os.path.lexists(spoof)

    applied = custos("apply", "--yes", "--as", "bob", "--db", db)
    out = clean_text(applied.stdout + applied.stderr)
    assert applied.returncode == 0 and f"executed  action {action_id} delete {safe(spoof)}:" in out
    assert not os.path.lexists(spoof)

    audit = clean_text(custos("audit", "show", "--db", db).stdout)
    targets = [json.loads(line).get("target") for line in audit.splitlines()]
    assert safe(spoof) in targets
    for fmt, shown_path in (("md", safe(spoof)), ("html", html.escape(safe(spoof)))):
        report = custos("report", "destruction", "--format", fmt, "--db", db)
        assert report.returncode == 0 and shown_path in clean_text(report.stdout)
