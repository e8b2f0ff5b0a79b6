"""The destruction record's handover section: what left the company (files, count, bytes, manifest hash), to
whom, on what legal basis, when, approved by whom, and verified by whom and when — read from the signed audit
log's `disclosure_built` and `disclosure_verified` records."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from scanner.display_mask import mask_for_display
from scanner.i18n import N_, _
from scanner.i18n.numbers import format_count
from scanner.local_time import local_time, utc_moment, utc_time
from scanner.states import ActionKind, DisclosureEvent

FILES_LISTED = 200  # files named per handover; the manifest (and the audit record) list them all

_KIND_NAMES = {ActionKind.HANDOVER: N_("files handed over"), ActionKind.NOTIFY_LIST: N_("notification list")}


@dataclass
class Handover:
    """One built disclosure as the audit log tells it."""

    built: dict
    verified: dict | None = None
    files: list[dict] = field(default_factory=list)


def handovers(records: Iterable[dict]) -> list[Handover]:
    """The disclosures built in ``records`` (already escaped for display), with their verification if recorded."""
    found: dict[object, Handover] = {}
    for record in records:
        event, key = record.get("event"), record.get("disclosure_id")
        if event == DisclosureEvent.BUILT:
            found[key] = Handover(record, files=list(record.get("files") or record.get("members") or []))
        elif event == DisclosureEvent.VERIFIED and key in found:
            found[key].verified = record
    return list(found.values())


def _columns(zone: ZoneInfo) -> tuple[str, ...]:
    return (_("Time ({zone})").format(zone=zone.key), _("Time (UTC)"), _("Disclosure"), _("Recipient"),
            _("Legal basis"), _("What left"), _("Manifest SHA-256"), _("Approved by"), _("Built by"),
            _("Verified by"))  # fmt: skip


def _who(record: dict) -> str:
    actor = record.get("actor") or {}
    by = actor.get("reviewer") or actor.get("os_user") or "?"
    if actor.get("reviewer") and actor.get("os_user") and actor["reviewer"] != actor["os_user"]:
        by = _("{reviewer} (OS user {os_user})").format(reviewer=actor["reviewer"], os_user=actor["os_user"])
    return by


def _when(record: dict, zone: ZoneInfo) -> tuple[str, str]:
    stamp = str(record.get("time", ""))
    moment = utc_moment(stamp)
    return (local_time(moment, zone), utc_time(moment)) if moment else ("?", stamp)


def _row(entry: Handover, zone: ZoneInfo) -> tuple[str, ...]:
    built, verified = entry.built, entry.verified
    local, utc = _when(built, zone)
    kind = str(built.get("disclosure"))
    what = _("{kind}: {files} files, {bytes} bytes; package {package}").format(
        kind=_(_KIND_NAMES[kind]) if kind in _KIND_NAMES else kind, files=_count(built.get("file_count")),
        bytes=_count(built.get("total_bytes")), package=built.get("package"))  # fmt: skip
    if verified is None:
        check = _("not yet verified by the recipient")
    else:
        v_local, v_utc = _when(verified, zone)
        check = _("{verifier} at {local} ({utc}), receipt matched the manifest; recorded by {recorder}").format(
            verifier=verified.get("verified_by"), local=v_local, utc=v_utc, recorder=_who(verified)
        )
    return (
        local,
        utc,
        _("{disclosure} (proposed by {proposer}; reason: {reason})").format(
            disclosure=built.get("disclosure_id"), proposer=built.get("proposed_by"), reason=built.get("reason")
        ),
        str(built.get("recipient")),
        str(built.get("legal_basis")),
        what,
        str(built.get("manifest_sha256")),
        str(built.get("approved_by") or _("(no approval recorded)")),
        _who(built),
        check,
    )


def _file_lines(entry: Handover) -> list[str]:
    """Each handed-over file (shown path, size, SHA-256), at most FILES_LISTED of them."""
    lines = []
    for item in entry.files[:FILES_LISTED]:
        where = mask_for_display(str(item.get("target") or item.get("name") or "?"))
        lines.append(
            _("{path} — {bytes} bytes, SHA-256 {sha256}").format(
                path=where, bytes=_count(item.get("size")), sha256=item.get("sha256")
            )
        )
    if len(entry.files) > FILES_LISTED:
        lines.append(
            _("… and {count} more (the package's manifest lists every one)").format(
                count=format_count(len(entry.files) - FILES_LISTED)
            )
        )
    return lines


def handover_markdown(entries: list[Handover], zone: ZoneInfo) -> list[str]:
    columns = _columns(zone)
    lines = ["", "## " + _("Handover"), "", _(_INTRO), ""]
    if not entries:
        return [*lines, _(_NONE)]
    lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in _row(e, zone)) + " |" for e in entries]
    for entry in entries:
        if entry.files:
            lines += ["", "### " + _files_heading(entry), ""]
            lines += [f"- {line}" for line in _file_lines(entry)]
    return lines


def handover_html(entries: list[Handover], zone: ZoneInfo) -> str:
    cells = "".join(f"<th>{html.escape(c)}</th>" for c in _columns(zone))
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in _row(e, zone)) + "</tr>" for e in entries)
    files = "".join(
        f"<h3>{html.escape(_files_heading(e))}</h3><ul>"
        + "".join(f"<li>{html.escape(line)}</li>" for line in _file_lines(e))
        + "</ul>"
        for e in entries
        if e.files
    )
    table = f"<table><tr>{cells}</tr>{body}</table>" if entries else f"<p>{html.escape(_(_NONE))}</p>"
    return f"<h2>{html.escape(_('Handover'))}</h2><p>{html.escape(_(_INTRO))}</p>{table}{files}"


def _files_heading(entry: Handover) -> str:
    return _("Files of disclosure {disclosure}").format(disclosure=entry.built.get("disclosure_id"))


def _count(value: object) -> str:
    """A recorded count with the locale's separators (as recorded when it is not a number)."""
    return format_count(value) if isinstance(value, int) else str(value)


_INTRO = N_("Personal information handed to a recipient in an encrypted, signed package (PIPL Art. 22, 23).")
_NONE = N_("No personal information was handed over in this period.")
