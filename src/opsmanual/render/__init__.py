"""`opsmanual render`: the handbook as HTML (one page or a site), Markdown, PDF or Word.

`render()` takes a manual that passed its checks and writes one output, atomically: a temporary
file next to the target, renamed into place, so a reader never sees half a handbook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from opsmanual.atomic import is_stream, prepare, replacing, write_output
from opsmanual.errors import OpsError, Refused
from opsmanual.findings import Finding
from opsmanual.i18n import _, listing
from opsmanual.model import Manual

if TYPE_CHECKING:
    from opsmanual.render.context import Handbook
    from opsmanual.render.paged import Sheet, Span

FORMATS = ("html", "site", "markdown", "pdf", "docx")
DEFAULT_OUT = {
    "html": Path("site"),
    "site": Path("site"),
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
    former: Mapping[str, str] | None = None,
    changed_since: str | None = None,
    step: Callable[[str], None] | None = None,
) -> Path:
    """Write the handbook; returns the file written (for html and site, `out/index.html`).

    `progress` hears how many procedures are drawn, `step` what printing a PDF is doing.

    `former`: titles of entities that updates removed (`titles.former_titles`).
    `changed_since`: a version; only what changed after it, after an instruction sheet
    (pdf and html; see docs/render.md, "Replacing pages").
    """
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
    if changed_since is not None:
        from opsmanual.render.paged import check_since

        if fmt not in ("html", "pdf"):
            raise OpsError(_("--changed-since works with the html and pdf formats"))
        check_since(manual.updates, changed_since)
    book = build(manual, load_words(manual.info.language, templates), copy_id, former)
    if fmt == "markdown":
        from opsmanual.render.markdown import render_markdown

        target = out
        write_output(target, render_markdown(book).encode("utf-8"))
        return target
    if fmt == "docx":
        from opsmanual.render.docx import render_docx

        write_output(out, render_docx(book, progress))
        return out
    from opsmanual.render.cache import default_dir

    if fmt == "site":
        from opsmanual.render.site import render_site

        return render_site(book, templates, out, progress, default_dir())
    if fmt == "pdf":
        return _render_pdf(manual, book, out, templates, progress, changed_since, step)
    from opsmanual.render.html import render_html

    only, sheet = None, None
    if changed_since is not None:
        only, sheet = _changes(manual, book, changed_since, None)
    html = render_html(book, templates, False, progress, default_dir(), only, sheet)
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


def _changes(
    manual: Manual, book: Handbook, since: str, page_spans: list[Span] | None
) -> tuple[list[str] | None, Sheet]:
    """The parts to show after `since` (None: all) and the instruction sheet for them."""
    from opsmanual.render.paged import Sheet, changed_parts, part_order, sheet_rows

    wanted = changed_parts(book, manual.updates, since)
    listed = part_order(book) if wanted is None else wanted
    rows = sheet_rows(book, manual.updates, since, listed, page_spans)
    return wanted, Sheet(since, wanted is None, rows)


def _render_pdf(
    manual: Manual,
    book: Handbook,
    out: Path,
    templates: Path | None,
    progress: Callable[[int], None] | None,
    since: str | None,
    step: Callable[[str], None] | None,
) -> Path:
    """Lay the whole book out once (procedure page numbers: see paged.py), then write it, or
    with `since` the instruction sheet and the pages that changed, keeping their numbers in the
    whole book."""
    from opsmanual.render.cache import default_dir
    from opsmanual.render.html import render_html
    from opsmanual.render.paged import parts, procedure_css, sheet_css, spans
    from opsmanual.render.pdf import lay_out, reporting, save

    html = render_html(book, templates, True, progress, default_dir())
    with reporting(step):
        document = lay_out(html, procedure_css(book))
        pages = None
        if since is not None:
            page_parts = parts(book, [sorted(page.anchors) for page in document.pages])
            wanted, sheet = _changes(manual, book, since, spans(page_parts))
            sheet_html = render_html(book, templates, True, only=(), sheet=sheet)
            instructions = lay_out(sheet_html, sheet_css(book))
            chosen = [
                page
                for page, part in zip(document.pages, page_parts, strict=True)
                if wanted is None or part in wanted
            ]
            pages = [*instructions.pages, *chosen]
        if is_stream(out):
            save(document, out, pages)
            return out
        prepare(out)
        with replacing(out) as tmp:
            save(document, tmp, pages)
    return out


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
