"""The notice text each person receives: a template with named placeholders, checked before anything is read.

PIPL Art. 22 requires telling each person the recipient's name and contact method, so a template must use
{recipient_company} and {recipient_contact}. Only the placeholders in `PLACEHOLDERS` are allowed, without format
specs or attribute access: a template is configuration, and it must not reach into anything but its values.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

PLACEHOLDERS = ("name", "recipient_company", "recipient_contact", "categories", "effective_date")
REQUIRED = ("recipient_company", "recipient_contact")  # Art. 22: the recipient's name and contact method
MAX_TEMPLATE_BYTES = 64 << 10
NAME_FALLBACK = "客户"  # a person whose name was not found is addressed as the customer
CATEGORY_SEPARATOR = "、"


class TemplateError(Exception):
    """The template cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class NoticeTemplate:
    """A checked template and where it came from."""

    text: str
    source: str

    def render(self, *, name: str, recipient_company: str, recipient_contact: str, categories: tuple[str, ...],
               effective_date: str) -> str:  # fmt: skip
        return self.text.format_map(
            {
                "name": name or NAME_FALLBACK,
                "recipient_company": recipient_company,
                "recipient_contact": recipient_contact,
                "categories": CATEGORY_SEPARATOR.join(categories),
                "effective_date": effective_date,
            }
        )


def default_template() -> NoticeTemplate:
    """The Chinese notice provided with Custos (scanner/notify/templates/notice_zh.txt)."""
    text = resources.files("scanner.notify").joinpath("templates/notice_zh.txt").read_text(encoding="utf-8")
    return checked_template(text, "the built-in template")


def load_template(path: Path | None) -> NoticeTemplate:
    """The template at ``path`` (UTF-8, a BOM allowed), or the built-in one; TemplateError if it is unusable."""
    if path is None:
        return default_template()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"template {path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_TEMPLATE_BYTES:
        limit = f"{MAX_TEMPLATE_BYTES:,}"
        raise TemplateError(f"template {path}: {len(data):,} bytes; a notice template is at most {limit}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"template {path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    return checked_template(text, f"template {path}")


def checked_template(text: str, source: str) -> NoticeTemplate:
    """``text`` as a template, if every placeholder is known and plain and the required ones are present."""
    if not text.strip():
        raise TemplateError(f"{source}: empty")
    used: set[str] = set()
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"{source}: {exc}; write a literal brace as {{{{ or }}}}") from None
    for _literal, field_name, spec, conversion in fields:
        if field_name is None:
            continue
        if field_name not in PLACEHOLDERS:
            shown = f"{{{field_name}}}" if field_name else "{}"
            raise TemplateError(f"{source}: unknown placeholder {shown}; allowed: {_listed(PLACEHOLDERS)}")
        if spec or conversion:
            raise TemplateError(f"{source}: placeholder {{{field_name}}} takes no format or conversion")
        used.add(field_name)
    missing = [name for name in REQUIRED if name not in used]
    if missing:
        raise TemplateError(
            f"{source}: must name {_listed(missing)} (PIPL Art. 22: each person is told the recipient's name and"
            " contact method)"
        )
    return NoticeTemplate(text, source)


def _listed(names) -> str:
    return ", ".join(f"{{{name}}}" for name in names)
