"""The handbook as one HTML page, from Jinja2 templates (ours, or a user's on top of ours)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from opsmanual.errors import OpsError
from opsmanual.render.context import Handbook, Ref
from opsmanual.render.svg import flow_layout, org_layout, to_svg
from opsmanual.resources import resource_dir

if TYPE_CHECKING:
    from jinja2 import Environment

Progress = Callable[[int], None]


def environment(user_dir: Path | None) -> Environment:
    """Autoescaping always on; a user's templates override ours file by file, in the sandbox."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    ours = FileSystemLoader(str(resource_dir("templates")))
    options: dict[str, Any] = {
        "autoescape": True,
        "undefined": StrictUndefined,
        "keep_trailing_newline": True,
    }
    env: Environment
    if user_dir is None:
        env = Environment(loader=ours, **options)
    else:
        if not user_dir.is_dir():
            raise OpsError(f"no such templates folder: {user_dir}")
        loader = ChoiceLoader([FileSystemLoader(str(user_dir)), ours])
        env = SandboxedEnvironment(loader=loader, **options)
    env.globals.update(ref=ref, refs=refs, bullets=bullets, ref_list=ref_list)
    env.filters["css_string"] = css_string
    env.filters["css_counters"] = css_counters
    return env


# The helpers templates call for every mention of an entity: Python, not Jinja macros, because a
# large handbook calls them hundreds of thousands of times.
def ref(r: Ref | None) -> Markup:
    """A mention: a link to the entity's anchor, or its plain label when it has none."""
    return Markup("") if r is None else _ref(r)


@lru_cache(maxsize=65536)
def _ref(r: Ref) -> Markup:
    if r.href:
        return Markup(f'<a href="{escape(r.href)}">{escape(r.label)}</a>')
    return escape(r.label)


def refs(items: Iterable[Ref], sep: str) -> Markup:
    return escape(sep).join(ref(r) for r in items)


def bullets(items: Iterable[str]) -> Markup:
    inner = "".join(f"<li>{escape(i)}</li>" for i in items)
    return Markup(f"<ul>{inner}</ul>") if inner else Markup("")


def ref_list(items: Iterable[Ref]) -> Markup:
    inner = "".join(f"<li>{ref(r)}</li>" for r in items)
    return Markup(f"<ul>{inner}</ul>") if inner else Markup("")


def css_string(text: str) -> Markup:
    """A CSS string literal for any text: everything but letters, digits and CJK is escaped."""
    out = []
    for char in str(text):
        if char.isalnum() or ord(char) > 0x7F:
            out.append(char)
        elif char == " ":
            out.append(" ")
        else:
            out.append(f"\\{ord(char):x} ")
    return Markup('"' + "".join(out) + '"')


def css_counters(text: str) -> Markup:
    """`Page {page} of {pages}` as a CSS `content` value with page counters."""
    parts = re.split(r"(\{page\}|\{pages\})", str(text))
    values = []
    for part in parts:
        if part == "{page}":
            values.append("counter(page)")
        elif part == "{pages}":
            values.append("counter(pages)")
        elif part:
            values.append(str(css_string(part)))
    return Markup(" ".join(values))


def running_line(book: Handbook) -> str:
    """Version and copy: with the title, the running header of every printed page."""
    t = book.t
    version = t.format("page_header_version", version=book.version)
    return (
        f"{version} · {t.copy} {book.copy.id}"
        if book.copy
        else f"{version} · {t.uncontrolled_short}"
    )


class _Job:
    """What the procedure workers need; set before forking, so that children inherit it."""

    env: Any = None
    common: dict[str, Any] = {}  # noqa: RUF012
    procedures: list[Any] = []  # noqa: RUF012

    @classmethod
    def set(cls, env: Any, common: dict[str, Any], procedures: list[Any]) -> None:
        cls.env, cls.common, cls.procedures = env, common, procedures


def _render_range(bounds: tuple[int, int]) -> list[str]:
    template = _Job.env.get_template("procedure.html.j2")
    t = _Job.common["t"]
    out = []
    for p in _Job.procedures[bounds[0] : bounds[1]]:
        layout = flow_layout(p.lanes, p.flow, t.yes, t.no_branch)
        svg = Markup(to_svg(layout, f"{p.title} — {t.flow}", "flow"))
        out.append(template.render(_Job.common, p=p, flow_svg=svg))
    return out


# Below this many procedures a second process costs more than it saves.
PARALLEL_FROM = 400
CHUNK = 100


def _render_all(count: int, progress: Progress | None) -> list[str]:
    """Each procedure's HTML, in order; a large manual is shared out among forked workers.

    Procedures are independent and a 10,000-procedure manual spends most of its render time on
    them, so on a machine with several cores each core takes a run of them. Workers are forked:
    they inherit the handbook instead of receiving it pickled, and send back only text.
    """
    import multiprocessing
    import os

    chunks = [(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
    workers = min(os.cpu_count() or 1, 8)
    pieces: list[str] = []
    if (
        count < PARALLEL_FROM
        or workers < 2
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        results: Iterable[list[str]] = map(_render_range, chunks)
        for part in results:
            pieces += part
            if progress is not None:
                progress(len(pieces))
        return pieces
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for part in pool.imap(_render_range, chunks):
            pieces += part
            if progress is not None:
                progress(len(pieces))
    return pieces


def render_html(
    book: Handbook, user_dir: Path | None, pdf: bool = False, progress: Progress | None = None
) -> str:
    from jinja2 import TemplateError

    env = environment(user_dir)
    t = book.t
    common: dict[str, Any] = {"h": book, "t": t, "pdf": pdf, "running": running_line(book)}
    try:
        procedures = [p for chapter in book.chapters for p in chapter.procedures]
        _Job.set(env, common, procedures)
        pieces = _render_all(len(procedures), progress)
        for p, html in zip(procedures, pieces, strict=True):
            p.html = Markup(html)
        org = to_svg(org_layout(book.org_nodes), t.org_chart, "org")
        common["page_of"] = t.page_of
        return env.get_template("handbook.html.j2").render(common, org_chart=Markup(org))
    except TemplateError as exc:
        name, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
        where = f" ({name}:{line})" if name else ""
        raise OpsError(f"template error{where}: {exc.message or exc}") from exc
