"""The handbook as a multi-page static site (`render --format site`), for manuals too large for one
page.

The same render context and the same partial templates as the one-page handbook: each page of
the site is `site/page.html.j2` wrapped around one part (`how-to-use.html.j2`, `chapter.html.j2`,
...), with the marks every page of the handbook carries (`marks.html.j2`). The partials link to
anchors (`#role-x`) as on one page; once every page is drawn, each link to an anchor on another
page is pointed at that page (`roles.html#role-x`), found from the `id`s each page really holds,
so a link the site could not resolve stays as it was and the link test finds it.

Search works from disk: `search-index.js` sets `window.opsmanualSearch` (loaded by a `<script>`
tag, which browsers allow from file://, where fetch() is refused) and MiniSearch, vendored as
`templates/site/minisearch.min.js`, indexes it in the browser at the first search. Chinese,
Japanese and Korean text is indexed as pairs of characters (site.js), so a query of two or
three characters finds the text holding them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from markupsafe import Markup

from opsmanual.errors import OpsError
from opsmanual.i18n import _
from opsmanual.render.cache import FragmentCache, code_digest
from opsmanual.render.context import Handbook, ProcedureView, Rich
from opsmanual.render.html import (
    Progress,
    environment,
    fill_procedures,
    page_common,
    template_errors,
)
from opsmanual.render.svg import org_layout, to_svg

# Copied as they are (not templates: minified JavaScript may hold `{{`).
STATIC = ("minisearch.min.js", "site.js")
STYLES = ("handbook.css", "site/site.css")  # rendered and joined into handbook.css
MANIFEST = ".opsmanual-site"  # the pages the last render wrote, so stale ones can go
ROLES_PER_PAGE = 100  # roles on a page of the roles part (plan)
STAFF_PER_PAGE = 500  # rows on a page of a large staff list (_organization)

_ID = re.compile(r' id="([^"]*)"')  # a literal start: the scan of a large page is quick
_HREF = re.compile(r'href="#([^"]*)"')


@dataclass
class Page:
    """One page of the site: its file, the anchor of the part it shows, its title."""

    file: str
    anchor: str
    title: str
    template: str
    extra: dict[str, Any] = field(default_factory=dict)


def plan(book: Handbook) -> list[Page]:
    """The pages in reading order: the index (cover and contents), then each part of the book."""
    t = book.t

    def part(key: str, title: str) -> Page:
        return Page(f"{key}.html", key, title, f"{key}.html.j2")

    def numbered(key: str) -> Page:
        s = book.sections[key]
        return part(key, f"{s.number}{t.section_sep}{s.title}")

    pages = [
        Page("index.html", "cover", "", "site/home.html.j2"),
        part("how-to-use", t.how_to_use),
        part("updates", t.updates),
        numbered("general"),
        *_organization(book, numbered("organization")),
    ]
    # The roles of a large manual list thousands of procedures between them: in pages of
    # ROLES_PER_PAGE, so that no page grows with the manual (roles.html, roles-2.html, ...).
    roles = numbered("roles")
    chunks = [book.roles[i : i + ROLES_PER_PAGE] for i in range(0, len(book.roles), ROLES_PER_PAGE)]
    for n, chunk in enumerate(chunks or [[]], start=1):
        if len(chunks) < 2:
            pages.append(roles)
            break
        file = "roles.html" if n == 1 else f"roles-{n}.html"
        title = f"{roles.title} ({n}/{len(chunks)})"
        part_of = {"h": replace(book, roles=chunk)}
        pages.append(Page(file, "roles" if n == 1 else "", title, roles.template, part_of))
    for c in book.chapters:
        title = f"{c.number}{t.section_sep}{c.title}"
        pages.append(Page(f"{c.anchor}.html", c.anchor, title, "chapter.html.j2", {"chapter": c}))
    pages.append(part("records-index", t.records_index))
    pages.append(part("loans", t.loans))
    return pages


def _organization(book: Handbook, whole: Page) -> list[Page]:
    """The organization page; with more than STAFF_PER_PAGE people, the staff list in pages of
    its own (staff.html, staff-2.html, ...) that the organization page links to, so that no page
    grows with the organization (3,333 table rows took a browser seconds to lay out)."""
    staff = book.staff
    if len(staff) <= STAFF_PER_PAGE:
        return [whole]
    chunks = [staff[i : i + STAFF_PER_PAGE] for i in range(0, len(staff), STAFF_PER_PAGE)]
    lists = [
        Page(
            "staff.html" if n == 1 else f"staff-{n}.html",
            "",
            f"{book.t.staff} ({n}/{len(chunks)})",
            "site/staff.html.j2",
            {"h": replace(book, staff=chunk)},
        )
        for n, chunk in enumerate(chunks, start=1)
    ]
    moved = {"h": replace(book, staff=[]), "staff_pages": lists}
    return [replace(whole, extra=moved), *lists]


def render_site(
    book: Handbook,
    user_dir: Path | None,
    out: Path,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
) -> Path:
    """Write the site into the folder `out`; returns `out/index.html`."""
    env = environment(user_dir, cache_dir)
    common = page_common(book, pdf=False)
    pages = plan(book)
    with template_errors():
        terms = fill_procedures(env, common, progress, cache_dir, procedure_terms)
        t = book.t
        org = to_svg(org_layout(book.org_nodes), t.org_chart, "org", t.language, t.font_sans)
        common["org_chart"] = Markup(org)
        layout = env.get_template("site/page.html.j2")
        texts = []
        for i, page in enumerate(pages):
            before = pages[i - 1] if i > 0 else None
            after = pages[i + 1] if i + 1 < len(pages) else None
            texts.append(layout.render(common, page=page, prev=before, next=after, **page.extra))
        css = "".join(env.get_template(name).render(common) for name in STYLES)
        loader = env.loader
        assert loader is not None
        static = {name: loader.get_source(env, f"site/{name}")[0] for name in STATIC}
    where = anchors(pages, texts)
    tops = {p.anchor: p.file for p in pages if p.anchor}
    files = relinked(pages, texts, where, tops, cache_dir)
    files["handbook.css"] = css
    files["search-index.js"] = search_script(book, where, terms)
    files.update(static)
    write_site(out, files)
    return out / "index.html"


def anchors(pages: list[Page], texts: list[str]) -> dict[str, str]:
    """Each anchor (as written in its `id`) and the page that holds it; the first one wins."""
    where: dict[str, str] = {}
    for page, text in zip(pages, texts, strict=True):
        for found in _ID.finditer(text):
            where.setdefault(found.group(1), page.file)
    return where


def relinked(
    pages: list[Page],
    texts: list[str],
    where: dict[str, str],
    tops: dict[str, str],
    cache_dir: Path | None,
) -> dict[str, str]:
    """Each page with its links pointed at other pages; from the cache when the page's text and
    the site's anchors are what they were (a warm render rewrites every link of every page
    otherwise). The key holds all that `relink` reads, and relink's code (site.py)."""
    cache = FragmentCache(cache_dir, [code_digest(), "relink"])
    caching = cache.folder is not None
    held = json.dumps([sorted(where.items()), sorted(tops.items())]) if caching else ""
    site = hashlib.sha256(held.encode("utf-8")).hexdigest()
    files: dict[str, str] = {}
    for page, text in zip(pages, texts, strict=True):
        key = cache.key(f"{page.file}\0{site}\0{text}") if caching else ""
        linked = cache.get(key) if caching else None
        if linked is None:
            linked = relink(text, page.file, where, tops)
            cache.put(key, linked)
        files[page.file] = linked
    return files


def relink(text: str, file: str, where: dict[str, str], tops: dict[str, str]) -> str:
    """Point each `href="#a"` whose anchor is on another page at that page."""

    def one(found: re.Match[str]) -> str:
        anchor = found.group(1)
        target = where.get(anchor)
        if target is None or target == file:
            return found.group(0)
        if tops.get(anchor) == target:  # the part a page shows: the page itself
            return f'href="{target}"'
        return f'href="{target}#{anchor}"'

    return _HREF.sub(one, text)


def _text(*parts: str | Rich) -> str:
    return " ".join(p.source if isinstance(p, Rich) else p for p in parts if p)


def _procedure_text(p: ProcedureView) -> str:
    """What a search looks through: the procedure's purpose and what is done, by whom, with
    what. Not the steps' details or the scope: the browser indexes the text at the first
    search, and with them a 10,000-procedure manual took a minute instead of seconds."""
    steps = (_text(s.actor.label, s.action, " ".join(s.outputs)) for s in p.steps)
    return _text(
        p.id,
        p.owner.label,
        p.purpose,
        " ".join(p.inputs),
        " ".join(p.outputs),
        " ".join(p.records),
        *steps,
    )


# A document of the search index: url, title, kind, and the terms of its title and its text.
Terms = list[tuple[int, list[tuple[str, int]]]]  # per field: distinct tokens, (term, count)
Document = tuple[str, str, str, Terms]


def procedure_terms(p: ProcedureView) -> str:
    """A procedure's search terms as JSON: made beside its HTML (in the same worker, and cached
    with it), since tokenizing every procedure is most of the index's work."""
    terms = search_terms(f"{p.number} {p.title}", _procedure_text(p))
    return json.dumps(terms, ensure_ascii=False, separators=(",", ":"))


def search_documents(
    book: Handbook, where: dict[str, str], made: dict[str, str] | None = None
) -> list[Document]:
    """Each part, unit, role and procedure of the handbook; a procedure's terms from `made`
    (`procedure_terms` by anchor) when there."""
    t = book.t
    kinds = t.kinds
    made = made or {}

    def url(anchor: str) -> str:
        page = where.get(anchor, "index.html")
        return page if page == f"{anchor}.html" else f"{page}#{anchor}"

    def doc(anchor: str, title: str, kind: str, text: str) -> Document:
        return (url(anchor), title, kind, search_terms(title, text))

    docs = [
        doc("how-to-use", t.how_to_use, "", ""),
        doc("updates", t.updates, "", " ".join(u.summary for u in book.updates)),
    ]
    general = _text(book.purpose, book.scope, *(f"{a} {b.source}" for a, b in book.principles))
    for key, s in book.sections.items():
        title = f"{s.number}{t.section_sep}{s.title}" if s.number else s.title
        docs.append(doc(s.anchor, title, "", general if key == "general" else ""))
    for u in book.units:
        docs.append(doc(u.anchor, u.name, kinds["units"], _text(u.id, u.description, *u.duties)))
    for r in book.roles:
        lists = [*r.duties, *r.authorities, *r.qualifications]
        docs.append(doc(r.anchor, r.title, kinds["roles"], _text(r.id, r.description, *lists)))
    for chapter in book.chapters:
        title = f"{chapter.number}{t.section_sep}{chapter.title}"
        docs.append(doc(chapter.anchor, title, "", chapter.text.source))
        for p in chapter.procedures:
            title = f"{p.number} {p.title}"
            made_terms = made.get(p.anchor)
            if made_terms is None:
                docs.append(doc(p.anchor, title, kinds["procedures"], _procedure_text(p)))
            else:
                docs.append((url(p.anchor), title, kinds["procedures"], json.loads(made_terms)))
    return docs


# The tokens of site.js, the same rules on both sides: a run of CJK characters (pairs of
# characters when it is longer than two), or a word of other letters, digits and `_`.
_HAN = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_RUN = re.compile(f"[{_HAN}]+|[^\\W{_HAN}]+")
_CJK = re.compile(f"[{_HAN}]")
FIELDS = ("t", "b")  # title and text, as site.js names them


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for run in _RUN.findall(text):
        if len(run) < 3 or not _CJK.match(run):
            out.append(run)
        else:
            out.extend(run[k : k + 2] for k in range(len(run) - 1))
    return out


def search_terms(title: str, text: str) -> Terms:
    """The terms of a document's two fields as MiniSearch counts them: the number of distinct
    tokens (the field's length) and each term, lower-cased, with its count."""
    out: Terms = []
    for value in (title, text):
        found = tokens(value)
        counts = Counter(found if value.islower() else map(str.lower, found))
        out.append((len(set(found)), list(counts.items())))
    return out


def search_index(docs: list[Document]) -> dict[str, Any]:
    """The documents indexed as MiniSearch indexes them, in its serialized form (loadJS,
    serializationVersion 2), so the browser loads an index instead of building one: for a
    10,000-procedure manual, a second or two instead of a minute."""
    postings: dict[str, dict[str, dict[str, int]]] = {}
    lengths: dict[str, list[int]] = {}
    totals = [0] * len(FIELDS)
    for short, (_path, _title, _kind, terms) in enumerate(docs):
        row = []
        key = str(short)
        for field_id, (distinct, counts) in enumerate(terms):
            row.append(distinct)
            totals[field_id] += distinct
            field = str(field_id)
            for term, n in counts:
                entry = postings.get(term)
                if entry is None:
                    postings[term] = {field: {key: n}}
                elif field in entry:
                    entry[field][key] = n
                else:
                    entry[field] = {key: n}
        lengths[key] = row
    count = len(docs)
    return {
        "documentCount": count,
        "nextId": count,
        "documentIds": {str(short): doc[0] for short, doc in enumerate(docs)},
        "fieldIds": {name: i for i, name in enumerate(FIELDS)},
        "fieldLength": lengths,
        "averageFieldLength": [total / count if count else 0 for total in totals],
        "storedFields": {str(short): {"t": doc[1], "k": doc[2]} for short, doc in enumerate(docs)},
        "dirtCount": 0,
        "index": sorted(postings.items()),
        "serializationVersion": 2,
    }


def search_script(book: Handbook, where: dict[str, str], made: dict[str, str] | None = None) -> str:
    """The search index as a script: a `<script src>` loads from file://, fetch() does not. A
    string for JSON.parse, which browsers read much faster than the same object as code."""
    data = {"lang": book.lang, "index": search_index(search_documents(book, where, made))}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    quoted = text.replace("\\", "\\\\").replace("'", "\\'")
    return f"window.opsmanualSearch = JSON.parse('{quoted}');\n"


def write_site(out: Path, files: dict[str, str]) -> None:
    """Each file atomically, the index last; then the pages an earlier render wrote and this one
    did not (a chapter gone) are removed, so no page of an older handbook lingers."""
    from opsmanual.atomic import write_output as write_atomic

    if out.exists() and not out.is_dir():
        raise OpsError(
            _("{path} exists and is not a folder; the site format writes a folder", path=out)
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OpsError(_("cannot create {path}: {reason}", path=out, reason=exc.strerror)) from exc
    manifest = out / MANIFEST
    try:
        before = set(manifest.read_text(encoding="utf-8").split())
    except (OSError, UnicodeError):
        before = set()
    names = sorted(files, key=lambda n: n == "index.html")
    for name in names:
        data = files[name].encode("utf-8")
        if not _holds(out / name, data):  # a page that did not change keeps its file and time
            write_atomic(out / name, data)
    write_atomic(manifest, "".join(f"{n}\n" for n in sorted(files)).encode("utf-8"))
    for stale in sorted(before - set(files)):
        if "/" not in stale and stale.endswith((".html", ".js", ".css")):
            (out / stale).unlink(missing_ok=True)


def _holds(path: Path, data: bytes) -> bool:
    """Whether `path` is a plain file holding exactly `data` (reading is far quicker than the
    synced write of a warm render that changed one page)."""
    try:
        if path.is_symlink() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False
