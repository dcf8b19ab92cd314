"""Real git repositories for the history tests: a copy of the example manual in a subfolder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "manuals"
IDENTITY = [
    "-c",
    "user.name=Test",
    "-c",
    "user.email=test@example.com",
    "-c",
    "commit.gpgsign=false",
]


class GitRepo:
    def __init__(self, top: Path, manual: str = "manuals/operations") -> None:
        self.top = top
        self.root = top / manual

    def git(self, *args: str, cwd: Path | None = None, when: str | None = None) -> str:
        """Run git in the repository; `when` (ISO 8601) dates what it commits."""
        env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when} if when else None
        done = subprocess.run(
            ["git", *IDENTITY, *args],
            cwd=cwd or self.top,
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        return done.stdout

    def commit(self, message: str, when: str | None = None) -> str:
        """Commit everything in the work tree, at `when` if given; the new commit's id."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, when=when)
        return self.git("rev-parse", "HEAD").strip()

    def path(self, rel: str) -> Path:
        return self.root / rel

    def replace(self, rel: str, old: str, new: str) -> None:
        """Edit a file of the manual; the text to replace must be there."""
        file = self.path(rel)
        text = file.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        file.write_text(text.replace(old, new, 1), encoding="utf-8")

    def append_record(
        self, version: str, changes: list[str], removed: list[str] | None = None
    ) -> None:
        """A new update record and manual version, written by hand as a user would."""
        lines = [
            f'- version: "{version}"',
            "  date: 2026-11-20",
            "  summary: test update",
            f"  changes: [{', '.join(changes)}]",
            "  author: zheng-li",
            "  approved_by: zhou-ming",
        ]
        if removed:
            lines.append(f"  removed: [{', '.join(removed)}]")
        with self.path("records/updates.yaml").open("a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        text = self.path("manual.yaml").read_text(encoding="utf-8")
        current = text.split('version: "', 1)[1].split('"', 1)[0]
        self.replace("manual.yaml", f'version: "{current}"', f'version: "{version}"')
        effective = re.search(r"^effective: (\S+)$", text, re.MULTILINE)
        if effective:  # the manual takes effect with its last record (effective-mismatch)
            self.replace("manual.yaml", effective.group(0), "effective: 2026-11-20")


def empty_repo(top: Path, manual: str = "manual") -> GitRepo:
    """A new repository with no commit; the manual is to be written in `top / manual`."""
    top.mkdir(parents=True, exist_ok=True)
    repo = GitRepo(top, manual)
    repo.git("init", "-q", "-b", "main")
    return repo


def example_repo(top: Path, name: str = "operations") -> GitRepo:
    """A repository holding a copy of a bundled example manual, imported in one commit."""
    repo = empty_repo(top, f"manuals/{name}")
    shutil.copytree(EXAMPLES / name, repo.root)
    repo.commit("import the manual")
    return repo
