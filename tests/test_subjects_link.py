"""Data subjects linked from real scanned exports: records, shared identifiers, names that never merge, the
too-common and conflict rules, the evidence stored, the queries, and no plain value in the subjects tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.states import FindingState, LinkOutcome
from scanner.store.actions import ActionStore
from scanner.store.store import Store
from scanner.subjects.fresh import ensure_linked, is_stale
from scanner.subjects.link import link_subjects
from scanner.subjects.queries import SubjectQueries, UnknownSubject
from tests.action_fixtures import cli_env, custos, scanned_db
from tests.engines import (
    db_url_slow_on_postgresql,  # noqa: F401 - this module's db_url: PostgreSQL halves are slow
    everything_stored,
    execute,
    rows,
    tuples,
)
from tests.subject_fixtures import resident_id, write_csv, write_json, write_xlsx

ZHANG_ID = resident_id("19900307", 451)
WANG_ID_A = resident_id("19850612", 122)
WANG_ID_B = resident_id("19920101", 343)
CHILD_ID = resident_id("20180506", 218)  # under 14 on the suite's scan date (2026-11-23)
ZHANG_PHONE, WANG_PHONE_A, WANG_PHONE_B = "13812345678", "13911112222", "13733334444"
LI_PHONE_A, LI_PHONE_B, FAMILY_PHONE = "13655556666", "13577778888", "13466669999"
SWITCHBOARD = "13300001111"
SWITCHBOARD_NAMES = ["赵敏", "钱进", "孙丽", "周杰", "吴刚", "郑爽", "冯巩", "陈红"]
PLAIN_VALUES = [ZHANG_ID, WANG_ID_A, WANG_ID_B, CHILD_ID, ZHANG_PHONE, WANG_PHONE_A, SWITCHBOARD]
PLAIN_VALUES.append("zhangwei@example.com")


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = tmp_path / "share"
    header = ["姓名", "手机号", "身份证号"]
    write_csv(root / "crm/客户.csv", header, [
        ["张伟", ZHANG_PHONE, ZHANG_ID],
        ["王芳", WANG_PHONE_A, WANG_ID_A],
        ["李娜", LI_PHONE_A, ""],
        ["张小明", FAMILY_PHONE, CHILD_ID],
    ])  # fmt: skip
    write_xlsx(root / "sales/订单.xlsx", ["姓名", "手机号", "地址"], [
        ["张伟", ZHANG_PHONE, "北京市朝阳区建国路88号"],
        ["王芳", WANG_PHONE_B, "上海市浦东新区世纪大道100号"],
    ])  # fmt: skip
    write_csv(root / "sales/会员.csv", ["姓名", "手机号", "身份证号"], [
        ["王芳", WANG_PHONE_B, WANG_ID_B],
        ["李娜", LI_PHONE_B, ""],
        ["张建国", FAMILY_PHONE, resident_id("19800202", 517)],
    ])  # fmt: skip
    write_json(root / "exports/users.json", [
        {"name": "张伟", "email": "zhangwei@example.com", "mobile": ZHANG_PHONE},
    ])  # fmt: skip
    write_csv(root / "front/来访.csv", ["姓名", "电话"], [[name, SWITCHBOARD] for name in SWITCHBOARD_NAMES])
    return root


@pytest.fixture
def db(tmp_path: Path, share: Path, packs, detector, db_url: str) -> str:
    """The share scanned into SQLite and into PostgreSQL."""
    return scanned_db(tmp_path / "state", share, packs, detector, target=db_url)


@pytest.fixture
def linked(db: str) -> str:
    with Store(db) as store:
        link_subjects(store)
    return db


def _subject_of(db: str, path_suffix: str, record: str) -> int:
    found = rows(
        db,
        "SELECT r.subject_id FROM subject_records r JOIN files f ON f.id = r.file_id"
        " WHERE f.rel_path LIKE ? AND r.record = ?",
        (f"%{path_suffix}", record),
    )
    assert found, f"no record {record} of {path_suffix}"
    return found[0]["subject_id"]


def test_a_shared_phone_merges_one_customer_across_exports(linked: str) -> None:
    zhang = _subject_of(linked, "客户.csv", "line 2")
    assert _subject_of(linked, "订单.xlsx", "客户!2") == zhang
    assert _subject_of(linked, "users.json", "object at line 2") == zhang
    with Store(linked) as store:
        summary = SubjectQueries(store).summary(zhang)
        assert summary.files == 3 and summary.records == 3
        assert {"identity", "contact"} <= set(summary.categories)
        assert {link.entity_type for link in summary.links} == {"CN_MOBILE"}
        assert {(p.record) for p in summary.places} == {"line 2", "客户!2", "object at line 2"}


def test_same_name_with_different_ids_stays_two_people(linked: str) -> None:
    first = _subject_of(linked, "客户.csv", "line 3")
    second = _subject_of(linked, "会员.csv", "line 2")
    assert first != second
    # the xlsx row shares the second 王芳's phone: it joins her, not the first
    assert _subject_of(linked, "订单.xlsx", "客户!3") == second


def test_a_name_alone_never_merges(linked: str) -> None:
    assert _subject_of(linked, "客户.csv", "line 4") != _subject_of(linked, "会员.csv", "line 3")


def test_a_family_phone_does_not_merge_two_people_with_their_own_ids(linked: str) -> None:
    child = _subject_of(linked, "客户.csv", "line 5")
    parent = _subject_of(linked, "会员.csv", "line 4")
    assert child != parent
    outcomes = [r["outcome"] for r in rows(linked, "SELECT outcome FROM subject_links WHERE entity_type = 'CN_MOBILE'")]
    assert LinkOutcome.CONFLICT in outcomes


def test_a_switchboard_phone_is_too_common_to_link(linked: str) -> None:
    people = {_subject_of(linked, "来访.csv", f"line {n}") for n in range(2, 2 + len(SWITCHBOARD_NAMES))}
    assert len(people) == len(SWITCHBOARD_NAMES)
    found = rows(
        linked,
        "SELECT records, names FROM subject_links WHERE outcome = ? AND entity_type = 'CN_MOBILE'",
        (LinkOutcome.TOO_COMMON.value,),
    )
    assert found == [{"records": len(SWITCHBOARD_NAMES), "names": len(SWITCHBOARD_NAMES)}]


def test_evidence_names_the_identifier_and_both_records(linked: str) -> None:
    evidence = rows(
        linked,
        "SELECT l.entity_type, l.fingerprint, a.record AS record_a, b.record AS record_b, a.subject_id AS subject_a,"
        " b.subject_id AS subject_b, l.subject_id FROM subject_links l JOIN subject_records a ON a.id = l.record_a"
        " JOIN subject_records b ON b.id = l.record_b WHERE l.outcome = ?",
        (LinkOutcome.LINKED.value,),
    )
    assert evidence
    for entity_type, fingerprint, _, _, subject_a, subject_b, subject in (r.values() for r in evidence):
        assert entity_type in {"CN_MOBILE", "CN_RESIDENT_ID", "EMAIL_ADDRESS"}
        assert len(fingerprint) == 64
        assert subject_a == subject_b == subject


def test_queries_filter_and_reach_every_file(linked: str) -> None:
    with Store(linked) as store:
        queries = SubjectQueries(store)
        zhang = _subject_of(linked, "客户.csv", "line 2")
        assert len(queries.file_ids(zhang)) == 3
        finding_ids = queries.finding_ids(zhang)
        assert len(finding_ids) == queries.summary(zhang).findings
        minors = queries.subject_ids(minor=True)
        assert minors == [_subject_of(linked, "客户.csv", "line 5")]
        in_front = queries.subject_ids(folder="front")
        assert len(in_front) == len(SWITCHBOARD_NAMES)
        assert zhang in queries.subject_ids(category="contact")
        assert queries.subject_ids(category="financial") == []
        stats = queries.stats()
        assert stats.people == len(queries.subject_ids()) and stats.minors == 1
        with pytest.raises(UnknownSubject):
            queries.summary(10_000)


def test_linking_twice_gives_the_same_subjects(linked: str) -> None:
    with Store(linked) as store:
        before = SubjectQueries(store).stats()
        again = link_subjects(store)
        assert again.subjects == before.people
        assert SubjectQueries(store).stats() == before


def test_rows_stored_before_records_were_kept_link_by_their_location(linked: str) -> None:
    execute(linked, "UPDATE findings SET record = NULL WHERE location != 'name'")
    with Store(linked) as store:
        link_subjects(store)
    assert _subject_of(linked, "客户.csv", "line 2") == _subject_of(linked, "订单.xlsx", "客户!2")


def test_no_plain_value_in_the_subjects_tables(linked: str) -> None:
    stored = everything_stored(linked)
    for value in [*PLAIN_VALUES, *(n for n in ["张伟", "王芳", "李娜"])]:
        assert value not in stored


@pytest.mark.slow  # CLI subprocesses, several seconds
def test_cli_lists_shows_and_counts_subjects_masked(linked: str) -> None:
    env = cli_env()
    listing = custos("subjects", "list", "--db", linked, env=env)
    assert listing.returncode == 0, listing.stderr
    shown = custos("subjects", "show", str(_subject_of(linked, "客户.csv", "line 2")), "--db", linked, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "138****5678" in shown.stdout and "CN_MOBILE" in shown.stdout
    stats = custos("subjects", "stats", "--db", linked, env=env)
    assert "distinct people" in stats.stdout and "minors:          1" in stats.stdout
    minors = custos("subjects", "list", "--minor", "--db", linked, env=env)
    assert minors.stdout.count("\n") == 2  # the header and the child
    relinked = custos("subjects", "link", "--db", linked, env=env)
    assert relinked.returncode == 0 and "subjects" in relinked.stdout
    missing = custos("subjects", "show", "9999", "--db", linked, env=env)
    assert missing.returncode == 2 and "no subject 9999" in missing.stderr
    for out in (listing, shown, stats, minors, relinked):
        for value in [*PLAIN_VALUES, "张伟", "王芳"]:
            assert value not in out.stdout + out.stderr


def test_subjects_link_builds_them_for_a_store_scanned_without_linking(
    tmp_path: Path, share: Path, packs, detector
) -> None:
    db = scanned_db(tmp_path / "other", share, packs, detector)
    with Store(db) as store:
        assert SubjectQueries(store, relink=False).subject_ids() == []  # scanning alone does not link
    result = custos("subjects", "link", "--db", db)
    assert result.returncode == 0
    with Store(db) as store:
        assert SubjectQueries(store, relink=False).subject_ids()


def test_reading_subjects_links_them_first_and_only_when_findings_changed(
    tmp_path: Path, share: Path, packs, detector
) -> None:
    db = scanned_db(tmp_path / "lazy", share, packs, detector)
    with Store(db) as store:
        assert is_stale(store)
        people = SubjectQueries(store).subject_ids()  # the first reader links
        assert people and not is_stale(store)
        assert ensure_linked(store) is None  # nothing changed: not linked again
        assert _subject_of(db, "客户.csv", "line 2")
        store.mark_missing(str(share.resolve()), run_id=10**6, under="crm")  # the export is gone: its findings too
        assert is_stale(store)
        relinked = ensure_linked(store)
        assert relinked is not None and relinked.subjects < len(people)
        assert not is_stale(store)
    held = "SELECT count(*) FROM subject_records r JOIN files f ON f.id = r.file_id WHERE f.rel_path LIKE ?"
    assert tuples(db, held, ("%客户.csv",))[0][0] == 0  # the gone export's records are no longer anyone's


def test_a_dismissed_finding_makes_the_subjects_stale(linked: Path) -> None:
    with Store(linked) as store:
        assert not is_stale(store)
        finding = SubjectQueries(store).finding_ids(_subject_of(linked, "客户.csv", "line 3"))[0]
        ActionStore(store).set_finding_state([finding], FindingState.DISMISSED)
        assert is_stale(store)
        SubjectQueries(store)
        assert not is_stale(store)


@pytest.mark.slow
def test_custos_scan_leaves_linking_to_the_first_reader(tmp_path: Path, share: Path) -> None:
    db = tmp_path / "cli" / "custos.db"
    result = custos("scan", share, "--db", db, "--no-progress", timeout=300)
    assert result.returncode == 0, result.stderr
    assert tuples(db, "SELECT count(*) FROM subjects")[0][0] == 0  # the scan did not pay for it
    listing = custos("subjects", "list", "--db", db)
    assert listing.returncode == 0, listing.stderr
    assert _subject_of(db, "客户.csv", "line 2") == _subject_of(db, "订单.xlsx", "客户!2")
