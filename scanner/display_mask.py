"""Masking for display: text that came from a file is shown with everything that may be personal data starred.

Detected values are replaced by their previews where they are known (`scanner.review.context`,
`scanner.name_mask`); this is the second, conservative layer for the rest of the free text a reviewer sees —
context lines, cell locations that embed a sheet title (张三!B7), error messages that quote content. It stars:

- every run of six or more digits, single spaces or dashes allowed between them and a trailing X (an ID),
  keeping at most three leading and two trailing digits as the previews do (1380****00, 11010********34X);
- the local part of anything shaped like an e-mail address, full-width ＠ and ． included (z***@example.com);
- the given name of every name-shaped token that is not proven harmless (访客(刘芳) → 访客(刘*),
  John Smith → J*** S****); see `scanner.display_names` for the heuristic and its limits.

Over-masking is preferred to under-masking: a date (2024-01-15) or an order number loses its middle digits.
Compose as: previews of detected values first, then `mask_for_display`, then `scanner.display.safe` last.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from scanner.display_names import display_lexicon, dotted_name_spans, han_name_spans, latin_name_spans
from scanner.mask import MASK

_DIGIT_RUN = re.compile(r"\d(?:[ \-－]?\d){5,}(?:[Xx](?![A-Za-z0-9]))?")
_EMAIL = re.compile(
    r"[A-Za-z0-9._%+\-!#$&*/=?^`{}~\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+[@＠][\w\-]+(?:[.．][\w\-]+)+"
)
_MAY_HOLD_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Z][a-z]*[ .][A-Z]|[A-Z]{2,}")


@lru_cache(maxsize=8192)
def mask_for_display(text: str) -> str:
    """``text`` with digit runs, e-mail addresses and name-shaped tokens masked (see the module docstring)."""
    return "".join(masked_characters(text)) if text else text


def mask_keeping(text: str, kept: Sequence[tuple[int, int]]) -> str:
    """`mask_for_display` with the ``kept`` (start, end) stretches of ``text`` left as they are: previews of
    detected values, already masked, which the display mask would otherwise star again (110105********002X)."""
    if not kept:
        return mask_for_display(text)
    shown = masked_characters(text)
    for start, end in kept:
        shown[start:end] = text[start:end]
    return "".join(shown)


def masked_characters(text: str) -> list[str]:
    """What each character of ``text`` is shown as: itself, ``*``, or "" (inside a shortened e-mail local
    part, whose first character carries the stars). For callers that keep some stretches as they are (the
    previews in a context line): ``"".join`` of the list is `mask_for_display`."""
    out = list(text)
    for match in _DIGIT_RUN.finditer(text):
        if not _kept_by_preview(text, match.start(), match.end()):
            _star_digits(out, match.start(), match.end())
    for match in _EMAIL.finditer(text):
        start, at = match.start(), match.start() + _at_sign(match.group())
        local = text[start:at]
        out[start:at] = [(local[0] if len(local) > 1 else "") + MASK * 3] + [""] * (len(local) - 1)
    if _MAY_HOLD_NAME.search(text):
        lexicon = display_lexicon()
        spans = (*han_name_spans(text, lexicon), *dotted_name_spans(text, lexicon), *latin_name_spans(text, lexicon))
        for start, end in spans:
            for i in range(start, end):
                if out[i] == text[i]:
                    out[i] = MASK
    return out


def _kept_by_preview(text: str, start: int, end: int) -> bool:
    """The digits a preview keeps beside its stars (110105********002X, 6225 88** **** 1234): at most six,
    touching a star. A masked value shown again (a stored location, a path) is left as it is."""
    touching = text[start - 1 : start] == MASK or text[end : end + 1] == MASK
    return touching and sum(ch.isdigit() for ch in text[start:end]) <= 6


def _at_sign(email: str) -> int:
    return max(email.rfind("@"), email.rfind("＠"))


def _star_digits(out: list[str], start: int, end: int) -> None:
    """Keep at most three leading and two trailing digits (a quarter of the run each); star the rest."""
    positions = [i for i in range(start, end) if out[i].isalnum()]
    keep = len(positions) // 4
    head, tail = min(3, keep), min(2, keep)
    for i in positions[head : len(positions) - tail]:
        out[i] = MASK
