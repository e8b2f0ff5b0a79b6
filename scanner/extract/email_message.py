"""E-mail extractors: headers, text and HTML bodies, and attachments of .eml (MIME) and Outlook .msg files.

Attachment names are text of the message ("attachment N name" blocks), so the personal data in them is found.

Chinese mail clients label GBK text "gb2312" and put raw GBK bytes or RFC 2047/2231 words in headers and
attachment names; anything labelled GB2312/GBK is decoded as GB18030, the superset that reads them all.
"""

from __future__ import annotations

import mimetypes
import re
import tempfile
from collections.abc import Iterable, Iterator
from email import errors, policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from scanner.extract.archive import safe_filename
from scanner.extract.base import Embedded, ExtractionError, TextBlock, error_from_os
from scanner.states import FileStatus

HEADERS = ("From", "To", "Cc", "Bcc", "Reply-To", "Subject")
_GBK_LABELS = "gb2312|gb_2312-80|csgb2312|euc-cn|gbk|x-gbk|cp936|ms936"
# The charset of an encoded word ("=?gb2312?B?...") or of an RFC 2231 parameter ("filename*=gb2312''%..").
_MISLABELLED = re.compile(rf"(=\?|\*=\s*)({_GBK_LABELS})(?=[?*'])", re.IGNORECASE)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Nameless inline media: no extractor reads sound or video; pictures (a scan pasted into the body, or a logo, which
# OCR skips as too small) only OCR reads, so without it they are skipped too.
_UNREAD_MEDIA = ("image", "audio", "video")
# Parsed headers are written back as they came, so an attached message keeps its original bytes.
_VERBATIM = policy.default.clone(refold_source="none")


class EmlExtractor:
    """Yields an RFC 822/MIME message: header blocks, body blocks, then attachments as `Embedded`; with `ocr`,
    pictures pasted into the body without a file name too ("part-N.png"), for OCR to read."""

    def __init__(self, ocr: bool = False) -> None:
        self.encoding: str | None = None  # every part declares its own charset
        self.ocr = ocr

    def blocks(self, path: Path) -> Iterator[TextBlock | Embedded]:
        """Parse `path`; only I/O fails here, since the MIME parser records defects instead of raising."""
        try:
            with open(path, "rb") as f:
                msg = BytesParser(policy=policy.default).parse(f)
        except OSError as exc:
            raise error_from_os(path, exc) from exc
        texts, attachments = _split_message(msg, self.ocr)
        del msg  # from here on only the parts still to be written to disk hold memory
        yield from _emit(texts, _drain(attachments))


def _split_message(
    msg: EmailMessage, pictures: bool = False
) -> tuple[list[tuple[str, str]], list[tuple[str, EmailMessage]]]:
    """The message's header and body texts, and its attachments (name, part); nameless pictures only with
    `pictures`."""
    texts = [(f"header {name}", str(value)) for name in HEADERS for value in _headers(msg, name)]
    attachments: list[tuple[str, EmailMessage]] = []
    for index, part in enumerate(_leaves(msg), start=1):
        ctype, maintype = part.get_content_type(), part.get_content_maintype()
        name = _filename(part)
        if maintype == "message":
            if ctype in ("message/rfc822", "message/global"):
                attachments.append((name or "attached.eml", part))
        elif name:
            attachments.append((name, part))
        elif maintype in ("text", "multipart"):  # multipart here: no boundary, the parser kept it as text
            location = {"text/plain": "body", "text/html": "body (html)"}.get(ctype, f"body ({ctype})")
            texts.append((location, decode(part.get_payload(decode=True) or b"", part.get_content_charset())))
        elif maintype not in _UNREAD_MEDIA or (pictures and maintype == "image"):
            attachments.append((f"part-{index}{mimetypes.guess_extension(ctype) or '.bin'}", part))
    return texts, attachments


def _drain(attachments: list[tuple[str, EmailMessage]]) -> Iterator[tuple[str, bytes]]:
    """Each attachment's payload, dropping the part as it goes: a 20 MiB attachment is in memory once."""
    attachments.reverse()
    while attachments:
        name, part = attachments.pop()
        yield name, _payload(part)


class MsgExtractor:
    """Yields an Outlook .msg (via extract-msg) like an .eml: sender, recipients, subject, body, attachments."""

    def __init__(self) -> None:
        self.encoding: str | None = None

    def blocks(self, path: Path) -> Iterator[TextBlock | Embedded]:
        """Open `path` with extract-msg; raises ExtractionError (unsupported, corrupt, I/O)."""
        try:
            import extract_msg  # imported here: it takes a quarter of a second and only .msg files need it
            from extract_msg.exceptions import ExMsgBaseException
        except ImportError as exc:
            raise ExtractionError(
                FileStatus.UNSUPPORTED,
                f"{path}: reading Outlook .msg files needs the extract-msg package ({exc}); install it",
            ) from exc
        damaged = (ExMsgBaseException, KeyError, ValueError, IndexError, TypeError)
        try:
            msg = extract_msg.openMsg(str(path), strict=False)
        except damaged as exc:
            raise _corrupt(path, exc) from exc
        except OSError as exc:  # olefile's "not an OLE2 structured storage file" has no errno
            raise (_corrupt(path, exc) if exc.errno is None else error_from_os(path, exc)) from exc
        try:
            fields = (("From", "sender"), ("To", "to"), ("Cc", "cc"), ("Subject", "subject"))
            texts = [(f"header {header}", getattr(msg, attr, None) or "") for header, attr in fields]
            texts.append(("body", getattr(msg, "body", None) or ""))
            yield from _emit(texts, _msg_attachments(msg))
        except damaged as exc:
            raise _corrupt(path, exc) from exc
        finally:
            msg.close()


def decode(data: bytes, charset: str | None) -> str:
    """Text of a MIME part: its declared charset (GBK labels read as GB18030), else UTF-8, else GB18030."""
    label = (charset or "").strip().lower()
    declared = "gb18030" if re.fullmatch(_GBK_LABELS, label) else label
    for encoding in (declared, "utf-8"):
        if encoding:
            try:
                return data.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue  # unknown or wrong label: mail clients mislabel often
    return data.decode("gb18030", "replace")


def _emit(texts: Iterable[tuple[str, str]], attachments: Iterable[tuple[str, bytes]]) -> Iterator[TextBlock | Embedded]:
    """Write every attachment to a temp file first (so the parsed message can be freed before anything is
    scanned), then number the text blocks with cumulative offsets, then hand over each attachment in turn."""
    offset = 0
    with tempfile.TemporaryDirectory(prefix="custos-mail-") as tmp:
        written: list[tuple[str, Path]] = []
        for name, data in attachments:
            name = _SURROGATE.sub("\ufffd", name)
            folder = Path(tmp) / str(len(written))  # one folder each: attachments may share a name
            target = folder / safe_filename(name, "attachment")
            try:
                folder.mkdir()
                target.write_bytes(data)
            except OSError as exc:
                raise ExtractionError(
                    FileStatus.IO_ERROR,
                    f"attachment {name!r}: could not write its temporary copy in {tmp} ({exc.strerror}); free space"
                    " there or set TMPDIR",
                ) from exc
            del data
            written.append((name, target))
        for location, text in texts:
            if not text.strip():
                continue
            text = _SURROGATE.sub("\ufffd", text if text.endswith("\n") else text + "\n")
            yield TextBlock(text, offset, location)
            offset += len(text)
        for number, (name, _) in enumerate(written, start=1):  # a name like "张三_身份证.jpg" is personal data too
            text = name.replace("\n", " ") + "\n"
            yield TextBlock(text, offset, f"attachment {number} name")
            offset += len(text)
        for name, target in written:
            try:
                yield Embedded(name, target, member=False)
            finally:
                target.unlink(missing_ok=True)  # the scanner is done with it once it asks for the next item


def _leaves(msg: EmailMessage) -> Iterator[EmailMessage]:
    # Iterative, so a hostile message nested thousands of multiparts deep cannot exhaust the stack.
    stack = [msg]
    while stack:
        part = stack.pop()
        if part.get_content_maintype() == "multipart" and part.is_multipart():
            stack.extend(reversed(list(part.iter_parts())))
        else:
            yield part


def _headers(part: EmailMessage, name: str) -> list[object]:
    """Every `name` header of `part`, parsed after repairing what Chinese mail clients get wrong."""
    parsed = []
    for key, raw in part.raw_items():
        if key.lower() != name.lower():
            continue
        if _SURROGATE.search(raw):  # raw 8-bit bytes (GBK or UTF-8) instead of RFC 2047 words
            raw = decode(raw.encode("utf-8", "surrogateescape"), None)
        raw = _MISLABELLED.sub(r"\1gb18030", raw)
        try:
            parsed.append(policy.default.header_fetch_parse(key, raw))
        except (errors.HeaderParseError, IndexError, ValueError, TypeError, AttributeError):
            parsed.append(raw)  # the parser gave up on it: its text still gets scanned
    return parsed


def _filename(part: EmailMessage) -> str | None:
    for header, param in (("Content-Disposition", "filename"), ("Content-Type", "name")):
        for parsed in _headers(part, header):
            value = getattr(parsed, "params", {}).get(param)
            if value:
                return str(value)
    return None


def _payload(part: EmailMessage) -> bytes:
    if part.get_content_maintype() == "message" and part.is_multipart():
        return part.get_payload(0).as_bytes(policy=_VERBATIM)
    return part.get_payload(decode=True) or b""


def _msg_attachments(msg: object) -> Iterator[tuple[str, bytes]]:
    for index, attachment in enumerate(getattr(msg, "attachments", []), start=1):
        name, data = attachment.name or f"attachment-{index}", attachment.data
        if isinstance(data, bytes):
            yield name, data
        elif hasattr(data, "exportBytes"):  # an attached Outlook item: hand it back as a .msg of its own
            yield (name if name.lower().endswith(".msg") else f"{name}.msg"), data.exportBytes()


def _corrupt(path: Path, exc: BaseException) -> ExtractionError:
    return ExtractionError(
        FileStatus.CORRUPT,
        f"{path}: damaged Outlook message ({type(exc).__name__}: {exc}); open and re-save it in Outlook",
    )
