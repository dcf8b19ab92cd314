"""`opsmanual render`: the handbook as HTML, Markdown or PDF.

`render()` takes a manual that passed its checks and writes one output, atomically: a temporary
file next to the target, renamed into place, so a reader never sees half a handbook.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from opsmanual.atomic import is_stream, prepare, replacing, write_output
from opsmanual.errors import OpsError, Refused
from opsmanual.findings import Finding
from opsmanual.i18n import _, listing
from opsmanual.model import Manual

FORMATS = ("html", "markdown", "pdf")
DEFAULT_OUT = {"html": Path("site"), "markdown": Path("handbook.md"), "pdf": Path("handbook.pdf")}


def check_copy(manual: Manual, copy_id: str | None) -> None:
    """Refuse a copy number the manual does not list, naming the ones it does."""
    if copy_id is None or manual.info is None:
        return
    known = [c.id for c in manual.info.copies]
    if copy_id not in known:
        listed = listing(known) if known else _("none (manual.yaml lists no copies)")
        raise Refused(
            _(
                "no controlled copy {copy!r}; the manual's copies are: {copies}",
                copy=copy_id,
                copies=listed,
            )
        )


def refuse_own_files(root: Path, out: Path, fmt: str) -> None:
    """Refuse an output that would overwrite the manual itself: manual.yaml, anything in
    records/, an entity folder, .schemas/ or .git/ (`-o manual.yaml`, `-o records/loans.yaml`).
    Exit 1 with one line; the handbook goes anywhere else, the manual's own folder included."""
    from opsmanual.kinds import ENTITY_KINDS, relevant

    if is_stream(out):
        return
    written = out / "index.html" if fmt == "html" else out
    try:
        rel = written.resolve().relative_to(root.resolve())
    except ValueError:
        return  # outside the manual
    first = rel.parts[0] if rel.parts else ""
    if relevant(rel.as_posix()) or first in {*ENTITY_KINDS, "records", ".schemas", ".git"}:
        raise Refused(
            _(
                "{path} is part of the manual ({where}); the handbook is never written "
                "over the manual's own files: choose another --output",
                path=out,
                where=rel.as_posix(),
            )
        )


def render(
    manual: Manual,
    out: Path,
    fmt: str = "html",
    copy_id: str | None = None,
    templates: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write the handbook; returns the file written (for html, `out/index.html`)."""
    from opsmanual.render.context import build
    from opsmanual.render.i18n import load_words

    if fmt not in FORMATS:
        raise OpsError(
            _(
                "unknown format {format!r}; choose one of {formats}",
                format=fmt,
                formats=listing(FORMATS),
            )
        )
    check_copy(manual, copy_id)
    assert manual.info is not None
    book = build(manual, load_words(manual.info.language, templates), copy_id)
    if fmt == "markdown":
        from opsmanual.render.markdown import render_markdown

        target = out
        write_output(target, render_markdown(book).encode("utf-8"))
        return target
    from opsmanual.render.html import render_html

    html = render_html(book, templates, pdf=fmt == "pdf", progress=progress)
    if fmt == "pdf":
        from opsmanual.render.pdf import write_pdf

        if is_stream(out):
            write_pdf(html, out)
            return out
        prepare(out)
        with replacing(out) as tmp:
            write_pdf(html, tmp)
        return out
    if out.exists() and not out.is_dir():
        raise OpsError(
            _("{path} exists and is not a folder; the html format writes a folder", path=out)
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OpsError(_("cannot create {path}: {reason}", path=out, reason=exc.strerror)) from exc
    target = out / "index.html"
    write_output(target, html.encode("utf-8"))
    return target


def refuses(findings: list[Finding]) -> bool:
    """No handbook is written from a manual with errors (cli.md): a printed manual with a broken
    reference or an impossible loan would be lent out as if it were right."""
    return any(f.severity == "error" for f in findings)


def checked_manual(root: Path, rev: str | None) -> tuple[Manual, list[Finding]]:
    """The manual and its sorted findings: the work tree's, or a revision's read from git."""
    from opsmanual.findings import sort_findings
    from opsmanual.gitsource import source_at
    from opsmanual.source import FolderSource
    from opsmanual.validate import check

    source = FolderSource(root) if rev is None else source_at(root, rev)
    loaded, findings = check(source)
    return loaded, sort_findings(findings)
