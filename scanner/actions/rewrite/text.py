"""Masking plain-text files: stream the decoded text, splice each masked value in, keep every other byte as it was."""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from scanner.actions.rewrite.base import Edit, Masker, RewriteError
from scanner.actions.rewrite.common import ordered_edits, write_copy
from scanner.extract.decode import READ_SIZE
from scanner.extract.plaintext import PLAIN_TEXT_SUFFIXES

# The names decode.detect_encoding records in files.encoding. Each decodes and re-encodes byte-exactly, so
# re-encoding untouched text reproduces the file; other codecs (stateful ones above all) promise no such thing.
_ENCODINGS = frozenset({"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "gb18030"})
# The scan decodes GB18030 with "replace", one U+FFFD per bad byte; surrogateescape yields one character per bad
# byte too, but one that encodes back to that byte. The masker still sees U+FFFD, as the scan did.
_ESCAPED_TO_REPLACEMENT = {code: "\ufffd" for code in range(0xDC80, 0xDD00)}
_SURROGATE = re.compile("[\ud800-\udfff]")
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class TextRewriter:
    """Writes a masked copy of a plain-text file, reading `read_bytes` at a time; memory never grows with file size."""

    SUFFIXES = PLAIN_TEXT_SUFFIXES

    def __init__(self, read_bytes: int = READ_SIZE) -> None:
        if read_bytes < 4:
            raise ValueError("read_bytes must be at least 4 (the longest byte-order mark is 3 bytes)")
        self.read_bytes = read_bytes

    def open_source(self, src: Path) -> BinaryIO:
        """The one place `src` is opened (unbuffered, so each read is one read of at most `read_bytes`)."""
        fd = os.open(src, _OPEN_FLAGS)  # O_NONBLOCK: a FIFO swapped in must not hang us before the check below
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise RewriteError(f"{src}: not a regular file any more; nothing was changed; rescan it")
            return os.fdopen(fd, "rb", buffering=0)
        except BaseException:
            os.close(fd)
            raise

    def mask_copy(self, src: Path, dst: Path, edits: Sequence[Edit], masker: Masker, encoding: str | None) -> None:
        """Write `src` with every edit masked to the new file `dst`, flushed, fsynced and with src's permissions."""
        ordered = ordered_edits(edits)
        name = _recorded_codec(src, encoding)
        try:
            source = self.open_source(src)
        except OSError as exc:
            raise RewriteError(f"{src}: cannot read it ({exc.strerror}); nothing was changed") from exc
        with source:
            write_copy(src, dst, lambda out: self._copy(source, out, src, ordered, masker, name))

    def _copy(self, f: BinaryIO, out: BinaryIO, src: Path, edits: list[Edit], masker: Masker, name: str) -> None:
        head = b""
        while len(head) < 4 and (more := f.read(self.read_bytes)):
            head += more
        bom, body = _split_bom(src, head, name)
        out.write(bom)  # kept exactly as it was; offsets never count it
        escaped = body == "gb18030"
        errors = "surrogateescape" if escaped else "strict"
        decoder = codecs.getincrementaldecoder(body)(errors)
        splice = _Splice(out, codecs.getincrementalencoder(body)(errors), edits, masker, src, name, escaped)
        consumed, chunk = len(bom), head[len(bom) :]
        while chunk:
            splice.feed(_decode(decoder, chunk, consumed, src, name))
            consumed += len(chunk)
            chunk = f.read(self.read_bytes)
        pending = decoder.getstate()[0]
        if escaped and pending:
            # A multi-byte sequence cut off by the end of the file: the scan saw one U+FFFD for all of it. Not the
            # decoder's final flush: with surrogateescape it drops the bytes after the first (CPython's CJK codecs).
            splice.feed("\ufffd", raw=pending)
        else:
            splice.feed(_decode(decoder, b"", consumed, src, name, final=True))
        splice.close()


class _Splice:
    """Copies decoded text through the encoder, swapping each edit's characters for what the masker returns."""

    def __init__(
        self,
        out: BinaryIO,
        encoder: codecs.IncrementalEncoder,
        edits: list[Edit],
        masker: Masker,
        src: Path,
        name: str,
        escaped: bool,
    ) -> None:
        self._out, self._encoder, self._masker = out, encoder, masker
        self._edits = iter(edits)
        self._edit = next(self._edits, None)
        self._parts: list[str] = []
        self._src, self._name, self._escaped = src, name, escaped
        self.pos = 0  # characters of text fed so far

    def feed(self, text: str, raw: bytes | None = None) -> None:
        """Take the next decoded `text`; `raw` is the original bytes of a one-character piece, written as they were."""
        i = 0
        while True:
            self._finish(self.pos + i)
            if i == len(text):
                break
            edit = self._edit
            if edit is None or self.pos + i < edit.start:
                stop = len(text) if edit is None else min(len(text), edit.start - self.pos)
                self._out.write(raw if raw is not None else self._encoder.encode(text[i:stop]))
            else:
                stop = min(len(text), edit.end - self.pos)
                self._parts.append(text[i:stop])
            i = stop
        self.pos += len(text)

    def close(self) -> None:
        """Flush the encoder; an edit still open means the file is shorter than when it was scanned."""
        self._finish(self.pos)
        if self._edit is not None:
            edit = self._edit
            raise RewriteError(
                f"{self._src}: finding {edit.finding_id} ({edit.location}) ends at character {edit.end}, but the"
                f" file now has {self.pos} characters; it changed since the scan; rescan it"
            )
        self._out.write(self._encoder.encode("", final=True))

    def _finish(self, at: int) -> None:
        while self._edit is not None and self._edit.end <= at:
            edit, value = self._edit, "".join(self._parts)
            self._parts.clear()
            if self._escaped:
                value = value.translate(_ESCAPED_TO_REPLACEMENT)
            self._out.write(self._encode_masked(edit, self._masker(edit, value)))
            self._edit = next(self._edits, None)

    def _encode_masked(self, edit: Edit, masked: str) -> bytes:
        try:
            if _SURROGATE.search(masked):  # surrogateescape would write these as raw bytes
                raise UnicodeEncodeError(self._name, masked, 0, len(masked), "lone surrogate")
            return self._encoder.encode(masked)
        except UnicodeEncodeError as exc:
            raise RewriteError(
                f"{self._src}: the masked value for finding {edit.finding_id} ({edit.location}) cannot be written"
                f" as {self._name} text ({exc.reason}); nothing was changed"
            ) from exc


def _recorded_codec(src: Path, encoding: str | None) -> str:
    if encoding is None:
        raise RewriteError(f"{src}: the scan recorded no text encoding for it; rescan it")
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        name = encoding
    if name not in _ENCODINGS:
        raise RewriteError(f"{src}: the recorded encoding {encoding!r} cannot be rewritten in place; rescan it")
    return name


def _split_bom(src: Path, head: bytes, name: str) -> tuple[bytes, str]:
    """The byte-order mark `head` starts with, to copy verbatim, and the codec for the bytes after it."""
    if name == "utf-8-sig":
        return (codecs.BOM_UTF8, "utf-8") if head.startswith(codecs.BOM_UTF8) else (b"", "utf-8")
    if name == "utf-16":  # the utf-16 encoder would write a native-order BOM; keep the file's own
        for bom, body in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
            if head.startswith(bom):
                return bom, body
        raise RewriteError(f"{src}: the file is no longer utf-16 text (its byte-order mark is gone); rescan it")
    return b"", name


def _decode(
    decoder: codecs.IncrementalDecoder, chunk: bytes, consumed: int, src: Path, name: str, final: bool = False
) -> str:
    buffered = len(decoder.getstate()[0])
    try:
        return decoder.decode(chunk, final=final)
    except UnicodeDecodeError as exc:
        raise RewriteError(
            f"{src}: the file is no longer {name} text (near byte {consumed - buffered + exc.start}: {exc.reason});"
            " rescan it"
        ) from exc
