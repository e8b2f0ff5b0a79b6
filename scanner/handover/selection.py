"""Which files a handover holds: those under a folder, those holding chosen data subjects, or those marked for
transfer; and the name each file gets in the package (its path relative to what the files share).

Only files as they are on the share now are chosen (scanned, not archive members: an archive goes whole), so
every one can be checked unchanged since its scan before it is packed.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from scanner.i18n import _
from scanner.states import READ_FILE_STATUSES
from scanner.store.disclosures import DisclosureStore
from scanner.store.store import FileRecord

SELECTION_KEYS = ("folder", "subjects", "marked")


class SelectionError(ValueError):
    """A selection that names nothing, or more than one way of choosing."""


def checked_selection(selection: dict) -> dict:
    """``selection`` in the form it is stored and audited: {"folder": absolute path}, {"subjects": [ids]} or
    {"marked": true}."""
    chosen = [key for key in SELECTION_KEYS if selection.get(key)]
    unknown = sorted(set(selection) - set(SELECTION_KEYS))
    if unknown:
        raise SelectionError(
            _("unknown selection {name!r}; choose files by {keys}").format(
                name=unknown[0], keys=", ".join(SELECTION_KEYS)
            )
        )
    if len(chosen) != 1:
        raise SelectionError(
            _(
                "choose the files one way: a folder (--folder), data subjects (--subject) or the files marked for"
                " transfer (--marked)"
            )
        )
    key = chosen[0]
    if key == "folder":
        return {"folder": str(Path(selection["folder"]).resolve())}
    if key == "subjects":
        ids = selection["subjects"]
        if not isinstance(ids, list) or not all(isinstance(i, int) and i > 0 for i in ids):
            raise SelectionError(_("subjects are chosen by their ids (positive numbers, see 'custos subjects')"))
        return {"subjects": sorted(set(ids))}
    return {"marked": True}


def selected_files(disclosures: DisclosureStore, selection: dict) -> list[tuple[FileRecord, str]]:
    """The files ``selection`` (as ``checked_selection`` returns it) chooses now, each with its member name."""
    if "folder" in selection:
        folder = Path(selection["folder"])
        return named(disclosures.scanned_files_under(folder), base=folder)
    if "subjects" in selection:
        from scanner.subjects.queries import SubjectQueries  # the store's subjects, relinked if stale

        queries = SubjectQueries(disclosures.store)
        file_ids = {file_id for subject in selection["subjects"] for file_id in queries.file_ids(subject)}
        on_share = [f for f in disclosures.containing_files(file_ids) if f.status in READ_FILE_STATUSES]
        return named(on_share)
    return named(disclosures.marked_files())


def named(files: list[FileRecord], base: Path | None = None) -> list[tuple[FileRecord, str]]:
    """Each file with its path relative to ``base`` (default: the deepest folder holding them all), POSIX."""
    paths = [Path(f.root) / f.rel_path for f in files]
    if base is None and paths:
        base = Path(os.path.commonpath([p.parent for p in paths]))
    return [(f, str(PurePosixPath(*p.relative_to(base).parts))) for f, p in zip(files, paths, strict=True)]
