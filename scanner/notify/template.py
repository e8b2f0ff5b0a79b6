"""The notice text each person receives: a template with named placeholders, checked before anything is read.

The built-in notices are in Chinese (templates/notice_zh_CN.txt) and English (templates/notice_en.txt); the
interface language picks one when a list is proposed, and the proposal records which (`reference`).

PIPL Art. 22 requires telling each person the recipient's name and contact method, so a template must use
{recipient_company} and {recipient_contact}. Only the placeholders in `PLACEHOLDERS` are allowed, without format
specs or attribute access: a template is configuration, and it must not reach into anything but its values.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from scanner.i18n import CHINESE, LANGUAGES, N_, _, language
from scanner.i18n.numbers import format_count
from scanner.notify.language import day, words

PLACEHOLDERS = ("name", "recipient_company", "recipient_contact", "categories", "effective_date")
REQUIRED = ("recipient_company", "recipient_contact")  # Art. 22: the recipient's name and contact method
MAX_TEMPLATE_BYTES = 64 << 10
NAME_FALLBACK = N_("Customer")  # a person whose name was not found is addressed as the customer
CATEGORY_SEPARATORS = {CHINESE: "、", "en": ", "}
BUILT_IN = "built-in"  # what a proposal recorded before the English notice existed: the Chinese one


class TemplateError(Exception):
    """The template cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class NoticeTemplate:
    """A checked template and where it came from."""

    text: str
    source: str
    language: str = CHINESE  # the language of its readers: categories, dates and the column names follow it
    built_in: bool = False

    @property
    def separator(self) -> str:
        return CATEGORY_SEPARATORS.get(self.language, ", ")

    def reference(self, path: Path | None = None) -> str:
        """What a proposal records to find this template again: the file's path, or "built-in:<language>"."""
        return f"{BUILT_IN}:{self.language}" if self.built_in or path is None else str(path.absolute())

    def date_text(self, value: date) -> str:
        """``value`` as the notice's readers write dates (2026年12月1日, December 1, 2026)."""
        return day(value, self.language)

    def render(self, *, name: str, recipient_company: str, recipient_contact: str, categories: tuple[str, ...],
               effective_date: str) -> str:  # fmt: skip
        return self.text.format_map(
            {
                "name": name or words(self.language).gettext(NAME_FALLBACK),
                "recipient_company": recipient_company,
                "recipient_contact": recipient_contact,
                "categories": self.separator.join(categories),
                "effective_date": effective_date,
            }
        )


def default_template(in_language: str | None = None) -> NoticeTemplate:
    """The notice provided with Custos in ``in_language`` (default: the interface's): templates/notice_<lang>.txt."""
    chosen = in_language or language()
    if chosen not in LANGUAGES:
        raise TemplateError(_("no built-in notice in {language}; choose one of: {languages}").format(
            language=chosen, languages=", ".join(LANGUAGES)))  # fmt: skip
    text = resources.files("scanner.notify").joinpath(f"templates/notice_{chosen}.txt").read_text(encoding="utf-8")
    checked = checked_template(text, _("the built-in template ({language})").format(language=chosen), chosen)
    return NoticeTemplate(checked.text, checked.source, chosen, built_in=True)


def recorded_template(reference: str) -> NoticeTemplate:
    """The template a proposal recorded (`NoticeTemplate.reference`): "built-in" (the Chinese notice),
    "built-in:<language>", or a file's path."""
    if reference == BUILT_IN:
        return default_template(CHINESE)
    if reference.startswith(BUILT_IN + ":"):
        return default_template(reference.partition(":")[2])
    return load_template(Path(reference))


def load_template(path: Path | None) -> NoticeTemplate:
    """The template at ``path`` (UTF-8, a BOM allowed), or the built-in one; TemplateError if it is unusable. A
    file's readers are taken to read the interface language."""
    if path is None:
        return default_template()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateError(_("template {path}: cannot be read ({error})").format(path=path, error=exc.strerror or exc)
                            ) from None  # fmt: skip
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError(_("template {path}: {size} bytes; a notice template is at most {limit}").format(
            path=path, size=format_count(len(data)), limit=format_count(MAX_TEMPLATE_BYTES)))  # fmt: skip
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(_("template {path}: not UTF-8 text (byte {offset}); save it as UTF-8").format(
            path=path, offset=exc.start)) from None  # fmt: skip
    return checked_template(text, _("template {path}").format(path=path))


def checked_template(text: str, source: str, in_language: str | None = None) -> NoticeTemplate:
    """``text`` as a template, if every placeholder is known and plain and the required ones are present."""
    if not text.strip():
        raise TemplateError(_("{source}: empty").format(source=source))
    used: set[str] = set()
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as exc:
        brace = _("{source}: {error}; write a literal brace as {{{{ or }}}}")
        raise TemplateError(brace.format(source=source, error=exc)) from None
    for _literal, field_name, spec, conversion in fields:
        if field_name is None:
            continue
        if field_name not in PLACEHOLDERS:
            shown = f"{{{field_name}}}" if field_name else "{}"
            raise TemplateError(_("{source}: unknown placeholder {placeholder}; allowed: {allowed}").format(
                source=source, placeholder=shown, allowed=_listed(PLACEHOLDERS)))  # fmt: skip
        if spec or conversion:
            raise TemplateError(_("{source}: placeholder {placeholder} takes no format or conversion").format(
                source=source, placeholder=f"{{{field_name}}}"))  # fmt: skip
        used.add(field_name)
    missing = [name for name in REQUIRED if name not in used]
    if missing:
        raise TemplateError(
            _("{source}: must name {placeholders} (PIPL Art. 22: each person is told the recipient's name and "
              "contact method)").format(source=source, placeholders=_listed(missing))
        )  # fmt: skip
    return NoticeTemplate(text, source, in_language or language())


def _listed(names) -> str:
    return ", ".join(f"{{{name}}}" for name in names)
