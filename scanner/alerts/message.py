"""What an alert says, as stored in the outbox and formatted by every channel: masked values only.

`AlertMessage.from_violation` copies a zones `ViolationAlert` and masks the path, root and previews once more
(`display_mask.mask_for_display`: an already-masked preview is left as it is), so a channel cannot leak a value
even if a caller passed one unmasked. Anything from a file is escaped where it is written (`display.safe`).
"""

from __future__ import annotations

import json
import socket
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scanner.display_mask import mask_for_display
from scanner.states import ZoneSeverity

if TYPE_CHECKING:
    from scanner.zones.model import ViolationAlert


@dataclass(frozen=True)
class AlertMessage:
    violation_id: int
    zone: str
    rule: str
    severity: str
    root: str
    masked_path: str
    masked_previews: tuple[str, ...]
    count: int
    first_seen: str  # ISO 8601, UTC
    host: str
    test: bool = False  # `custos alerts test`: not a real violation

    @classmethod
    def from_violation(cls, alert: ViolationAlert) -> AlertMessage:
        return cls(
            violation_id=int(alert.violation_id),
            zone=str(alert.zone),
            rule=str(alert.rule),
            severity=str(alert.severity),
            root=mask_for_display(str(alert.root)),
            masked_path=mask_for_display(str(alert.masked_path)),
            masked_previews=tuple(mask_for_display(str(p)) for p in alert.masked_previews),
            count=int(alert.count),
            first_seen=str(alert.first_seen),
            host=str(alert.host),
        )

    @classmethod
    def for_test(cls) -> AlertMessage:
        """The alert `custos alerts test` sends: made-up, clearly marked, nothing from any file."""
        return cls(
            violation_id=0,
            zone="测试 test",
            rule="test",
            severity=ZoneSeverity.LOW,
            root="/",
            masked_path="custos-alert-test.txt",
            masked_previews=("110105********002X",),
            count=1,
            first_seen=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            host=socket.gethostname(),
            test=True,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AlertMessage:
        data: dict[str, Any] = json.loads(text)
        data["masked_previews"] = tuple(data.get("masked_previews", ()))
        return cls(**data)
