"""The handover package: a round trip between two key pairs, and every kind of tampering refused with a message
that names the first thing wrong (with and without the recipient's private key)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from scanner.actions.audit_keys import key_id
from scanner.handover import format as fmt
from scanner.handover.package import PackageError, PackageWriter, open_package, verify_package
from tests.handover_fixtures import CHUNK, SECRET, build, cut, parties, records, reseal, source_files


@pytest.fixture
def who():
    return parties()


@pytest.fixture
def package(tmp_path: Path, who):
    contents = source_files(tmp_path / "share")
    path = tmp_path / "sale.custos-package"
    manifest = build(path, tmp_path / "share", who, contents)
    return path, contents, manifest


def _tampered(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "tampered.custos-package"
    path.write_bytes(data)
    return path


def _problems(path: Path, who) -> tuple[str | None, str | None]:
    """(problem without the private key, problem with it)."""
    without = verify_package(path, who.sender_public)
    keyed = verify_package(path, who.sender_public, who.recipient)
    assert not without.ok and not keyed.ok
    return without.problem, keyed.problem


def test_round_trip_to_a_second_key_pair(tmp_path, who, package):
    path, contents, manifest = package
    assert manifest.count == 3 and manifest.total_bytes == sum(map(len, contents.values()))
    assert [m.name for m in manifest.members] == list(contents)
    assert manifest.members[0].info == {"categories": ["contact"], "subjects": 3}

    report = verify_package(path, who.sender_public)
    assert report.ok and report.problem is None and not report.plaintext_checked
    assert (report.count, report.total_bytes, report.manifest_sha256) == (3, manifest.total_bytes, manifest.sha256)
    keyed = verify_package(path, who.sender_public, who.recipient)
    assert keyed.ok and keyed.plaintext_checked and keyed.manifest == manifest

    opened = open_package(path, who.recipient, who.sender_public, tmp_path / "buyer")
    assert opened == manifest
    for name, data in contents.items():
        written = tmp_path / "buyer" / name
        assert written.read_bytes() == data
        assert written.stat().st_mode & 0o777 == 0o600
    assert not list((tmp_path / "buyer").rglob(".custos-open-*"))


def test_no_plaintext_name_or_info_in_the_package_bytes(package):
    path, contents, _manifest = package
    data = path.read_bytes()
    for needle in (SECRET.encode(), "王芳".encode(), b"110105199001011234", b"13912345678", b"customers/a.csv",
                   b"notes.txt", b"Buyer Ltd", b"categories"):  # fmt: skip
        assert needle not in data
    assert path.stat().st_mode & 0o777 == 0o600


def test_empty_members_and_generated_content(tmp_path, who):
    path = tmp_path / "p"
    with PackageWriter(path, who.recipient_public, who.sender, meta={}, chunk_size=CHUNK) as writer:
        writer.add_bytes("empty.txt", [], {})
        writer.add_bytes("list.csv", [b"a,b\n", bytearray(b"1,2\n") * 3000, memoryview(b"end\n")], {"kind": "notify"})
    assert writer.manifest.members[0].size == 0
    open_package(path, who.recipient, who.sender_public, tmp_path / "out")
    assert (tmp_path / "out/empty.txt").read_bytes() == b""
    assert (tmp_path / "out/list.csv").read_bytes() == b"a,b\n" + b"1,2\n" * 3000 + b"end\n"


def test_flipped_byte_in_a_chunk(tmp_path, who, package):
    path, _contents, _manifest = package
    parts = cut(path)
    member = bytearray(parts.members[1])
    member[2 * (fmt.RECORD_SIZE + CHUNK + fmt.TAG_SIZE) - 100] ^= 0x01  # inside chunk 2 of member 2
    parts.members[1] = bytes(member)
    without, keyed = _problems(_tampered(tmp_path, parts.join()), who)
    assert without.startswith("member 2: its encrypted bytes do not match the SHA-256 in the signed seal")
    assert keyed.startswith("member 2 (customers/b.csv): chunk 2 fails authentication")


def test_swapped_chunks(tmp_path, who, package):
    path, _contents, _manifest = package
    parts = cut(path)
    chunks = records(parts.members[0])
    chunks[0], chunks[1] = chunks[1], chunks[0]
    parts.members[0] = b"".join(chunks)
    without, keyed = _problems(_tampered(tmp_path, parts.join()), who)
    assert without.startswith("member 1: its encrypted bytes do not match")
    assert keyed.startswith("member 1 (customers/a.csv): chunk 1 fails authentication")


def test_dropped_chunk(tmp_path, who, package):
    path, _contents, _manifest = package
    parts = cut(path)
    chunks = records(parts.members[0])
    parts.members[0] = chunks[0] + chunks[2]  # the middle one is gone
    _without, keyed = _problems(_tampered(tmp_path, parts.join()), who)
    assert keyed.startswith("member 1 (customers/a.csv): chunk 2 fails authentication")


def test_swapped_members(tmp_path, who, package):
    path, _contents, _manifest = package
    parts = cut(path)
    parts.members[0], parts.members[1] = parts.members[1], parts.members[0]
    without, keyed = _problems(_tampered(tmp_path, parts.join()), who)
    assert without == "member 1: holds the encrypted bytes of member 2 (members swapped or reordered)"
    assert keyed == "member 1 (customers/a.csv): holds the encrypted bytes of member 2 (members swapped or reordered)"


def test_removed_member(tmp_path, who, package):
    path, _contents, _manifest = package
    parts = cut(path)
    del parts.members[1]
    without, _keyed = _problems(_tampered(tmp_path, parts.join()), who)
    assert without == "package holds 2 members but the signed seal lists 3 (a member was removed or added)"


def test_edited_manifest_ciphertext(tmp_path, who, package):
    path, _contents, _manifest = package
    parts = cut(path)
    manifest = bytearray(parts.manifest)
    manifest[fmt.RECORD_SIZE + 10] ^= 0x40
    parts.manifest = bytes(manifest)
    without, keyed = _problems(_tampered(tmp_path, parts.join()), who)
    assert without == "the manifest: its encrypted bytes do not match the SHA-256 in the signed seal (altered)"
    assert keyed == "the manifest: chunk 1 fails authentication"


def test_edited_manifest_re_encrypted_and_resealed_by_someone_else(tmp_path, who, package):
    path, _contents, _manifest = package

    def rename(document: dict) -> None:
        document["members"][0]["name"] = "customers/other.csv"

    forger = Ed25519PrivateKey.generate()
    data = reseal(cut(path), who, rename, seal_signer=forger, manifest_signer=forger)
    without, keyed = _problems(_tampered(tmp_path, data), who)
    expected = key_id(who.sender_public)[:16]
    assert without == keyed
    assert without.startswith(f"package was signed by key {key_id(forger.public_key())[:16]}…, not by the sender key "
                              f"{expected}…")  # fmt: skip


def test_edited_manifest_keeps_the_old_manifest_signature(tmp_path, who, package):
    """Even a seal signed by the sender's key cannot vouch for a manifest its own signature does not cover."""
    path, _contents, _manifest = package

    def grow(document: dict) -> None:
        document["meta"]["recipient"] = "Someone Else"

    data = reseal(cut(path), who, grow, seal_signer=who.sender)
    without, keyed = _problems(_tampered(tmp_path, data), who)
    assert without == keyed == f"manifest signature does not match sender key {key_id(who.sender_public)[:16]}…"


def test_edited_seal(tmp_path, who, package):
    path, _contents, _manifest = package
    parts = cut(path)
    seal = json.loads(parts.seal)
    seal["created_at"] = "2020-01-01T00:00:00+00:00"
    parts.seal = fmt.canonical_json(seal)
    without, _keyed = _problems(_tampered(tmp_path, parts.join()), who)
    assert without == (f"package seal signature does not match sender key {key_id(who.sender_public)[:16]}…: "
                       "the seal was edited or forged")  # fmt: skip


def test_wrong_recipient_key(tmp_path, who, package):
    path, _contents, _manifest = package
    stranger = X25519PrivateKey.generate()
    report = verify_package(path, who.sender_public, stranger)
    assert not report.ok
    assert report.problem.startswith("not encrypted to this key: the package is for recipient key ")
    with pytest.raises(PackageError, match="^not encrypted to this key"):
        open_package(path, stranger, who.sender_public, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_wrong_sender_key(tmp_path, who, package):
    path, _contents, _manifest = package
    other = Ed25519PrivateKey.generate().public_key()
    report = verify_package(path, other)
    assert not report.ok
    assert report.problem.startswith(
        f"package was signed by key {key_id(who.sender_public)[:16]}…, not by the sender key {key_id(other)[:16]}…"
    )


@pytest.mark.parametrize(
    ("cut_at", "expected"),
    [
        (lambda p: len(p.header) + len(p.members[0]) + len(p.members[1]),
         "package truncated after member 2 of 3: the rest, the manifest and the signed seal are missing"),
        (lambda p: len(p.header) + len(p.members[0]) + 100,
         "package truncated inside member 2 of 3 (at chunk 1)"),
        (lambda p: len(p.header) + sum(map(len, p.members)) + 10,
         "package truncated inside its manifest (after 3 members): the signed seal is missing"),
        (lambda p: len(p.join()) - 1, "package truncated inside its seal signature"),
        (lambda p: 20, "package truncated inside its header (20 of 65 bytes)"),
    ],
)  # fmt: skip
def test_truncated(tmp_path, who, package, cut_at, expected):
    path, _contents, _manifest = package
    parts = cut(path)
    data = parts.join()[: cut_at(parts)]
    without, keyed = _problems(_tampered(tmp_path, data), who)
    assert without == keyed == expected


def test_appended_garbage(tmp_path, who, package):
    path, _contents, _manifest = package
    without, keyed = _problems(_tampered(tmp_path, path.read_bytes() + b"\x00" * 7), who)
    assert without == keyed == "7 unexpected bytes after the end of the package (appended)"


def test_not_a_package(tmp_path, who):
    path = _tampered(tmp_path, b"PK\x03\x04" + b"\x00" * 100)
    assert verify_package(path, who.sender_public).problem == "not a Custos handover package (bad magic)"
    assert verify_package(tmp_path / "missing", who.sender_public).problem.startswith("cannot read package")


def test_a_failed_open_leaves_nothing(tmp_path, who, package):
    path, _contents, _manifest = package
    parts = cut(path)
    last = bytearray(parts.members[2])
    last[-5] ^= 0x01  # the third member fails only after the first two were written
    parts.members[2] = bytes(last)
    dest = tmp_path / "buyer" / "inbox"
    with pytest.raises(PackageError, match=r"^member 3 \(notes.txt\): chunk 1 fails authentication"):
        open_package(_tampered(tmp_path, parts.join()), who.recipient, who.sender_public, dest)
    assert not (tmp_path / "buyer").exists()  # the folders it made are gone too


def test_a_failed_open_keeps_what_was_there(tmp_path, who, package):
    path, _contents, _manifest = package
    parts = cut(path)
    last = bytearray(parts.members[2])
    last[-5] ^= 0x01
    parts.members[2] = bytes(last)
    dest = tmp_path / "buyer"
    (dest / "customers").mkdir(parents=True)
    (dest / "customers" / "mine.txt").write_text("keep")
    with pytest.raises(PackageError):
        open_package(_tampered(tmp_path, parts.join()), who.recipient, who.sender_public, dest)
    assert sorted(p.name for p in dest.rglob("*")) == ["customers", "mine.txt"]


def test_a_flipped_final_flag(tmp_path, who, package):
    path, _contents, _manifest = package
    parts = cut(path)
    chunks = records(parts.members[0])
    chunks[0] = chunks[0][:1] + bytes([fmt.FINAL]) + chunks[0][2:]  # member 1 now seems to end after chunk 1
    parts.members[0] = b"".join(chunks)
    without, keyed = _problems(_tampered(tmp_path, parts.join()), who)
    assert without == keyed == "package holds 4 members but the signed seal lists 3 (a member was removed or added)"


def test_a_header_count_edited(tmp_path, who, package):
    path, _contents, _manifest = package
    data = bytearray(path.read_bytes())
    data[fmt.COUNT_OFFSET + 3] = 9
    without, _keyed = _problems(_tampered(tmp_path, bytes(data)), who)
    assert without == "the package header says 9 members but its signed seal 3 (header altered)"
