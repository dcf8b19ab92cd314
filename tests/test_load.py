"""The loader: YAML hazards become findings with positions, and sound YAML loads as written."""

from __future__ import annotations

import time

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from opsmanual.findings import Finding
from opsmanual.load import MAX_ALIAS_NODES, Document, parse


def finding(raw: bytes) -> Finding:
    result = parse("f.yaml", raw)
    assert isinstance(result, Finding), result
    return result


def data(raw: bytes) -> object:
    result = parse("f.yaml", raw)
    assert isinstance(result, Document), result
    return result.data


def test_billion_laughs_fails_fast() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    start = time.perf_counter()
    f = finding("\n".join(lines).encode())
    assert f.code == "yaml-limits"
    assert f.line is not None
    assert time.perf_counter() - start < 5  # generous: a hang would take minutes
    assert str(MAX_ALIAS_NODES // 1000) in f.message.replace(",", "")


def test_small_aliases_are_fine() -> None:
    assert data(b"a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


def test_recursive_alias_is_refused() -> None:
    assert finding(b"a: &a [*a]\n").code == "yaml-limits"


def test_extreme_nesting_does_not_crash_the_c_parser() -> None:
    for raw in (b"[" * 200_000 + b"]" * 200_000, b"- " * 200_000 + b"x", b"{a: " * 50_000):
        assert finding(raw).code == "yaml-limits"


def test_moderate_nesting_loads() -> None:
    assert data(b"a: " + b"[" * 40 + b"1" + b"]" * 40) is not None


def test_python_tags_never_execute(tmp_path: object) -> None:
    f = finding(b"x: !!python/object/apply:os.system ['touch /tmp/opsmanual-pwned']\n")
    assert f.code == "yaml-syntax"
    assert "!!python/object/apply:os.system" in f.message


def test_non_core_tags_refused() -> None:
    for tag in (b"!!binary aGk=", b"!!set {a: null}", b"!!timestamp 2026-01-01", b"!local x"):
        assert finding(b"x: " + tag + b"\n").code == "yaml-syntax"


def test_duplicate_keys_in_flow_and_block() -> None:
    assert finding(b"a: {b: 1, b: 2}\n").code == "yaml-duplicate-key"
    f = finding(b"a: 1\nb:\n  c: 1\n  c: 2\n")
    assert (f.code, f.line, f.column) == ("yaml-duplicate-key", 4, 3)


def test_merge_keys_may_override() -> None:
    assert data(b"base: &b {x: 1}\nitem:\n  <<: *b\n  x: 2\n") == {
        "base": {"x": 1},
        "item": {"x": 2},
    }


def test_bom_crlf_and_dates_as_written() -> None:
    loaded = data(b"\xef\xbb\xbfid: a\r\nd: 2026-01-05\r\nt: 2026-01-05T09:30:00+08:00\r\n")
    assert loaded == {"id": "a", "d": "2026-01-05", "t": "2026-01-05T09:30:00+08:00"}


def test_yaml_11_typing_is_visible() -> None:
    assert data(b"v: 1.10\nn: NO\no: 012\n") == {"v": 1.1, "n": False, "o": 10}


def test_not_utf8_points_at_the_byte() -> None:
    f = finding("id: x\nname: Zoë\n".encode("latin-1"))
    assert (f.code, f.line, f.column) == ("yaml-syntax", 2, 9)


def test_utf16_is_not_utf8() -> None:
    assert finding("id: x\n".encode("utf-16")).code == "yaml-syntax"


def test_empty_file_loads_as_none() -> None:
    assert data(b"") is None
    assert data(b"# just a comment\n") is None


def test_positions_of_keys_and_values() -> None:
    doc = parse("f.yaml", b"# head\nid: x\nsteps:\n  - id: a\n    actor: b\n")
    assert isinstance(doc, Document)
    assert doc.position(["steps", 0, "actor"]) == (5, 12)
    assert doc.position(["steps", 0, "actor"], key=True) == (5, 5)
    assert doc.position(["steps", 0, "missing"]) == (4, 5)
    assert doc.position() == (2, 1)


# Property: any JSON-like document dumped by PyYAML loads back identically, with no finding.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=30),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=10), inner, max_size=5
        )
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(values)
def test_round_trip(value: object) -> None:
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=False)
    assert data(text.encode("utf-8")) == value


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_document_or_a_finding(raw: bytes) -> None:
    result = parse("f.yaml", raw)
    assert isinstance(result, Document | Finding)
    if isinstance(result, Finding):
        assert result.code in {"yaml-syntax", "yaml-limits", "yaml-duplicate-key", "schema"}


def test_control_character_is_placed_and_explained() -> None:
    f = finding(b'id: nul\nname: "a\x00b"\n')
    assert (f.code, f.line, f.column) == ("yaml-syntax", 2, 9)
    assert "U+0000" in f.message
    assert "unicode string" not in f.message


def test_complex_key_says_what_is_wrong() -> None:
    f = finding(b"id: x\n? [a, b]\n: c\n")
    assert (f.code, f.line, f.column) == ("schema", 2, 3)
    assert "ScalarNode" not in f.message
    assert "not a list or mapping" in f.message


def test_too_deep_points_at_the_level_that_is_too_deep() -> None:
    f = finding(b"id: x\nname: " + b"[" * 300 + b"]" * 300 + b"\n")
    assert (f.code, f.line, f.column) == ("yaml-limits", 2, 106)
