"""The encrypted vault, with real files and real crypto: round trips, key handling, tamper detection, restore
confinement, crypto-shredding, crash leftovers and bounded memory."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path, PurePath

import pytest

from scanner.actions import vault_format
from scanner.actions.vault import Vault, VaultError, VaultIntegrityError
from scanner.actions.vault_format import (
    HEADER_SIZE,
    TAG_SIZE,
    WRAPPED_KEY_SIZE,
    BlobError,
    open_stream,
    seal_stream,
)

CHUNK = 16


def make_vault(tmp_path: Path, chunk_size: int = CHUNK, key_name: str = "master.key") -> Vault:
    return Vault(tmp_path / "vault", tmp_path / "keys" / key_name, chunk_size=chunk_size)


def make_file(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def payload(size: int, seed: int = 0) -> bytes:
    """Deterministic, non-repeating bytes, so a moved chunk really differs from the one it replaces."""
    out = b"".join(hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(size // 32 + 1))
    return out[:size]


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return make_vault(tmp_path)


def files_in(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


# --- round trips -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 4 * CHUNK, 4 * CHUNK + 7])
def test_round_trip(vault: Vault, tmp_path: Path, size: int) -> None:
    data = payload(size)
    src = make_file(tmp_path / "share" / "客户.csv", data)
    item = vault.put(src, note={"action_id": 7, "rules": ["cn_mobile"]})

    assert (item.size, item.sha256, item.original_path) == (size, hashlib.sha256(data).hexdigest(), str(src))
    assert item.note == {"action_id": 7, "rules": ["cn_mobile"]} and not item.purged
    assert vault.item(item.id) == item and vault.items() == [item]
    assert b"".join(vault.open_plaintext(item.id)) == data
    assert vault.verify(item.id)
    assert vault.restore(item.id, tmp_path / "out" / "new" / "copy.csv").read_bytes() == data
    assert src.read_bytes() == data  # put copies; it never touches the source


def test_default_chunk_size_round_trip_of_several_mib(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault", tmp_path / "master.key")
    data = os.urandom(3 * vault_format.DEFAULT_CHUNK_SIZE + 12345)
    item = vault.put(make_file(tmp_path / "big.bin", data))
    assert vault.restore(item.id, tmp_path / "back.bin").read_bytes() == data


def test_items_are_listed_oldest_first(vault: Vault, tmp_path: Path) -> None:
    ids = [vault.put(make_file(tmp_path / f"f{i}", payload(i))).id for i in range(4)]
    assert [item.id for item in vault.items()] == ids


def test_metadata_holds_no_content(vault: Vault, tmp_path: Path) -> None:
    secret = b"13800138000 zhang.san@example.com"
    item = vault.put(make_file(tmp_path / "f.txt", secret))
    stored = b"".join(p.read_bytes() for p in (tmp_path / "vault").iterdir() if p.is_file())
    assert b"13800138000" not in stored and b"zhang.san" not in stored
    record = json.loads((tmp_path / "vault" / f"{item.id}.json").read_text())
    assert set(record) == {
        "format",
        "id",
        "original_path_sealed",  # a file name can be personal data: only the master key's holder reads it
        "shown_path",
        "size",
        "sha256",
        "mode",
        "mtime_ns",
        "stored_at",
        "note",
        "purged",
        "purged_at",
        "mac",
    }


# --- keys and permissions ----------------------------------------------------------------------------------


def test_files_are_private(vault: Vault, tmp_path: Path) -> None:
    item = vault.put(make_file(tmp_path / "f.txt", b"x"))
    assert (tmp_path / "keys" / "master.key").stat().st_mode & 0o777 == 0o600
    assert len((tmp_path / "keys" / "master.key").read_bytes()) == 32
    assert (tmp_path / "vault").stat().st_mode & 0o777 == 0o700
    for suffix in (".blob", ".key", ".json"):
        assert (tmp_path / "vault" / f"{item.id}{suffix}").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "vault" / f"{item.id}.key").stat().st_size == WRAPPED_KEY_SIZE


def test_master_key_readable_by_others_is_refused(vault: Vault, tmp_path: Path) -> None:
    key = tmp_path / "keys" / "master.key"
    key.chmod(0o644)
    with pytest.raises(VaultError, match=rf"{key}.*chmod 600 {key}"):
        make_vault(tmp_path)


def test_master_key_of_wrong_size_is_refused(tmp_path: Path) -> None:
    key = make_file(tmp_path / "keys" / "master.key", b"short")
    key.chmod(0o600)
    with pytest.raises(VaultError, match=rf"{key} has 5 bytes, not 32"):
        make_vault(tmp_path)


def test_vault_directory_open_to_others_is_refused(tmp_path: Path) -> None:
    (tmp_path / "vault").mkdir(mode=0o755)
    (tmp_path / "vault").chmod(0o755)
    with pytest.raises(VaultError, match="chmod 700"):
        make_vault(tmp_path)


def test_wrong_master_key_is_refused(vault: Vault, tmp_path: Path) -> None:
    vault.put(make_file(tmp_path / "f.txt", b"data"))
    make_file(tmp_path / "keys" / "other.key", os.urandom(32)).chmod(0o600)
    with pytest.raises(VaultError, match="is not the master key of the vault"):
        make_vault(tmp_path, key_name="other.key")


def test_wrong_master_key_fails_per_item_without_the_marker(vault: Vault, tmp_path: Path) -> None:
    item = vault.put(make_file(tmp_path / "f.txt", b"data"))
    make_file(tmp_path / "keys" / "other.key", os.urandom(32)).chmod(0o600)
    (tmp_path / "vault" / "vault.json").unlink()
    impostor = make_vault(tmp_path, key_name="other.key")
    with pytest.raises(VaultIntegrityError, match=item.id):
        impostor.item(item.id)
    assert not impostor.verify(item.id)
    assert not (tmp_path / "vault" / "vault.json").exists()  # the wrong key was not recorded as the vault's


def test_missing_master_key_of_existing_vault_is_not_replaced(vault: Vault, tmp_path: Path) -> None:
    vault.put(make_file(tmp_path / "f.txt", b"data"))
    (tmp_path / "keys" / "master.key").unlink()
    with pytest.raises(VaultError, match="not found.*CUSTOS_VAULT_KEY"):
        make_vault(tmp_path)
    assert not (tmp_path / "keys" / "master.key").exists()


def test_master_key_may_live_inside_the_vault_directory(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault", tmp_path / "vault" / "master.key")
    item = vault.put(make_file(tmp_path / "f.txt", b"data"))
    purged = vault.put(make_file(tmp_path / "g.txt", b"gone"))
    vault.purge(purged.id)  # shredding an item's key never touches the master key beside it
    assert [i.id for i in vault.items()] == [item.id, purged.id]
    assert Vault(tmp_path / "vault", tmp_path / "vault" / "master.key").verify(item.id)


def test_chunk_size_out_of_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="chunk size"):
        make_vault(tmp_path, chunk_size=0)


# --- tamper detection --------------------------------------------------------------------------------------

Chunks = list[bytes]  # [header, sealed chunk 0, sealed chunk 1, ...]


def split_blob(blob: bytes, chunk_size: int = CHUNK) -> Chunks:
    sealed = chunk_size + TAG_SIZE
    body = blob[HEADER_SIZE:]
    return [blob[:HEADER_SIZE]] + [body[i : i + sealed] for i in range(0, len(body), sealed)]


def flip_byte(parts: Chunks) -> Chunks:
    parts[2] = parts[2][:5] + bytes([parts[2][5] ^ 1]) + parts[2][6:]
    return parts


def flip_nonce_prefix(parts: Chunks) -> Chunks:
    parts[0] = parts[0][:-1] + bytes([parts[0][-1] ^ 1])
    return parts


def drop_last_chunk(parts: Chunks) -> Chunks:
    return parts[:-1]  # every remaining chunk is whole: only the final flag can tell


def cut_inside_last_chunk(parts: Chunks) -> Chunks:
    parts[-1] = parts[-1][:-3]
    return parts


def drop_all_chunks(parts: Chunks) -> Chunks:
    return parts[:1]


def swap_chunks(parts: Chunks) -> Chunks:
    parts[1], parts[2] = parts[2], parts[1]
    return parts


def append_chunk(parts: Chunks) -> Chunks:
    return [*parts, parts[2]]


TAMPERINGS = [
    flip_byte,
    flip_nonce_prefix,
    drop_last_chunk,
    cut_inside_last_chunk,
    drop_all_chunks,
    swap_chunks,
    append_chunk,
]


@pytest.mark.parametrize("tamper", TAMPERINGS)
def test_stream_format_alone_detects_tampering(tamper: Callable[[Chunks], Chunks]) -> None:
    key, item_id = os.urandom(32), os.urandom(16)
    blob = b"".join(seal_stream(io.BytesIO(payload(4 * CHUNK)).read, key, item_id, CHUNK))
    tampered = b"".join(tamper(split_blob(blob)))
    with pytest.raises(BlobError):  # no metadata hash to fall back on: the chunk format itself must catch it
        b"".join(open_stream(io.BytesIO(tampered).read, key, item_id))


def test_stream_is_bound_to_its_item_id() -> None:
    key = os.urandom(32)
    blob = b"".join(seal_stream(io.BytesIO(b"data").read, key, b"A" * 16, CHUNK))
    assert b"".join(open_stream(io.BytesIO(blob).read, key, b"A" * 16)) == b"data"
    with pytest.raises(BlobError, match="chunk 0 fails authentication"):
        b"".join(open_stream(io.BytesIO(blob).read, key, b"B" * 16))


@pytest.mark.parametrize("tamper", TAMPERINGS)
def test_tampered_blob_is_detected(vault: Vault, tmp_path: Path, tamper: Callable[[Chunks], Chunks]) -> None:
    item = vault.put(make_file(tmp_path / "f.bin", payload(4 * CHUNK)))
    blob = tmp_path / "vault" / f"{item.id}.blob"
    blob.write_bytes(b"".join(tamper(split_blob(blob.read_bytes()))))

    assert not vault.verify(item.id)
    with pytest.raises(VaultIntegrityError, match=item.id):
        b"".join(vault.open_plaintext(item.id))
    with pytest.raises(VaultIntegrityError, match=item.id):
        vault.restore(item.id, tmp_path / "out" / "f.bin")
    assert files_in(tmp_path / "out") == set()  # nothing published, no temp file left


def test_blobs_swapped_between_items_are_detected(vault: Vault, tmp_path: Path) -> None:
    a = vault.put(make_file(tmp_path / "a.bin", payload(3 * CHUNK, seed=1)))
    b = vault.put(make_file(tmp_path / "b.bin", payload(3 * CHUNK, seed=2)))
    blob_a, blob_b = (tmp_path / "vault" / f"{i.id}.blob" for i in (a, b))
    data_a, data_b = blob_a.read_bytes(), blob_b.read_bytes()
    blob_a.write_bytes(data_b)
    blob_b.write_bytes(data_a)
    assert not vault.verify(a.id) and not vault.verify(b.id)


def test_chunk_moved_between_items_is_detected(vault: Vault, tmp_path: Path) -> None:
    a = vault.put(make_file(tmp_path / "a.bin", payload(3 * CHUNK, seed=1)))
    b = vault.put(make_file(tmp_path / "b.bin", payload(3 * CHUNK, seed=2)))
    blob_a = tmp_path / "vault" / f"{a.id}.blob"
    parts = split_blob(blob_a.read_bytes())
    parts[1] = split_blob((tmp_path / "vault" / f"{b.id}.blob").read_bytes())[1]
    blob_a.write_bytes(b"".join(parts))
    assert not vault.verify(a.id)


def test_key_files_swapped_between_items_are_detected(vault: Vault, tmp_path: Path) -> None:
    a = vault.put(make_file(tmp_path / "a.bin", b"a" * 40))
    b = vault.put(make_file(tmp_path / "b.bin", b"b" * 40))
    key_a, key_b = (tmp_path / "vault" / f"{i.id}.key" for i in (a, b))
    data_a, data_b = key_a.read_bytes(), key_b.read_bytes()
    key_a.write_bytes(data_b)
    key_b.write_bytes(data_a)
    with pytest.raises(VaultIntegrityError, match=f"{a.id}.*key file fails authentication"):
        vault.open_plaintext(a.id)
    assert not vault.verify(b.id)


def test_altered_metadata_is_detected(vault: Vault, tmp_path: Path) -> None:
    item = vault.put(make_file(tmp_path / "f.txt", b"data"))
    meta = tmp_path / "vault" / f"{item.id}.json"
    record = json.loads(meta.read_text())
    record["shown_path"] = "/etc/passwd"
    meta.write_text(json.dumps(record))
    with pytest.raises(VaultIntegrityError, match=f"{item.id}.*fails authentication"):
        vault.item(item.id)
    with pytest.raises(VaultIntegrityError):
        vault.items()
    assert not vault.verify(item.id)


# --- restore -----------------------------------------------------------------------------------------------


def test_restore_refuses_dotdot_in_destination(vault: Vault, tmp_path: Path) -> None:
    item = vault.put(make_file(tmp_path / "f.txt", b"data"))
    (tmp_path / "out").mkdir()
    with pytest.raises(VaultError, match=r"'\.\.'"):
        vault.restore(item.id, tmp_path / "out" / ".." / "escaped.txt")
    assert not (tmp_path / "escaped.txt").exists()


def test_restore_into_re_roots_an_absolute_original(vault: Vault, tmp_path: Path) -> None:
    src = make_file(tmp_path / "share" / "a" / "f.txt", b"data")
    item = vault.put(src)
    placed = vault.restore_into(item.id, tmp_path / "restored")
    assert placed == (tmp_path / "restored").resolve() / PurePath(*src.parts[1:])
    assert placed.read_bytes() == b"data"


def test_restore_into_refuses_dotdot_in_the_original_path(vault: Vault, tmp_path: Path) -> None:
    make_file(tmp_path / "share" / "sub" / "keep", b"")
    item = vault.put(make_file(tmp_path / "share" / "f.txt", b"data").parent / "sub" / ".." / "f.txt")
    assert ".." in PurePath(item.original_path).parts
    with pytest.raises(VaultError, match="refusing to restore"):
        vault.restore_into(item.id, tmp_path / "restored")


def test_restore_into_refuses_a_symlinked_parent_that_leaves_the_directory(vault: Vault, tmp_path: Path) -> None:
    item = vault.put(make_file(tmp_path / "share" / "f.txt", b"data"))
    first = PurePath(item.original_path).parts[1]
    restored, outside = tmp_path / "restored", tmp_path / "outside"
    restored.mkdir()
    outside.mkdir()
    (restored / first).symlink_to(outside)
    with pytest.raises(VaultError, match="symbolic link, which is never followed"):
        vault.restore_into(item.id, restored)
    assert files_in(outside) == set()  # not even the parent directories were created there


def test_restore_into_refuses_even_a_symlinked_parent_that_stays_inside(vault: Vault, tmp_path: Path) -> None:
    item = vault.put(make_file(tmp_path / "share" / "f.txt", b"data"))
    first = PurePath(item.original_path).parts[1]
    restored = tmp_path / "restored"
    (restored / "elsewhere").mkdir(parents=True)
    (restored / first).symlink_to(restored / "elsewhere")
    with pytest.raises(VaultError, match="symbolic link"):  # a link is never followed: where it leads can change
        vault.restore_into(item.id, restored)
    assert files_in(restored / "elsewhere") == set()


def test_restore_does_not_overwrite_unless_asked(vault: Vault, tmp_path: Path) -> None:
    item = vault.put(make_file(tmp_path / "f.txt", b"original"))
    dest = make_file(tmp_path / "out" / "f.txt", b"newer work")
    with pytest.raises(VaultError, match="exists; pass overwrite"):
        vault.restore(item.id, dest)
    assert dest.read_bytes() == b"newer work"
    assert vault.restore(item.id, dest, overwrite=True).read_bytes() == b"original"
    assert files_in(tmp_path / "out") == {"f.txt"}


def test_restore_preserves_mode_and_mtime(vault: Vault, tmp_path: Path) -> None:
    src = make_file(tmp_path / "f.txt", b"data")
    src.chmod(0o440)
    os.utime(src, ns=(1_600_000_000_000_000_000, 1_600_000_000_123_456_789))
    item = vault.put(src)
    st = vault.restore(item.id, tmp_path / "out" / "deep" / "f.txt").stat()
    assert (st.st_mode & 0o7777, st.st_mtime_ns) == (0o440, 1_600_000_000_123_456_789)


# --- purge -------------------------------------------------------------------------------------------------


def test_purge_crypto_shreds_and_leaves_a_tombstone(vault: Vault, tmp_path: Path) -> None:
    item = vault.put(make_file(tmp_path / "f.txt", b"data"))
    key_file = tmp_path / "vault" / f"{item.id}.key"
    wrapped = key_file.read_bytes()
    os.link(key_file, tmp_path / "witness")  # a second name for the key's inode shows what purge wrote into it

    vault.purge(item.id)

    assert not key_file.exists() and not (tmp_path / "vault" / f"{item.id}.blob").exists()
    residue = (tmp_path / "witness").read_bytes()
    assert len(residue) == len(wrapped) and residue != wrapped  # overwritten in place before the unlink
    tombstone = vault.item(item.id)
    assert tombstone.purged and tombstone.purged_at and tombstone.sha256 == item.sha256
    assert vault.items() == [tombstone]
    for use in (vault.open_plaintext, vault.verify, lambda i: vault.restore(i, tmp_path / "back.txt")):
        with pytest.raises(VaultError, match=f"{item.id}.*was purged on {re.escape(tombstone.purged_at)}"):
            use(item.id)
    vault.purge(item.id)  # again: harmless
    assert vault.item(item.id) == tombstone


def test_unknown_and_malformed_ids_are_refused(vault: Vault) -> None:
    with pytest.raises(VaultError, match="no vault item"):
        vault.item("0" * 32)
    for bad in ("../../etc/passwd", "ABC", "0" * 31):
        with pytest.raises(VaultError, match="is not a vault item id"):
            vault.restore(bad, Path("x"))


# --- put refuses what it cannot copy faithfully ------------------------------------------------------------


class HookedVault(Vault):
    """Runs ``on_first_read`` once the first chunk of the source is read (a busy writer, a crash, a pause) and
    records the size of every read."""

    def __init__(self, *args, on_first_read: Callable[[], None], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.on_first_read = on_first_read
        self.requests: list[int] = []

    def _read_source(self, source, count):
        data = super()._read_source(source, count)
        self.requests.append(count)
        if len(self.requests) == 1:
            self.on_first_read()
        return data


def append(path: Path) -> Callable[[], None]:
    def mutate() -> None:
        with open(path, "ab") as fh:
            fh.write(b"more")

    return mutate


def set_mtime(path: Path) -> Callable[[], None]:
    return lambda: os.utime(path, ns=(1, 1))


def rename_over(path: Path) -> Callable[[], None]:
    return lambda: os.replace(make_file(path.with_name("new"), path.read_bytes()), path)


@pytest.mark.parametrize("change", [append, set_mtime, rename_over])
def test_source_changed_during_put_is_rejected(tmp_path: Path, change: Callable[[Path], Callable[[], None]]) -> None:
    src = make_file(tmp_path / "share" / "f.txt", payload(5 * CHUNK))
    vault = HookedVault(tmp_path / "vault", tmp_path / "master.key", chunk_size=CHUNK, on_first_read=change(src))
    with pytest.raises(VaultError, match="changed while it was copied"):
        vault.put(src)
    assert vault.items() == []
    assert files_in(tmp_path / "vault") == {"vault.json"}  # the failed put left nothing behind


def test_put_checks_the_expected_hash(vault: Vault, tmp_path: Path) -> None:
    src = make_file(tmp_path / "f.txt", b"data")
    with pytest.raises(VaultError, match="sha256 differs"):
        vault.put(src, expected_sha256=hashlib.sha256(b"other").hexdigest())
    assert vault.items() == []
    assert vault.put(src, expected_sha256=hashlib.sha256(b"data").hexdigest()).size == 4


def test_put_refuses_what_is_not_a_regular_file(vault: Vault, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    (tmp_path / "link").symlink_to(make_file(tmp_path / "target", b"x"))
    for path, message in [
        ("fifo", "not a regular file"),
        ("dir", "not a regular file"),
        ("link", "symbolic link"),
        ("missing", "cannot vault"),
    ]:
        with pytest.raises(VaultError, match=message):
            vault.put(tmp_path / path)
    with pytest.raises(VaultError, match="JSON"):
        vault.put(tmp_path / "target", note={"when": object()})
    assert vault.items() == []


def test_interrupted_put_leaves_nothing(tmp_path: Path) -> None:
    src = make_file(tmp_path / "f.txt", payload(5 * CHUNK))

    def interrupt() -> None:
        raise KeyboardInterrupt

    vault = HookedVault(tmp_path / "vault", tmp_path / "master.key", chunk_size=CHUNK, on_first_read=interrupt)
    with pytest.raises(KeyboardInterrupt):
        vault.put(src)
    assert files_in(tmp_path / "vault") == {"vault.json"}


# --- crash leftovers ---------------------------------------------------------------------------------------


def test_crash_leftovers_are_not_items_and_purging_again_finishes_an_interrupted_purge(
    vault: Vault, tmp_path: Path
) -> None:
    kept = vault.put(make_file(tmp_path / "kept.txt", b"kept"))
    purged = vault.put(make_file(tmp_path / "purged.txt", b"gone"))
    vault.purge(purged.id)
    root, orphan = tmp_path / "vault", "ab" * 16
    for path, data in [
        (root / f".tmp-0badf00d-{orphan}.blob", b"partial"),
        (root / f".tmp-0badf00d-{kept.id}.json", b"{"),
        (root / f"{orphan}.blob", b"renamed before the crash"),
        (root / f"{orphan}.key", os.urandom(WRAPPED_KEY_SIZE)),
        (root / f"{purged.id}.blob", b"left by an interrupted purge"),
    ]:
        make_file(path, data)

    assert [item.id for item in vault.items()] == [kept.id, purged.id]
    assert vault.item(purged.id).purged
    vault.purge(purged.id)  # repeating the purge removes the blob the crash left
    assert not (root / f"{purged.id}.blob").exists()
    assert (root / f"{purged.id}.json").exists()  # the tombstone stays
    assert vault.verify(kept.id)
    assert vault.restore(kept.id, tmp_path / "back.txt").read_bytes() == b"kept"


# --- bounded memory ----------------------------------------------------------------------------------------


class CountingReader:
    """A real file's read, recording every request size and the bytes consumed so far."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.requests: list[int] = []
        self.consumed = 0

    def read(self, count: int) -> bytes:
        self.requests.append(count)
        data = self.fh.read(count)
        self.consumed += len(data)
        return data


def test_streams_read_at_most_a_chunk_and_stay_two_chunks_ahead(tmp_path: Path) -> None:
    chunk, data = 4096, os.urandom(50 * 4096 + 100)
    item_id, key = os.urandom(16), os.urandom(32)
    with open(make_file(tmp_path / "plain", data), "rb") as fh:
        reader = CountingReader(fh)
        sealed = seal_stream(reader.read, key, item_id, chunk)
        pieces = [next(sealed), next(sealed)]  # header and chunk 0: only chunks 0 and 1 may have been read
        assert reader.consumed <= 2 * chunk
        pieces += sealed
    assert max(reader.requests) <= chunk

    with open(make_file(tmp_path / "blob", b"".join(pieces)), "rb") as fh:
        reader = CountingReader(fh)
        opened = open_stream(reader.read, key, item_id)
        assert next(opened) == data[:chunk]
        assert reader.consumed <= HEADER_SIZE + 2 * (chunk + TAG_SIZE)
        assert b"".join(opened) == data[chunk:]
    assert max(reader.requests) <= chunk + TAG_SIZE


def test_put_reads_the_source_one_chunk_at_a_time(tmp_path: Path) -> None:
    src = make_file(tmp_path / "f.bin", os.urandom(40 * 1024 + 5))
    vault = HookedVault(tmp_path / "vault", tmp_path / "master.key", chunk_size=1024, on_first_read=lambda: None)
    assert vault.verify(vault.put(src).id)
    assert max(vault.requests) <= 1024 and len(vault.requests) >= 41


RSS_PROBE = """
import os, resource, sys
from pathlib import Path
from scanner.actions.vault import Vault
root = Path(sys.argv[1])
src = root / "zeros.bin"
with open(src, "wb") as fh:
    fh.truncate(64 << 20)  # sparse: costs no disk until the vault writes its copy
vault = Vault(root / "vault", root / "master.key", chunk_size=1 << 20)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
item = vault.put(src)
vault.restore(item.id, root / "back.bin")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) // 1024)
"""


def test_put_and_restore_of_64_mib_stay_in_bounded_memory(tmp_path: Path) -> None:
    probe = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    growth_mib = int(probe.stdout)
    assert growth_mib < 48, f"peak RSS grew by {growth_mib} MiB while vaulting a 64 MiB file"
    assert (tmp_path / "back.bin").stat().st_size == 64 << 20
