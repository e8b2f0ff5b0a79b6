"""Handover package, the file side: member names refused on write and on open (traversal, absolute, backslash,
NUL, device names, collisions), sources opened without following links and checked unchanged, no overwrites on
either side, links in the destination refused, nothing left after a failure, and memory bounded by the chunk."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from scanner.handover import writer as writer_module
from scanner.handover.package import PackageError, PackageWriter, open_package, verify_package
from tests.handover_fixtures import CHUNK, parties

BAD_NAMES = [
    ("../evil.txt", "path traversal"),
    ("a/../../evil.txt", "path traversal"),
    ("/etc/cron.d/evil", "absolute path"),
    ("a\\..\\evil.txt", "backslash"),
    ("a\x00b", "NUL"),
    ("a\nb", "control character"),
    ("C:evil.txt", "':'"),
    ("CON", "device name"),
    ("docs/nul.txt", "device name"),
    ("com1.csv", "device name"),
    ("", "empty"),
    ("a//b", "empty, '.' or '..'"),
    ("./a", "empty, '.' or '..'"),
    ("a/b.", "ends in '.'"),
]


@pytest.fixture
def who():
    return parties()


def _writer(path: Path, who, **options) -> PackageWriter:
    return PackageWriter(path, who.recipient_public, who.sender, meta={}, chunk_size=CHUNK, **options)


@pytest.mark.parametrize(("name", "why"), BAD_NAMES)
def test_bad_names_refused_at_write(tmp_path, who, name, why):
    with (
        pytest.raises(PackageError, match="member 1: name .* is refused: ") as caught,
        _writer(tmp_path / "p", who) as w,
    ):
        w.add_bytes(name, [b"x"], {})
    assert why in str(caught.value)
    assert os.listdir(tmp_path) == []  # the failed build left nothing


@pytest.mark.parametrize(("names", "message"), [
    (["a.txt", "A.TXT"], "member 2: name 'A.TXT' collides with member 1"),
    (["a", "a/b"], "member 2: name 'a/b' needs member 1 to be a folder"),
    (["a/b", "a"], "member 2: name 'a' collides with member 1"),
])  # fmt: skip
def test_colliding_names_refused_at_write(tmp_path, who, names, message):
    with pytest.raises(PackageError) as caught, _writer(tmp_path / "p", who) as w:
        for name in names:
            w.add_bytes(name, [b"x"], {})
    assert str(caught.value) == message


@pytest.mark.parametrize(("name", "why"), BAD_NAMES[:6])
def test_bad_names_refused_at_open(tmp_path, who, monkeypatch, name, why):
    """A package made by a writer without the name check (a hostile or broken sender, signed with its real key)."""
    monkeypatch.setattr(writer_module, "check_name", lambda name, member: name)
    with _writer(tmp_path / "p", who) as w:
        w.add_bytes("fine.txt", [b"fine"], {})
        w.add_bytes(name, [b"evil"], {})
    monkeypatch.undo()
    assert verify_package(tmp_path / "p", who.sender_public).ok  # without the key the names cannot be seen
    report = verify_package(tmp_path / "p", who.sender_public, who.recipient)
    assert not report.ok and "member 2: name" in report.problem and why in report.problem
    dest = tmp_path / "dest" / "in"
    with pytest.raises(PackageError, match="member 2: name .* is refused"):
        open_package(tmp_path / "p", who.recipient, who.sender_public, dest)
    assert sorted(os.listdir(tmp_path)) == ["p"]  # nothing made: not the destination, not the evil file


def test_colliding_names_refused_at_open(tmp_path, who, monkeypatch):
    monkeypatch.setattr(writer_module, "check_distinct", lambda names: None)
    with _writer(tmp_path / "p", who) as w:
        w.add_bytes("a.txt", [b"one"], {})
        w.add_bytes("a.txt", [b"two"], {})
    monkeypatch.undo()
    with pytest.raises(PackageError, match="member 2: name 'a.txt' collides with member 1"):
        open_package(tmp_path / "p", who.recipient, who.sender_public, tmp_path / "dest")


def test_open_refuses_to_overwrite(tmp_path, who):
    with _writer(tmp_path / "p", who) as w:
        w.add_bytes("new.txt", [b"new"], {})
        w.add_bytes("sub/old.txt", [b"from the package"], {})
    dest = tmp_path / "dest"
    (dest / "sub").mkdir(parents=True)
    (dest / "sub" / "old.txt").write_text("mine")
    with pytest.raises(PackageError, match=r"^sub/old.txt already exists in .*dest; refusing to overwrite it"):
        open_package(tmp_path / "p", who.recipient, who.sender_public, dest)
    assert (dest / "sub" / "old.txt").read_text() == "mine"
    assert sorted(p.name for p in dest.rglob("*")) == ["old.txt", "sub"]


def test_open_refuses_a_link_in_the_destination(tmp_path, who):
    with _writer(tmp_path / "p", who) as w:
        w.add_bytes("sub/x.txt", [b"x"], {})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").symlink_to(elsewhere)
    with pytest.raises(PackageError, match="goes through the symbolic link"):
        open_package(tmp_path / "p", who.recipient, who.sender_public, tmp_path / "link" / "dest")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "sub").symlink_to(elsewhere)  # a folder inside the destination that leads out of it
    with pytest.raises(PackageError, match="sub in .*dest is a symbolic link or not a folder"):
        open_package(tmp_path / "p", who.recipient, who.sender_public, dest)
    assert os.listdir(elsewhere) == []


def test_writer_refuses_a_symlinked_source_and_goes_on(tmp_path, who):
    real = tmp_path / "real.txt"
    real.write_text("secret")
    (tmp_path / "link.txt").symlink_to(real)
    with _writer(tmp_path / "p", who) as w:
        with pytest.raises(PackageError, match="link.txt is a symbolic link"):
            w.add_file("link.txt", tmp_path / "link.txt", {})
        with pytest.raises(PackageError, match="is not a regular file"):
            w.add_file("dir", tmp_path, {})
        w.add_file("real.txt", real, {})
    assert [m.name for m in w.manifest.members] == ["real.txt"]
    assert verify_package(tmp_path / "p", who.sender_public, who.recipient).ok


def test_writer_leaves_out_a_source_that_changes_while_read(tmp_path, who, monkeypatch):
    source = tmp_path / "growing.log"
    source.write_bytes(b"x" * (3 * CHUNK))
    original = writer_module._open_source

    def growing(path: Path):
        handle = original(path)
        read = handle.read

        def read_and_grow(count: int) -> bytes:
            with open(path, "ab") as other:  # another program appends all the time while it is read
                other.write(b"more")
            return read(count)

        handle.read = read_and_grow
        return handle

    monkeypatch.setattr(writer_module, "_open_source", growing)
    with _writer(tmp_path / "p", who) as w:
        with pytest.raises(PackageError, match="growing.log changed while it was packed; it was left out"):
            w.add_file("growing.log", source, {})
        w.add_bytes("other.txt", [b"other"], {})
    assert [m.name for m in w.manifest.members] == ["other.txt"]
    assert verify_package(tmp_path / "p", who.sender_public, who.recipient).ok  # the failed member left no bytes


def test_writer_refuses_an_existing_output_and_leaves_nothing_on_error(tmp_path, who):
    out = tmp_path / "p"
    out.write_text("earlier package")
    with pytest.raises(PackageError, match="exists; refusing to overwrite it"), _writer(out, who):
        pass
    assert out.read_text() == "earlier package"
    with pytest.raises(RuntimeError), _writer(tmp_path / "q", who) as w:
        w.add_bytes("a.txt", [b"a" * 10 * CHUNK], {})
        raise RuntimeError("the caller failed half way")
    assert sorted(os.listdir(tmp_path)) == ["p"]


@pytest.mark.parametrize("bad", [{"when": object()}, ["not", "an", "object"], {"n": float("nan")}])
def test_info_and_meta_must_be_json_objects(tmp_path, who, bad):
    with pytest.raises(PackageError, match="info"), _writer(tmp_path / "p", who) as w:
        w.add_bytes("a.txt", [b"a"], bad)
    with pytest.raises(PackageError, match="meta"):
        PackageWriter(tmp_path / "p", who.recipient_public, who.sender, meta=bad)
    assert os.listdir(tmp_path) == []


def test_large_member_streams_in_bounded_memory(tmp_path, who):
    chunk = 64 * 1024
    source = tmp_path / "big.bin"
    with open(source, "wb") as fh:
        for i in range(128):  # 8 MiB, 128 chunks
            fh.write(bytes([i]) * chunk)
    size = source.stat().st_size
    tracemalloc.start()
    try:
        with PackageWriter(tmp_path / "p", who.recipient_public, who.sender, meta={}, chunk_size=chunk) as w:
            w.add_file("big.bin", source, {})
        build_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        assert verify_package(tmp_path / "p", who.sender_public, who.recipient).ok
        verify_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        open_package(tmp_path / "p", who.recipient, who.sender_public, tmp_path / "out")
        open_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    for peak in (build_peak, verify_peak, open_peak):
        assert peak < 8 * chunk < size / 10, (build_peak, verify_peak, open_peak)
    assert (tmp_path / "out" / "big.bin").read_bytes() == source.read_bytes()
