"""The review UI reaches data one way: through `scanner.review`. Every module under tui/ is parsed and checked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TUI = Path(__file__).resolve().parent.parent / "tui"
# Data access the UI must not reach around the review service for.
FORBIDDEN_MODULES = ("scanner.store", "scanner.actions.workspace", "scanner.actions.service", "sqlite3")
FORBIDDEN_NAMES = {"open_workspace", "Store", "ActionStore", "ReviewQueries", "ActionService"}
OLD_WAYS_IN = {"open_workspace", "queries", "ws"}  # the app's attributes before `app.review`, and the opener


def tui_modules() -> list[Path]:
    return sorted(TUI.rglob("*.py"))


def imports(tree: ast.Module) -> list[tuple[str, list[str]]]:
    """(module, imported names) of every import statement, nested ones included."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def test_the_check_sees_the_modules_and_the_imports() -> None:
    paths = {p.relative_to(TUI).as_posix() for p in tui_modules()}
    assert {"app.py", "screens/findings.py", "modals/propose.py", "widgets/finding_rows.py"} <= paths
    tree = ast.parse("from scanner.store.store import Store\nimport sqlite3\ndef f():\n    import scanner.store\n")
    assert imports(tree) == [("scanner.store.store", ["Store"]), ("sqlite3", []), ("scanner.store", [])]


@pytest.mark.parametrize("path", tui_modules(), ids=lambda p: p.relative_to(TUI).as_posix())
def test_no_tui_module_reaches_around_the_review_service(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for module, names in imports(tree):
        assert not any(module == bad or module.startswith(bad + ".") for bad in FORBIDDEN_MODULES), (
            f"{path}: imports {module}; read and act through scanner.review (ReviewService) instead"
        )
        assert not FORBIDDEN_NAMES & set(names), f"{path}: imports {FORBIDDEN_NAMES & set(names)} from {module}"
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    used |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not OLD_WAYS_IN & used, f"{path}: uses {OLD_WAYS_IN & used}; use app.review"


def test_modals_live_in_tui_modals_and_screens_are_not_modal() -> None:
    for path in tui_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "id", None) or getattr(getattr(b, "value", None), "id", None) for b in node.bases}
                if "ModalScreen" in bases:
                    assert path.parent.name == "modals", f"{path}: modal {node.name} belongs in tui/modals/"
