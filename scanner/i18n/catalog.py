"""The translation catalogs, per area of the interface: extract the marked strings, update the zh_CN .po files,
compile them into the one ``custos.mo`` the program reads, and check that nothing is missing or stale.

    python -m scanner.i18n.catalog extract|update|compile|check

An area is a set of source files (`AREAS`) with its own ``zh_CN/LC_MESSAGES/<area>.po``, so translators of the
TUI and of the CLI do not edit one file. `TRANSLATED` names the areas whose every string must have a Chinese
translation; the tests and ``check`` hold them to it.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from scanner.i18n import CHINESE, DOMAIN, LOCALE_DIR

ROOT = LOCALE_DIR.parent.parent  # the source tree: scanner/, tui/, rules/
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None}
# Each area: the files whose strings it holds (globs relative to ROOT). A file belongs to the first area naming it.
AREAS: dict[str, tuple[str, ...]] = {
    "cli": (
        "scanner/cli.py",
        "scanner/report.py",
        "scanner/text_table.py",
        "scanner/i18n/*.py",
        "scanner/store/file_status.py",
    ),
    "commands": ("scanner/cli_*.py",),
    "tui": ("tui/**/*.py", "scanner/review/*.py"),
    "reports": (
        "scanner/reports/**/*.py",
        "scanner/actions/destruction.py",
        "scanner/actions/handover_report.py",
        "scanner/notify/**/*.py",
    ),
    "actions": ("scanner/actions/**/*.py",),  # after "reports": the destruction record and handover report are theirs
    "daemon": ("scanner/daemon/**/*.py",),
    "core": (
        "scanner/store/*.py",
        "scanner/site_config.py",
        "scanner/state_access.py",
        "scanner/fingerprint.py",
        "scanner/identity.py",
        "scanner/detect/rulepack.py",
        "scanner/detect/pack_overlay.py",
        "scanner/detect/pack_schema.py",
        "scanner/detect/table_check.py",
        "scanner/zones/*.py",
        "scanner/alerts/*.py",
        "scanner/exposure/*.py",
        "scanner/subjects/*.py",
        "scanner/handover/disclosures.py",
        "scanner/handover/selection.py",
        "scanner/handover/keys.py",
        "scanner/handover/format.py",
        "scanner/handover/manifest.py",
        "scanner/handover/reader.py",
        "scanner/handover/verify.py",
        "scanner/handover/unpack.py",
        "scanner/scan.py",
        "scanner/file_scan.py",
    ),
}
TRANSLATED = ("cli", "commands", "tui", "reports", "actions", "daemon", "core")  # held to a complete translation
_FIXED_DATE = datetime(2026, 1, 1)  # the compiled header carries no build time: custos.mo is reproducible


def area_files(area: str) -> list[Path]:
    """The source files of ``area`` (those an earlier area claims excluded), sorted."""
    claimed: set[Path] = set()
    for name, globs in AREAS.items():
        files = {p for g in globs for p in ROOT.glob(g) if p.is_file()} - claimed
        if name == area:
            return sorted(files)
        claimed |= files
    raise KeyError(f"unknown area {area!r} (areas: {', '.join(AREAS)})")


def extract(area: str) -> Catalog:
    """Every marked string in the files of ``area``, as a template catalog."""
    template = Catalog(domain=area, project="custos", creation_date=_FIXED_DATE)
    for path in area_files(area):
        for lineno, message, comments, context in extract_from_file(
            "python", str(path), keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
        ):
            where = (str(path.relative_to(ROOT)), lineno)
            template.add(message, None, [where], auto_comments=comments, context=context)
    return template


def po_path(area: str, language: str = CHINESE) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{area}.po"


def read_area(area: str, language: str = CHINESE) -> Catalog:
    """The translations of ``area`` (an empty catalog when none was started)."""
    path = po_path(area, language)
    if not path.exists():
        return Catalog(locale=language, domain=area, creation_date=_FIXED_DATE)
    with open(path, "rb") as fh:
        return read_po(fh, locale=language, domain=area)


def update(area: str, language: str = CHINESE) -> Catalog:
    """The .po of ``area`` with the strings the code uses now: new ones empty, gone ones dropped."""
    catalog = read_area(area, language)
    catalog.update(extract(area), no_fuzzy_matching=True, update_creation_date=False)
    catalog.obsolete.clear()
    return catalog


def write_area(catalog: Catalog, area: str, language: str = CHINESE) -> None:
    path = po_path(area, language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=120, omit_header=False, ignore_obsolete=True, sort_output=False)


def merged(language: str = CHINESE) -> Catalog:
    """Every area's translations in one catalog: the ``custos`` gettext domain."""
    catalog = Catalog(locale=language, domain=DOMAIN, project="custos", creation_date=_FIXED_DATE,
                      revision_date=_FIXED_DATE, fuzzy=False)  # fmt: skip
    for area in AREAS:
        for message in read_area(area, language):
            if message.id and message.string and not message.fuzzy:
                catalog.add(message.id, message.string, context=message.context)
    return catalog


def compiled(language: str = CHINESE) -> bytes:
    out = io.BytesIO()
    write_mo(out, merged(language))
    return out.getvalue()


def mo_path(language: str = CHINESE) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def _text(message_id: str | tuple[str, ...]) -> tuple[str, ...]:
    return message_id if isinstance(message_id, tuple) else (message_id,)


def problems(areas: Iterable[str] = TRANSLATED, language: str = CHINESE) -> list[str]:
    """What keeps ``areas`` from being completely translated, and custos.mo from matching the .po files."""
    found = []
    for area in areas:
        used = {m.id for m in extract(area) if m.id}
        held = {m.id: m for m in read_area(area, language) if m.id}
        for missing in sorted(used - held.keys(), key=str):
            found.append(f"{area}: not in {po_path(area).name}: {_text(missing)[0]!r} (run: update)")
        for gone in sorted(held.keys() - used, key=str):
            found.append(f"{area}: no longer used: {_text(gone)[0]!r} (run: update)")
        for msgid in sorted(used & held.keys(), key=str):
            message = held[msgid]
            strings = _text(message.string) if message.string else ("",)
            if message.fuzzy or not all(strings):
                found.append(f"{area}: untranslated{' (fuzzy)' if message.fuzzy else ''}: {_text(msgid)[0]!r}")
    if not mo_path(language).exists() or mo_path(language).read_bytes() != compiled(language):
        found.append(f"{mo_path(language)} is not compiled from the .po files (run: compile)")
    return found


def main(argv: list[str] | None = None) -> int:
    command = (sys.argv[1:] if argv is None else argv)[:1]
    if command == ["extract"]:
        for area in AREAS:
            template = extract(area)
            target = LOCALE_DIR / f"{area}.pot"
            with open(target, "wb") as fh:
                write_po(fh, template, width=120, omit_header=True)
            print(f"{area}: {len(template)} strings → {target.relative_to(ROOT)}")
    elif command == ["update"]:
        for area in AREAS:
            catalog = update(area)
            if not len(catalog) and not po_path(area).exists():
                continue  # no strings marked in this area yet
            write_area(catalog, area)
            print(f"{area}: {sum(1 for m in catalog if m.id and not m.string)} of {len(catalog)} untranslated")
    elif command == ["compile"]:
        mo_path().write_bytes(compiled())
        print(f"{len(merged())} translations → {mo_path().relative_to(ROOT)}")
    elif command == ["check"]:
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    else:
        print("usage: python -m scanner.i18n.catalog extract|update|compile|check", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
