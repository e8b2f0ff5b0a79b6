"""Reading values back at export time: from the real files of a real scan, only the selected findings' values,
never from a file changed since its scan, a link, or a file gone; nothing written anywhere."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from scanner.build import build_scanner
from scanner.fingerprint import fingerprint, load_or_create_key
from scanner.notify.contacts import contacts_of
from scanner.notify.readback import ReadValue, ValueReader
from scanner.paths import key_path_for
from scanner.store.store import Store
from tests.action_fixtures import scanned_db

WANG = {"PERSON": "王芳", "CN_MOBILE": "13800138000", "EMAIL_ADDRESS": "WangFang@Example.com",
        "CN_ADDRESS": "北京市朝阳区建国路88号"}  # fmt: skip
LI = {"PERSON": "李强", "CN_MOBILE": "13912345678", "EMAIL_ADDRESS": "liqiang@example.cn",
      "CN_ADDRESS": "上海市浦东新区世纪大道100号"}  # fmt: skip
ZHAO_MOBILE = "13700001111"


@pytest.fixture
def share(tmp_path: Path) -> Path:
    root = tmp_path / "share"
    root.mkdir()
    rows = "".join(f"{p['PERSON']},{p['CN_MOBILE']},{p['EMAIL_ADDRESS']},{p['CN_ADDRESS']}\n" for p in (WANG, LI))
    (root / "客户.csv").write_text("姓名,手机,邮箱,地址\n" + rows, encoding="utf-8")
    (root / "备注.txt").write_text("回访记录：手机 138 0013 8000，邮箱 wangfang@example.com。\n", encoding="utf-8")
    with zipfile.ZipFile(root / "旧导出.zip", "w") as archive:
        archive.writestr("members.csv", f"姓名,手机\n赵敏,{ZHAO_MOBILE}\n")
    return root


@pytest.fixture
def db(tmp_path: Path, share: Path, packs, detector) -> Path:
    return scanned_db(tmp_path / "state", share, packs, detector)


def _ids(db: Path, person: dict[str, str], *, path: str | None = None) -> list[int]:
    """The finding ids holding ``person``'s values (found by fingerprint, as the subjects are linked)."""
    key = load_or_create_key(key_path_for(db))
    wanted = {(t, fingerprint(key, t, v)) for t, v in person.items()}
    with Store(db) as store:
        return [
            f.id for f in store.findings()
            if (f.entity_type, f.fingerprint) in wanted and (path is None or f.path == path)
        ]  # fmt: skip


def _read(db: Path, packs, detector, selection):
    with Store(db) as store:
        return ValueReader(store, build_scanner(store, db, packs, detector=detector)).read(selection)


def test_values_come_back_only_for_the_subjects_own_findings(db: Path, packs, detector):
    wang, li = _ids(db, WANG), _ids(db, LI)
    assert len(wang) == 6 and len(li) == 4  # the txt repeats Wang's mobile and e-mail
    back = _read(db, packs, detector, {1: wang, 2: li})
    assert back.skipped == [] and back.not_found == 0
    assert {v.value for v in back.values[2]} == set(LI.values())
    assert set(LI.values()).isdisjoint(v.value for v in back.values[1])
    contacts = contacts_of(back.values[1])
    assert (contacts.name, contacts.mobiles, contacts.emails) == ("王芳", ("13800138000",), ("wangfang@example.com",))
    assert ReadValue("CN_MOBILE", "138 0013 8000") in back.values[1]  # as written in the txt, normalised later


def test_a_member_of_an_archive_is_read_back_through_its_archive(db: Path, packs, detector):
    zhao = _ids(db, {"CN_MOBILE": ZHAO_MOBILE})
    assert len(zhao) == 1
    back = _read(db, packs, detector, {5: zhao})
    assert back.values[5] == [ReadValue("CN_MOBILE", ZHAO_MOBILE)]


def test_a_file_changed_since_its_scan_is_reported_and_not_used(db: Path, share: Path, packs, detector):
    note = share / "备注.txt"
    before = note.stat()
    note.write_text("回访记录：手机 138 0013 8000，邮箱 wangfang@example.com！\n", encoding="utf-8")
    os.utime(note, ns=(before.st_atime_ns, before.st_mtime_ns))  # same size and mtime: only the hash tells
    back = _read(db, packs, detector, {1: _ids(db, WANG)})
    assert [(s.path, s.findings) for s in back.skipped] == [("备注.txt", 2)]
    assert "changed since it was scanned (content hash)" in back.skipped[0].reason
    assert "138 0013 8000" not in {v.value for v in back.values[1]}  # only the csv's values
    assert {v.value for v in back.values[1]} == set(WANG.values())


def test_a_file_grown_since_its_scan_is_reported_by_size(db: Path, share: Path, packs, detector):
    with open(share / "客户.csv", "a", encoding="utf-8") as fh:
        fh.write("孙丽,13600002222,sun@example.com,广州市天河区体育西路1号\n")
    back = _read(db, packs, detector, {2: _ids(db, LI)})
    assert back.values[2] == []
    assert back.skipped[0].path == "客户.csv" and "size or modification time" in back.skipped[0].reason


def test_a_link_in_place_of_a_file_is_never_followed(db: Path, share: Path, tmp_path: Path, packs, detector):
    outside = tmp_path / "outside.csv"
    (share / "客户.csv").rename(outside)
    (share / "客户.csv").symlink_to(outside)
    back = _read(db, packs, detector, {2: _ids(db, LI)})
    assert back.values[2] == [] and "symbolic link" in back.skipped[0].reason


def test_a_file_gone_is_reported(db: Path, share: Path, packs, detector):
    (share / "备注.txt").unlink()
    back = _read(db, packs, detector, {1: _ids(db, WANG, path="备注.txt")})
    assert back.values[1] == [] and back.skipped[0].reason == "gone since it was scanned"


def test_findings_no_longer_current_are_not_read(db: Path, packs, detector):
    li = _ids(db, LI)
    with Store(db) as store:
        store.connection.execute("UPDATE findings SET state = 'masked' WHERE id = ?", (li[0],))
        store.connection.commit()
    back = _read(db, packs, detector, {2: li})
    assert back.not_found == 1 and len(back.values[2]) == 3


def test_reading_back_writes_nothing(db: Path, tmp_path: Path, packs, detector):
    def files() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "share" not in p.parts}

    _read(db, packs, detector, {})  # the scanner's own state (nothing new), then compare
    before = files()
    back = _read(db, packs, detector, {1: _ids(db, WANG), 2: _ids(db, LI)})
    assert len(back.values[1]) == 6
    after = files()
    assert set(after) == set(before)
    for content in after.values():
        for value in (*WANG.values(), *LI.values()):
            assert value.encode() not in content
