"""Strings shown to people in a translated area go through the catalog: a sentence printed, raised as an error, or
given as argparse help / a Textual binding title without `_()` would stay English in the Chinese interface, and the
catalog tests (which only see marked strings) would not notice."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from scanner.i18n import catalog

_WORD = re.compile(r"[A-Za-z]{3,}")  # a word; format-only text ("  {id:>5}  ({n})") is not a sentence
# The language machinery: its errors are about the language itself (shown before any could be chosen), and
# catalog.py is a tool for translators, run from a source checkout.
_EXEMPT = ("scanner/i18n/",)
# (file, the words shown) that stay English on purpose, each with its reason.
_ALLOWED = {
    ("scanner/cli.py", "custos error"): "a wrong --lang / CUSTOS_LANG: no language could be chosen to say it in",
    ("scanner/reports/compliance/catalogue.py", "unknown report language choose one"): "a programming error: the"
    " language was checked when it was chosen",
}
# Exceptions whose text is not (only) shown: programming errors, and errors whose message is stored — an action's
# error column, the audit log, the alert outbox, a package's build-failure reason — which stay English so the
# database and the signed records are in one language whatever the reviewer's interface.
_NOT_SHOWN_ERRORS = {
    "ValueError", "TypeError", "AttributeError", "KeyError", "RuntimeError", "AssertionError", "NotImplementedError",
    "MigrationError",  # a schema the code does not define: a programming error
    "OSError",  # raised inside an action (tighten_access) and stored as its error
    "RewriteError", "VaultError", "VaultIntegrityError", "BlobError",  # stored as the action's error when applied
    "DeliveryError",  # stored in the alert outbox
    "PackageError",  # stored as the disclosure's build-failure reason
}  # fmt: skip
_SHOWN_KEYWORDS = {"help", "description", "title"}
_SHOWN_BY_KEYWORD = {"add_argument", "add_parser", "add_subparsers", "notify", "Binding"}  # help=, title= …


def _words(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _WORD.findall(node.value)
    if isinstance(node, ast.JoinedStr):  # an f-string: its literal parts
        return [w for part in node.values if isinstance(part, ast.Constant) for w in _WORD.findall(part.value)]
    return []


def _unmarked(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        raised = name.endswith(("Error", "Refused")) and name not in _NOT_SHOWN_ERRORS
        shown = list(node.args[:1]) if name in ("print", "notify") or raised else []
        if name == "Binding":  # Binding(key, action, description, …)
            shown += node.args[2:3]
        if name in _SHOWN_BY_KEYWORD:
            shown += [k.value for k in node.keywords if k.arg in _SHOWN_KEYWORDS]
        where = path.relative_to(catalog.ROOT).as_posix()
        for text in (" ".join(_words(a)) for a in shown):
            if text and (where, text) not in _ALLOWED:
                found.append(f"{where}:{node.lineno}: {name}({text})")
    return found


def test_no_sentence_is_shown_unmarked_in_a_translated_area() -> None:
    files = {p for area in catalog.TRANSLATED for p in catalog.area_files(area)}
    problems = [
        line
        for path in sorted(files)
        if not str(path.relative_to(catalog.ROOT)).startswith(_EXEMPT)
        for line in _unmarked(path)
    ]
    assert not problems, "\n".join(problems)


def test_the_check_sees_an_unmarked_sentence(tmp_path: Path, monkeypatch) -> None:
    source = tmp_path / "module.py"
    source.write_text(
        "print(f'{n} files scanned')\n"
        "print(_('{n} files scanned').format(n=1))\n"
        "print(f'  {a:>5}  ({b})')\n"
        "raise UsageError('no such file')\n"
        "BINDINGS = [Binding('q', 'quit', 'Quit the app'), Binding('r', 'refresh', N_('Refresh'))]\n",
        "utf-8",
    )
    monkeypatch.setattr(catalog, "ROOT", tmp_path)
    assert [line.split(": ", 1)[1] for line in _unmarked(source)] == [
        "print(files scanned)",
        "UsageError(such file)",
        "Binding(Quit the app)",
    ]
