"""The compliance report's words in Chinese (zh_CN) and English (en), in one place (issue 20 moves them to
gettext). `choose_language` picks the report's language; `Words` looks a key up, with ``{}`` fields filled."""

from __future__ import annotations

import os
from collections.abc import Mapping

from scanner.states import (
    ActionKind,
    ActionState,
    DisclosureState,
    ExposureLevel,
    FileStatus,
    ScanRunStatus,
    ZoneSeverity,
)

LANGUAGES = ("zh_CN", "en")

_TEXT: dict[str, tuple[str, str]] = {
    # title and head
    "title": ("个人信息合规报告", "Personal information compliance report"),
    "generated": ("生成时间", "Generated"),
    "period": ("报告期间", "Period"),
    "period_all": ("全部记录", "everything recorded"),
    "period_since": ("自 {} 起", "since {}"),
    "tool": ("工具", "Tool"),
    "host": ("生成主机", "Generated on"),
    "basis": ("依据", "Legal basis"),
    "basis_text": (
        "《个人信息保护法》第51、54条（安全措施与合规审计）",
        "PIPL Art. 51, 54 (security measures, compliance audits)",
    ),
    "privacy": (
        "本报告不含任何个人信息明文：数值为计数，预览与路径均已脱敏。",
        "This report holds no plain personal data: numbers are counts, previews and paths are masked.",
    ),
    "key_figures": ("关键数字", "Key figures"),
    "kf_people": ("涉及人数", "People"),
    "kf_findings": ("个人信息项", "Findings"),
    "kf_sensitive_files": ("含敏感信息的文件", "Files with sensitive data"),
    "kf_not_inspected": ("未能检查的文件", "Files not inspected"),
    "kf_violations": ("未处理的区域违规", "Open zone violations"),
    "kf_readable_by_all": ("所有用户可读的敏感文件", "Sensitive files readable by all"),
    "kf_audit": ("审计链", "Audit chain"),
    # scope
    "scope": ("范围", "Scope"),
    "roots": ("扫描根目录", "Roots"),
    "hosts": ("主机", "Hosts"),
    "runs": ("本期扫描次数", "Scan runs in the period"),
    "runs_total": ("共 {} 次（全部记录）", "{} in all"),
    "packs": ("规则包版本", "Rule pack versions"),
    "recent_runs": ("最近的扫描", "Latest scan runs"),
    "col_run": ("编号", "Run"),
    "col_root": ("根目录", "Root"),
    "col_started": ("开始", "Started"),
    "col_status": ("状态", "Status"),
    "col_seen": ("发现文件", "Files seen"),
    "col_scanned": ("已扫描", "Scanned"),
    "col_unchanged": ("未变化", "Unchanged"),
    "col_findings": ("个人信息项", "Findings"),
    "none": ("无", "none"),
    # coverage
    "coverage": ("覆盖情况", "Coverage"),
    "files_on_share": ("共享盘上的文件（含压缩包成员）", "Files on the share (archive members included)"),
    "files_inspected": ("已检查", "Inspected"),
    "period_seen": (
        "本期扫描：发现 {seen}，读取 {scanned}，未变化 {unchanged}",
        "In the period: {seen} seen, {scanned} read, {unchanged} unchanged",
    ),
    "not_inspected": ("未能检查的文件（按原因）", "Files not inspected, by reason"),
    "not_inspected_list": ("未能检查的文件清单", "Files not inspected"),
    "listed_first": ("（列出前 {} 个）", "(the first {} listed)"),
    "col_path": ("路径（已脱敏）", "Path (masked)"),
    "col_reason": ("原因", "Reason"),
    "col_count": ("数量", "Count"),
    "col_files": ("文件数", "Files"),
    "all_inspected": ("所有文件均已检查。", "Every file was inspected."),
    # holdings
    "holdings": ("持有的个人信息", "Personal data held"),
    "people_total": ("涉及 {people} 人，其中未成年人 {minors} 人", "{people} people, of whom {minors} minors"),
    "people_by_category": ("按类别统计的人数", "People by category"),
    "findings_by_type": ("按类型统计的个人信息项", "Findings by type"),
    "findings_by_sensitivity": ("按敏感程度统计", "Findings by sensitivity"),
    "minor_findings": (
        "未成年人信息：{findings} 项，分布在 {files} 个文件中",
        "Minors' data: {findings} findings in {files} files",
    ),
    "files_with": (
        "含个人信息的文件：{all}，其中含敏感个人信息：{sensitive}",
        "Files holding personal data: {all}, of which with sensitive data: {sensitive}",
    ),
    "top_folders": ("个人信息最多的文件夹", "Folders holding the most"),
    "col_folder": ("文件夹（已脱敏）", "Folder (masked)"),
    "col_type": ("类型", "Type"),
    "col_sensitivity": ("敏感程度", "Sensitivity"),
    "col_category": ("类别", "Category"),
    "col_people": ("人数", "People"),
    "trend": ("历次扫描后持有的个人信息", "Personal data held after each scan run"),
    "trend_all": ("全部", "all"),
    "trend_sensitive": ("敏感", "sensitive"),
    "trend_axis": ("扫描", "scan run"),
    "trend_note": (
        "每次扫描后：各文件截至当时最近一次扫描的结果，不含误报及此前已脱敏、隔离或删除的项。",
        "After each run: every file's findings as last scanned by then, less false positives and what actions had "
        "masked, quarantined or deleted by then.",
    ),
    # progress
    "progress": ("处置与移交进度", "Progress of the cleanup and handover"),
    "actions_by_kind": ("按方式和状态统计的处置", "Actions by kind and state"),
    "col_kind": ("方式", "Kind"),
    "col_state": ("状态", "State"),
    "remaining": ("仍含敏感个人信息的文件：{}", "Files still holding sensitive data: {}"),
    "retained_items": ("保留的项目（理由与期限）", "Retained items (justification and expiry)"),
    "col_until": ("保留至", "Until"),
    "col_justification": ("理由（已脱敏）", "Justification (masked)"),
    "expired_mark": ("已过期", "expired"),
    "disclosures": ("移交与告知", "Handovers and notification lists"),
    "col_recipient": ("接收方", "Recipient"),
    "col_basis": ("法律依据", "Legal basis"),
    "col_proposed": ("提议时间", "Proposed"),
    "col_approved_by": ("批准人", "Approved by"),
    "col_size": ("文件 / 字节", "Files / bytes"),
    "col_manifest": ("清单 SHA-256", "Manifest SHA-256"),
    "col_verified_by": ("核验人", "Verified by"),
    "no_actions": ("本期没有处置。", "No actions in the period."),
    "no_retained": ("没有保留的项目。", "Nothing is retained."),
    "no_disclosures": ("本期没有移交或告知清单。", "No handovers or notification lists in the period."),
    "actions_chart": ("处置（按方式）", "Actions by kind"),
    # zones and exposure
    "violations": ("区域策略违规", "Zone policy violations"),
    "violations_absent": (
        "此数据库未记录区域策略（未配置 [[zones]]）。",
        "This database records no zone policies (no [[zones]] configured).",
    ),
    "no_violations": ("没有区域违规。", "No zone violations."),
    "col_zone": ("区域", "Zone"),
    "col_severity": ("级别", "Severity"),
    "col_open": ("未处理", "Open"),
    "col_resolved": ("已解决", "Resolved"),
    "col_rule": ("规则", "Rule"),
    "col_first_seen": ("首次发现", "First seen"),
    "open_violations": ("未处理的违规", "Open violations"),
    "exposure": ("访问暴露", "Who can read it"),
    "exposure_absent": ("此数据库未记录访问权限。", "This database records no access exposure."),
    "exposure_all": ("所有用户均可读取的敏感文件：{}", "Sensitive files readable by all users: {}"),
    "col_level": ("可读范围", "Readable by"),
    # audit
    "audit": ("审计链", "Audit chain"),
    "audit_ok": (
        "已验证：{} 条记录，哈希链与 Ed25519 签名完整",
        "Verified: {} records, hash chain and Ed25519 signatures intact",
    ),
    "audit_bad": ("验证失败：{}", "VERIFICATION FAILED: {}"),
    "audit_empty": ("审计日志为空（尚无处置）。", "The audit log is empty (no actions yet)."),
    "audit_head": (
        "链头（请保存；以后的日志必须仍包含此记录）：第 {} 条，SHA-256 {}",
        "Chain head (keep it; a later log must still hold this record): record {}, SHA-256 {}",
    ),
    "audit_db_head": ("数据库记录的链头：第 {} 条，SHA-256 {}", "The database remembers record {}, SHA-256 {}"),
    "audit_warning": ("注意：{}", "Note: {}"),
    "audit_ok_short": ("完整", "intact"),
    "audit_bad_short": ("异常", "BROKEN"),
    # risks
    "risks": ("未决风险", "Open risks"),
    "no_risks": ("没有未决风险。", "No open risks."),
    "risk_audit": ("审计日志验证失败", "The audit log failed verification"),
    "risk_violations": ("未处理的区域违规", "Open zone violations"),
    "risk_readable_by_all": ("所有用户均可读取的敏感文件", "Sensitive files readable by all users"),
    "risk_encrypted": ("加密文件无人能检查", "Encrypted files nobody could inspect"),
    "risk_needs_ocr": ("需要 OCR 的扫描件未被检查", "Scanned documents needing OCR, not inspected"),
    "risk_other_unread": ("其他未能检查的文件", "Other files not inspected"),
    "risk_failed_actions": ("失败或过时且未重试的处置", "Failed or stale actions not retried"),
    "risk_expired_retention": ("保留期已过的项目", "Retained items past their date"),
    "charts_in_html": ("图表见 HTML 与 PDF 版本。", "Charts are in the HTML and PDF versions."),
}

_LABELS: dict[str, dict[str, str]] = {
    "sensitivity": {"sensitive": "敏感个人信息", "general": "一般个人信息", "organization": "组织信息"},
    "category": {"identity": "身份", "contact": "联系方式", "financial": "金融账户", "biometric": "生物识别",
                 "health": "健康", "minor": "未成年人"},
    "entity": {"PERSON": "姓名", "CN_RESIDENT_ID": "身份证号", "CN_PASSPORT": "护照号",
               "CN_HK_MACAO_PASS": "港澳通行证", "CN_MOBILE": "手机号", "CN_LANDLINE": "固定电话",
               "PHONE_NUMBER": "电话号码", "CN_BANK_CARD": "银行卡号", "CREDIT_CARD": "信用卡号",
               "EMAIL_ADDRESS": "电子邮箱", "CN_ADDRESS": "地址", "LOCATION": "地点", "CN_USCC": "统一社会信用代码",
               "CN_LICENSE_PLATE": "车牌号", "DATE_OF_BIRTH": "出生日期", "IP_ADDRESS": "IP 地址", "CN_QQ": "QQ 号",
               "CN_WECHAT": "微信号"},
    "status": {FileStatus.ENCRYPTED: "加密", FileStatus.NEEDS_OCR: "需要 OCR", FileStatus.UNSUPPORTED: "格式不支持",
               FileStatus.TOO_LARGE: "文件过大", FileStatus.CORRUPT: "文件损坏", FileStatus.BINARY: "二进制",
               FileStatus.UNDECODABLE: "无法解码", FileStatus.PERMISSION_DENIED: "无权读取",
               FileStatus.IO_ERROR: "读取错误", FileStatus.SUSPICIOUS: "可疑压缩包", FileStatus.VANISHED: "扫描时消失",
               FileStatus.SYMLINK_SKIPPED: "符号链接（跳过）", FileStatus.SYMLINK_LOOP: "符号链接循环",
               FileStatus.NOT_REGULAR: "非普通文件", FileStatus.CHANGED_DURING_SCAN: "扫描时被修改",
               FileStatus.SCANNED: "已检查", FileStatus.OCR_DONE: "已检查（OCR）", FileStatus.GONE: "已不在",
               FileStatus.QUARANTINED: "已隔离", FileStatus.DELETED: "已删除"},
    "kind": {ActionKind.MASK: "脱敏", ActionKind.QUARANTINE: "隔离", ActionKind.DELETE: "删除",
             ActionKind.RETAIN: "保留", ActionKind.FALSE_POSITIVE: "误报", ActionKind.PURGE: "销毁",
             ActionKind.RESTORE: "恢复", ActionKind.HANDOVER: "移交", ActionKind.NOTIFY_LIST: "告知清单",
             ActionKind.TIGHTEN_ACCESS: "收紧权限", ActionKind.RESTORE_ACCESS: "恢复权限"},
    "state": {ActionState.PROPOSED: "已提议", ActionState.APPROVED: "已批准", ActionState.EXECUTING: "执行中",
              ActionState.EXECUTED: "已执行", ActionState.FAILED: "失败", ActionState.STALE: "已过时",
              ActionState.CANCELLED: "已取消", DisclosureState.BUILDING: "制作中", DisclosureState.BUILT: "已制作",
              DisclosureState.VERIFIED: "已核验", ScanRunStatus.COMPLETED: "完成", ScanRunStatus.INTERRUPTED: "中断",
              ScanRunStatus.RUNNING: "进行中"},
    "severity": {ZoneSeverity.LOW: "低", ZoneSeverity.MEDIUM: "中", ZoneSeverity.HIGH: "高",
                 ZoneSeverity.CRITICAL: "严重"},
    "level": {ExposureLevel.OWNER: "仅所有者", ExposureLevel.GROUP: "所属组", ExposureLevel.BROAD_GROUP: "大范围组",
              ExposureLevel.ALL: "所有用户"},
}  # fmt: skip


def choose_language(requested: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """``requested`` if given; else zh_CN when the locale (LC_ALL, LC_MESSAGES, LANG, in that order) is Chinese,
    else en."""
    if requested:
        return requested
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(name):
            return "zh_CN" if env[name].lower().startswith("zh") else "en"
    return "en"


class Words:
    """The report's words in one language: ``words("key", ...)`` and ``words.label("entity", "CN_MOBILE")``."""

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown report language {language!r}: choose one of {', '.join(LANGUAGES)}")
        self.language = language
        self.chinese = language == "zh_CN"

    def __call__(self, key: str, *args: object, **fields: object) -> str:
        zh, en = _TEXT[key]
        return (zh if self.chinese else en).format(*args, **fields)

    def label(self, vocabulary: str, value: str) -> str:
        """A stored value for people: in Chinese its name (the value beside it when it is a code), in English the
        value itself, underscores as spaces."""
        if not self.chinese:
            return value if vocabulary == "entity" else value.replace("_", " ")
        name = _LABELS[vocabulary].get(value)
        if name is None:
            return value
        return f"{name} {value}" if vocabulary == "entity" else name
