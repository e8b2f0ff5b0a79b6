"""Textual's own command-palette entries (Theme, Quit, Keys, Maximize, Screenshot …) in the interface language.

`App.get_system_commands` yields them with English titles and help; `translated` hands each on with its title and
help translated when this module names the English (a command a newer Textual adds stays in English until it is
named here), and with the same callback.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from textual.app import SystemCommand

from scanner.i18n import N_, _

# As Textual 8.2 words them (textual/app.py, App.get_system_commands).
TEXTUAL_SYSTEM_COMMANDS = frozenset(
    (
        N_("Theme"),
        N_("Change the current theme"),
        N_("Quit"),
        N_("Quit the application as soon as possible"),
        N_("Keys"),
        N_("Hide the keys and widget help panel"),
        N_("Show help for the focused widget and a summary of available keys"),
        N_("Minimize"),
        N_("Minimize the widget and restore to normal size"),
        N_("Maximize"),
        N_("Maximize the focused widget"),
        N_("Screenshot"),
        N_("Save an SVG 'screenshot' of the current screen"),
    )
)


def _shown(text: str) -> str:
    return _(text) if text in TEXTUAL_SYSTEM_COMMANDS else text


def translated(commands: Iterable[SystemCommand]) -> Iterator[SystemCommand]:
    for command in commands:
        yield command._replace(title=_shown(command.title), help=_shown(command.help))
