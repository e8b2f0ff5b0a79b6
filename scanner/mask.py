"""Masked previews of detected values, following Chinese conventions (138****8000, 张*, a***@example.com).

Pure functions of the value and the rule's `MaskStyle`; the same styles will drive in-place masking.
Separators (spaces, dashes) stay where they are so the preview keeps the value's shape.
"""

from __future__ import annotations

import re

from scanner.detect.rulepack import MaskStyle

MASK = "*"
_PROVINCE_THEN_DISTRICT = re.compile(r"^.*?(?:省|自治区|市).*?(?:区|县|旗|市(?!场))")


def mask_value(value: str, style: MaskStyle) -> str:
    """Return the preview of ``value``; never the value itself (at least one character is masked)."""
    masker = _STYLES.get(style.style, _keep)
    masked = masker(value, style)
    return masked if masked != value else _keep(value, MaskStyle("keep", 0, 0))


def style_names() -> tuple[str, ...]:
    """The mask styles a rule pack may name (``mask = { style = ... }``)."""
    return tuple(_STYLES)


def _keep(value: str, style: MaskStyle) -> str:
    """Keep ``head`` and ``tail`` significant characters; mask the significant ones between."""
    positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    head, tail = style.head, style.tail
    if head + tail >= len(positions):  # short values: keep at most a third
        head, tail = min(head, len(positions) // 3), 0
    hidden = set(positions[head : len(positions) - tail])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(value))


def _name(value: str, style: MaskStyle) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***, John Smith → J*** S****."""
    if value.isascii():
        return " ".join(w[:1] + MASK * (len(w) - 1) for w in value.split(" "))
    return value[:1] + "".join(ch if ch == "·" else MASK for ch in value[1:])


def _email(value: str, style: MaskStyle) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}{MASK * 3}@{domain}"


def _address(value: str, style: MaskStyle) -> str:
    """Keep province/city/district; mask the street, number and room."""
    match = _PROVINCE_THEN_DISTRICT.match(value)
    keep = match.end() if match and match.end() < len(value) else min(6, len(value) // 2)
    return value[:keep] + "".join(MASK if not ch.isspace() else ch for ch in value[keep:])


def _ip(value: str, style: MaskStyle) -> str:
    parts = value.split(".")
    return ".".join(parts[:2] + [MASK] * (len(parts) - 2)) if len(parts) == 4 else _keep(value, style)


_STYLES = {"keep": _keep, "name": _name, "email": _email, "address": _address, "ip": _ip}
