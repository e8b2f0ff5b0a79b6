"""Packing a handover's files: each checked unchanged since the handover was proposed, then streamed into the
package with what the findings store knows of it (categories, finding counts; never a value).

All files are checked before the first is packed, so a stale share is refused with the whole list at once; the
package writer checks each again while reading it, and its SHA-256 must be the one approved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.actions.beneath import UnsafeTarget, open_share_file
from scanner.store.disclosures import DisclosureStore, HandedFile

if TYPE_CHECKING:
    from scanner.handover.package import PackageWriter

SHOWN_STALE = 20  # stale files named in the message; the rest are counted


class StaleFiles(Exception):
    """Files changed, moved or gone since the handover was proposed: the approval was not for them as they are."""


def handover_producer(store: DisclosureStore, files: Sequence[HandedFile]) -> Callable[[PackageWriter], None]:
    """What `DisclosureService.run` calls with the open writer to pack ``files``."""

    def produce(writer: PackageWriter) -> None:
        check_unchanged(files)
        for file in files:
            entry = writer.add_file(file.name, file.path, member_info(store, file))
            if entry.sha256 != file.sha256:
                raise StaleFiles(f"{file.shown_path} changed while it was packed (its SHA-256 is not the approved one)")

    return produce


def check_unchanged(files: Sequence[HandedFile]) -> None:
    """Raise StaleFiles naming every file whose size, mtime or SHA-256 differs from when it was proposed."""
    stale = [f"{f.shown_path} ({why})" for f in files if (why := stale_reason(f))]
    if stale:
        more = f" and {len(stale) - SHOWN_STALE} more" if len(stale) > SHOWN_STALE else ""
        raise StaleFiles(
            f"{len(stale)} of {len(files)} files changed since the handover was proposed: "
            f"{'; '.join(stale[:SHOWN_STALE])}{more}. Scan them again and propose the handover again"
        )


def stale_reason(file: HandedFile) -> str | None:
    """Why the file on the share is not the one approved (opened without following links), or None."""
    try:
        with open_share_file(Path(file.root), file.rel_path) as current:
            st = current.stat()
            if (st.st_size, st.st_mtime_ns) != (file.size, file.mtime_ns):
                return "size or modification time changed"
            if current.sha256() != file.sha256:
                return "content changed"
    except FileNotFoundError:
        return "no longer there"
    except UnsafeTarget as exc:
        return str(exc)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def categories_of(by_entity: dict[str, int], flags: Sequence[str]) -> list[str]:
    """The kinds of personal information a file holds (identity, contact, financial, …, and minor), as the data
    subjects name them."""
    from scanner.states import SubjectCategory
    from scanner.subjects.categories import CATEGORY_FLAGS, CATEGORY_OF_TYPE, CATEGORY_ORDER

    held = {CATEGORY_OF_TYPE[t] for t in by_entity if t in CATEGORY_OF_TYPE}
    held |= {c for c in CATEGORY_FLAGS if c.value in flags}
    minor = [SubjectCategory.MINOR.value] if SubjectCategory.MINOR in flags else []
    return [c.value for c in CATEGORY_ORDER if c in held] + minor


def member_info(store: DisclosureStore, file: HandedFile) -> dict:
    """A member's information for the recipient: what Custos found in it, counted (no value, no preview)."""
    contents = store.contents(file.file_id)
    return {
        "categories": categories_of(contents.by_entity, contents.flags),
        "findings": contents.total,
        "findings_by_type": contents.by_entity,
        "findings_by_sensitivity": contents.by_sensitivity,
        "source_sha256": file.sha256,
    }
