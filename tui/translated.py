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

from scanner.i18n import _


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
