"""The handbook as one HTML page, from Jinja2 templates (ours, or a user's on top of ours)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from opsmanual.errors import OpsError
from opsmanual.i18n import _
from opsmanual.parallel import ordered_map
from opsmanual.render.cache import FragmentCache, code_digest
from opsmanual.render.context import Handbook, ProcedureView, Ref
from opsmanual.render.svg import flow_layout, org_layout, to_svg
from opsmanual.resources import resource_dir

if TYPE_CHECKING:
    from jinja2 import Environment

Progress = Callable[[int], None]


def environment(user_dir: Path | None, cache_dir: Path | None = None) -> Environment:
    """Autoescaping always on; a user's templates override ours file by file, in the sandbox.
    Ours alone are kept compiled in the `cache_dir` (the sandbox compiles them differently, so
    it never shares that cache)."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    from opsmanual.render.cache import template_cache

    ours = FileSystemLoader(str(resource_dir("templates")))
    options: dict[str, Any] = {
        "autoescape": True,
        "undefined": StrictUndefined,
        "keep_trailing_newline": True,
    }
    # Each helper is a global (`ref(x)`) and a filter (`x|ref`): ours use the filter, which Jinja
    # calls directly, where a global goes through its generic call (a third of a procedure's
    # templating, called for every mention).
    helpers = {"ref": ref, "refs": refs, "bullets": bullets, "ref_list": ref_list}
    filters = {**helpers, "css_string": css_string, "css_counters": css_counters}
    filters["css_fonts"] = css_fonts
    env: Environment
    if user_dir is None:
        env = Environment(loader=ours, bytecode_cache=template_cache(cache_dir), **options)
    else:
        if not user_dir.is_dir():
            raise OpsError(_("no such templates folder: {folder}", folder=user_dir))
        loader = ChoiceLoader([FileSystemLoader(str(user_dir)), ours])
        env = _bounded_sandbox(SandboxedEnvironment)(loader=loader, **options)
        filters = {name: env._bounded_filter(f) for name, f in filters.items()}  # type: ignore[attr-defined]
    env.globals.update(helpers)
    env.filters.update(filters)
    return env


# The work a user's templates may do in one render (docs/render.md, "Your own templates"): far
# above what a handbook of 10,000 procedures needs, far below what would hang the command.
MAX_CALLS = 5_000_000
MAX_RANGE_ITEMS = 10_000_000
MAX_NUMBER = 10_000_000  # no argument or product a template computes may exceed this
MAX_TEXT = 10_000_000  # characters of one string a template builds with `*`


class TemplateBudget(Exception):
    """A user's template did more work than any handbook needs (nested loops, huge repeats)."""


def _bounded_sandbox(base: type[Any]) -> type[Any]:
    """Jinja's sandbox (no Python attributes) plus a bound on work: every call, every item of
    `range()` (counted as it is iterated, so a loop over a saved range counts too) and every
    `*`/`**` and filter argument is checked, so no template can run unbounded."""

    class Bounded(base):  # type: ignore[misc]
        intercepted_binops = frozenset({"*", "**"})

        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            self.calls = 0
            self.items = 0
            self.globals["range"] = self._range
            filters: dict[str, Callable[..., Any]] = getattr(self, "filters")  # noqa: B009
            self.filters = {name: self._bounded_filter(f) for name, f in filters.items()}

        def _spend_call(self, args: Iterable[Any]) -> None:
            self.calls += 1
            if self.calls > MAX_CALLS:
                raise TemplateBudget(
                    _("more than {limit} calls in one render", limit=f"{MAX_CALLS:,}")
                )
            for value in args:
                _check_number(value)

        def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            self._spend_call([*args, *kwargs.values()])
            return super().call(__context, __obj, *args, **kwargs)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            for value in (left, right):
                _check_number(value)
            if operator == "**" and isinstance(right, int) and abs(right) > 64:
                raise TemplateBudget(_("the power {power} is too large", power=right))
            if operator == "*":
                sizes = [len(v) if isinstance(v, str | list | tuple) else 1 for v in (left, right)]
                counts = [abs(v) if isinstance(v, int) else 1 for v in (left, right)]
                if max(sizes) * max(counts) > MAX_TEXT:
                    raise TemplateBudget(
                        _("a repeat of more than {limit} characters", limit=f"{MAX_TEXT:,}")
                    )
            return super().call_binop(context, operator, left, right)

        def _range(self, *args: int) -> _CountedRange:
            for value in args:
                _check_number(value)
            return _CountedRange(self, range(*args))

        def _bounded_filter(self, function: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(function)
            def bounded(*args: Any, **kwargs: Any) -> Any:
                self._spend_call([*args[1:], *kwargs.values()])
                return function(*args, **kwargs)

            return bounded

    return Bounded


class _CountedRange:
    """A `range` whose every item, each time it is iterated, counts against the render's budget."""

    def __init__(self, env: Any, items: range) -> None:
        self.env = env
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[int]:
        for item in self.items:
            self.env.items += 1
            if self.env.items > MAX_RANGE_ITEMS:
                raise TemplateBudget(
                    _(
                        "loops over more than {limit} range items",
                        limit=f"{MAX_RANGE_ITEMS:,}",
                    )
                )
            yield item


def _check_number(value: Any) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
        raise TemplateBudget(
            _("the number {value} is larger than templates may use", value=f"{value:.0f}")
        )


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
    # Each mention is already safe Markup: joined as text, not escaped again one by one.
    return Markup(str(escape(sep)).join([ref(r) for r in items]))


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


def css_fonts(stack: str) -> Markup:
    """A font stack from a locale file, kept to what a font list holds (no `;`, braces, `<`)."""
    return Markup(re.sub(r"[^\w\s\"',.-]", "", str(stack), flags=re.UNICODE))


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
    """Version and copy: with the title, the running line of every printed page."""
    t = book.t
    version = t.format("page_header_version", version=book.version)
    return (
        f"{version} · {t.copy} {book.copy.id}"
        if book.copy
        else f"{version} · {t.uncontrolled_short}"
    )


def header_line(book: Handbook) -> str:
    """The controlled-document header of every printed page after the cover (cli.md 1.1):
    document number, version and effective date; page X of Y goes beside it."""
    t, m = book.t, book.marks
    parts = [m.number] if m.number else []
    parts.append(t.format("page_header_version", version=m.version))
    if m.effective:
        parts.append(f"{t.effective}{t.colon}{m.effective}")
    return " · ".join(parts)


def copy_line(book: Handbook) -> str:
    t = book.t
    return f"{t.controlled_copy} {book.copy.id}" if book.copy else t.uncontrolled_short


# Below this many procedures a second process costs more than it saves.
PARALLEL_FROM = 400
CHUNK = 100


# What a writer may keep beside each procedure's HTML, made in the same worker and cached under
# its own key: the site's search terms (a function of the procedure's view, as a string).
Extra = Callable[[ProcedureView], str]


def _procedures_html(
    env: Any,
    common: dict[str, Any],
    procedures: list[ProcedureView],
    progress: Progress | None,
    cache: FragmentCache,
    extra: Extra | None = None,
) -> list[tuple[str, str]]:
    """Each procedure's HTML with its flow diagram (and its `extra`), from the cache when its
    inputs are unchanged; most of a large render, so shared out (cache look-ups included)."""
    template = env.get_template("procedure.html.j2")
    t = common["t"]
    caching = cache.folder is not None

    def some(start: int, end: int) -> list[tuple[str, str]]:
        out = []
        for p in procedures[start:end]:
            # The whole view is the key: every label and link it shows. Only made when there
            # is a cache to look in (the repr of a large manual's views takes a while).
            key = cache.key(repr(p)) if caching else ""
            html = cache.get(key) if caching else None
            if html is None:
                layout = flow_layout(p.lanes, p.flow, t.yes, t.no_branch, t.start, t.end)
                label = f"{p.title} — {t.flow}"
                svg = Markup(to_svg(layout, label, "flow", t.language, t.font_sans))
                html = template.render(common, p=p, flow_svg=svg)
                cache.put(key, html)
            more = ""
            if extra is not None:
                more_key = cache.key(f"extra\0{key}") if caching else ""
                found = cache.get(more_key) if caching else None
                if found is None:
                    found = extra(p)
                    cache.put(more_key, found)
                more = found
            out.append((html, more))
        return out

    return ordered_map(some, len(procedures), chunk=CHUNK, minimum=PARALLEL_FROM, progress=progress)


def page_common(
    book: Handbook, pdf: bool, only: Collection[str] | None = None, sheet: Any = None
) -> dict[str, Any]:
    """What every template receives besides its own part: the one render context of all pages.
    `only`: the parts (anchors) `render --changed-since` shows, after its `sheet`."""
    return {
        "h": book,
        "t": book.t,
        "pdf": pdf,
        "running": running_line(book),
        "header": header_line(book),
        "copy_line": copy_line(book),
        "only": None if only is None else set(only),
        "sheet": sheet,
    }


def fragment_cache(env: Any, common: dict[str, Any], folder: Path | None) -> FragmentCache:
    """The procedure cache, salted with all a procedure's HTML depends on besides its view."""
    from jinja2 import TemplateError

    book: Handbook = common["h"]
    loader = env.loader
    sources = []
    for name in sorted(loader.list_templates()):
        if name.endswith(".j2"):
            try:
                source = loader.get_source(env, name)[0]
            except (TemplateError, OSError, UnicodeError):
                source = "(unreadable)"  # fails when used, which is the template's error to give
            sources.append(f"{name}\0{source}")
    salt = [
        code_digest(),
        *sources,
        json.dumps(book.t.table, sort_keys=True, ensure_ascii=False),
        repr((book.t.language, common["pdf"], common["running"])),
        repr((common["header"], common["copy_line"], book.marks)),
        repr((book.lang, book.title, book.organization, book.version, book.effective, book.copy)),
    ]
    return FragmentCache(folder, salt)


def fill_procedures(
    env: Any,
    common: dict[str, Any],
    progress: Progress | None = None,
    cache_dir: Path | None = None,
    extra: Extra | None = None,
) -> dict[str, str]:
    """Set each procedure's `html` (only those `common["only"]` shows): from the cache when its
    inputs are unchanged, else drawn. Returns each one's `extra` by anchor (empty without)."""
    book: Handbook = common["h"]
    only = common.get("only")
    cache = fragment_cache(env, common, cache_dir)
    procedures = [
        p
        for chapter in book.chapters
        for p in chapter.procedures
        if only is None or p.anchor in only
    ]
    pieces = _procedures_html(env, common, procedures, progress, cache, extra)
    extras = {}
    for p, (html, more) in zip(procedures, pieces, strict=True):
        p.html = Markup(html)
        if extra is not None:
            extras[p.anchor] = more
    cache.prune()
    return extras


def render_html(
    book: Handbook,
    user_dir: Path | None,
    pdf: bool = False,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
    only: Collection[str] | None = None,
    sheet: Any = None,
) -> str:
    """The handbook page; with `only`, just those parts (anchors), after the `sheet` (a
    `paged.Sheet`) of `render --changed-since`."""
    env = environment(user_dir, cache_dir)
    t = book.t
    common = page_common(book, pdf, only, sheet)
    with template_errors():
        fill_procedures(env, common, progress, cache_dir)
        org = to_svg(org_layout(book.org_nodes), t.org_chart, "org", t.language, t.font_sans)
        common["page_of"] = t.page_of
        html: str = env.get_template("handbook.html.j2").render(common, org_chart=Markup(org))
        return html


@contextmanager
def template_errors() -> Iterator[None]:
    """A template's fault as a one-line OpsError naming the template and line."""
    from jinja2 import TemplateError, TemplateNotFound

    try:
        yield
    except Exception as exc:
        name, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
        if not name:
            name, line = _template_frame(exc)
        if not (name or isinstance(exc, TemplateError | TemplateBudget)):
            raise  # not a template's fault: the CLI reports it as an unexpected failure
        where = f" ({name}:{line})" if name else ""
        message = exc.message if isinstance(exc, TemplateError) and exc.message else str(exc)
        if isinstance(exc, TemplateNotFound):
            message = _(
                "no template named {name!r}, in your templates folder or ours", name=exc.name
            )
        elif not isinstance(exc, TemplateError):  # e.g. {{ 1 / 0 }} or a sandbox range limit
            message = f"{type(exc).__name__}: {message}"
        raise OpsError(_("template error{where}: {problem}", where=where, problem=message)) from exc


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template line in the traceback (Jinja2 rewrites frames to template lines)."""
    found: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
