"""An on-disk cache of each file's parsed data, so that loading a manual again parses only the
files that changed (docs/architecture.md, "Speed").

Parsing YAML is most of a load; a CI run after a one-file commit, or a `validate` followed by a
`render`, reads thousands of files that have not changed. For every file that parses and passes
its per-file checks (its schema and calendar dates) with no finding, the cache keeps the data
under the file's path and the SHA-256 of its bytes; a file whose bytes are the same gives the
same data without being parsed or checked again. A file with findings is never cached: it is
parsed and checked afresh every time, so its findings (their words follow the reader's language)
are always made now, and the cached data of a file is by construction data that has none. A hit
is the very data a parse gives, so findings, positions (found in the file's text, which is read
every time) and outputs are the same bytes with and without the cache.

Each entry is also bound to everything else that decides the data and its checking: opsmanual's
version, the code of the modules that parse and check a file, the schemas, PyYAML and libyaml,
jsonschema-rs and Python; a change of any of them empties the cache.

Where: `parse/` in `$OPSMANUAL_CACHE_DIR`, else `$XDG_CACHE_HOME/opsmanual/parse`, else
`~/.cache/opsmanual/parse` (beside the render cache, `render/cache.py`); `OPSMANUAL_CACHE_DIR=off`
turns both off. One folder per manual folder (named by the hash of its absolute path), holding at
most `SHARDS` files, each with the entries of the paths that hash to it: a one-file change
rewrites one small shard, and the folder never holds more than the manual's current files. At
most `MANUALS` manual folders are kept, and any unused for 30 days is removed.

Safety: the cache may sit in a shared folder, and its files are never trusted. A shard is
`marshal` data (plain values only: nothing in it runs code) read only when it is a regular file
owned by this user and writable by no one else, not larger than `MAX_SHARD`, with this version's
header and the SHA-256 of its body; anything else, or any error while reading it, is a miss. It
is written (mode 0600) through `atomic.write_cache_entry`: a temporary file renamed into place,
so a concurrent reader sees a whole shard or none. The cache is an optimisation only: a folder
that cannot be written, a full disk or a corrupt shard costs time, never the load.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import stat
import sys
import time
import zlib
from functools import cache
from pathlib import Path
from typing import Any

from opsmanual import __version__

MAGIC = b"opsmanual-parse-2\n"
MARSHAL_VERSION = 4
SHARDS = 16
MAX_SHARD = 256 * 1024 * 1024  # bytes; the shards of a 10,000-procedure manual are about 1 MB
MANUALS = 20  # manual folders kept
PRUNE_AFTER = 30 * 24 * 3600  # seconds unused before a manual's folder is removed
PRUNE_EVERY = 24 * 3600
# The modules whose code decides a file's data and per-file findings.
_CODE = ("load.py", "schema.py", "manual.py", "model.py", "kinds.py", "parse_cache.py")
_OFF = ("", "off", "0", "no")

# path -> (SHA-256 of the file's bytes, its data as `marshal` bytes: written once, where the file
# was parsed, and read only for a hit)
Entries = dict[str, tuple[bytes, bytes]]
MISS = object()  # what `get` gives for a file it does not have


def cache_dir() -> Path | None:
    """The parse cache's folder from the environment (as the render cache's), or None: off."""
    explicit = os.environ.get("OPSMANUAL_CACHE_DIR")
    if explicit is not None:
        return None if explicit.strip().lower() in _OFF else Path(explicit) / "parse"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "opsmanual" / "parse"


@cache
def salt() -> bytes:
    """Everything besides a file's bytes that decides its cached data."""
    from opsmanual.schema import schema_texts

    digest = hashlib.sha256(f"{__version__}\0{sys.version}\0{MARSHAL_VERSION}".encode())
    here = Path(__file__).parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    for name, text in sorted(schema_texts().items()):
        digest.update(f"\0{name}\0{text}".encode())
    digest.update(_libraries().encode())
    return digest.digest()


def _libraries() -> str:
    """PyYAML's and libyaml's versions, and which jsonschema-rs build is installed (it has no
    version attribute; its files' sizes and times say which build, without importing it)."""
    import importlib.util

    import yaml

    parts = [yaml.__version__, str(getattr(yaml, "__with_libyaml__", False))]
    with contextlib.suppress(ImportError, AttributeError):
        from yaml import _yaml

        parts.append(str(_yaml.get_version_string()))
    spec = importlib.util.find_spec("jsonschema_rs")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_file():
                    status = entry.stat()
                    parts.append(f"{entry.name}:{status.st_size}:{status.st_mtime_ns}")
    return "\0".join(parts)


def digest_of(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


def entry_of(data: Any) -> bytes | None:
    """The data as a cache entry keeps it, or None for data `marshal` cannot write."""
    try:
        return marshal.dumps(data, MARSHAL_VERSION)
    except ValueError:
        return None


class ParseCache:
    """The cached data of one manual folder's files (`folder` None: a cache that is off)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._shards: dict[int, Entries] = {}
        self._changed: set[int] = set()
        self._wanted: dict[int, set[str]] = {}
        self.hits = 0
        self.misses = 0

    @classmethod
    def for_manual(cls, root: Path) -> ParseCache:
        """The cache of the manual in `root`, as the environment says (off: one that is off)."""
        base = cache_dir()
        if base is None:
            return cls(None)
        try:
            where = str(root.resolve())
        except OSError:
            return cls(None)
        name = hashlib.sha256(where.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return cls(base / name)

    def get(self, path: str, digest: bytes) -> Any:
        """The data of a file whose bytes have this digest, as it was cached; else MISS.
        Every path asked for is one the manual has now: the others leave the cache."""
        if self.folder is None:
            return MISS
        shard = _shard_of(path)
        self._wanted.setdefault(shard, set()).add(path)
        entry = self._entries(shard).get(path)
        if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == digest:
            try:
                data = marshal.loads(entry[1])
            except (EOFError, ValueError, TypeError):
                data = MISS
            if data is not MISS:
                self.hits += 1
                return data
        self.misses += 1
        return MISS

    def put(self, path: str, digest: bytes, entry: bytes) -> None:
        """Keep the data (`entry_of`) of a file that parsed and passed its per-file checks with
        no finding."""
        if self.folder is None:
            return
        shard = _shard_of(path)
        self._wanted.setdefault(shard, set()).add(path)
        self._entries(shard)[path] = (digest, entry)
        self._changed.add(shard)

    def save(self) -> None:
        """Write the shards that changed, without the entries of files the manual no longer
        has; errors are ignored (the cache is an optimisation only)."""
        if self.folder is None:
            return
        for shard, entries in self._shards.items():
            wanted = self._wanted.get(shard, set())
            if any(path not in wanted for path in entries):
                for path in [p for p in entries if p not in wanted]:
                    del entries[path]
                self._changed.add(shard)
        self._remove_unasked()
        if not self._changed:
            self._touch()
            return
        from opsmanual.atomic import write_cache_entry
        from opsmanual.errors import OpsmanualError

        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            for shard in sorted(self._changed):
                body = marshal.dumps(self._shards[shard], MARSHAL_VERSION)
                head = MAGIC + salt() + hashlib.sha256(body).digest()
                write_cache_entry(self._shard_path(shard), head + body)
        except (OSError, OpsmanualError):
            return
        self._changed.clear()
        _prune(self.folder.parent, self.folder)

    def _remove_unasked(self) -> None:
        """Remove the shards no file of the manual maps to any more (their files are gone)."""
        assert self.folder is not None
        names = {f"{shard:02x}" for shard in self._shards}
        with contextlib.suppress(OSError), os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.name not in names and len(entry.name) == 2 and entry.is_file():
                    os.unlink(entry.path)

    def _entries(self, shard: int) -> Entries:
        if shard not in self._shards:
            assert self.folder is not None
            self._shards[shard] = _read_shard(self._shard_path(shard))
        return self._shards[shard]

    def _shard_path(self, shard: int) -> Path:
        assert self.folder is not None
        return self.folder / f"{shard:02x}"

    def _touch(self) -> None:
        """Mark the folder used (pruning goes by its time), at most once a day."""
        assert self.folder is not None
        with contextlib.suppress(OSError):
            if time.time() - self.folder.stat().st_mtime > PRUNE_EVERY:
                os.utime(self.folder)


def _shard_of(path: str) -> int:
    return zlib.crc32(path.encode("utf-8", "surrogatepass")) % SHARDS


def _read_shard(path: Path) -> Entries:
    """The entries of one shard, or none when it is missing, not ours, or not intact."""
    raw = _read_own(path)
    if raw is None:
        return {}
    head = len(MAGIC) + 64
    if len(raw) < head or not raw.startswith(MAGIC) or raw[len(MAGIC) : head - 32] != salt():
        return {}
    body = memoryview(raw)[head:]
    if hashlib.sha256(body).digest() != raw[head - 32 : head]:
        return {}
    try:
        entries = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return {}
    return entries if isinstance(entries, dict) else {}


def _read_own(path: Path) -> bytes | None:
    """The bytes of `path` if it is a regular file of this user that no one else may write, of
    at most MAX_SHARD bytes; else None. Never follows a link, never waits on a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_SHARD:
            return None
        # POSIX: this user's, and nobody else may write it (Windows has no such mode bits)
        if hasattr(os, "geteuid") and (status.st_uid != os.geteuid() or status.st_mode & 0o022):
            return None
        parts = []
        while chunk := os.read(fd, status.st_size + 1):
            parts.append(chunk)
            if sum(map(len, parts)) > MAX_SHARD:
                return None
        return b"".join(parts)
    except OSError:
        return None
    finally:
        os.close(fd)


def _prune(base: Path, keep: Path) -> None:
    """Remove the folders of manuals unused for PRUNE_AFTER seconds, and the least recently
    used beyond MANUALS; at most once every PRUNE_EVERY."""
    import shutil

    now = time.time()
    stamp = base / ".pruned"
    try:
        if stamp.exists() and now - stamp.stat().st_mtime < PRUNE_EVERY:
            return
        stamp.touch()
        folders = sorted(
            (entry for entry in base.iterdir() if entry.is_dir() and not entry.is_symlink()),
            key=lambda entry: -entry.stat().st_mtime,
        )
    except OSError:
        return
    for rank, folder in enumerate(folders):
        with contextlib.suppress(OSError):
            status = folder.stat()
            ours = len(folder.name) == 32 and all(c in "0123456789abcdef" for c in folder.name)
            if hasattr(os, "geteuid"):
                ours = ours and status.st_uid == os.geteuid()
            old = now - status.st_mtime > PRUNE_AFTER
            if ours and folder != keep and (old or rank >= MANUALS):
                shutil.rmtree(folder, ignore_errors=True)
