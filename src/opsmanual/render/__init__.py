"""`opsmanual render`: the handbook as HTML, Markdown, PDF or Word.

`render()` takes a manual that passed its checks and writes one output, atomically: a temporary
file next to the target, renamed into place, so a reader never sees half a handbook.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from opsmanual.errors import OpsError, Refused
from opsmanual.model import Manual
from opsmanual.parallel import collector_paused

FORMATS = ("html", "markdown", "pdf", "docx")
DEFAULT_OUT = {
    "html": Path("site"),
    "markdown": Path("handbook.md"),
    "pdf": Path("handbook.pdf"),
    "docx": Path("handbook.docx"),
}


def check_copy(manual: Manual, copy_id: str | None) -> None:
    """Refuse a copy number the manual does not list, naming the ones it does."""
    if copy_id is None or manual.info is None:
        return
    known = [c.id for c in manual.info.copies]
    if copy_id not in known:
        listed = ", ".join(known) if known else "none (manual.yaml lists no copies)"
        raise Refused(f"no controlled copy {copy_id!r}; the manual's copies are: {listed}")


def render(
    manual: Manual,
    out: Path,
    fmt: str = "html",
    copy_id: str | None = None,
    templates: Path | None = None,
    progress: Callable[[int], None] | None = None,
    former: Mapping[str, str] | None = None,
) -> Path:
    """Write the handbook; returns the file written (for html, `out/index.html`).

    `former`: titles of entities that updates removed (`titles.former_titles`).
    """
    from opsmanual.render.context import build
    from opsmanual.render.i18n import load_words

    if fmt not in FORMATS:
        raise OpsError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    check_copy(manual, copy_id)
    assert manual.info is not None
    book = build(manual, load_words(manual.info.language, templates), copy_id, former)
    if fmt == "markdown":
        from opsmanual.render.markdown import render_markdown

        target = out
        _write_atomic(target, render_markdown(book).encode("utf-8"))
        return target
    if fmt == "docx":
        from opsmanual.render.docx import render_docx

        with collector_paused():
            data = render_docx(book, progress)
        _write_atomic(out, data)
        return out
    from opsmanual.render.html import render_html

    with collector_paused():
        html = render_html(book, templates, pdf=fmt == "pdf", progress=progress)
    if fmt == "pdf":
        from opsmanual.render.pdf import write_pdf

        if is_stream(out):
            write_pdf(html, out)
            return out
        _prepare(out)
        with _temp_beside(out) as tmp:
            write_pdf(html, tmp)
            os.replace(tmp, out)
        return out
    if out.exists() and not out.is_dir():
        raise OpsError(f"{out} exists and is not a folder; the html format writes a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OpsError(f"cannot create {out}: {exc.strerror}") from exc
    target = out / "index.html"
    _write_atomic(target, html.encode("utf-8"))
    return target


def _prepare(target: Path) -> None:
    if target.is_dir():
        raise OpsError(f"{target} is a folder; give a file name for this format")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OpsError(f"cannot create {target.parent}: {exc.strerror}") from exc


@contextmanager
def _temp_beside(target: Path) -> Iterator[Path]:
    """A temporary file in the target's folder (same file system, so the rename is atomic)."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise OpsError(f"cannot write to {target.parent}: {exc.strerror}") from exc
    os.close(fd)
    path = Path(name)
    mask = os.umask(0)
    os.umask(mask)
    path.chmod(0o666 & ~mask)  # mkstemp's 0600 would make a published handbook unreadable
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)  # gone already when the rename succeeded


def is_stream(target: Path) -> bool:
    """A pipe, terminal or device (`-o /dev/stdout`): written through, never replaced by a file."""
    return target.exists() and not target.is_file() and not target.is_dir()


def _write_atomic(target: Path, data: bytes) -> None:
    if is_stream(target):
        try:
            with target.open("wb") as stream:
                stream.write(data)
        except OSError as exc:
            raise OpsError(f"cannot write {target}: {exc.strerror}") from exc
        return
    _prepare(target)
    with _temp_beside(target) as tmp:
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError as exc:
            raise OpsError(f"cannot write {target}: {exc.strerror}") from exc
