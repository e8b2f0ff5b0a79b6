"""`custos audit verify` names what is wrong with a tampered audit log in the chosen language: the reasons are
shown, not stored (the records themselves stay as written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.actions.audit_keys import canonical, link_problem, parse_line
from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.i18n import CHINESE, ENGLISH, set_language
from scanner.paths import audit_log_path_for
from tests.action_fixtures import ALICE, BOB, custos, scanned_db


@pytest.fixture
def tampered(tmp_path: Path, share: Path, packs, detector) -> Path:
    """A database whose audit log's second record was edited and re-serialised (its hash no longer matches)."""
    path = scanned_db(tmp_path / "state", share, packs, detector)
    with open_workspace(path, detector=detector) as ws:
        action = ws.service.propose(Proposal("quarantine", path=share / "客户0.txt"), ALICE)
        ws.service.approve(action, BOB)
    log = audit_log_path_for(path)
    lines = log.read_bytes().splitlines(keepends=True)
    record = json.loads(lines[1])
    record["target"] = "/share/something-else.csv"
    lines[1] = canonical(record) + b"\n"
    log.write_bytes(b"".join(lines))
    return path


def _verify(db: Path, lang: str) -> tuple[int, str]:
    result = custos("--lang", lang, "audit", "verify", "--db", db)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout + result.stderr


def test_a_tampered_log_is_named_in_chinese(tampered: Path) -> None:
    code, out = _verify(tampered, "zh_CN")
    assert code == 1
    assert "审计日志已损坏，位于第 2 条记录：记录内容与其哈希不符：记录在写入后被修改过" in out
    assert "edited" not in out


def test_a_tampered_log_is_named_in_english_as_before(tampered: Path) -> None:
    code, out = _verify(tampered, "en")
    assert code == 1
    assert (
        "audit log BROKEN at record 2: its content does not match its hash: the record was edited after it was written"
        in out
    )


def test_the_chain_reasons_follow_the_language() -> None:
    record, reason = parse_line(b'{"seq": 1')
    assert reason is not None and reason.startswith("the line is incomplete")
    set_language(CHINESE)
    try:
        assert parse_line(b"[1]\n")[1] == "该行不是 JSON 对象"
        record = {"seq": 3, "prev_hash": "0" * 64}
        assert link_problem(record, None) == "应为 seq 1，实际为 3：此前缺少记录，或记录被调换了顺序"
    finally:
        set_language(ENGLISH)
    assert link_problem({"seq": 3, "prev_hash": "0" * 64}, None).startswith("expected seq 1 but found 3")
