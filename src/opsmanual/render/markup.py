"""Long text fields (CommonMark) to safe HTML, and plain text to safe Markdown.

Raw HTML in a manual is shown as text, never passed through; links keep only safe schemes;
images are not loaded (the handbook must open with no network), so `![x](url)` stays a link.
"""

from __future__ import annotations

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


def safe_link(url: str) -> bool:
    """http, https, mailto, or a relative link (no scheme at all)."""
    cleaned = "".join(url.split()).lower()
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


def parse_markdown(text: str) -> list[Any]:
    """CommonMark as markdown-it tokens, with the HTML handbook's rules (no raw HTML, no images,
    safe links only): what the Word writer walks."""
    return list(_parser().parse(text))


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


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!&])")


def md_escape(text: str | None) -> str:
    """Plain one-line text as CommonMark that shows exactly that text (table-cell safe)."""
    if not text:
        return ""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


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
        parts[i] = _INLINE_LINK.sub(_check_link, parts[i])
        parts[i] = parts[i].replace("<", "\\<")
    return "`".join(parts)


_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]*)")


# `[text](target "title")`, the target allowed one level of parentheses (`javascript:f(1)`).
_INLINE_LINK = re.compile(r'\[([^\]]*)\]\(\s*<?((?:[^()\s>]|\([^()\s]*\))*)>?(?:\s+"[^"]*")?\s*\)')


def _check_link(match: re.Match[str]) -> str:
    """A link with an unsafe target keeps only its text, as the HTML handbook shows it."""
    return match.group(0) if safe_link(match.group(2)) else match.group(1)
