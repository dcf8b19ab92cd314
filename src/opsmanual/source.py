"""Where a manual's files come from: a folder on disk, or (gitsource.py) a git revision."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Protocol

from opsmanual.errors import OpsError
from opsmanual.i18n import N_, _
from opsmanual.kinds import ENTITY_KINDS, MANUAL_FILES, RECORD_FILES


class Unreadable(OpsError):
    """One file of the manual cannot be read (a link, a FIFO, no permission): loading the
    manual reports it as a finding on that file; elsewhere it is a one-line error."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(_("cannot read {path}: {reason}", path=path, reason=reason))
        self.reason = reason


# Git keeps a symbolic link as the text of its target, so following links on disk would make
# `render` and `render --rev` show different manuals; and a link may lead out of the manual.
LINK_MESSAGE = N_(
    "the file is a symbolic link, and opsmanual reads no links (it could lead out of the "
    "manual, and git keeps only the link's text); put the file itself here"
)


class Source(Protocol):
    """The files of one manual, by path relative to its folder with `/` separators."""

    def paths(self) -> list[str]:
        """Every file the format cares about: manual.yaml, records/*, and entity folders."""
        ...

    def read(self, path: str) -> bytes: ...


class FolderSource:
    def __init__(self, root: Path) -> None:
        self.root = root
        # Whether each folder read from resolves inside the manual: asked once per folder, not
        # once per file (resolving a path walks every component; 10,000 files, 3 folders).
        self._inside: dict[str, bool] = {}
        self._resolved: Path | None = None

    def paths(self) -> list[str]:
        """Files, links and special files (FIFOs, sockets) alike: `read` says why it cannot
        read the last two, so nothing in the manual's places is skipped silently."""
        found = [name for name in MANUAL_FILES + RECORD_FILES if _present(self.root / name)]
        for folder in ENTITY_KINDS:
            directory = self.root / folder
            if directory.is_dir():
                for name, is_folder in _entries(directory):
                    if name.startswith("."):
                        continue
                    if is_folder:  # reported, since its files would silently go unread
                        found.append(f"{folder}/{name}/")
                    else:  # a file, a link (even a broken one), a FIFO
                        found.append(f"{folder}/{name}")
        return sorted(found)

    def read(self, path: str) -> bytes:
        full = os.path.join(self.root, path)
        folder = os.path.dirname(full)
        inside = self._inside.get(folder)
        if inside is None:
            if self._resolved is None:
                self._resolved = self.root.resolve()
            inside = self._inside[folder] = Path(folder).resolve().is_relative_to(self._resolved)
        if not inside or os.path.islink(full):
            raise Unreadable(self.root / path, _(LINK_MESSAGE))
        try:
            return _read_file(full)
        except Unreadable as exc:  # named as the manual's root and the path make it
            raise Unreadable(self.root / path, exc.reason) from exc


def _entries(directory: Path) -> list[tuple[str, bool]]:
    """The names in a folder, each with whether it is a folder itself (not a link to one):
    from the listing, without a stat of each of thousands of files."""
    try:
        with os.scandir(directory) as entries:
            return [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
    except OSError as exc:  # a folder without read permission: its files cannot be checked
        raise OpsError(
            _("cannot list {path}: {reason}", path=directory, reason=exc.strerror or exc)
        ) from exc


def _present(path: Path) -> bool:
    """Anything but a folder or nothing: a file, a link (even a broken one), a FIFO."""
    return path.is_symlink() or (path.exists() and not path.is_dir())


def read_regular(path: Path, inside: Path | None = None) -> bytes:
    """The bytes of a regular file, never following a link and never waiting on a FIFO.

    Raises `Unreadable` for a link (or a file whose folder leads out of `inside`), a FIFO,
    socket or device, and a file this user may not read.
    """
    if path.is_symlink() or (
        inside is not None and not path.resolve().is_relative_to(inside.resolve())
    ):
        raise Unreadable(path, _(LINK_MESSAGE))
    return _read_file(str(path))


_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)


def _read_file(name: str) -> bytes:
    """The bytes of the file `name` (not a link: checked before), refusing a FIFO, socket or
    device."""
    try:
        fd = os.open(name, _FLAGS)
    except OSError as exc:
        raise Unreadable(name, str(exc.strerror or exc)) from exc
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise Unreadable(
                name, _("it is not a regular file (a FIFO, socket or device); put a file there")
            )
        # os.read, not a file object: a buffered reader costs more than the read of a small file
        parts = []
        while chunk := os.read(fd, max(status.st_size + 1, 65536)):
            parts.append(chunk)
        return b"".join(parts)
    except OSError as exc:
        raise Unreadable(name, str(exc.strerror or exc)) from exc
    finally:
        os.close(fd)


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
