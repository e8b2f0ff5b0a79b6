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
from scanner.local_time import local_time, time_zone, utc_moment, utc_time
from scanner.states import ACCESS_KINDS, FILE_KINDS, VAULT_KINDS, ActionKind, ActionState

# purged/restored: the direct commands of logs before purge was an action
EVENTS = (ActionState.EXECUTED, "purged", "restored")
FILE_ACTIONS = (*FILE_KINDS, *VAULT_KINDS, *ACCESS_KINDS)  # access: who could read the data was narrowed


def _columns(zone: ZoneInfo) -> tuple[str, ...]:
    return (f"时间 Time ({zone.key})", "时间 Time (UTC)", "对象 Target", "处理方式 Action", "方法 Method",
            "提议人 Proposed by", "批准人 Approved by", "执行人 Executed by", "核验 Verification")  # fmt: skip


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
        "generated": f"{local_time(now, zone)} ({zone.key}), {utc_time(now)}",
        "period": f"{_bound(since, zone) if since else 'start of log'} – {_bound(until, zone) if until else 'now'}",
        "audit": (
            f"verified: {verification.records} records, hash chain and Ed25519 signatures intact"
            if verification.ok
            else f"VERIFICATION FAILED{_at(verification.first_bad)}: {safe(verification.reason)}"
        ),
        "tool": f"Custos {__version__}",
        "chain_head": _chain_head(workspace.audit),
    }
    return _html(head, rows, handed, zone) if fmt == "html" else _markdown(head, rows, handed, zone)


def _bound(moment: datetime, zone: ZoneInfo) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{local_time(moment, zone)} ({utc_time(moment)})"


def _at(line: int | None) -> str:
    return f" at record {line}" if line is not None else ""


def _chain_head(audit) -> str:
    """The log's last record as (seq, hash): a later log must still contain exactly this record."""
    head = audit.head()
    if head is None:
        return "empty log (no records)"
    remembered = audit.chain.head() if audit.chain is not None else None
    agrees = ""
    if remembered is not None:
        agrees = "; the database remembers the same head" if remembered == head else (
            f"; the database remembers record {remembered[0]} {remembered[1]} as its newest")  # fmt: skip
    return f"record {head[0]}, SHA-256 {head[1]}{agrees}"


def _reportable(record: dict) -> bool:
    event = record.get("event")
    return event in EVENTS and (event != ActionState.EXECUTED or record.get("action") in FILE_ACTIONS)


def _row(record: dict, zone: ZoneInfo) -> tuple[str, ...]:
    actor = record.get("actor") or {}
    by = actor.get("reviewer") or actor.get("os_user") or "?"
    if actor.get("reviewer") and actor.get("os_user"):
        by = f"{actor['reviewer']} (OS user {actor['os_user']})"
    event = record.get("event")
    action = record.get("action") if event == ActionState.EXECUTED else event
    verified = []
    if record.get("file_sha256_before"):
        verified.append(f"SHA-256 before {record['file_sha256_before'][:16]}…")
    if record.get("file_sha256_after"):
        verified.append(f"after {record['file_sha256_after'][:16]}…, masked values re-scanned: none left")
    if record.get("assurance"):
        verified.append(record["assurance"])
    for caveat in record.get("caveats") or []:
        verified.append(caveat)
    verified.append(f"audit record #{record.get('seq')} {str(record.get('hash', ''))[:12]}…")
    stamp = str(record.get("time", ""))
    moment = utc_moment(stamp)
    return (
        local_time(moment, zone) if moment else "?",
        utc_time(moment) if moment else stamp,
        mask_for_display(str(record.get("target", ""))),  # records older than the display mask: names starred
        _ACTION_NAMES.get(str(action), str(action)),
        str(record.get("method") or ""),
        str(record.get("proposed_by") or ("-" if event != ActionState.EXECUTED else "(no proposal recorded)")),
        str(record.get("approved_by") or ("-" if event != ActionState.EXECUTED else "(no approval recorded)")),
        by,
        "; ".join(verified),
    )


_ACTION_NAMES = {
    ActionKind.MASK: "脱敏 masked in place",
    ActionKind.DELETE: "删除 deleted",
    ActionKind.QUARANTINE: "隔离 quarantined (encrypted vault)",
    "purged": "销毁 vault copy crypto-shredded",
    "restored": "恢复 restored from vault",
    ActionKind.PURGE: "销毁 vault copy crypto-shredded",
    ActionKind.RESTORE: "恢复 restored from vault",
    ActionKind.TIGHTEN_ACCESS: "收紧权限 access tightened",
    ActionKind.RESTORE_ACCESS: "恢复权限 access restored",
}


def _markdown(head: dict, rows: list[tuple[str, ...]], handed: list[Handover], zone: ZoneInfo) -> str:
    lines = [
        "# 个人信息销毁记录 / Personal information destruction record",
        "",
        f"- Generated: {head['generated']} by {head['tool']}",
        f"- Period: {head['period']}",
        f"- Audit log: {head['audit']}",
        f"- Audit chain head (keep this; a later log must still contain this record): {head['chain_head']}",
        "- Legal basis: PIPL Art. 47 (deletion), Art. 51 (security measures), Art. 54 (audit)",
        f"- Times: local time in {head['zone']} beside UTC; proposer, approver and executor are "
        "recorded per action (the two-person rule, where policy asks for it)",
        "",
        "| " + " | ".join(head["columns"]) + " |",
        "|" + "---|" * len(head["columns"]),
    ]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    if not rows:
        lines.append("| " + " | ".join(["(none in this period)"] + [""] * (len(head["columns"]) - 1)) + " |")
    lines += handover_markdown(handed, zone)
    lines += ["", _LIMITS, ""]
    return "\n".join(lines)


def _html(head: dict, rows: list[tuple[str, ...]], handed: list[Handover], zone: ZoneInfo) -> str:
    cells = "".join(f"<th>{html.escape(c)}</th>" for c in head["columns"])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (
        "<!doctype html><html lang='zh'><meta charset='utf-8'><title>个人信息销毁记录</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;"
        "padding:4px;vertical-align:top}</style>"
        "<h1>个人信息销毁记录 / Personal information destruction record</h1><ul>"
        f"<li>Generated: {html.escape(head['generated'])} by {html.escape(head['tool'])}</li>"
        f"<li>Period: {html.escape(head['period'])}</li><li>Audit log: {html.escape(head['audit'])}</li>"
        f"<li>Audit chain head (keep this; a later log must still contain this record): "
        f"{html.escape(head['chain_head'])}</li>"
        "<li>Legal basis: PIPL Art. 47, 51, 54</li></ul>"
        f"<table><tr>{cells}</tr>{body}</table>{handover_html(handed, zone)}<p>{html.escape(_LIMITS)}</p></html>\n"
    )


_LIMITS = (
    "What deletion here can and cannot promise: secure delete overwrites the file once and unlinks it; on SSDs, "
    "copy-on-write or journaling filesystems, network shares, snapshots and backups, copies may remain (each "
    "record lists the caveats detected). Originals of masked and deleted files stay encrypted in the vault "
    "until purged; purging destroys the item's key (cryptographic erase, NIST SP 800-88)."
)
