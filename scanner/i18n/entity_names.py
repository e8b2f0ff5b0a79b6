"""Entity types as people read them: the glossary's Chinese name (CN_RESIDENT_ID → 居民身份证号) in the Chinese
interface, the canonical name in English. Exports, the database and the audit log keep the canonical names."""

from __future__ import annotations

from functools import cache

from scanner.i18n import CHINESE, LOCALE_DIR, N_, _, language

GLOSSARY = LOCALE_DIR / "glossary.toml"


@cache
def _chinese_names() -> dict[str, str]:
    import tomli

    with open(GLOSSARY, "rb") as fh:
        return dict(tomli.load(fh).get("entity_types", {}))


def entity_name(entity_type: str) -> str:
    """``entity_type`` in the interface language; a type the glossary does not name shows as it is."""
    if language() == CHINESE:
        return _chinese_names().get(entity_type, entity_type)
    return entity_type


_SENSITIVITIES = {"sensitive": N_("sensitive"), "general": N_("general"), "organization": N_("organization")}


def sensitivity_name(sensitivity: str) -> str:
    """A rule's sensitivity (sensitive, general, organization) in the interface language."""
    return _(_SENSITIVITIES[sensitivity]) if sensitivity in _SENSITIVITIES else sensitivity
