"""The `Source` of a manual at a git revision, read from git objects without a checkout."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from opsmanual.errors import OpsError
from opsmanual.gitaccess import GitManual, require_repo
from opsmanual.i18n import _
from opsmanual.kinds import MANUAL_FILES, relevant
from opsmanual.source import LINK_MESSAGE, Unreadable


class GitSource:
    """The `Source` of a manual at one commit, read from git objects without a checkout.

    With `only`, a partial source over just those paths: what a diff needs, at the cost of
    the change rather than of the manual.
    """

    def __init__(self, gm: GitManual, commit: str, only: Iterable[str] | None = None) -> None:
        self.gm = gm
        self.commit = commit
        self._only = sorted(set(only)) if only is not None else None
        self._blobs: dict[str, bytes] | None = None
        self._links: set[str] = set()
        self._ids: dict[str, str] | None = None

    def paths(self) -> list[str]:
        if self._only is not None:
            return [p for p in self._only if relevant(p)]
        return sorted(self._listing())

    def _listing(self) -> dict[str, str]:
        """Path -> blob id of every file of the format, from one `git ls-tree`."""
        if self._ids is None:
            scope = self.gm.prefix or "."
            listing = self.gm.git("ls-tree", "-r", "-z", self.commit, "--", scope)
            n = len(self.gm.prefix)
            self._ids = {}
            for line in listing.split("\0"):
                meta, _tab, name = line.partition("\t")
                if name and meta.split()[1] == "blob" and relevant(name[n:]):
                    self._ids[name[n:]] = meta.split()[2]
                    if meta.startswith("120000"):  # a symbolic link: read as on disk, not at all
                        self._links.add(name[n:])
        return self._ids

    def read(self, path: str) -> bytes:
        if self._only is None and path in self._listing() and path in self._links:
            raise Unreadable(path, _(LINK_MESSAGE))
        if self._only is None:
            if self._blobs is None:
                # A whole manual is read in one `git cat-file --batch` run, not a round trip
                # per file.
                self._blobs = self.gm.read_blobs(self._listing())
            data = self._blobs.get(path)
        else:
            data = self.gm.read(self.commit, path)
        if data is None:
            raise OpsError(
                _("{path} does not exist at {commit}", path=path, commit=self.commit[:12])
            )
        return data


def source_at(root: Path, rev: str) -> GitSource:
    """The manual's files at a git revision, for `render --rev` and the history commands."""
    gm = require_repo(root)
    commit = gm.resolve(rev)
    require_manual_at(gm, commit, rev)
    return GitSource(gm, commit)


def require_manual_at(gm: GitManual, commit: str, rev: str) -> None:
    """OpsError unless the manual (its folder and manual.yaml) existed at `commit`."""
    if gm.prefix and gm.object_id(commit, "") is None:
        raise OpsError(
            _(
                "the manual folder {folder} did not exist at {rev}",
                folder=gm.prefix.rstrip("/"),
                rev=rev,
            )
        )
    if not any(gm.read(commit, name) is not None for name in MANUAL_FILES):
        raise OpsError(_("the manual folder has no manual.yaml at {rev}", rev=rev))
