"""Where a manual's files come from: a folder on disk, or (gitsource.py) a git revision."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from opsmanual.errors import OpsError
from opsmanual.i18n import _
from opsmanual.kinds import ENTITY_KINDS, MANUAL_FILES, RECORD_FILES


class Source(Protocol):
    """The files of one manual, by path relative to its folder with `/` separators."""

    def paths(self) -> list[str]:
        """Every file the format cares about: manual.yaml, records/*, and entity folders."""
        ...

    def read(self, path: str) -> bytes: ...


class FolderSource:
    def __init__(self, root: Path) -> None:
        self.root = root

    def paths(self) -> list[str]:
        found = [name for name in MANUAL_FILES + RECORD_FILES if (self.root / name).is_file()]
        for folder in ENTITY_KINDS:
            directory = self.root / folder
            if directory.is_dir():
                for entry in directory.iterdir():
                    if entry.name.startswith("."):
                        continue
                    if entry.is_file():
                        found.append(f"{folder}/{entry.name}")
                    elif entry.is_dir():  # reported, since its files would silently go unread
                        found.append(f"{folder}/{entry.name}/")
        return sorted(found)

    def read(self, path: str) -> bytes:
        try:
            return (self.root / path).read_bytes()
        except OSError as exc:
            raise OpsError(
                _("cannot read {path}: {reason}", path=self.root / path, reason=exc.strerror)
            ) from exc


def find_manual(start: Path | None) -> Path:
    """The manual folder: `start` itself when given, else the nearest folder up with manual.yaml."""
    if start is not None:
        if not start.is_dir():
            raise OpsError(_("no such folder: {folder}", folder=start))
        if not any((start / name).is_file() for name in MANUAL_FILES):
            raise OpsError(
                _("{folder} is not a manual folder: it has no manual.yaml", folder=start)
            )
        return start
    here = Path.cwd()
    for folder in (here, *here.parents):
        if any((folder / name).is_file() for name in MANUAL_FILES):
            return folder
    raise OpsError(
        _(
            "no manual.yaml in this folder or any folder above it; "
            "pass the manual folder with -m DIR, or create one with `opsmanual init DIR`"
        )
    )
