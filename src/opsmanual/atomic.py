"""The one way a command writes a file: whole or not at all, and on disk before it says so.

The new bytes go to a temporary file beside the target (same file system), are flushed with fsync,
take the target's permissions (a new file gets the umask's, never mkstemp's 0600) and replace the
target with a rename; then the folder is synced so the rename survives a power cut. A crash leaves
the old file or the new one, never half of one. A pipe or device target (`-o /dev/stdout`) is
written through instead, since it cannot be replaced.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from opsmanual.errors import OpsError, Refused
from opsmanual.i18n import _


def write_atomic(path: Path, content: bytes) -> None:
    """Replace `path` with `content` (the folder must exist); a read-only `path` is refused."""
    refuse_read_only(path)
    with replacing(path) as tmp, tmp.open("wb") as stream:
        stream.write(content)


def write_cache_entry(path: Path, content: bytes) -> None:
    """Replace `path` with `content`, whole or not at all, readable and writable by this user
    alone, without waiting for the disk: for a cache, whose entries carry their own checksum, so
    that one torn by a power cut is a miss (fsync is most of the cost of writing a small file)."""
    with replacing(path, durable=False, mode=0o600) as tmp, tmp.open("wb") as stream:
        stream.write(content)


def write_output(target: Path, content: bytes) -> None:
    """Write a command's output file: through a stream target, else atomically, creating its
    folder."""
    if is_stream(target):
        try:
            with target.open("wb") as stream:
                stream.write(content)
        except OSError as exc:
            raise OpsError(
                _("cannot write {path}: {reason}", path=target, reason=exc.strerror)
            ) from exc
        return
    prepare(target)
    write_atomic(target, content)


@contextmanager
def replacing(path: Path, durable: bool = True, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside `path` for the block to fill (a tool may write it by name); when
    the block ends without an error, that file replaces `path`, synced (unless not `durable`);
    otherwise it is removed. The new file takes `mode`, else the permissions of the file it
    replaces, else the umask's."""
    mode = _file_mode(path) if mode is None else mode
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OpsError(
            _("cannot write in {path}: {reason}", path=path.parent, reason=exc.strerror)
        ) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if durable:
            _fsync_file(tmp)
        os.chmod(tmp, mode)
        _replace(tmp, path)
    except BaseException as exc:
        with suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise OpsError(
                _("cannot write {path}: {reason}", path=path, reason=exc.strerror or exc)
            ) from exc
        raise
    if durable:
        _fsync_dir(path.parent)


def refuse_read_only(path: Path) -> None:
    """A rename would replace a read-only file without a word: someone made it read-only (an
    archived register, a frozen table), so refuse instead. Root passes `os.access`, hence the
    mode bits too."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OpsError(_("cannot read {path}: {reason}", path=path, reason=exc.strerror)) from exc
    if mode & 0o222 == 0 or not os.access(path, os.W_OK):
        raise Refused(
            _("{path} is read-only, so nothing was written; make it writable first", path=path)
        )


def prepare(target: Path) -> None:
    """Create the folder of an output file; refuse a folder in its place."""
    if target.is_dir():
        raise OpsError(_("{path} is a folder; give a file name for this format", path=target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OpsError(
            _("cannot create {path}: {reason}", path=target.parent, reason=exc.strerror)
        ) from exc


def is_stream(target: Path) -> bool:
    """A pipe, terminal or device (`-o /dev/stdout`): written through, never replaced by a file."""
    return target.exists() and not target.is_file() and not target.is_dir()


def _replace(tmp: Path, path: Path) -> None:
    """The commit point of every write (tests replace it to simulate a crash before it)."""
    os.replace(tmp, path)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a folder; its rename is durable enough
    try:
        with suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
