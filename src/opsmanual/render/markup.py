"""Long text fields (CommonMark) to safe HTML, and plain text to safe Markdown.

Raw HTML in a manual is shown as text, never passed through; links keep only safe schemes;
images are not loaded (the handbook must open with no network), so `![x](url)` stays a link.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

SAFE_SCHEMES = ("http:", "https:", "mailto:")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# Text with none of these can only be plain paragraphs: rendered without markdown-it, which is
# what keeps a 10,000-procedure handbook fast.
_SPECIAL = re.compile(r"[`*_\[\]<>!&\\#|~=]|^\s|\s$|^[-+]|^\d+[.)]", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")


_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def safe_link(url: str) -> bool:
    """http, https, mailto, or a relative link (no scheme at all), judged as a renderer reads
    the target: entities decoded (`&#58;`, `&colon;`), backslash escapes removed (`java\\script`)
    and the spaces and control characters browsers skip left out."""
    decoded = html.unescape(_BACKSLASH_ESCAPE.sub(r"\1", url))
    cleaned = _IGNORED_IN_URL.sub("", html.unescape(decoded)).lower()
    return not _SCHEME.match(cleaned) or cleaned.startswith(SAFE_SCHEMES)


def is_wide(char: str) -> bool:
    return (
        "\u2e80" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or "\uff00" <= char <= "\uffef"
    )


def join_lines(left: str, right: str) -> str:
    """A soft line break: nothing between two CJK characters (a browser would show a space)."""
    if left and right and (is_wide(left[-1]) or is_wide(right[0])):
        return ""
    return "\n"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False})
    md.disable("image")
    md.validateLink = safe_link  # type: ignore[method-assign]

    def softbreak(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        before = tokens[idx - 1].content if idx > 0 else ""
        after = tokens[idx + 1].content if idx + 1 < len(tokens) else ""
        return join_lines(before, after)

    md.add_render_rule("softbreak", softbreak)
    return md


def to_html(text: str | None) -> Markup:
    """CommonMark to HTML: raw HTML escaped, unsafe links dropped, no images."""
    if not text or not text.strip():
        return Markup("")
    paragraphs = _BLANK_LINES.split(text.strip("\n"))
    if any(_SPECIAL.search(p) for p in paragraphs):
        return Markup(_parser().render(text))
    html = []
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        joined = lines[0]
        for line in lines[1:]:
            joined += join_lines(joined, line) + line
        html.append(f"<p>{escape(joined)}</p>\n")
    return Markup("".join(html))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<|#~!&])")


def md_escape(text: str | None) -> str:
    """Plain one-line text as CommonMark that shows exactly that text (table-cell safe).

    `<` is escaped, so no HTML tag or autolink can start; `>` only matters first on a line (a
    quote), so `a -> b` stays as written."""
    if not text:
        return ""
    escaped = _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return "\\" + escaped if escaped.startswith(">") else escaped


def md_code(text: str) -> str:
    """Any one-line text as a CommonMark code span: shown as written, never as markup."""
    text = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if not text or text[0] == "`" or text[-1] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_block(text: str | None) -> str:
    """A long text field for the Markdown handbook: its CommonMark kept, raw HTML defused."""
    if not text or not text.strip():
        return ""
    out: list[str] = []
    fence: str | None = None
    for line in text.strip("\n").split("\n"):
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif fence is not None and stripped.startswith(fence):
            fence = None
        elif fence is None:
            line = _defuse(line)
        out.append(line)
    if fence is not None:
        out.append(fence)
    return "\n".join(out)


def _defuse(line: str) -> str:
    """Escape `<` outside code spans, and drop link targets with unsafe schemes."""
    definition = _DEFINITION.match(line)
    if definition and not safe_link(definition.group(1)):
        line = "\\" + line.lstrip()
    parts = line.split("`")
    for i in range(0, len(parts), 2):  # even parts are outside code spans
        parts[i] = _unsafe_links_to_text(parts[i])
        parts[i] = parts[i].replace("<", "\\<")
    return "`".join(parts)


_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]*)")


# An inline link's `(target "title")` after its `](`: the alternatives start with different
# characters, so a match is one pass; it is tried at most MAX_TARGET characters far.
_TARGET = re.compile(r'\s*<?((?:[^()\s>]|\([^()\s]*\))*)>?(?:\s+"[^"]*")?\s*\)')
MAX_TARGET = 512  # longer targets are rare; an unsafe one is defused all the same


# Enough of a target to read its scheme however it is written: `javascript:` with every letter
# as the longest entity CommonMark accepts (`&#x00006a;`, ten characters each).
_SCHEME_SPAN = 160


def _unsafe_links_to_text(text: str) -> str:
    """Every `[text](target)` whose target is unsafe keeps only its text, as the HTML handbook
    shows it; a `](` followed by an unsafe target too long to parse loses its link (`]\\(`).

    A scan, not one regex over the line: the old `\\[([^\\]]*)\\]\\(...` tried every `[`
    against the rest of the line (minutes for a line of many `[`); here each `](` costs at most
    MAX_TARGET characters, so the work is linear in the text.
    """
    out: list[str] = []
    done = 0  # text[:done] is already in `out`
    search = 0
    while (close := text.find("](", search)) >= 0:
        after = close + 2
        found = _TARGET.match(text, after, min(len(text), after + MAX_TARGET))
        if found is None:
            if not safe_link(text[after : after + _SCHEME_SPAN].lstrip().lstrip("<")):
                out += [text[done : close + 1], "\\("]
                done = after
            search = after
            continue
        # The link text holds no `]`, so its `[` is after the previous `]`: disjoint windows.
        open_ = text.rfind("[", max(done, text.rfind("]", search, close) + 1), close)
        if open_ >= 0 and not safe_link(found.group(1)):
            out += [text[done:open_], text[open_ + 1 : close]]
            done = found.end()
        search = found.end() if open_ >= 0 else after
    out.append(text[done:])
    return "".join(out)
