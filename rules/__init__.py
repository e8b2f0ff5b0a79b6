"""Built-in rule packs (TOML). Each pack is data: recognizers, context words, sensitivity and policy."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def builtin_pack_paths() -> list[Path]:
    """Paths of the rule packs shipped with Custos, in a stable order."""
    folder = resources.files(__name__)
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml"))
