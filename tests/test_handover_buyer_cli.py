"""`custos handover keygen | verify | open` as the buyer runs them: real subprocesses, exit codes and messages
(0 intact, 1 the package is bad, 2 a usage or key problem), and no plaintext in what they print."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.handover.keys import load_recipient_private, load_recipient_public
from scanner.handover.package import PackageWriter
from tests.handover_fixtures import SECRET, cut, parties, write_pem_keys

REPO = Path(__file__).resolve().parents[1]


def custos(*args: object) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "scanner.cli", "handover", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=60, check=False)  # fmt: skip


@pytest.fixture
def sale(tmp_path: Path):
    """The buyer's key pair made with keygen, and a package the seller built to its public key."""
    buyer = tmp_path / "buyer"
    keygen = custos("keygen", "--private", buyer / "buyer.key", "--public", buyer / "buyer.pub")
    assert keygen.returncode == 0, keygen.stderr
    who = parties()
    sender_pub, _unused = write_pem_keys(tmp_path / "seller", who)
    package = tmp_path / "sale.custos-package"
    with PackageWriter(package, load_recipient_public(buyer / "buyer.pub"), who.sender, meta={"to": "Buyer"}) as w:
        w.add_bytes("客户/王芳.csv", [f"name,phone\n{SECRET}\n".encode()], {"categories": ["contact"]})
        w.add_bytes("b.txt", [b"plain text\n" * 1000], {})
    return buyer, sender_pub, package


def test_keygen_writes_a_private_0600_and_refuses_to_replace(tmp_path):
    result = custos("keygen", "--private", tmp_path / "k", "--public", tmp_path / "k.pub")
    assert result.returncode == 0, result.stderr
    assert "public key fingerprint" in result.stdout
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    assert load_recipient_private(tmp_path / "k").public_key().public_bytes_raw() == (
        load_recipient_public(tmp_path / "k.pub").public_bytes_raw()
    )
    before = (tmp_path / "k").read_bytes()
    again = custos("keygen", "--private", tmp_path / "k", "--public", tmp_path / "other.pub")
    assert again.returncode == 2
    assert "exists; refusing to replace a key" in again.stderr and "Traceback" not in again.stderr
    assert (tmp_path / "k").read_bytes() == before and not (tmp_path / "other.pub").exists()


@pytest.mark.slow  # CLI subprocesses, several seconds
def test_verify_and_open(tmp_path, sale):
    buyer, sender_pub, package = sale
    without = custos("verify", package, "--sender-key", sender_pub)
    assert without.returncode == 0, without.stderr
    assert "OK: 2 files" in without.stdout and "pass --key" in without.stdout
    keyed = custos("verify", package, "--sender-key", sender_pub, "--key", buyer / "buyer.key")
    assert keyed.returncode == 0, keyed.stderr
    assert "every plaintext SHA-256" in keyed.stdout

    opened = custos("open", package, "--key", buyer / "buyer.key", "--sender-key", sender_pub, "--to", tmp_path / "in")
    assert opened.returncode == 0, opened.stderr
    assert "opened 2 files" in opened.stdout
    assert (tmp_path / "in" / "客户" / "王芳.csv").read_text().endswith(f"{SECRET}\n")
    for output in (without, keyed, opened):
        assert "王芳" not in output.stdout + output.stderr and "13912345678" not in output.stdout + output.stderr

    again = custos("open", package, "--key", buyer / "buyer.key", "--sender-key", sender_pub, "--to", tmp_path / "in")
    assert again.returncode == 1
    assert "already exists" in again.stderr and "refusing to overwrite" in again.stderr
    assert "王芳" not in again.stderr  # the name is masked in the message


@pytest.mark.slow  # over 1.5 s: the default run keeps to its five minutes
def test_tampered_package_exit_1_with_the_first_problem(tmp_path, sale):
    buyer, sender_pub, package = sale
    parts = cut(package)
    member = bytearray(parts.members[1])
    member[40] ^= 0x01
    parts.members[1] = bytes(member)
    tampered = tmp_path / "tampered"
    tampered.write_bytes(parts.join())
    without = custos("verify", tampered, "--sender-key", sender_pub)
    assert without.returncode == 1
    assert "FAILED verification: member 2: its encrypted bytes do not match" in without.stderr
    opened = custos("open", tampered, "--key", buyer / "buyer.key", "--sender-key", sender_pub, "--to", tmp_path / "x")
    assert opened.returncode == 1
    assert "not opened: member 2 (b.txt): chunk 1 fails authentication" in opened.stderr
    assert "nothing was written" in opened.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.slow  # over 2 s: the default run keeps to its five minutes
def test_wrong_keys(tmp_path, sale):
    buyer, sender_pub, package = sale
    other = custos("keygen", "--private", tmp_path / "o.key", "--public", tmp_path / "o.pub")
    assert other.returncode == 0
    wrong = custos("verify", package, "--sender-key", sender_pub, "--key", tmp_path / "o.key")
    assert wrong.returncode == 1 and "not encrypted to this key" in wrong.stderr
    stranger_pub, _unused = write_pem_keys(tmp_path / "stranger", parties())
    forged = custos("verify", package, "--sender-key", stranger_pub)
    assert forged.returncode == 1 and "not by the sender key" in forged.stderr

    (buyer / "buyer.key").chmod(0o644)
    loose = custos("verify", package, "--sender-key", sender_pub, "--key", buyer / "buyer.key")
    assert loose.returncode == 2 and "chmod 600" in loose.stderr
    missing = custos("verify", package, "--sender-key", tmp_path / "nope.pub")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    usage = custos("open", package, "--key", buyer / "buyer.key")
    assert usage.returncode == 2 and "required" in usage.stderr
