"""`custos notify-list propose | build` refusals, through the real CLI (none of them loads the detector)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.handover.keys import generate_recipient_keypair
from scanner.store.store import Store
from scanner.subjects.link import link_subjects
from tests.action_fixtures import cli_env, custos
from tests.test_notify_readback import db as db  # noqa: F401 - the scanned share's fixtures
from tests.test_notify_readback import share as share  # noqa: F401


@pytest.fixture
def linked(db: Path, tmp_path: Path) -> Path:  # noqa: F811
    with Store(db) as store:
        link_subjects(store)
    generate_recipient_keypair(tmp_path / "buyer.key", tmp_path / "buyer.pub")
    return db


def _run(db: Path, *args: object, who: str = "王经理"):
    return custos(*args, "--db", db, "--as", who, env=cli_env(CUSTOS_REVIEWER=""))


def _propose(db: Path, tmp_path: Path, *extra: object):
    return _run(db, "notify-list", "propose", "--recipient-company", "乙方科技有限公司", "--recipient-contact",
                "400-800-1234", "--to-key", tmp_path / "buyer.pub", "--reason", "出售前告知", *extra)  # fmt: skip


def test_a_template_with_an_unknown_placeholder_is_refused_in_one_line(linked: Path, tmp_path: Path):
    template = tmp_path / "notice.txt"
    template.write_text("{name}：转移至{recipient_company}（{recipient_contact}），电话{phone}", encoding="utf-8")
    done = _propose(linked, tmp_path, "--all", "--template", template)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "unknown placeholder {phone}" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow  # over 1.5 s: the default run keeps to its five minutes
def test_nobody_chosen_and_unknown_subjects_are_refused(linked: Path, tmp_path: Path):
    done = _propose(linked, tmp_path, "--category", "financial")
    assert done.returncode == 2 and "holds nobody" in done.stderr
    done = _propose(linked, tmp_path, "--subject", "999")
    assert done.returncode == 2 and "no subject 999" in done.stderr


@pytest.mark.slow  # CLI subprocesses, several seconds
def test_a_list_is_built_only_once_approved_and_as_approved(linked: Path, tmp_path: Path):
    template = tmp_path / "notice.txt"
    template.write_text("{name}：您的信息将转移至{recipient_company}，联系方式{recipient_contact}。", encoding="utf-8")
    done = _propose(linked, tmp_path, "--all", "--template", template)
    assert done.returncode == 0, done.stderr
    assert "proposed notification list 1: 3 people" in done.stdout
    out = tmp_path / "notify.pkg"
    unapproved = _run(linked, "notify-list", "build", "1", "--out", out, who="李审核")
    assert unapproved.returncode == 2 and "approve it first" in unapproved.stderr
    assert "second person" in _run(linked, "handover", "approve", "1").stderr
    assert _run(linked, "handover", "approve", "1", who="李审核").returncode == 0
    template.write_text(template.read_text(encoding="utf-8") + "谢谢。", encoding="utf-8")
    changed = _run(linked, "notify-list", "build", "1", "--out", out, who="李审核")
    assert changed.returncode == 2 and "changed since the list was proposed" in changed.stderr
    assert not out.exists()


@pytest.mark.slow  # over 2 s: the default run keeps to its five minutes
def test_a_handover_is_not_built_as_a_notification_list(linked: Path, tmp_path: Path, share: Path):  # noqa: F811
    done = _run(linked, "handover", "propose", "--to-name", "乙方", "--recipient-key", tmp_path / "buyer.pub",
                "--legal-basis", "PIPL Art. 22", "--reason", "出售", "--folder", share)  # fmt: skip
    assert done.returncode == 0, done.stderr
    built = _run(linked, "notify-list", "build", "1", "--out", tmp_path / "x.pkg")
    assert built.returncode == 2 and "not a notification list" in built.stderr
