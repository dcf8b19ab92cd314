"""Bytes to Python data, one file at a time; every YAML hazard becomes a finding, never a crash.

The fast path parses with PyYAML's C loader and keeps no positions. Positions are found only for
files that have findings, by composing the file again and walking its nodes (`Document.position`).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from opsmanual.findings import Finding, make
from opsmanual.i18n import ENGLISH, N_, _, language

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 100
MAX_ALIAS_NODES = 10_000

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
# Cheap upper bound on nesting: flow brackets, plus block indicators at the start of a line.
_DEEP_LINE = re.compile(rf"^[ \t?:\-]{{{MAX_DEPTH // 2}}}", re.MULTILINE)


class YamlProblem(Exception):
    def __init__(self, code: str, message: str, mark: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.mark = mark


def _position(mark: Any) -> tuple[int, int] | None:
    if mark is None:
        return None
    return (mark.line + 1, mark.column + 1)


class Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Core YAML types only; dates stay strings as written; no duplicate keys; bounded aliases."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._expanded = 0
        self._sizes: dict[int, int] = {}

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        if not isinstance(node, ScalarNode) and node in self.constructed_objects:
            self._expanded += self._size(node, set())
            if self._expanded > MAX_ALIAS_NODES:
                raise YamlProblem(
                    "yaml-limits",
                    _(
                        "aliases expand to more than {limit} nodes; "
                        "write the values out instead of repeating anchors",
                        limit=f"{MAX_ALIAS_NODES:,}",
                    ),
                    node.start_mark,
                )
        return super().construct_object(node, deep)

    def _size(self, node: Node, active: set[int]) -> int:
        key = id(node)
        if key in self._sizes:
            return self._sizes[key]
        if key in active:
            raise YamlProblem(
                "yaml-limits", _("an alias refers to its own anchor"), node.start_mark
            )
        active.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(self._size(child, active) for child in node.value)
        elif isinstance(node, MappingNode):
            total += sum(self._size(k, active) + self._size(v, active) for k, v in node.value)
        active.discard(key)
        self._sizes[key] = total
        return total

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Hashable, Any]:
        if isinstance(node, MappingNode):
            self._check_keys(node)
        return super().construct_mapping(node, deep)  # type: ignore[no-any-return]

    def _check_keys(self, node: MappingNode) -> None:
        """Raise at the first key that is not text or that repeats an earlier key."""
        seen: dict[str, int] = {}
        for key_node, _value in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(key_node, ScalarNode):
                raise YamlProblem(
                    "schema",
                    _(
                        "a key must be plain text, not a list or mapping; "
                        "remove the `?` or brackets before the `:`"
                    ),
                    key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise YamlProblem(
                    "schema",
                    _(
                        'the key `{key}` is not text; put it in quotes: "{key}":',
                        key=key_node.value,
                    ),
                    key_node.start_mark,
                )
            if key in seen:
                raise YamlProblem(
                    "yaml-duplicate-key",
                    _(
                        "the key `{key}` is repeated (first on line {line}); "
                        "keep one and delete the other",
                        key=key,
                        line=seen[key],
                    ),
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1


class PlainLoader(Loader):
    """The fast path, for the usual file with no aliases and no merge keys (no `*`, no `<<`).

    Without aliases there is nothing to expand, and without merges a mapping has as many keys
    as key nodes unless one repeats, so a length comparison replaces a check of every key.
    """

    construct_object = yaml.constructor.BaseConstructor.construct_object

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Hashable, Any]:
        if not isinstance(node, MappingNode):
            return super().construct_mapping(node, deep)
        construct = self.construct_object
        try:
            mapping = {construct(k, deep): construct(v, deep) for k, v in node.value}
        except TypeError:  # an unhashable key, such as a list
            mapping = {}
        if len(mapping) != len(node.value) or (mapping and set(map(type, mapping)) != {str}):
            self._check_keys(node)
            raise YamlProblem("schema", _("a key must be plain text"), node.start_mark)
        return mapping


def _refuse_tag(loader: Loader, node: Node) -> None:
    short = node.tag.replace("tag:yaml.org,2002:", "!!")
    raise YamlProblem(
        "yaml-syntax",
        _tag_message(short),
        node.start_mark,
    )


for _tag in ("timestamp", "binary", "set", "omap", "pairs", "value"):
    Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)


class PositionComposer(_BaseLoader):  # type: ignore[valid-type,misc]
    yaml_implicit_resolvers = Loader.yaml_implicit_resolvers


@dataclass
class Document:
    """One parsed file of the manual: its relative path, text and data."""

    path: str
    text: str
    data: Any
    _root: Node | None = field(default=None, repr=False)

    def node(self, path: Sequence[str | int], key: bool = False) -> Node | None:
        """The node at `path` (or its key node), or the nearest ancestor that exists."""
        if self._root is None:
            self._root = yaml.compose(self.text, Loader=PositionComposer)
        current = self._root
        for depth, step in enumerate(path):
            child: Node | None = None
            last = depth == len(path) - 1
            if isinstance(current, MappingNode):
                for k, v in current.value:
                    if isinstance(k, ScalarNode) and k.value == step:
                        child = k if (key and last) else v
                        break
            elif (
                isinstance(current, SequenceNode)
                and isinstance(step, int)
                and 0 <= step < len(current.value)
            ):
                child = current.value[step]
            if child is None:
                break
            current = child
        return current

    def position(self, path: Sequence[str | int] = (), key: bool = False) -> tuple[int, int]:
        node = self.node(path, key) if path else None
        if node is None:
            return self._start()
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def _start(self) -> tuple[int, int]:
        """Where the document's content begins (after comments), or 1:1."""
        if self._root is None and self.text.strip():
            self._root = yaml.compose(self.text, Loader=PositionComposer)
        if self._root is None:
            return (1, 1)
        return (self._root.start_mark.line + 1, self._root.start_mark.column + 1)

    def raw(self, path: Sequence[str | int]) -> str | None:
        """The scalar as written in the file (before YAML typed it), for messages."""
        node = self.node(path)
        return node.value if isinstance(node, ScalarNode) else None

    def finding(
        self, code: str, message: str, path: Sequence[str | int] = (), key: bool = False
    ) -> Finding:
        return make(code, self.path, message, self.position(path, key))


def _tag_message(tag: str) -> str:
    return _(
        "the tag {tag} is not allowed; use plain strings, numbers, lists and mappings", tag=tag
    )


def _limit_message() -> str:
    return _("the file nests deeper than {limit} levels; flatten it", limit=MAX_DEPTH)


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where the file first nests deeper than MAX_DEPTH, or None."""
    if text.count("[") + text.count("{") < MAX_DEPTH // 2 and not _DEEP_LINE.search(text):
        return None
    try:
        return _first_too_deep(yaml.parse(text, Loader=_BaseLoader))
    except yaml.MarkedYAMLError as exc:
        if not _is_parser_limit(exc) or exc.problem_mark is None:
            return None  # the real parse reports the syntax error with its position
        # libyaml 0.2.6 and later stop at their own depth limit while scanning ahead, before
        # they emit the event that crosses ours: find that event in the text up to where they
        # stopped (bounded by libyaml's limit) with the pure-Python parser, which has no limit.
        prefix = text[: exc.problem_mark.index]
        try:
            found = _first_too_deep(yaml.parse(prefix, Loader=yaml.SafeLoader))
        except yaml.YAMLError:
            found = None
        return found or _position(exc.problem_mark)
    except yaml.YAMLError:
        return None


def _first_too_deep(events: Any) -> tuple[int, int] | None:
    depth = 0
    starts = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    for event in events:
        if isinstance(event, starts):
            depth += 1
            if depth > MAX_DEPTH:
                return _position(event.start_mark)
        elif isinstance(event, ends):
            depth -= 1
    return None


def _is_parser_limit(exc: yaml.MarkedYAMLError) -> bool:
    """A limit the YAML parser enforces itself (libyaml's nesting depth), not a syntax error."""
    return "maximum" in (exc.problem or "") or "exceeded" in (exc.problem or "")


def _decode(path: str, raw: bytes) -> str | Finding:
    if len(raw) > MAX_BYTES:
        return make(
            "yaml-limits",
            path,
            _(
                "the file is {size} MB; files over {limit} MB are refused: split it",
                size=f"{len(raw) / 1048576:.1f}",
                limit=MAX_BYTES // 1048576,
            ),
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        return make(
            "yaml-syntax",
            path,
            _(
                "the file is not UTF-8 (byte {byte}); save it as UTF-8",
                byte=f"0x{raw[exc.start]:02x}",
            ),
            (line, column),
        )


def parse(path: str, raw: bytes) -> Document | Finding:
    """Parse one file; returns the document or the one finding that stops it from being read."""
    text = _decode(path, raw)
    if isinstance(text, Finding):
        return text
    deep = None if "\x00" in text else _too_deep(text)
    if deep is not None:
        return make(
            "yaml-limits",
            path,
            _limit_message(),
            deep,
        )
    loader = Loader(text) if "*" in text or "<<" in text else PlainLoader(text)
    try:
        data = loader.get_single_data()
    except YamlProblem as exc:
        return make(exc.code, path, exc.message, _position(exc.mark))
    except yaml.MarkedYAMLError as exc:
        if _is_parser_limit(exc):
            return make("yaml-limits", path, _limit_message(), _position(exc.problem_mark))
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        slip = full_width_slip(text, before_line=line)
        if slip is not None:
            return make("yaml-syntax", path, slip.message(), (slip.line, slip.column))
        message = _syntax_message(exc, text)
        return make("yaml-syntax", path, message, _position(exc.problem_mark))
    except yaml.reader.ReaderError as exc:
        return make("yaml-syntax", path, _reader_message(exc), _offset_position(text, exc.position))
    except yaml.YAMLError as exc:
        return make(
            "yaml-syntax", path, _("YAML syntax: {problem}", problem=str(exc).replace("\n", " "))
        )
    except RecursionError:
        return make("yaml-limits", path, _("the file nests too deeply; flatten it"))
    finally:
        loader.dispose()
    return Document(path, text, data)


def _reader_message(exc: yaml.reader.ReaderError) -> str:
    char = exc.character
    code = f"U+{char:04X}" if isinstance(char, int) else repr(char)
    return _(
        "the file holds the control character {code}, which YAML does not allow; "
        "delete it (it is often left by a copy from another program)",
        code=code,
    )


def _offset_position(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return (text.count("\n", 0, offset) + 1, offset - line_start + 1)


def _syntax_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = exc.problem or "not well-formed YAML"
    mark = exc.problem_mark
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        return _("a tab is used for indentation; indent with spaces only")
    if "constructor for the tag" in problem:
        tag = problem.split("tag", 1)[-1].strip(" '").replace("tag:yaml.org,2002:", "!!")
        return _tag_message(tag)
    if "single document" in f"{exc.context} {problem}":
        return _("the file holds more than one YAML document (a second `---`); keep one")
    context = f"{exc.context}: " if exc.context else ""
    said = f"{context}{problem}"
    hint = next((h for p, h in _PARSER_HINTS.items() if p in problem), None)
    if hint is not None and language() != ENGLISH:  # the parser's English, explained
        return _(
            "YAML syntax: {explanation} (the parser says: {problem})",
            explanation=_(hint),
            problem=said,
        )
    return _("YAML syntax: {problem}", problem=said)


# What the YAML parser's usual complaints mean, for readers who do not read its English.
_PARSER_HINTS = {
    "could not find expected ':'": N_(
        "a line is missing the `:` after its field name, or a text runs on to the next line; "
        "check the line shown and the one before it"
    ),
    "mapping values are not allowed here": N_(
        "a `: ` (colon and space) where none may be; put text that holds `: ` in quotes"
    ),
    "did not find expected key": N_(
        "the indentation does not line up: fields of one mapping start in the same column"
    ),
    "did not find expected '-' indicator": N_(
        "the items of a list do not line up: every `- ` of one list starts in the same column"
    ),
    "expected <block end>": N_(
        "the indentation does not line up with the lines above; indent with spaces, "
        "the same amount for fields of one mapping"
    ),
    "found unexpected end of stream": N_(
        "the file ends inside a quote or bracket; close the quote or bracket that is open"
    ),
    "found character that cannot start any token": N_(
        "a character that cannot begin a value (such as `@` or a backquote); "
        "put the value in quotes"
    ),
    "found undefined alias": N_("a `*name` refers to no `&name` above it; write the value out"),
    "expected ',' or ']'": N_(
        "a list in `[...]` is not closed; add the `]`, or separate items with `, `"
    ),
    "expected ',' or '}'": N_(
        "a mapping in `{...}` is not closed; add the `}`, or separate items with `, `"
    ),
}


# Full-width punctuation that a Chinese input method types where YAML needs ASCII, and what to
# type instead. Inside values (`summary: 修改：第 3 条`) they are text and stay untouched.
_ASCII_FOR = {"：": ":", "，": ",", "［": "[", "］": "]", "｛": "{", "｝": "}"}
_FULL_WIDTH_SPACE = "\u3000"
# `key：`, after the indentation and any `- `: a field name of the format typed with `：`.
_KEY_COLON = re.compile(r"^((?:- +)*)([A-Za-z_][A-Za-z0-9_-]*) *：")
# `key: ［` or `key: ｛`, or an ASCII flow `[...]` holding a `，`.
_FLOW_VALUE = re.compile(r"^((?:- +)*(?:[A-Za-z_][A-Za-z0-9_-]* *[:：] +)?)([［｛\[{].*)$")


@dataclass(frozen=True)
class FullWidthSlip:
    """A full-width character where YAML needs ASCII, and the line as it should be typed."""

    line: int
    column: int
    char: str
    fixed: str

    def message(self) -> str:
        shown = self.fixed if len(self.fixed) <= 60 else self.fixed[:57] + "..."
        if self.char == _FULL_WIDTH_SPACE:
            return _(
                "a full-width space (U+3000) at the start of the line; YAML indents with "
                "ASCII spaces only: type `{fixed}` with half-width spaces",
                fixed=shown,
            )
        return _(
            "the full-width `{char}` is YAML punctuation here and must be typed in ASCII as "
            "`{ascii}` (switch the input method to half-width): write `{fixed}`",
            char=self.char,
            ascii=_ASCII_FOR[self.char],
            fixed=shown,
        )


def full_width_slip(text: str, before_line: int | None = None) -> FullWidthSlip | None:
    """The first full-width character in a place where YAML needs ASCII punctuation, on or
    before `before_line` (the line where the parser gave up), or None."""
    for number, line in enumerate(text.splitlines(), start=1):
        if before_line is not None and number > before_line:
            break
        slip = _slip_in_line(number, line)
        if slip is not None:
            return slip
    return None


def slip_on_line(text: str, number: int) -> FullWidthSlip | None:
    """The full-width slip on line `number` (1-based) of `text`, if it has one."""
    lines = text.splitlines()
    return _slip_in_line(number, lines[number - 1]) if 0 < number <= len(lines) else None


def _slip_in_line(number: int, line: str) -> FullWidthSlip | None:
    body = line.lstrip(" ")
    indent = len(line) - len(body)
    if body.startswith(_FULL_WIDTH_SPACE):
        fixed = body.lstrip(_FULL_WIDTH_SPACE + " ")
        return FullWidthSlip(number, indent + 1, _FULL_WIDTH_SPACE, fixed)
    if not body or body[0] in "#'\"|>":
        return None
    key = _KEY_COLON.match(body)
    if key is not None and ": " not in body[: key.end()]:
        column = indent + key.end()
        rest = body[key.end() :].lstrip(" ")
        fixed = f"{key.group(1)}{key.group(2)}: {rest}".rstrip()
        return FullWidthSlip(number, column, "：", _fixed_flow(fixed))
    flow = _FLOW_VALUE.match(body)
    if flow is not None:
        value = flow.group(2)
        fixed_value = _fixed_flow(value)
        if fixed_value != value:
            offset = next(i for i, c in enumerate(value) if c in _ASCII_FOR and c != "：")
            column = indent + len(flow.group(1)) + offset + 1
            return FullWidthSlip(number, column, value[offset], flow.group(1) + fixed_value)
    return None


def _fixed_flow(value: str) -> str:
    """A flow value (`［a，b］`) with its brackets and separating commas typed in ASCII."""
    if not value or value[0] not in "［｛[{":
        return value
    out = []
    for char in value:
        if char == "，":
            out.append(", ")
        elif char in "［］｛｝":
            out.append(_ASCII_FOR[char])
        else:
            out.append(char)
    return "".join(out).replace(",  ", ", ")
