"""Safe edits of a manual's YAML files: one lock per manual, round-trip edits, atomic writes.

Commands that change a file (`loan`, `record add`) take `locked(root)`, then call `edit_yaml` or
`append_entry`. The edit keeps comments, key order, quoting and indentation of everything it does
not touch; the new bytes replace the old ones with a rename, so a crash leaves the old file or the
new one, never half of one. Whatever is written must load through `opsmanual.load.parse`, or
nothing is written.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from opsmanual.atomic import write_atomic
from opsmanual.errors import OpsError, Refused
from opsmanual.findings import Finding
from opsmanual.i18n import _
from opsmanual.load import Document, PositionComposer, parse

T = TypeVar("T")

LOCK_NAME = ".opsmanual.lock"
_BOM = "\ufeff"
_STR_TAG = "tag:yaml.org,2002:str"

# Roots locked by this process, with a nesting count, so that `locked` is re-entrant (a second
# FileLock on the same file from the same process would wait for itself) and `edit_yaml` can
# insist on being called under the lock.
_held: dict[Path, int] = {}
_held_guard = threading.Lock()


# How long a command waits for another one's edit to finish (docs/loans.md). An edit of a large
# register takes about a second, so ten minutes outlasts any realistic queue of concurrent runs,
# while a lock held by a hung process still ends in a clear error rather than a silent wait.
LOCK_TIMEOUT = 600.0


@contextmanager
def locked(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the manual's edit lock, `records/.opsmanual.lock`, for the duration of the block."""
    from filelock import FileLock, Timeout

    key = root.resolve()
    with _held_guard:
        if key in _held:
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    records = key / "records"
    try:
        records.mkdir(exist_ok=True)
    except OSError as exc:
        raise OpsError(
            _("cannot create {path}: {reason}", path=records, reason=exc.strerror)
        ) from exc
    wait = LOCK_TIMEOUT if timeout is None else timeout
    lock = FileLock(str(records / LOCK_NAME), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise OpsError(
            _(
                "another opsmanual command is editing this manual (waited {seconds} s); "
                "if none is running, delete {lock} and try again",
                seconds=f"{wait:g}",
                lock=records / LOCK_NAME,
            )
        ) from None
    except OSError as exc:
        raise OpsError(
            _("cannot lock {path}: {reason}", path=records / LOCK_NAME, reason=exc.strerror)
        ) from exc
    with _held_guard:
        _held[key] = 1
    try:
        yield
    finally:
        with _held_guard:
            del _held[key]
        lock.release()


def _require_lock(path: Path) -> None:
    resolved = path.resolve()
    with _held_guard:
        if not any(parent in _held for parent in resolved.parents):
            raise RuntimeError(f"{path} is edited outside `locked()`")


# --- the file's own conventions -------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Indentation as ruamel.yaml counts it, with the top-level list apart from nested ones.

    A common hand-written style puts top-level list dashes in column 1 (`- copy: OPS-01`) yet
    indents nested lists under their key (`changes:` then `    - units/ops`); one global ruamel
    setting cannot express both, hence the separate top-level pair.
    """

    mapping: int = 2
    sequence: int = 4
    offset: int = 2
    top_sequence: int = 2
    top_offset: int = 0


@dataclass
class _Text:
    body: str  # LF line endings, no BOM
    bom: bool
    crlf: bool

    @classmethod
    def decode(cls, path: Path, raw: bytes) -> _Text:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise OpsError(_("{path} is not UTF-8; run `opsmanual validate`", path=path)) from None
        bom = text.startswith(_BOM)
        if bom:
            text = text[1:]
        return cls(text.replace("\r\n", "\n"), bom, "\r\n" in text)

    def encode(self, body: str) -> bytes:
        if self.crlf:
            body = body.replace("\n", "\r\n")
        return ((_BOM if self.bom else "") + body).encode("utf-8")


_KEY_LINE = re.compile(r"^((?: *- +)*)( *)([^\s#-][^#]*?|\"[^\"]*\"|'[^']*'):[ \t]*(#.*)?$")
_DASH_LINE = re.compile(r"^( *)- ")


def _content_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip() and not line.lstrip().startswith("#")]


def guess_layout(text: str) -> Layout:
    """The file's indentation, from its first examples of each construct."""
    lines = _content_lines(text)
    found: dict[str, int] = {}
    if lines and (top := _DASH_LINE.match(lines[0])):
        found["top_offset"] = len(top.group(1))
        found["top_sequence"] = len(top.group(1)) + 2
    for line, following in itertools.pairwise(lines):
        key = _KEY_LINE.match(line)
        if not key:
            continue
        column = len(key.group(1)) + len(key.group(2))
        dash = _DASH_LINE.match(following)
        if dash:
            offset = len(dash.group(1)) - column
            if offset >= 0 and "offset" not in found:
                found["offset"] = offset
                found["sequence"] = offset + 2
        else:
            depth = len(following) - len(following.lstrip(" ")) - column
            if depth > 0 and "mapping" not in found:
                found["mapping"] = depth
    return Layout(**found)


def _candidates(first: Layout) -> list[Layout]:
    options = [first]
    for mapping in (2, 4):
        for sequence, offset in ((2, 0), (4, 2)):
            for top_sequence, top_offset in ((2, 0), (4, 2)):
                layout = Layout(mapping, sequence, offset, top_sequence, top_offset)
                if layout != first:
                    options.append(layout)
    return options


def _emitter_class(layout: Layout) -> type[Any]:
    from ruamel.yaml.emitter import RoundTripEmitter

    class Emitter(RoundTripEmitter):
        def _top_level_sequence(self) -> bool:
            values = self.indents.values
            return len(values) == 1 and values[0] == (None, True)

        def expect_block_sequence_item(self, first: bool = False) -> None:
            if not self._top_level_sequence():
                super().expect_block_sequence_item(first)
                return
            saved = (self.sequence_dash_offset, self.best_sequence_indent)
            self.sequence_dash_offset = layout.top_offset
            self.best_sequence_indent = layout.top_sequence
            try:
                super().expect_block_sequence_item(first)
            finally:
                self.sequence_dash_offset, self.best_sequence_indent = saved

    return Emitter


def _yaml(layout: Layout) -> Any:
    from ruamel.yaml import YAML

    handler = YAML(typ="rt")
    handler.preserve_quotes = True
    handler.width = 1 << 16  # never fold a long line the author wrote on one line
    handler.indent(mapping=layout.mapping, sequence=layout.sequence, offset=layout.offset)
    handler.Emitter = _emitter_class(layout)
    return handler


def _dump(handler: Any, data: Any) -> str:
    buffer = io.StringIO()
    try:
        handler.dump(data, buffer)
    except Exception as exc:  # ruamel.yaml fails on a few rare layouts (a commented flow root)
        raise _Unwritable(f"{type(exc).__name__}: {exc}") from exc
    return buffer.getvalue()


class _Unwritable(OpsError):
    """ruamel.yaml cannot write this data back."""


def _load(path: Path, body: str) -> tuple[Any, Layout]:
    """The round-trip data, and the layout that writes the unchanged data back as it was."""
    from ruamel.yaml.error import YAMLError

    guess = guess_layout(body)
    try:
        data = _yaml(guess).load(body)
    except YAMLError as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise OpsError(
            _(
                "{path} is not valid YAML ({problem}); run `opsmanual validate`",
                path=path,
                problem=problem,
            )
        ) from None
    if data is None:
        return None, guess
    for layout in _candidates(guess):
        with suppress(_Unwritable):
            if _dump(_yaml(layout), data).rstrip("\n") == body.rstrip("\n"):
                return data, layout
    return data, guess  # ruamel cannot reproduce this file exactly; keep as much as it can


# --- values ---------------------------------------------------------------------------------

_RESOLVER = yaml.resolver.Resolver()  # YAML 1.1 with timestamps: what most other tools read


def _mistyped(value: str) -> bool:
    """Whether a plain scalar with this text would load as something other than this string."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag != _STR_TAG)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def to_yaml(value: Any) -> Any:
    """Plain data as round-trip nodes; strings YAML would read as numbers, booleans, dates or
    nulls (`1.10`, `yes`, `2026-01-01`, `~`) are double-quoted so they stay strings."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, dict) and not isinstance(value, CommentedMap):
        return CommentedMap((k, to_yaml(v)) for k, v in value.items())
    if isinstance(value, list | tuple) and not isinstance(value, CommentedSeq):
        return CommentedSeq(to_yaml(v) for v in value)
    if isinstance(value, CommentedMap):
        for k in list(value):
            value[k] = to_yaml(value[k])
        return value
    if isinstance(value, CommentedSeq):
        for i, item in enumerate(value):
            value[i] = to_yaml(item)
        return value
    if type(value) is str and _ISO_DATE.fullmatch(value):
        # A date is written plain, as people write it; our loader reads it back as this string.
        with suppress(ValueError):
            return dt.date.fromisoformat(value)
    if type(value) is str and _mistyped(value):
        return DoubleQuotedScalarString(value)
    return value


def set_key(mapping: Any, key: str, value: Any) -> None:
    """`mapping[key] = value` on a round-trip mapping. A new key goes last; the comment lines
    that followed the old last key (often a note about the next entry) stay below it, so the
    new line does not land under a comment that belongs to what follows."""
    if key in mapping or not mapping:
        mapping[key] = value
        return
    last = list(mapping)[-1]
    mapping[key] = value
    slots = mapping.ca.items.get(last)
    token = slots[2] if slots and len(slots) > 2 else None
    if token is None:
        return
    inline, _newline, below = token.value.partition("\n")
    if not below:
        return
    from ruamel.yaml.tokens import CommentToken

    if inline.strip():
        token.value = inline + "\n"  # a comment on the old last line stays on that line
    else:
        slots[2] = None
    mapping.ca.items[key] = [None, None, CommentToken("\n" + below, token.start_mark, None), None]


def _read(path: Path) -> _Text:
    """The file's text; a missing file is empty. A link, FIFO or unreadable file is an error
    (`read_regular`): a FIFO would hang the command, and a link's target is not ours to edit."""
    from opsmanual.source import read_regular

    exists = path.exists() or path.is_symlink()
    return _Text.decode(path, read_regular(path) if exists else b"")


def _check_loads(path: Path, body: str) -> Any:
    """The data our own loader reads from `body`; refuses to go on if it cannot read it."""
    loaded = parse(path.name, body.encode("utf-8"))
    if isinstance(loaded, Finding):
        raise OpsError(
            _(
                "the edit of {path} would not load ({problem}); nothing was written. "
                "Please report this.",
                path=path,
                problem=loaded.message,
            )
        )
    return loaded.data


def _comment_lines(body: str) -> str:
    """What survives of a file that holds no data: its comments and blank lines."""
    kept = [line for line in body.split("\n") if not line.strip() or line.lstrip().startswith("#")]
    text = "\n".join(kept).strip("\n")
    return f"{text}\n" if text else ""


def edit_yaml(
    path: Path, mutate: Callable[[Any], T], check: Callable[[str], None] | None = None
) -> T:
    """Change one YAML file in place with `mutate(data)`; return what it returned.

    Must run inside `locked()`. `data` is the round-trip CommentedMap/CommentedSeq; a missing,
    empty or comment-only file gives an empty CommentedSeq (its comments are kept above what is
    appended). If `mutate` raises, the file is untouched. `check`, if given, sees the new text
    before it is written and may raise to keep the old file.
    """
    from ruamel.yaml.comments import CommentedSeq

    _require_lock(path)
    text = _read(path)
    data, layout = _load(path, text.body)
    empty = data is None
    if empty:
        data = CommentedSeq()
    result = mutate(data)
    data = to_yaml(data)
    if empty and not data:
        body = text.body
    elif empty:
        body = _comment_lines(text.body) + _dump(_yaml(layout), data)
    else:
        try:
            body = _dump(_yaml(layout), data)
        except _Unwritable as exc:
            raise OpsError(
                _("cannot write {path} back in its own layout ({problem})", path=path, problem=exc)
            ) from None
    if text.body and not text.body.endswith("\n"):
        body = body.rstrip("\n")  # the file's own convention: no final newline
    _check_loads(path, body)
    if check is not None:
        check(body)
    if body != text.body:
        write_atomic(path, text.encode(body))
    return result


_ENTRY_START = re.compile(r"^ *- ", re.MULTILINE)


def _entry_separator(body: str, layout: Layout) -> str:
    """A blank line between entries if the file already separates its entries that way."""
    starts = [
        m.start()
        for m in _ENTRY_START.finditer(body)
        if m.end() - m.start() == layout.top_offset + 2
    ]
    gaps = [body[:start].endswith("\n\n") for start in starts[1:]]
    return "\n" if gaps and sum(gaps) * 2 >= len(gaps) else ""


def append_entry(
    path: Path, entry: dict[str, Any], check: Callable[[str], None] | None = None
) -> None:
    """Append a mapping to a list file (records/*.yaml), leaving every existing byte as it was.

    Must run inside `locked()`. The new entry is written in the file's indentation, after the
    last line, separated like the entries before it. `check` as for `edit_yaml`.

    The cost is the entry's, not the file's: the layout is read from the text and the result is
    checked with the fast loader; only a file that plain appending cannot extend (`[...]`, no
    final newline, `---`/`...` markers, an unusual layout) goes through the round-trip editor.
    """
    append_entries(path, [entry], check)


def append_entries(
    path: Path, entries: list[dict[str, Any]], check: Callable[[str], None] | None = None
) -> None:
    """`append_entry` for several entries at once: all of them are written, or none."""
    _require_lock(path)
    text = _read(path)
    old = _check_loads(path, text.body) if text.body.strip() else None
    if old is not None and not isinstance(old, list):
        raise OpsError(_("{path} is not a list; run `opsmanual validate`", path=path))
    if not _plain_appendable(text.body, old):
        _append_by_round_trip(path, text, entries, check)
        return
    layout = guess_layout(text.body)
    before = text.body if old else _comment_lines(text.body)
    new = to_yaml(list(entries))
    gap = _entry_separator(before, layout) if old else ""
    blocks = [_dump(_yaml(layout), to_yaml([item])) for item in entries]
    # Between the new entries, the separator the file uses between entries (none when empty).
    between = _entry_separator(before, layout) if old else ""
    body = before + gap + between.join(blocks)
    if _loads_quietly(path, body) != [*(old or []), *(_plain(item) for item in new)]:
        _append_by_round_trip(path, text, entries, check)
        return
    if check is not None:
        check(body)
    write_atomic(path, text.encode(body))


_MARKER = re.compile(r"^(?:---|\.\.\.)(?:\s|$)|^%", re.MULTILINE)


def _plain_appendable(body: str, data: list[Any] | None) -> bool:
    """Whether text added after the last line extends the list: a block list (or nothing yet)
    ending in a newline, without document markers."""
    if _MARKER.search(body):
        return False
    if data is None:
        return True
    first = _content_lines(body)
    return bool(data) and body.endswith("\n") and bool(first) and first[0].lstrip().startswith("-")


def _loads_quietly(path: Path, body: str) -> Any:
    loaded = parse(path.name, body.encode("utf-8"))
    return None if isinstance(loaded, Finding) else loaded.data


def _append_by_round_trip(
    path: Path, text: _Text, entries: list[dict[str, Any]], check: Callable[[str], None] | None
) -> None:
    from ruamel.yaml.comments import CommentedSeq

    data, _layout = _load(path, text.body)
    if data is not None and not isinstance(data, CommentedSeq):
        raise OpsError(_("{path} is not a list; run `opsmanual validate`", path=path))

    # Re-emitted as a block list, like every other register.
    def add(seq: Any) -> None:
        with suppress(AttributeError):
            seq.fa.set_block_style()
        seq.extend(entries)

    expected = [_plain(item) for item in to_yaml(list(entries))]

    def verified(body: str) -> None:
        # The round-trip emitter can fold a character it cannot write plainly (U+0085 in a
        # quoted value reads back as a space): what is written must read back as given.
        loaded = _loads_quietly(path, body)
        if not isinstance(loaded, list) or loaded[len(loaded) - len(entries) :] != expected:
            raise OpsError(
                _(
                    "{path}: the new entry would not read back as written; nothing was written",
                    path=path,
                )
            )
        if check is not None:
            check(body)

    edit_yaml(path, add, verified)


def set_in_entry(
    path: Path, index: int, key: str, value: str, check: Callable[[str], None] | None = None
) -> None:
    """Add `key: value` as the last key of list entry `index` (the key must be new), touching no
    other byte: the line goes right after the entry's last value, so comments about the next
    entry stay below it. Costs what the edit does; entries the text cannot be cut at safely
    (flow style, a block scalar last) go through `edit_yaml`. Must run inside `locked()`.
    """
    _require_lock(path)
    text = _read(path)
    old = _check_loads(path, text.body)
    body = _inserted(text.body, index, key, value) if isinstance(old, list) else None
    if body is not None:
        expected = [dict(e) if isinstance(e, dict) else e for e in old]
        if 0 <= index < len(expected) and isinstance(expected[index], dict):
            expected[index][key] = _plain(to_yaml(value))
        if key in old[index] or _loads_quietly(path, body) != expected:
            body = None
    if body is None:
        edit_yaml(path, lambda data: set_key(data[index], key, value), check)
        return
    if check is not None:
        check(body)
    write_atomic(path, text.encode(body))


def _inserted(body: str, index: int, key: str, value: str) -> str | None:
    """`body` with `key: value` after entry `index`'s last value, or None if unsure where."""
    try:
        root = yaml.compose(body, Loader=PositionComposer)
    except yaml.YAMLError:
        return None
    if not isinstance(root, yaml.SequenceNode) or not 0 <= index < len(root.value):
        return None
    node = root.value[index]
    if not isinstance(node, yaml.MappingNode) or node.flow_style or not node.value:
        return None
    key_node, last = node.value[-1]
    if not isinstance(last, yaml.ScalarNode) or last.style in ("|", ">"):
        return None
    end = body.find("\n", last.end_mark.index)
    end = len(body) if end < 0 else end
    line = _dump(_yaml(Layout()), to_yaml({key: value})).rstrip("\n")
    indent = " " * int(key_node.start_mark.column)
    return body[:end] + "\n" + indent + line + body[end:]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def schema_checked(path: str, body: str, kind: str, old: Document | None) -> Document:
    """The file as it would be written, parsed; `Refused` if it would not load or would break
    its schema where the old one did not, so that nothing validate rejects is ever written."""
    from opsmanual import schema

    doc = parse(path, body.encode("utf-8"))
    if isinstance(doc, Finding):
        raise Refused(
            _("the new entry would not load ({problem}); nothing was written", problem=doc.message)
        )
    before = {f.message for f in schema.check(old, kind)} if old is not None else set()
    problems = [f for f in schema.check(doc, kind) if f.message not in before]
    if problems:
        raise Refused(_("{problem}; nothing was written", problem=problems[0].message))
    return doc
