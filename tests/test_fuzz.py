"""Fuzzing (hypothesis) of the paths hostile input reaches first: the loader, the Markdown and
HTML text paths, and the record editors. Every input must finish well within its deadline
(a generous bound per example: super-linear behaviour shows as a miss, not as a slow suite) and
end in a document, a finding or a refusal, never an exception of another kind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsmanual.errors import OpsError, Refused
from opsmanual.findings import Finding
from opsmanual.load import Document, parse
from opsmanual.render.markup import md_block, md_escape, safe_link, to_html
from opsmanual.render.svg import wrap

FUZZ = settings(
    deadline=None,  # no timed assertions in tests: speed lives in benchmarks/, and CI may be loaded
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Characters that matter to YAML, Markdown and HTML, so that examples are not mostly letters.
SPECIAL = st.sampled_from([*"[](){}<>!&#;:\\`*_-|~\"'\n\t %=/", "javascript:", "&#58;", "data:"])
TEXT = st.lists(st.one_of(SPECIAL, st.text(max_size=5)), max_size=60).map("".join)
# Up to 28,000 characters: long enough that a quadratic path shows, short enough that hypothesis
# can print the example (it warns, an error here, above 30,000 characters of repr).
LONG = st.builds(lambda piece, n: piece * n, st.sampled_from(["[", "](", "[a](", "*_", "x"]),
                 st.integers(0, 7000))  # fmt: skip


@FUZZ
@given(st.one_of(st.binary(max_size=2000), TEXT.map(str.encode)))
def test_the_loader_answers_every_input(raw: bytes) -> None:
    result = parse("procedures/x.yaml", raw)
    assert isinstance(result, Document | Finding)


YAML_PIECES = st.sampled_from(
    ["a: 1\n", "- x\n", "  ", "&a ", "*a ", "<<: ", "[", "]", "{", "}", "!!str ", "? ", ": ",
     "---\n", "...\n", "'", '"', "#c\n", "|\n", ">-\n", "\t", "\ufeff", "9" * 30, "\\u2028"]
)  # fmt: skip


@FUZZ
@given(st.lists(YAML_PIECES, max_size=80).map("".join))
def test_the_loader_answers_yaml_shaped_input(text: str) -> None:
    result = parse("procedures/x.yaml", text.encode("utf-8"))
    assert isinstance(result, Document | Finding)


@FUZZ
@given(st.one_of(TEXT, LONG))
def test_the_text_paths_are_total_and_inert(text: str) -> None:
    html = str(to_html(text))
    assert "<script" not in html and 'href="javascript' not in html.lower()
    block = md_block(text)
    assert isinstance(block, str)
    assert "<" not in md_escape(text).replace("\\<", "")
    lines = wrap(text, 120)
    assert 1 <= len(lines) <= 4


def hrefs_in_any_renderer(markdown: str) -> list[str]:
    """The link targets a renderer that trusts its input (raw HTML on) makes of `markdown`."""
    import html
    import re

    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    rendered = md.render(markdown)
    return [html.unescape(h) for h in re.findall(r'(?:href|src)="([^"]*)"', rendered)]


@FUZZ
@given(TEXT, TEXT)
def test_the_markdown_handbook_keeps_only_safe_links(target: str, around: str) -> None:
    for text in (f"[t]({target})", f"{around}[t]({target}){around}", around):
        assert all(safe_link(href) for href in hrefs_in_any_renderer(md_block(text))), text


ENTRY_VALUES = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=30)


@pytest.fixture
def manual_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(
    prefix=st.lists(st.sampled_from(["# note\n", "\n", "---\n", "- copy: C-1\n  borrower: b\n",
                                     "  - copy: C-2\n    x: 1\n", "[]\n"]), max_size=6)
    .map("".join),
    value=ENTRY_VALUES,
)  # fmt: skip
def test_the_record_editors_write_what_loads_or_nothing(
    manual_dir: Path, prefix: str, value: str
) -> None:
    from opsmanual import yamledit

    path = manual_dir / "records" / "fuzz.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(prefix, encoding="utf-8")
    entry: dict[str, Any] = {"copy": "C-9", "note": value}
    with yamledit.locked(manual_dir):
        try:
            yamledit.append_entry(path, entry)
        except (OpsError, Refused):
            assert path.read_text(encoding="utf-8") == prefix
            return
        loaded = parse("fuzz.yaml", path.read_bytes())
        assert isinstance(loaded, Document), loaded
        assert loaded.data[-1] == entry
        index = len(loaded.data) - 1
        try:
            yamledit.set_in_entry(path, index, "returned", value)
        except (OpsError, Refused):
            return
        again = parse("fuzz.yaml", path.read_bytes())
        assert isinstance(again, Document)
        assert again.data[index] == {**entry, "returned": value}
        assert again.data[:index] == loaded.data[:index]
