"""An on-disk cache of each procedure's rendered HTML (its tables and its flow diagram).

Drawing diagrams and filling the procedure template is most of a large render; in CI, one commit
changes a few procedures. Each procedure's HTML is stored under a key that is the SHA-256 of
everything that goes into it: the procedure as the handbook shows it (its view, with the labels
of the roles and procedures it mentions), the words of the language, the running line, the
renderer's code and every template. A change to any of them makes a new key, so a cached
fragment is never stale: a hit gives the very bytes a fresh drawing would.

Where: `$OPSMANUAL_CACHE_DIR`, else `$XDG_CACHE_HOME/opsmanual/render`, else
`~/.cache/opsmanual/render`; `OPSMANUAL_CACHE_DIR=off` turns it off. Not under the output folder,
which is published. Safety: each entry is written to a temporary file and renamed into place
(concurrent runs write the same bytes for the same key, the last rename wins, a reader sees a
whole file or none); each entry carries the SHA-256 of its text and one that does not match
(a torn or edited file) is ignored and rewritten. The cache is an optimisation only: any error
reading or writing it is ignored. Entries unused for 30 days are removed, at most once a day (an
entry's modification time says when it was last used, renewed at most once an hour).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2.bccache import BytecodeCache

MAGIC = b"opsmanual-fragment-1\n"
PRUNE_AFTER = 30 * 24 * 3600  # seconds unused before an entry is removed
PRUNE_EVERY = 24 * 3600
TOUCH_AFTER = 3600  # seconds: an entry used is marked used again at most once an hour
_CODE = ("svg.py", "html.py", "context.py", "markup.py", "cache.py", "site.py")


def default_dir() -> Path | None:
    """The cache folder from the environment, or None when turned off."""
    explicit = os.environ.get("OPSMANUAL_CACHE_DIR")
    if explicit is not None:
        return None if explicit.strip().lower() in ("", "off", "0", "no") else Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "opsmanual" / "render"


def code_digest() -> str:
    """The renderer's own code: a fragment drawn by other code is another fragment."""
    from opsmanual import __version__

    digest = hashlib.sha256(__version__.encode())
    here = Path(__file__).parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


class FragmentCache:
    """Text by key in `folder` (None: a cache that never hits and stores nothing)."""

    def __init__(self, folder: Path | None, salt: Iterable[str]) -> None:
        self.folder = folder
        self._where = "" if folder is None else str(folder)
        digest = hashlib.sha256()
        for part in salt:
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        self._salt = digest.digest()
        self.hits = 0
        self.misses = 0

    def key(self, content: str) -> str:
        return hashlib.sha256(self._salt + content.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / key

    def get(self, key: str) -> str | None:
        if self.folder is None:
            return None
        name = os.path.join(self._where, key[:2], key)  # a warm render asks thousands of times
        try:
            with open(name, "rb") as stream:
                used = os.fstat(stream.fileno()).st_mtime
                data = stream.read()
        except OSError:
            self.misses += 1
            return None
        text = _decode(data)
        if text is None:
            self.misses += 1
            return None
        self.hits += 1
        if time.time() - used > TOUCH_AFTER:  # its age is what pruning looks at
            with contextlib.suppress(OSError):
                os.utime(name)
        return text

    def put(self, key: str, text: str) -> None:
        if self.folder is None:
            return
        body = text.encode("utf-8")
        data = MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as stream:
                    stream.write(data)
                os.replace(name, target)
            except BaseException:
                Path(name).unlink(missing_ok=True)
                raise
        except OSError:
            pass  # a read-only or full disk costs speed, never the render

    def prune(self, now: float | None = None) -> None:
        """Remove entries unused for PRUNE_AFTER seconds; at most once every PRUNE_EVERY."""
        if self.folder is None:
            return
        now = time.time() if now is None else now
        stamp = self.folder / ".pruned"
        try:
            if stamp.exists() and now - stamp.stat().st_mtime < PRUNE_EVERY:
                return
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp.touch()
            for shard in self.folder.iterdir():
                if shard.is_dir():
                    for entry in shard.iterdir():
                        if now - entry.stat().st_mtime > PRUNE_AFTER:
                            entry.unlink(missing_ok=True)
        except OSError:
            pass


TEMPLATES = "templates"  # the compiled templates' folder inside the cache folder


def template_cache(folder: Path | None) -> BytecodeCache | None:
    """Jinja's compiled templates kept in `folder/templates` (compiling them all is a good part
    of a warm render). Jinja checks each entry against its template's source and writes it
    atomically; an unreadable entry is compiled again, like a missing one."""
    if folder is None:
        return None
    from jinja2.bccache import Bucket, FileSystemBytecodeCache

    class Tolerant(FileSystemBytecodeCache):
        def load_bytecode(self, bucket: Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except (OSError, ValueError, EOFError, TypeError):
                bucket.reset()

        def dump_bytecode(self, bucket: Bucket) -> None:
            with contextlib.suppress(OSError):  # a read-only or full disk costs speed only
                super().dump_bytecode(bucket)

    where = folder / TEMPLATES
    with contextlib.suppress(OSError):
        where.mkdir(parents=True, exist_ok=True)
    return Tolerant(str(where))


def _decode(data: bytes) -> str | None:
    """The entry's text, or None when it is not a whole, untouched entry."""
    if not data.startswith(MAGIC):
        return None
    head, sep, body = data[len(MAGIC) :].partition(b"\n")
    if not sep or hashlib.sha256(body).hexdigest().encode() != head:
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None
