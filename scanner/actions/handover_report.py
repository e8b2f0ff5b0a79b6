"""The destruction record's handover section: what left the company (files, count, bytes, manifest hash), to
whom, on what legal basis, when, approved by whom, and verified by whom and when — read from the signed audit
log's `disclosure_built` and `disclosure_verified` records."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from scanner.display_mask import mask_for_display
from scanner.local_time import local_time, utc_moment, utc_time
from scanner.states import ActionKind, DisclosureEvent

FILES_LISTED = 200  # files named per handover; the manifest (and the audit record) list them all

_KIND_NAMES = {ActionKind.HANDOVER: "移交 files handed over", ActionKind.NOTIFY_LIST: "告知清单 notification list"}


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
    return (f"时间 Time ({zone.key})", "时间 Time (UTC)", "披露 Disclosure", "接收方 Recipient",
            "法律依据 Legal basis", "内容 What left", "清单 Manifest SHA-256", "批准人 Approved by",
            "制作人 Built by", "核验 Verified by")  # fmt: skip


def _who(record: dict) -> str:
    actor = record.get("actor") or {}
    by = actor.get("reviewer") or actor.get("os_user") or "?"
    if actor.get("reviewer") and actor.get("os_user") and actor["reviewer"] != actor["os_user"]:
        by = f"{actor['reviewer']} (OS user {actor['os_user']})"
    return by


def _when(record: dict, zone: ZoneInfo) -> tuple[str, str]:
    stamp = str(record.get("time", ""))
    moment = utc_moment(stamp)
    return (local_time(moment, zone), utc_time(moment)) if moment else ("?", stamp)


def _row(entry: Handover, zone: ZoneInfo) -> tuple[str, ...]:
    built, verified = entry.built, entry.verified
    local, utc = _when(built, zone)
    what = (f"{_KIND_NAMES.get(str(built.get('disclosure')), built.get('disclosure'))}: {built.get('file_count')} "
            f"files, {built.get('total_bytes')} bytes; package {built.get('package')}")  # fmt: skip
    if verified is None:
        check = "not yet verified by the recipient"
    else:
        v_local, v_utc = _when(verified, zone)
        check = (f"{verified.get('verified_by')} at {v_local} ({v_utc}), receipt matched the manifest; "
                 f"recorded by {_who(verified)}")  # fmt: skip
    return (
        local,
        utc,
        f"{built.get('disclosure_id')} (proposed by {built.get('proposed_by')}; reason: {built.get('reason')})",
        str(built.get("recipient")),
        str(built.get("legal_basis")),
        what,
        str(built.get("manifest_sha256")),
        str(built.get("approved_by") or "(no approval recorded)"),
        _who(built),
        check,
    )


def _file_lines(entry: Handover) -> list[str]:
    """Each handed-over file (shown path, size, SHA-256), at most FILES_LISTED of them."""
    lines = []
    for item in entry.files[:FILES_LISTED]:
        where = mask_for_display(str(item.get("target") or item.get("name") or "?"))
        lines.append(f"{where} — {item.get('size')} bytes, SHA-256 {item.get('sha256')}")
    if len(entry.files) > FILES_LISTED:
        lines.append(f"… and {len(entry.files) - FILES_LISTED} more (the package's manifest lists every one)")
    return lines


def handover_markdown(entries: list[Handover], zone: ZoneInfo) -> list[str]:
    columns = _columns(zone)
    lines = ["", "## 移交记录 / Handover", "", _INTRO, ""]
    if not entries:
        return [*lines, _NONE]
    lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in _row(e, zone)) + " |" for e in entries]
    for entry in entries:
        if entry.files:
            lines += ["", f"Files of disclosure {entry.built.get('disclosure_id')}:", ""]
            lines += [f"- {line}" for line in _file_lines(entry)]
    return lines


def handover_html(entries: list[Handover], zone: ZoneInfo) -> str:
    cells = "".join(f"<th>{html.escape(c)}</th>" for c in _columns(zone))
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in _row(e, zone)) + "</tr>" for e in entries)
    files = "".join(
        f"<h3>Files of disclosure {html.escape(str(e.built.get('disclosure_id')))}</h3><ul>"
        + "".join(f"<li>{html.escape(line)}</li>" for line in _file_lines(e))
        + "</ul>"
        for e in entries
        if e.files
    )
    table = f"<table><tr>{cells}</tr>{body}</table>" if entries else f"<p>{html.escape(_NONE)}</p>"
    return f"<h2>移交记录 / Handover</h2><p>{html.escape(_INTRO)}</p>{table}{files}"


_INTRO = "Personal information handed to a recipient in an encrypted, signed package (PIPL Art. 22, 23)."
_NONE = "No personal information was handed over in this period."
