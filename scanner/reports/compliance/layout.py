"""The report's layout, the same for every format: a list of blocks (headings, facts, tables, charts) built from a
`ComplianceReport` in one language. render_html.py and render_md.py only turn blocks into text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from scanner.i18n import _
from scanner.i18n.numbers import format_day
from scanner.local_time import local_time, utc_moment, utc_time
from scanner.reports.compliance import charts
from scanner.reports.compliance.catalogue import Words, count
from scanner.reports.compliance.model import ComplianceReport, Holdings

RUNS_LISTED = 10
CHART_BARS = 14


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Facts:
    """Label: value lines."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Note:
    text: str
    warn: bool = False


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()  # right-aligned columns


@dataclass(frozen=True)
class Chart:
    svg: str  # inline SVG (render_md leaves charts out)


@dataclass(frozen=True)
class KeyFigures:
    items: tuple[tuple[str, str, bool], ...]  # label, value, alarming


Block = Heading | Facts | Note | Table | Chart | KeyFigures


def layout(report: ComplianceReport, words: Words, zone: ZoneInfo, *, with_charts: bool) -> list[Block]:
    """Every block of the report, in reading order: key figures and risks first, the evidence after."""
    when = _when(zone)
    blocks: list[Block] = [Heading(1, words("title"))]
    blocks.append(Facts((
        (words("generated"), _dated(report.generated_at, zone)),
        (words("period"), words("period_since", date=_dated(report.since, zone)) if report.since
         else words("period_all")),
        (words("host"), report.host),
        (words("tool"), report.tool),
        (words("basis"), words("basis_text")),
    )))  # fmt: skip
    blocks.append(Note(words("privacy")))
    blocks += _key_figures(report, words)
    blocks += _risks(report, words)
    blocks += _scope(report, words, when)
    blocks += _coverage(report, words)
    blocks += _holdings(report, words, with_charts)
    blocks += _progress(report, words, when, with_charts)
    blocks += _violations(report, words, when)
    blocks += _exposure(report, words)
    blocks += _audit(report, words)
    return blocks


def _when(zone: ZoneInfo):
    def show(stamp: str | None) -> str:
        moment = utc_moment(stamp or "")
        return _beside_utc(local_time(moment, zone), moment) if moment else (stamp or "")

    return show


def _dated(stamp: str | None, zone: ZoneInfo) -> str:
    """A moment for the report's head: the locale's date, the local time with its offset, then UTC."""
    moment = utc_moment(stamp or "")
    if moment is None:
        return stamp or ""
    local = local_time(moment, zone)
    return _beside_utc(f"{format_day(moment.astimezone(zone).date())} {local[11:]}", moment)


def _beside_utc(local: str, moment) -> str:
    return _("{local} ({utc})").format(local=local, utc=utc_time(moment))


def _day(iso: str | None) -> str:
    """A stored YYYY-MM-DD as the locale writes dates."""
    try:
        return format_day(date.fromisoformat(iso or ""))
    except ValueError:
        return iso or ""


_n = count


def _key_figures(report: ComplianceReport, words: Words) -> list[Block]:
    h, c = report.holdings, report.coverage
    not_inspected = sum(c.not_inspected.values())
    items = [
        (words("kf_people"), _n(h.people), False),
        (words("kf_findings"), _n(h.findings), False),
        (words("kf_sensitive_files"), _n(h.files_with_sensitive), h.files_with_sensitive > 0),
        (words("kf_not_inspected"), _n(not_inspected), not_inspected > 0),
    ]
    if report.violations.available:
        items.append((words("kf_violations"), _n(report.violations.open), report.violations.open > 0))
    if report.exposure.available:
        items.append((words("kf_readable_by_all"), _n(report.exposure.all_users), report.exposure.all_users > 0))
    items.append((words("kf_audit"), words("audit_ok_short" if report.audit.ok else "audit_bad_short"),
                  not report.audit.ok))  # fmt: skip
    return [Heading(2, words("key_figures"), "key-figures"), KeyFigures(tuple(items))]


def _risks(report: ComplianceReport, words: Words) -> list[Block]:
    blocks: list[Block] = [Heading(2, words("risks"), "risks")]
    if not report.risks:
        return [*blocks, Note(words("no_risks"))]
    blocks.append(Table((words("risks"), words("col_count")), tuple((words(r.key), _n(r.count)) for r in report.risks),
                        (1,)))  # fmt: skip
    for risk in report.risks:
        if risk.lines:
            blocks.append(Table((words(risk.key),), tuple((line,) for line in risk.lines)))
    return blocks


def _scope(report: ComplianceReport, words: Words, when) -> list[Block]:
    s = report.scope
    blocks: list[Block] = [
        Heading(2, words("scope"), "scope"),
        Facts((
            (words("roots"), ", ".join(s.roots) or words("none")),
            (words("hosts"), ", ".join(s.hosts)),
            (words("runs"), words("runs_line", runs=_n(len(s.runs)), total=_n(s.runs_total))),
            (words("packs"), ", ".join(s.packs) or words("none")),
        )),
    ]  # fmt: skip
    if s.runs:
        rows = tuple(
            (str(r.id), r.root, when(r.started_at), words.label("state", r.status), _n(r.files_seen),
             _n(r.files_scanned), _n(r.files_unchanged), _n(r.findings))
            for r in s.runs[-RUNS_LISTED:]
        )  # fmt: skip
        columns = ("col_run", "col_root", "col_started", "col_status", "col_seen", "col_scanned", "col_unchanged",
                   "col_findings")  # fmt: skip
        blocks += [Heading(3, words("recent_runs")), Table(tuple(map(words, columns)), rows, (0, 4, 5, 6, 7))]
    return blocks


def _coverage(report: ComplianceReport, words: Words) -> list[Block]:
    c = report.coverage
    blocks: list[Block] = [
        Heading(2, words("coverage"), "coverage"),
        Facts((
            (words("files_on_share"), _n(c.on_share)),
            (words("files_inspected"), _n(c.inspected)),
        )),
        Note(words("period_seen", seen=_n(c.seen), scanned=_n(c.scanned), unchanged=_n(c.unchanged))),
    ]  # fmt: skip
    if not c.not_inspected:
        return [*blocks, Note(words("all_inspected"))]
    counts = tuple((words.label("status", s), _n(n)) for s, n in c.not_inspected.items())
    blocks += [Heading(3, words("not_inspected")), Table((words("col_reason"), words("col_files")), counts, (1,))]
    listed = sum(c.not_inspected.values()) > len(c.not_inspected_list)
    title = words("not_inspected_first", count=_n(len(c.not_inspected_list))) if listed else words("not_inspected_list")
    rows = tuple((path, words.label("status", status), reason) for path, status, reason in c.not_inspected_list)
    return [*blocks, Heading(3, title), Table((words("col_path"), words("col_status"), words("col_reason")), rows)]


def _holdings(report: ComplianceReport, words: Words, with_charts: bool) -> list[Block]:
    h = report.holdings
    blocks: list[Block] = [
        Heading(2, words("holdings"), "holdings"),
        Note(words("people_total", people=_n(h.people), minors=_n(h.minors))),
        Note(words("files_with", all=_n(h.files_with_findings), sensitive=_n(h.files_with_sensitive))),
        Note(words("minor_findings", findings=_n(h.minor_findings), files=_n(h.minor_files)),
             warn=h.minor_findings > 0),
    ]  # fmt: skip
    types = [(words.label("entity", t), words.label("sensitivity", s), n, f) for t, s, n, f in h.by_type]
    blocks.append(Heading(3, words("findings_by_type")))
    if with_charts and types:
        colours = [charts.SENSITIVITY_COLOURS.get(row[1], charts.PALETTE[0]) for row in h.by_type[:CHART_BARS]]
        blocks.append(Chart(charts.bar_chart(words("findings_by_type"), [t[0] for t in types[:CHART_BARS]],
                                             [t[2] for t in types[:CHART_BARS]], chinese=words.chinese,
                                             colours=colours)))  # fmt: skip
    blocks.append(Table(tuple(map(words, ("col_type", "col_sensitivity", "col_findings", "col_files"))),
                        tuple((t, s, _n(n), _n(f)) for t, s, n, f in types), (2, 3)))  # fmt: skip
    sensitivity = tuple((words.label("sensitivity", s), _n(n)) for s, n in h.by_sensitivity().items())
    blocks += [Heading(3, words("findings_by_sensitivity")),
               Table((words("col_sensitivity"), words("col_findings")), sensitivity, (1,))]  # fmt: skip
    return blocks + _people(h, words, with_charts) + _folders_and_trend(h, words, with_charts)


def _people(h: Holdings, words: Words, with_charts: bool) -> list[Block]:
    ranked = sorted(h.people_by_category.items(), key=lambda item: -item[1])
    categories = [(words.label("category", k), v) for k, v in ranked]
    blocks: list[Block] = [Heading(3, words("people_by_category"))]
    if with_charts and categories:
        blocks.append(Chart(charts.bar_chart(words("people_by_category"), [c[0] for c in categories],
                                             [c[1] for c in categories], chinese=words.chinese)))  # fmt: skip
    rows = tuple((c, _n(n)) for c, n in categories)
    return [*blocks, Table((words("col_category"), words("col_people")), rows, (1,))]


def _folders_and_trend(h: Holdings, words: Words, with_charts: bool) -> list[Block]:
    blocks: list[Block] = [Heading(3, words("top_folders")),
                           Table((words("col_folder"), words("col_findings"), words("col_files")),
                                 tuple((f, _n(n), _n(k)) for f, n, k in h.top_folders), (1, 2))]  # fmt: skip
    if not h.trend:
        return blocks
    blocks.append(Heading(3, words("trend")))
    if with_charts:
        series = {words("trend_all"): [p.findings for p in h.trend],
                  words("trend_sensitive"): [p.sensitive for p in h.trend]}  # fmt: skip
        labels = [f"#{p.run_id} {p.started_at[5:10]}" for p in h.trend]
        blocks.append(Chart(charts.line_chart(words("trend"), labels, series, x_title=words("trend_axis"),
                                              chinese=words.chinese)))  # fmt: skip
    rows = tuple((str(p.run_id), p.started_at, _n(p.findings), _n(p.sensitive)) for p in h.trend)
    columns = (words("col_run"), words("col_started"), words("trend_all"), words("trend_sensitive"))
    return [*blocks, Note(words("trend_note")), Table(columns, rows, (0, 2, 3))]


def _progress(report: ComplianceReport, words: Words, when, with_charts: bool) -> list[Block]:
    p = report.progress
    blocks: list[Block] = [Heading(2, words("progress"), "progress"),
                           Note(words("remaining", count=_n(p.files_remaining_sensitive)))]  # fmt: skip
    if p.actions:
        kinds = sorted({k for k, _, _ in p.actions})
        states = sorted({s for _, s, _ in p.actions})
        counts = {(k, s): n for k, s, n in p.actions}
        if with_charts:
            segments = {words.label("state", s): [counts.get((k, s), 0) for k in kinds] for s in states}
            labels = [words.label("kind", k) for k in kinds]
            blocks.append(Chart(charts.stacked_bar_chart(words("actions_chart"), labels, segments,
                                                         chinese=words.chinese)))  # fmt: skip
        rows = tuple((words.label("kind", k), words.label("state", s), _n(n)) for k, s, n in p.actions)
        blocks += [Heading(3, words("actions_by_kind")),
                   Table((words("col_kind"), words("col_state"), words("col_count")), rows, (2,))]  # fmt: skip
    else:
        blocks.append(Note(words("no_actions")))
    blocks.append(Heading(3, words("retained_items")))
    if p.retained:
        expired = {a.id for a in p.expired}
        rows = tuple((f"#{a.id}", a.path, a.note or "", (words("until_expired", date=_day(a.until))
                      if a.id in expired else _day(a.until))) for a in p.retained)  # fmt: skip
        blocks.append(Table(("#", words("col_path"), words("col_justification"), words("col_until")), rows))
    else:
        blocks.append(Note(words("no_retained")))
    blocks.append(Heading(3, words("disclosures")))
    if p.disclosures:
        rows = tuple(
            (f"#{d.id}", words.label("kind", d.kind), words.label("state", d.state), d.recipient, d.legal_basis,
             when(d.proposed_at), d.approved_by or "-", f"{_n(d.file_count)} / {_n(d.total_bytes)}",
             d.manifest_sha256 or "-", d.verified_by or "-")
            for d in p.disclosures
        )  # fmt: skip
        columns = ("col_kind", "col_state", "col_recipient", "col_basis", "col_proposed", "col_approved_by", "col_size",
                   "col_manifest", "col_verified_by")  # fmt: skip
        blocks.append(Table(("#", *map(words, columns)), rows))
    else:
        blocks.append(Note(words("no_disclosures")))
    return blocks


def _violations(report: ComplianceReport, words: Words, when) -> list[Block]:
    v = report.violations
    blocks: list[Block] = [Heading(2, words("violations"), "violations")]
    if not v.available:
        return [*blocks, Note(words("violations_absent"))]
    if not v.by_zone:
        return [*blocks, Note(words("no_violations"))]
    rows = tuple((z.zone, words.label("severity", z.severity), _n(z.open), _n(z.resolved)) for z in v.by_zone)
    blocks.append(Table(tuple(map(words, ("col_zone", "col_severity", "col_open", "col_resolved"))), rows, (2, 3)))
    if v.open_items:
        rows = tuple(
            (z, words.label("severity", s), rule, path, when(first)) for z, s, rule, path, first in v.open_items
        )
        columns = ("col_zone", "col_severity", "col_rule", "col_path", "col_first_seen")
        blocks += [Heading(3, words("open_violations")), Table(tuple(map(words, columns)), rows)]
    return blocks


def _exposure(report: ComplianceReport, words: Words) -> list[Block]:
    e = report.exposure
    blocks: list[Block] = [Heading(2, words("exposure"), "exposure")]
    if not e.available:
        return [*blocks, Note(words("exposure_absent"))]
    blocks.append(Note(words("exposure_all", count=_n(e.all_users)), warn=e.all_users > 0))
    rows = tuple((words.label("level", level), _n(n)) for level, n in e.by_level.items())
    blocks.append(Table((words("col_level"), words("col_files")), rows, (1,)))
    return blocks


def _audit(report: ComplianceReport, words: Words) -> list[Block]:
    a = report.audit
    blocks: list[Block] = [Heading(2, words("audit"), "audit")]
    if a.head is None and a.ok:
        return [*blocks, Note(words("audit_empty"))]
    verified = words("audit_ok", records=_n(a.records)) if a.ok else words("audit_bad", problem=a.problem)
    blocks.append(Note(verified, warn=not a.ok))
    if a.head:
        blocks.append(Note(words("audit_head", seq=a.head[0], sha256=a.head[1])))
    if a.database_head and a.database_head != a.head:
        blocks.append(Note(words("audit_db_head", seq=a.database_head[0], sha256=a.database_head[1]), warn=True))
    if a.warning:
        blocks.append(Note(words("audit_warning", warning=a.warning), warn=True))
    return blocks
