"""Git access: the only module that imports git (gitpython), and only when a command needs it.

`GitManual` is a manual folder inside a git work tree: files at a revision, blob reads in one
batch, and what changed between two points (a commit or WORKTREE). Every git question is asked
about the paths that changed, never about the whole manual, so the cost follows the size of a
change.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsmanual.errors import OpsError
from opsmanual.i18n import N_, _
from opsmanual.kinds import relevant
from opsmanual.source import read_regular

WORKTREE = "worktree"
FETCH_HINT = N_(
    "fetch the full history (`git fetch --unshallow`; in GitHub Actions `fetch-depth: 0` "
    "on actions/checkout, in GitLab CI `GIT_DEPTH: 0`)"
)


class GitManual:
    """A manual folder inside a git work tree: the repository and the folder's place in it."""

    def __init__(self, repo: Any, root: Path) -> None:
        self.repo = repo
        self.top = Path(repo.working_tree_dir).resolve()
        self.root = root.resolve()
        rel = self.root.relative_to(self.top).as_posix()
        self.prefix = "" if rel == "." else rel + "/"
        self._shallow: set[str] | None = None
        # gitpython keeps `git cat-file` processes open for reads; end them with this object.
        weakref.finalize(self, repo.close)

    def git(self, *args: str) -> str:
        """Run a git command in the repository; a failure becomes one clear `OpsError`."""
        from git.exc import GitCommandError

        try:
            out: str = self.repo.git.execute(
                ["git", "-c", "core.quotepath=off", *args], strip_newline_in_stdout=False
            )
        except GitCommandError as exc:
            detail = (exc.stderr or "").strip().removeprefix("stderr:").strip(" '\n")
            raise OpsError(
                _("git {command} failed: {detail}", command=args[0], detail=detail or exc)
            ) from None
        return out

    def has_head(self) -> bool:
        try:
            self.repo.head.commit  # noqa: B018  (raises on a repository without commits)
        except ValueError:
            return False
        return True

    def resolve(self, rev: str) -> str:
        """The full commit id of a revision (tag, branch, commit), or `OpsError`."""
        from git.exc import BadName, GitCommandError

        try:
            commit = str(self.repo.commit(rev).hexsha)
        except (BadName, GitCommandError, ValueError):
            raise OpsError(_("unknown revision {rev!r} in {top}", rev=rev, top=self.top)) from None
        try:
            # In a shallow clone `HEAD~1` names a parent whose object was never fetched.
            self.repo.git.get_object_header(commit)
        except ValueError:
            raise OpsError(
                _(
                    "revision {rev!r} is beyond the history of this shallow clone; {hint}",
                    rev=rev,
                    hint=_(FETCH_HINT),
                )
            ) from None
        return commit

    def shallow_boundary(self) -> set[str]:
        if self._shallow is None:
            marker = Path(self.repo.git_dir) / "shallow"
            text = marker.read_text() if marker.is_file() else ""
            self._shallow = set(text.split())
        return self._shallow

    def read(self, point: str, path: str) -> bytes | None:
        """A file of the manual (path relative to the manual folder) at a commit or the work
        tree; None when it does not exist there."""
        if point == WORKTREE:
            file = self.root / path
            if not (file.is_file() or file.is_symlink()):
                return None
            return read_regular(file, inside=self.root)  # a link or FIFO: one-line error
        # One persistent `git cat-file --batch` answers every read: no tree parsed in Python.
        try:
            _sha, kind, _size, data = self.repo.git.get_object_data(f"{point}:{self.prefix}{path}")
        except ValueError:
            return None
        return bytes(data) if kind == b"blob" else None

    def read_blobs(self, ids: dict[str, str]) -> dict[str, bytes]:
        """Many blobs by id (path -> id), in a single `git cat-file --batch` run; by id, since
        resolving `commit:path` would scan a large folder's tree once per file."""
        import subprocess

        paths = list(ids)
        specs = "".join(f"{ids[p]}\n" for p in paths).encode("ascii")
        try:
            done = subprocess.run(
                ["git", "cat-file", "--batch"], input=specs, cwd=self.top, capture_output=True
            )
        except OSError as exc:
            raise OpsError(_("cannot run git: {reason}", reason=exc.strerror or exc)) from None
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip()
            raise OpsError(_("git {command} failed: {detail}", command="cat-file", detail=detail))
        out: dict[str, bytes] = {}
        data, at = done.stdout, 0
        for path in paths:
            end = data.index(b"\n", at)
            header = data[at:end].split()
            at = end + 1
            if header[-1] == b"missing":
                continue
            size = int(header[2])
            out[path] = data[at : at + size]
            at += size + 1
        return out

    def object_id(self, commit: str, path: str) -> str | None:
        """The id of a blob or tree (path relative to the manual folder; "" for the folder)."""
        spec = f"{commit}:{self.prefix}{path}".rstrip("/")
        try:
            sha, _kind, _size = self.repo.git.get_object_header(spec)
        except ValueError:
            return None
        return bytes(sha).decode()

    def changes(self, a: str, b: str, renames: bool = True) -> list[Change]:
        """Files of the manual that differ between two points (`b` may be the work tree), as
        `git diff --raw` sees them; untracked files count as added."""
        scope = ["--", self.prefix or "."]
        args = ["diff", "--raw", "-z", "-M" if renames else "--no-renames", a]
        if b != WORKTREE:
            args.append(b)
        found = _parse_raw(self.git(*args, *scope), self.prefix)
        if b == WORKTREE:
            untracked = self.git("ls-files", "-z", "--others", "--exclude-standard", *scope)
            for name in untracked.split("\0"):
                if name.startswith(self.prefix) and name:
                    found.append(Change("A", None, name[len(self.prefix) :]))
        return [c for c in found if any(relevant(p) for p in c.paths())]


@dataclass(frozen=True)
class Change:
    """One changed file: status letter (A, D, M, R), old and new path (relative to the
    manual folder; None on the side where the file does not exist), and whether the file is a
    symbolic link on each side (git keeps a link's text, which must never be read as the file)."""

    status: str
    old: str | None
    new: str | None
    old_link: bool = False
    new_link: bool = False

    def paths(self) -> list[str]:
        return [p for p in (self.old, self.new) if p is not None]


def _parse_raw(text: str, prefix: str) -> list[Change]:
    """`git diff --raw -z`: `:oldmode newmode oldsha newsha STATUS NUL path [NUL path2] NUL`."""

    def local(path: str) -> str | None:
        return path[len(prefix) :] if path.startswith(prefix) else None

    parts = text.split("\0")
    out: list[Change] = []
    i = 0
    while i < len(parts) and parts[i]:
        old_mode, new_mode, _old_sha, _new_sha, letters = parts[i].lstrip(":").split()
        status = letters[0]
        if status in "RC":
            old, new = local(parts[i + 1]), local(parts[i + 2])
            i += 3
            if status == "C":
                old = None
        else:
            path = local(parts[i + 1])
            i += 2
            old = None if status == "A" else path
            new = None if status == "D" else path
        link = "120000"
        out.append(
            Change("M" if status == "T" else status, old, new, old_mode == link, new_mode == link)
        )
    return out


def open_repo(root: Path) -> GitManual | None:
    """The git view of a manual folder, or None when it is not inside a git work tree."""
    from git import Repo
    from git.exc import InvalidGitRepositoryError, NoSuchPathError

    try:
        repo = Repo(root, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return None
    if repo.bare or repo.working_tree_dir is None:
        return None
    return GitManual(repo, root)


def require_repo(root: Path) -> GitManual:
    found = open_repo(root)
    if found is None:
        raise OpsError(
            _(
                "{folder} is not inside a git repository (this command needs its history)",
                folder=root,
            )
        )
    return found
