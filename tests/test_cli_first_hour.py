"""Issue 13, CLI: what a new security officer met in the first hour, each run through the real `custos` command.

Listings align by display width (CJK takes two cells) and are never wrapped when piped; on a terminal they fold at
its width. Wrong choices and ids are refused; a bad --max-size or an unwritable --db is refused at once, before the
detector loads. CSV has a BOM for Excel, XLSX is offered, and cells that look like formulas stay text. Key files
are named after --db (the README's `watch.key`)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from rich.cells import cell_len

from tests.cli_output import REPO, clean_text, cli_env, custos, custos_on_a_terminal_of
from tests.privileges import bound_by_modes

TAXONOMY_FIELDS = ["path", "entity_type", "start", "end", "location", "score", "preview", "sensitivity", "rule"]
FORMULA_NAME = "=1+2 客户.txt"
DEEP = "很长的文件夹名称/" * 8 + "客户联系方式汇总表.txt"  # a path of well over 100 terminal cells


def _share(root: Path) -> Path:
    root.mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "在职员工"
    sheet.append(["姓名", "手机"])
    sheet.append(["王芳", "13912345678"])
    (root / "人事部").mkdir()
    book.save(root / "人事部" / "名单.xlsx")
    (root / FORMULA_NAME).write_text("手机：13800138000\n", encoding="utf-8")
    deep = root / DEEP
    deep.parent.mkdir(parents=True)
    phones = ["13912340001", "13912340002", "13912340003", "13912340004"]
    deep.write_text("".join(f"手机：{p}\n" for p in phones), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> tuple[Path, Path, str]:
    """One real CLI scan, piped, into a database named watch.db under a long folder name."""
    tmp = tmp_path_factory.mktemp("first_hour")
    share = _share(tmp / "share")
    db = tmp / "a-rather-long-folder-name-for-the-custos-state-of-this-company" / "watch.db"
    done = custos("scan", share, "--db", db, "--jobs", "1", "--no-progress", env=cli_env(COLUMNS="80"))
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return share, db, clean_text(done.stdout)


def _findings(db: Path) -> list[dict]:
    return [json.loads(line) for line in clean_text(custos("export", "--db", db).stdout).splitlines()]


def test_a_piped_scan_summary_is_not_wrapped_and_keys_are_named_after_the_db(scanned):
    _, db, summary = scanned
    assert f"export: custos export --format jsonl --db {db}\n" in summary  # whole, on one line
    assert db.with_name("watch.key").exists() and not db.with_name("custos.key").exists()


def test_piped_findings_align_by_display_width_one_line_each(scanned):
    _, db, _ = scanned
    lines = clean_text(custos("findings", "--db", db).stdout).splitlines()
    assert len(lines) == 1 + len(_findings(db))  # nothing folded, however long
    header, rows = lines[0], lines[1:]
    assert any(row.endswith(DEEP) for row in rows)
    [sheet_row] = [row for row in rows if "在职员工!B2" in row]
    for name in ("location", "path"):  # every column starts at the same terminal cell as its header
        column = cell_len(header[: header.index(name)])
        starts = {_cell_of(row, column) for row in rows}
        assert starts == {column}, (name, starts)
    assert "在职员工!B2" in sheet_row


def _cell_of(row: str, column: int) -> int:
    """The terminal cell where the text after ``column`` cells of ``row`` starts (a gap before it)."""
    taken, i = 0, 0
    while taken < column:
        taken += cell_len(row[i])
        i += 1
    assert row[i - 2 : i] == "  " and row[i] != " ", (row, column)
    return taken


def test_findings_on_a_terminal_fold_at_its_width(scanned):
    _, db, _ = scanned
    lines = custos_on_a_terminal_of(100, "findings", "--db", db).splitlines()
    assert all(cell_len(line) <= 100 for line in lines), max(map(cell_len, lines))
    header = lines[0]
    path_at = cell_len(header[: header.index("path")])
    first = next(n for n, line in enumerate(lines) if "139****0001" in line)
    ends = next(n for n in range(first + 1, len(lines)) if not lines[n].startswith(" " * path_at))
    assert ends - first >= 3  # the long path took several lines, each continuation under the path column
    assert lines[first][path_at:] + "".join(line[path_at:] for line in lines[first + 1 : ends]) == DEEP
    [sheet_row] = [line for line in lines if "在职员工!B2" in line]
    assert _cell_of(sheet_row, path_at) == path_at


def test_unknown_states_and_types_are_refused(scanned):
    _, db, _ = scanned
    for args in (("findings", "--state", "bogus"), ("findings", "--type", "CN_MOBIL"),
                 ("actions", "list", "--state", "bogus"), ("actions", "list", "--kind", "shred")):  # fmt: skip
        done = custos(*args, "--db", db)
        err = done.stderr.decode()
        assert done.returncode == 2 and done.stdout == b"", (args, done.stdout)
        assert err.startswith("custos: error: ") and err.count("\n") == 1 and "invalid choice" in err, err
    listed = custos("findings", "--state", "dismissed", "--db", db)
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 1  # a real state, none yet: the header


@pytest.mark.slow  # four CLI subprocesses
def test_propose_takes_several_finding_ids_repeated_or_comma_separated(scanned):
    _, db, _ = scanned
    ids = sorted(_ids_of(db, DEEP), key=int)
    assert len(ids) == 4
    first = custos("propose", "mask", "--finding", ids[0], "--finding", ids[1], "--as", "alice", "--db", db)
    assert first.returncode == 0 and b", 2 findings" in first.stdout, first.stderr.decode()
    second = custos("propose", "retain", "--finding", f"{ids[2]},{ids[3]}", "--reason", "会计档案",
                    "--until", "2030-01-01", "--as", "alice", "--db", db)  # fmt: skip
    assert second.returncode == 0 and b", 2 findings" in second.stdout, second.stderr.decode()
    bad = custos("propose", "mask", "--finding", "1,x", "--as", "alice", "--db", db)
    assert bad.returncode == 2 and b"--finding" in bad.stderr and bad.stderr.count(b"\n") == 1


def _ids_of(db: Path, path: str) -> list[str]:
    rows = clean_text(custos("findings", "--db", db).stdout).splitlines()[1:]
    return [row.split()[0] for row in rows if row.endswith(path) and "CN_MOBILE" in row]


def _custos_without_a_detector(tripwire: Path, *args: object) -> subprocess.CompletedProcess[bytes]:
    """Run the CLI where importing Presidio or spaCy fails loudly: a refusal that comes out as asked was made
    before the detector (seconds to load) was touched."""
    for package in ("presidio_analyzer", "spacy"):
        (tripwire / package).mkdir(parents=True, exist_ok=True)
        (tripwire / package / "__init__.py").write_text(f"raise SystemExit('tripwire: {package} imported')\n")
    argv = [sys.executable, "-m", "scanner.cli", *map(os.fspath, args)]
    env = cli_env(PYTHONPATH=f"{tripwire}{os.pathsep}{REPO}")
    return subprocess.run(argv, capture_output=True, env=env, timeout=120, preexec_fn=bound_by_modes(), cwd=REPO)


def test_bad_options_and_an_unwritable_db_are_refused_before_the_detector_loads(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "a.txt").write_text("手机：13912345678\n", encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    locked.chmod(0o555)
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("x", encoding="utf-8")
    cases = [
        (("--max-size", "1Q", "--db", tmp_path / "ok" / "c.db"), ["--max-size", "'1Q'", "500M"]),
        (
            ("--db", locked / "state" / "c.db"),
            [f"{locked}: cannot create the findings database there", "permission denied", "mode 0555"],
        ),  # fmt: skip
        (("--db", not_a_folder / "c.db"), [f"{not_a_folder}: cannot create", "a file, not a folder"]),
        (
            ("--format", "csv", "--output", locked / "out.csv", "--db", tmp_path / "ok" / "c.db"),
            [f"{locked}: cannot write the findings export there", "permission denied"],
        ),  # fmt: skip
    ]
    tripwire = tmp_path / "tripwire"
    try:
        for args, expected in cases:
            done = _custos_without_a_detector(tripwire, "scan", share, "--jobs", "1", "--no-progress", *args)
            err = done.stderr.decode()
            assert done.returncode == 2 and err.startswith("custos: error: ") and err.count("\n") == 1, err
            for part in expected:
                assert part in err, (part, err)
    finally:
        locked.chmod(0o755)
    assert not (tmp_path / "ok").exists() and not list(locked.iterdir())  # nothing was created on the way


def test_csv_has_a_bom_by_default_and_formula_cells_are_quoted(scanned, tmp_path):
    _, db, _ = scanned
    data = custos("export", "--format", "csv", "--db", db).stdout
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0])[: len(TAXONOMY_FIELDS)] == TAXONOMY_FIELDS
    assert {r["path"] for r in rows} >= {"'" + FORMULA_NAME, DEEP, "人事部/名单.xlsx"}
    assert not any(value.startswith(("=", "+", "-", "@")) for r in rows for value in r.values() if value)
    plain = custos("export", "--format", "csv", "--no-bom", "--output", tmp_path / "plain.csv", "--db", db)
    assert plain.returncode == 0
    assert (tmp_path / "plain.csv").read_bytes().startswith(b"path,entity_type,")
    jsonl = _findings(db)  # JSON Lines stays exact
    assert FORMULA_NAME in {r["path"] for r in jsonl}


def test_xlsx_export_streams_every_finding_as_text_cells(scanned, tmp_path):
    _, db, _ = scanned
    out = tmp_path / "findings.xlsx"
    done = custos("export", "--format", "xlsx", "--output", out, "--db", db)
    assert done.returncode == 0, done.stderr.decode()
    assert out.stat().st_mode & 0o777 == 0o600
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    assert header[: len(TAXONOMY_FIELDS)] == TAXONOMY_FIELDS
    records = _findings(db)
    assert len(rows) == 1 + len(records)
    [formula] = [row[0] for row in rows[1:] if row[0].value == FORMULA_NAME]
    assert formula.data_type == "s" and formula.quotePrefix  # text, also once edited in Excel
    score = header.index("score")
    assert all(isinstance(row[score].value, float) for row in rows[1:])


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusal concerns root only; giving a folder away needs root")
def test_root_is_refused_in_a_state_folder_another_account_owns(scanned, tmp_path):
    _, db, _ = scanned
    state = tmp_path / "service-state"
    state.mkdir()
    os.chown(state, 65534, 65534)  # the service account's folder (nobody stands in for custos)
    done = custos("findings", "--db", state / "custos.db")
    err = done.stderr.decode()
    assert done.returncode == 2 and err.count("\n") == 1 and "run Custos as that account (sudo -u " in err, err
    assert list(state.iterdir()) == []  # nothing created there as root
    assert custos("findings", "--db", db).returncode == 0  # root in root's own folder: as before
