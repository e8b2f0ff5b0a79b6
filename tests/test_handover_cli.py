"""The seller's handover through the real CLI, with the buyer's side run as the buyer would: keygen, propose,
the two-person approval, build, `verify --json` as the receipt, `verified`, `delete-local` through the normal
delete approval, the audit log verified and the destruction record's handover section."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.action_fixtures import PHONE, custos


def _ok(*args) -> str:
    result = custos(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _refused(*args) -> str:
    result = custos(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, "one line, no traceback"
    return result.stderr


@pytest.mark.slow
def test_a_handover_from_proposal_to_the_destruction_record(db: Path, share: Path, tmp_path: Path):
    buyer = tmp_path / "buyer"
    key, pub = buyer / "buyer.key", buyer / "buyer.pub"
    buyer.mkdir()
    _ok("handover", "keygen", "--private", key, "--public", pub)
    originals = {p.name: p.read_bytes() for p in share.iterdir()}

    proposed = _ok("handover", "propose", "--to-name", "买方科技有限公司", "--recipient-key", pub, "--legal-basis",
                   "PIPL Art. 22", "--reason", "sale of the business", "--folder", share, "--as", "alice",
                   "--db", db)  # fmt: skip
    assert re.match(r"proposed disclosure 1: handover of 3 files \(\d[\d,]* bytes\)", proposed), proposed
    assert "needs a second person" in _refused("handover", "approve", "1", "--as", "alice", "--db", db)
    package = tmp_path / "out" / "handover.cpkg"
    assert "only an approved disclosure is built" in _refused("handover", "build", "1", "--out", package, "--db", db)
    _ok("handover", "approve", "1", "--as", "bob", "--db", db)
    assert "no such folder" in _refused("handover", "build", "1", "--out", package, "--db", db)
    package.parent.mkdir()
    built = _ok("handover", "build", "1", "--out", package, "--as", "carol", "--db", db)
    manifest = re.search(r"manifest sha256 ([0-9a-f]{64})", built).group(1)

    # the buyer's side: verify with the sender's public key and their private key, keep the JSON as the receipt
    sender = db.parent / "custos.audit.key.pub"
    verified = custos("handover", "verify", package, "--sender-key", sender, "--key", key, "--json")
    assert verified.returncode == 0, verified.stderr
    receipt = json.loads(verified.stdout)
    assert (receipt["ok"], receipt["manifest_sha256"], receipt["count"]) == (True, manifest, 3)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({**receipt, "manifest_sha256": "f" * 64}), encoding="utf-8")
    good = tmp_path / "receipt.json"
    good.write_text(verified.stdout, encoding="utf-8")

    assert "only after the recipient verified" in _refused("handover", "delete-local", "1", "--as", "alice",
                                                           "--db", db)  # fmt: skip
    assert "not the one recorded" in _refused("handover", "verified", "1", "--by", "Buyer DPO", "--receipt", wrong,
                                              "--db", db)  # fmt: skip
    _ok("handover", "verified", "1", "--by", "Buyer DPO", "--receipt", good, "--as", "alice", "--db", db)
    listing = _ok("disclosures", "list", "--db", db)
    assert re.search(r"1 +verified +handover +3 ", listing) and "Buyer DPO" in listing

    proposals = _ok("handover", "delete-local", "1", "--as", "alice", "--db", db)
    ids = re.findall(r"proposed action (\d+): delete", proposals)
    assert len(ids) == 3
    assert "needs a second person" in _refused("approve", ids[0], "--as", "alice", "--db", db)
    _ok("approve", *ids, "--as", "bob", "--db", db)
    _ok("apply", "--yes", "--as", "carol", "--db", db)
    assert sorted(p.name for p in share.iterdir()) == []

    # the buyer opens the package: the files as they were
    _ok("handover", "open", package, "--key", key, "--sender-key", sender, "--to", tmp_path / "received")
    assert {p.name: p.read_bytes() for p in (tmp_path / "received").iterdir()} == originals

    assert "audit log OK" in _ok("audit", "verify", "--db", db)
    report = _ok("report", "destruction", "--db", db)
    section = report[report.index("## Handover") :]
    assert manifest in section and "买方科技有限公司" in section and "PIPL Art. 22" in section
    assert "Buyer DPO" in section and "bob" in section and "carol" in section
    assert section.count("SHA-256 ") >= 3  # each file that left, with its hash
    assert report.count("| deleted |") == 3  # and the local copies deleted afterwards
    html = _ok("report", "destruction", "--format", "html", "--db", db)
    assert "<h2>Handover</h2>" in html and manifest in html

    for path in db.parent.iterdir():  # database, WAL, audit log, keys: no personal value anywhere
        if path.is_file():
            assert PHONE.encode() not in path.read_bytes(), path
            assert "张伟".encode() not in path.read_bytes(), path


@pytest.mark.slow  # subprocesses of the CLI: seconds each (default run under 5 min)
def test_marking_files_for_transfer_is_audited_and_chooses_the_handover(db: Path, share: Path, tmp_path: Path):
    pub = tmp_path / "buyer.pub"
    _ok("handover", "keygen", "--private", tmp_path / "buyer.key", "--public", pub)
    assert "2 files marked for transfer" in _ok("handover", "mark", share / "客户0.txt", share / "客户1.txt",
                                                "--as", "alice", "--db", db)  # fmt: skip
    assert "1 files unmarked" in _ok("handover", "unmark", share / "客户1.txt", "--as", "alice", "--db", db)
    proposed = _ok("handover", "propose", "--to-name", "B", "--recipient-key", pub, "--legal-basis", "L",
                   "--reason", "R", "--marked", "--as", "alice", "--db", db)  # fmt: skip
    assert "handover of 1 files" in proposed
    events = [json.loads(line)["event"] for line in _ok("audit", "show", "--db", db).splitlines()]
    assert events == ["transfer_marked", "transfer_unmarked", "disclosure_proposed"]
    assert "--folder" in _refused("handover", "propose", "--to-name", "B", "--recipient-key", pub,
                                        "--legal-basis", "L", "--reason", "R", "--db", db)  # fmt: skip
