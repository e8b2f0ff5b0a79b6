"""The destruction record (销毁记录): what was masked, deleted, quarantined or purged, when (local time and UTC),
how, proposed by whom, approved by whom, executed by whom — the two-person control made visible — and verified
how; and what was handed over to whom (the handover section); built from the signed audit log, whose
verification heads the report."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scanner import __version__
from scanner.actions.handover_report import Handover, handover_html, handover_markdown, handovers
from scanner.display import safe, safe_record
from scanner.display_mask import mask_for_display
from scanner.i18n import CHINESE, N_, _, language
from scanner.i18n.numbers import format_count, format_day
from scanner.local_time import local_time, time_zone, utc_moment, utc_time
from scanner.states import ACCESS_KINDS, FILE_KINDS, VAULT_KINDS, ActionKind, ActionState

# purged/restored: the direct commands of logs before purge was an action
EVENTS = (ActionState.EXECUTED, "purged", "restored")
FILE_ACTIONS = (*FILE_KINDS, *VAULT_KINDS, *ACCESS_KINDS)  # access: who could read the data was narrowed


def _columns(zone: ZoneInfo) -> tuple[str, ...]:
    return (_("Time ({zone})").format(zone=zone.key), _("Time (UTC)"), _("Target"), _("Action"), _("Method"),
            _("Proposed by"), _("Approved by"), _("Executed by"), _("Verification"))  # fmt: skip


def html_language() -> str:
    """The ``lang`` of a report page in the active language."""
    return "zh-CN" if language() == CHINESE else "en"


def destruction_report(workspace, *, since=None, until=None, fmt: str = "md", public_key: Path | None = None,
                       zone: ZoneInfo | None = None) -> str:  # fmt: skip
    """``zone``: the local time zone shown beside UTC (default: the site policy's, else Asia/Shanghai)."""
    zone = zone or time_zone(workspace.policy.report_time_zone)
    verification = workspace.audit.verify(public_key if public_key and public_key.exists() else None)
    records = [
        safe_record(r)
        for r in workspace.audit.records(since=since, until=until, event=None, actor=None, target_contains=None)
    ]  # names from the share, escaped
    rows = [_row(r, zone) for r in records if _reportable(r)]
    handed = handovers(records)
    now = datetime.now(UTC)
    head = {
        "zone": zone.key,
        "columns": _columns(zone),
        "generated": f"{format_day(now.astimezone(zone).date())} {local_time(now, zone)[11:]} ({zone.key}), "
        f"{utc_time(now)}",
        "period": _("{start} – {end}").format(
            start=_bound(since, zone) if since else _("start of log"), end=_bound(until, zone) if until else _("now")
        ),
        "audit": _audit_line(verification),
        "tool": f"Custos {__version__}",
        "chain_head": _chain_head(workspace.audit),
    }
    return _html(head, rows, handed, zone) if fmt == "html" else _markdown(head, rows, handed, zone)


def _bound(moment: datetime, zone: ZoneInfo) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{local_time(moment, zone)} ({utc_time(moment)})"


def _audit_line(verification) -> str:
    if verification.ok:
        return _("verified: {records} records, hash chain and Ed25519 signatures intact").format(
            records=format_count(verification.records)
        )
    if verification.first_bad is not None:
        return _("VERIFICATION FAILED at record {record}: {reason}").format(
            record=verification.first_bad, reason=safe(verification.reason)
        )
    return _("VERIFICATION FAILED: {reason}").format(reason=safe(verification.reason))


def _chain_head(audit) -> str:
    """The log's last record as (seq, hash): a later log must still contain exactly this record."""
    head = audit.head()
    if head is None:
        return _("empty log (no records)")
    remembered = audit.chain.head() if audit.chain is not None else None
    if remembered is None:
        return _("record {seq}, SHA-256 {sha256}").format(seq=head[0], sha256=head[1])
    if remembered == head:
        return _("record {seq}, SHA-256 {sha256}; the database remembers the same head").format(
            seq=head[0], sha256=head[1]
        )
    return _("record {seq}, SHA-256 {sha256}; the database remembers record {db_seq} {db_sha256} as its newest").format(
        seq=head[0], sha256=head[1], db_seq=remembered[0], db_sha256=remembered[1]
    )


def _reportable(record: dict) -> bool:
    event = record.get("event")
    return event in EVENTS and (event != ActionState.EXECUTED or record.get("action") in FILE_ACTIONS)


def _row(record: dict, zone: ZoneInfo) -> tuple[str, ...]:
    actor = record.get("actor") or {}
    by = actor.get("reviewer") or actor.get("os_user") or "?"
    if actor.get("reviewer") and actor.get("os_user"):
        by = _("{reviewer} (OS user {os_user})").format(reviewer=actor["reviewer"], os_user=actor["os_user"])
    event = record.get("event")
    action = record.get("action") if event == ActionState.EXECUTED else event
    verified = []
    if record.get("file_sha256_before"):
        verified.append(_("SHA-256 before {digest}…").format(digest=record["file_sha256_before"][:16]))
    if record.get("file_sha256_after"):
        verified.append(
            _("after {digest}…, masked values re-scanned: none left").format(digest=record["file_sha256_after"][:16])
        )
    if record.get("assurance"):
        verified.append(record["assurance"])
    for caveat in record.get("caveats") or []:
        verified.append(caveat)
    verified.append(
        _("audit record #{seq} {hash}…").format(seq=record.get("seq"), hash=str(record.get("hash", ""))[:12])
    )
    stamp = str(record.get("time", ""))
    moment = utc_moment(stamp)
    return (
        local_time(moment, zone) if moment else "?",
        utc_time(moment) if moment else stamp,
        mask_for_display(str(record.get("target", ""))),  # records older than the display mask: names starred
        _(_ACTION_NAMES[str(action)]) if str(action) in _ACTION_NAMES else str(action),
        str(record.get("method") or ""),
        str(record.get("proposed_by") or ("-" if event != ActionState.EXECUTED else _("(no proposal recorded)"))),
        str(record.get("approved_by") or ("-" if event != ActionState.EXECUTED else _("(no approval recorded)"))),
        by,
        "; ".join(verified),
    )


_ACTION_NAMES = {
    ActionKind.MASK: N_("masked in place"),
    ActionKind.DELETE: N_("deleted"),
    ActionKind.QUARANTINE: N_("quarantined (encrypted vault)"),
    "purged": N_("vault copy crypto-shredded"),
    "restored": N_("restored from vault"),
    ActionKind.PURGE: N_("vault copy crypto-shredded"),
    ActionKind.RESTORE: N_("restored from vault"),
    ActionKind.TIGHTEN_ACCESS: N_("access tightened"),
    ActionKind.RESTORE_ACCESS: N_("access restored"),
}


def _markdown(head: dict, rows: list[tuple[str, ...]], handed: list[Handover], zone: ZoneInfo) -> str:
    lines = [
        "# " + _("Personal information destruction record"),
        "",
        *(f"- {fact}" for fact in _facts(head)),
        "- "
        + _(
            "Times: local time in {zone} beside UTC; proposer, approver and executor are recorded per action "
            "(the two-person rule, where policy asks for it)"
        ).format(zone=head["zone"]),
        "",
        "| " + " | ".join(head["columns"]) + " |",
        "|" + "---|" * len(head["columns"]),
    ]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    if not rows:
        lines.append("| " + " | ".join([_("(none in this period)")] + [""] * (len(head["columns"]) - 1)) + " |")
    lines += handover_markdown(handed, zone)
    lines += ["", _(_LIMITS), ""]
    return "\n".join(lines)


def _html(head: dict, rows: list[tuple[str, ...]], handed: list[Handover], zone: ZoneInfo) -> str:
    cells = "".join(f"<th>{html.escape(c)}</th>" for c in head["columns"])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    title = html.escape(_("Personal information destruction record"))
    facts = "".join(f"<li>{html.escape(fact)}</li>" for fact in _facts(head))
    return (
        f"<!doctype html><html lang='{html_language()}'><meta charset='utf-8'><title>{title}</title>"
        f"<style>body{{font-family:{_FONTS}}}table{{border-collapse:collapse}}td,th{{border:1px solid #999;"
        "padding:4px;vertical-align:top}</style>"
        f"<h1>{title}</h1><ul>{facts}</ul>"
        f"<table><tr>{cells}</tr>{body}</table>{handover_html(handed, zone)}<p>{html.escape(_(_LIMITS))}</p></html>\n"
    )


_FONTS = "'Microsoft YaHei','PingFang SC','Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif"


def _facts(head: dict) -> list[str]:
    """The record's head, one sentence each, in the active language."""
    return [
        _("Generated: {when} by {tool}").format(when=head["generated"], tool=head["tool"]),
        _("Period: {period}").format(period=head["period"]),
        _("Audit log: {audit}").format(audit=head["audit"]),
        _("Audit chain head (keep this; a later log must still contain this record): {head}").format(
            head=head["chain_head"]
        ),
        _("Legal basis: PIPL Art. 47 (deletion), Art. 51 (security measures), Art. 54 (audit)"),
    ]


_LIMITS = N_(
    "What deletion here can and cannot promise: secure delete overwrites the file once and unlinks it; on SSDs, "
    "copy-on-write or journaling filesystems, network shares, snapshots and backups, copies may remain (each "
    "record lists the caveats detected). Originals of masked and deleted files stay encrypted in the vault "
    "until purged; purging destroys the item's key (cryptographic erase, NIST SP 800-88)."
)
