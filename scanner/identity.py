"""Reviewer identities as the audit trail records them: NFKC-normalised, visible characters only.

An identity is asserted by whoever runs Custos (``--as``, $CUSTOS_REVIEWER, the review UI), so it cannot be
proven; what this module guarantees is that two people cannot look alike in the records. "ｂｏｂ" (full-width)
is recorded as "bob", and "bob\\u200b" (a zero-width space) or a name with control characters is refused
rather than passing for "bob" at the two-person check or forging lines on a terminal.
"""

from __future__ import annotations

import unicodedata

from scanner.display import safe
from scanner.i18n import _

MAX_LENGTH = 128


class IdentityError(ValueError):
    """A reviewer identity that cannot be recorded; the message says why in one line."""


def checked_identity(raw: str) -> str:
    """``raw`` NFKC-normalised and stripped of surrounding spaces; IdentityError if empty or not all visible.

    The error message holds the name as given: like every message, it is escaped where it is shown."""
    name = unicodedata.normalize("NFKC", raw).strip()
    if not name:
        raise IdentityError(_("reviewer identity is empty: give a name with --as NAME or $CUSTOS_REVIEWER"))
    if len(name) > MAX_LENGTH:
        raise IdentityError(_("reviewer identity is longer than {limit} characters").format(limit=MAX_LENGTH))
    if safe(name.replace("\\", "")) != name.replace("\\", ""):  # a backslash is visible: DOMAIN\user
        raise IdentityError(
            _(
                "reviewer identity {name} holds control, format or invisible characters (shown escaped); "
                "use visible characters only"
            ).format(name=name)
        )
    return name
