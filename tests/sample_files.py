"""Small files built in memory for the extraction and scan tests, and a count of the archive members read."""

from __future__ import annotations

import io
import zipfile


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive holding ``members`` (name → bytes); a name ending in '/' is a folder."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def members_opened(monkeypatch) -> list[str]:
    """The names of archive members opened for reading from now on (the real `ZipFile.open` still runs)."""
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def counting_open(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", counting_open)
    return opened
