"""One person's values, read back from several files, as the contact channels a notice is sent to.

Pure functions: mobiles in the form SMS tools take (11 digits, 1xxxxxxxxxx: +86, 0086, spaces and dashes
removed), e-mail addresses lower-cased, postal addresses as found (runs of white space made one space), each
de-duplicated; the name is the one most often found for the person (on a tie, the first found).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from scanner.detect.normalize import to_ascii_view
from scanner.notify.readback import ReadValue

NAME_TYPES = frozenset({"PERSON"})
MOBILE_TYPES = frozenset({"CN_MOBILE"})
EMAIL_TYPES = frozenset({"EMAIL_ADDRESS"})
ADDRESS_TYPES = frozenset({"CN_ADDRESS"})

_MOBILE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class Contacts:
    """How to reach one person: every channel found, de-duplicated, in the order found."""

    name: str
    mobiles: tuple[str, ...]
    emails: tuple[str, ...]
    addresses: tuple[str, ...]


def normal_mobile(value: str) -> str | None:
    """``+86 138-0013-8000`` → ``13800138000``; None for what is not a mainland mobile number."""
    text = to_ascii_view(value).strip()
    if text.startswith("+") and not text[1:].lstrip().startswith("86"):
        return None  # another country's number
    digits = "".join(ch for ch in text if ch.isdigit())
    for prefix in ("0086", "86"):
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits if _MOBILE.fullmatch(digits) else None


def normal_email(value: str) -> str:
    return "".join(to_ascii_view(value).split()).lower()


def normal_address(value: str) -> str:
    return " ".join(value.split())


def contacts_of(values: Iterable[ReadValue]) -> Contacts:
    """The contact channels among one person's values."""
    names: Counter[str] = Counter()
    mobiles: dict[str, None] = {}
    emails: dict[str, None] = {}
    addresses: dict[str, None] = {}  # key: the address without white space; value kept as first found
    shown_address: dict[str, str] = {}
    for item in values:
        if item.entity_type in NAME_TYPES:
            name = "".join(item.value.split()) if _is_cjk(item.value) else " ".join(item.value.split())
            if name:
                names[name] += 1
        elif item.entity_type in MOBILE_TYPES:
            if mobile := normal_mobile(item.value):
                mobiles.setdefault(mobile)
        elif item.entity_type in EMAIL_TYPES:
            emails.setdefault(normal_email(item.value))
        elif item.entity_type in ADDRESS_TYPES and (address := normal_address(item.value)):
            key = "".join(address.split())
            addresses.setdefault(key)
            shown_address.setdefault(key, address)
    name = names.most_common(1)[0][0] if names else ""  # Counter keeps first-found order among equal counts
    return Contacts(name, tuple(mobiles), tuple(emails), tuple(shown_address[k] for k in addresses))


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
