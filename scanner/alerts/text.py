"""The words of an alert on each channel: one syslog line, a plain-text e-mail in Chinese and English, a JSON body.

Pure functions of an `AlertMessage` (masked already). Everything that came from a file or the config is passed
through `display.safe` for the line and the mail, so a path cannot break a log line or inject a mail header.
"""

from __future__ import annotations

import json
from pathlib import Path

from scanner.alerts.message import AlertMessage
from scanner.display import safe
from scanner.display_mask import mask_for_display
from scanner.states import ZoneSeverity

SEVERITY_ZH = {
    ZoneSeverity.LOW: "低",
    ZoneSeverity.MEDIUM: "中",
    ZoneSeverity.HIGH: "高",
    ZoneSeverity.CRITICAL: "严重",
}
TEST_NOTICE = "这是 Custos 的测试告警，并非真实违规。 This is a Custos test alert, not a real violation.\n"
PREVIEWS_SHOWN = 5


def review_command(db: Path | None) -> str:
    """The command that lists the violation for a reviewer (`custos review` shows it in its Violations screen)."""
    where = f" --db {mask_for_display(str(db))}" if db is not None else ""
    return f"custos violations{where}"


def syslog_line(alert: AlertMessage) -> str:
    """One line, `key=value` pairs, escaped and masked."""
    kind = "test alert" if alert.test else "zone violation"
    fields = {
        "id": alert.violation_id,
        "zone": alert.zone,
        "severity": alert.severity,
        "rule": alert.rule,
        "path": alert.masked_path,
        "count": alert.count,
        "host": alert.host,
    }
    return f"custos: {kind}: " + " ".join(f"{key}={_quote(value)}" for key, value in fields.items())


def email_subject(alert: AlertMessage) -> str:
    test = "[测试 TEST] " if alert.test else ""
    zh = SEVERITY_ZH.get(alert.severity, alert.severity)
    return safe(f"{test}[Custos] 区域违规 Zone violation: {alert.zone} ({zh} {alert.severity})")


def email_body(alert: AlertMessage, db: Path | None) -> str:
    """Plain text, Chinese first, then English; masked previews only."""
    previews = [safe(p) for p in alert.masked_previews[:PREVIEWS_SHOWN]]
    more = len(alert.masked_previews) - len(previews)
    shown = "、".join(previews) + (f" …(+{more})" if more > 0 else "")
    zh = SEVERITY_ZH.get(alert.severity, alert.severity)
    command = review_command(db)
    lines = [
        TEST_NOTICE if alert.test else "",
        "Custos 在受限区域中发现了个人信息。",
        "",
        f"区域：      {safe(alert.zone)}",
        f"严重程度：  {zh}",
        f"规则：      {safe(alert.rule)}",
        f"文件：      {safe(alert.masked_path)}（位于 {safe(alert.root)}）",
        f"示例（已脱敏）：{shown}",
        f"命中数量：  {alert.count}",
        f"主机：      {safe(alert.host)}",
        f"首次发现：  {safe(alert.first_seen)}",
        f"查看：      {command}  （或 custos review 的违规 Violations 界面，按 z）",
        "",
        "Custos found personal data in a restricted zone.",
        "",
        f"Zone:      {safe(alert.zone)}",
        f"Severity:  {alert.severity}",
        f"Rule:      {safe(alert.rule)}",
        f"File:      {safe(alert.masked_path)} (under {safe(alert.root)})",
        f"Previews (masked): {shown}",
        f"Count:     {alert.count}",
        f"Host:      {safe(alert.host)}",
        f"First seen: {safe(alert.first_seen)}",
        f"Review:    {command}  (or the Violations screen of custos review, key z)",
        "",
        f"Violation id: {alert.violation_id}. Values are masked; the file itself holds the data.",
    ]
    return "\n".join(lines).lstrip("\n") + "\n"


def webhook_body(alert: AlertMessage, sent_at: int, db: Path | None) -> bytes:
    """The JSON POSTed (UTF-8); `sent_at` is signed with it, so a replayed body shows its age."""
    document = {
        "event": "custos.test" if alert.test else "custos.zone_violation",
        "violation_id": alert.violation_id,
        "zone": alert.zone,
        "severity": alert.severity,
        "rule": alert.rule,
        "root": alert.root,
        "path": alert.masked_path,
        "previews": list(alert.masked_previews),
        "count": alert.count,
        "host": alert.host,
        "first_seen": alert.first_seen,
        "sent_at": sent_at,
        "review": review_command(db),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _quote(value: object) -> str:
    text = safe(value)
    if text == "" or any(c in text for c in ' "='):
        return '"' + text.replace('"', '\\"') + '"'
    return text
