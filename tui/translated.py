"""Text defined at import time (binding descriptions and tooltips, screen sub titles, column labels), shown in
the interface language chosen when the app starts.

Those strings are marked with `N_` where they are defined and translated here, where they are shown: a screen
mixing in `TranslatedScreen` hands the footer, the help screen and Textual's key panel its bindings translated
(`Screen.active_bindings` is what all three read), while the bindings themselves, which keys dispatch on, stay
as defined.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import ActiveBinding, Binding

from scanner.i18n import N_, _

# Textual's own binding descriptions (App, Screen, DataTable, Input, Select, Button, scrolling containers) as the
# footer and the help list them: named here so the catalog holds them and `shown` translates them like ours.
TEXTUAL_DESCRIPTIONS = (
    N_("Focus Next"),
    N_("Focus Previous"),
    N_("Copy selected text"),
    N_("Cursor up"),
    N_("Cursor down"),
    N_("Cursor left"),
    N_("Cursor right"),
    N_("Home"),
    N_("End"),
    N_("Page up"),
    N_("Page down"),
    N_("Page Left"),
    N_("Page Right"),
    N_("Top"),
    N_("Bottom"),
    N_("Scroll Up"),
    N_("Scroll Down"),
    N_("Move cursor left"),
    N_("Move cursor right or accept the completion suggestion"),
    N_("Go to start"),
    N_("Go to end"),
    N_("Page Up"),
    N_("Page Down"),
    N_("Move cursor left and select"),
    N_("Move cursor left a word"),
    N_("Move cursor left a word and select"),
    N_("Move cursor right and select"),
    N_("Move cursor right a word"),
    N_("Move cursor right a word and select"),
    N_("Delete character left"),
    N_("Select all"),
    N_("Select line start"),
    N_("Select line end"),
    N_("Delete character right"),
    N_("Submit"),
    N_("Delete left to start of word"),
    N_("Delete all to the left"),
    N_("Delete right to start of word"),
    N_("Delete all to the right"),
    N_("Cut selected text"),
    N_("Paste text from the clipboard"),
    N_("Show menu"),
    N_("Press button"),
    N_("Scroll Left"),
    N_("Scroll Right"),
    N_("Scroll Home"),
    N_("Scroll End"),
    N_("Up"),
    N_("Down"),
    N_("First"),
    N_("Last"),
    N_("Dismiss menu"),
)  # "Quit" and "Select" are ours too


def shown(text: str) -> str:
    """``text`` in the interface language; an empty or blank text as it is (gettext's "" is the catalog header)."""
    return _(text) if text.strip() else text


def translated(binding: Binding) -> Binding:
    """``binding`` with its description, tooltip and group description in the interface language."""
    group = binding.group and replace(binding.group, description=shown(binding.group.description))
    return replace(binding, description=shown(binding.description), tooltip=shown(binding.tooltip), group=group)


class TranslatedScreen:
    """Mixin for a Screen: its sub title (SUB_TITLE) and every active binding shown in the interface language."""

    SUB_TITLE: str | None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.SUB_TITLE:
            self.sub_title = shown(self.SUB_TITLE)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return {
            key: ActiveBinding(node, translated(binding), enabled, shown(tooltip))
            for key, (node, binding, enabled, tooltip) in super().active_bindings.items()  # type: ignore[misc]
        }
