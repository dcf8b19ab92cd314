"""The semantic diff: entities added, removed or changed, and for a change each field path.

Lists whose items carry a key (`id` for steps and copies, `title` for chapters, `version` for
update records) are matched by that key, so a moved step is reported as a move. Other lists are
compared by position. Only the files that changed are read (see `diff_points`).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from opsmanual.errors import OpsError
from opsmanual.findings import Finding
from opsmanual.gitaccess import WORKTREE, GitManual
from opsmanual.i18n import _
from opsmanual.kinds import ENTITY_KINDS, KIND_ORDER, MANUAL, kind_of
from opsmanual.load import parse
from opsmanual.source import LINK_MESSAGE, Unreadable

_MISSING = object()


@dataclass(frozen=True)
class FieldChange:
    """One difference inside an entity.

    `op` is `changed` (old and new value), `added` (old is None), `removed` (new is None) or
    `moved` (a keyed list item whose position changed: old and new are 1-based positions).
    An item added to a keyed list also has its 1-based `position` in the new list.
    """

    path: str
    old: Any
    new: Any
    op: str = "changed"
    position: int | None = None

    def as_json(self) -> dict[str, Any]:
        out = {"path": self.path, "op": self.op, "old": self.old, "new": self.new}
        if self.position is not None:
            out["position"] = self.position
        return out


@dataclass
class EntityChange:
    kind: str
    id: str
    op: str  # added | removed | changed
    fields: list[FieldChange] = field(default_factory=list)
    old: Any = None  # the entity's data before (None when added)
    new: Any = None  # and after (None when removed)

    @property
    def ref(self) -> str:
        """The entity as the update record table names it (`procedures/x`, `manual`)."""
        return f"{self.kind}/{self.id}" if self.kind in ENTITY_KINDS else self.kind

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "op": self.op,
            "fields": [f.as_json() for f in self.fields],
        }


def identity(kind: str, path: str, data: Any) -> str:
    """An entity's id: its `id` field when it has one (so a renamed file with the same id is the
    same entity), else its file stem; the record tables are named after their kind."""
    if kind != MANUAL and kind not in ENTITY_KINDS:
        return kind
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return str(data["id"])
    return PurePosixPath(path).stem


# --- comparing two values ----------------------------------------------------------------------


def diff_values(old: Any, new: Any, path: str = "", name: str = "") -> list[FieldChange]:
    """Field changes turning `old` into `new`; `name` is the field holding them (for keys)."""
    if old == new and type(old) is type(new):
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        return _diff_dicts(old, new, path)
    if isinstance(old, list) and isinstance(new, list):
        key_old, key_new = list_key(name, old), list_key(name, new)
        key = key_old if (key_old == key_new or not new) else key_new if not old else None
        if key:
            return _diff_keyed(old, new, path, key)
        return _diff_positional(old, new, path, name)
    return [FieldChange(path, old, new)]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _diff_dicts(old: dict[str, Any], new: dict[str, Any], path: str) -> list[FieldChange]:
    out: list[FieldChange] = []
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key, _MISSING), new.get(key, _MISSING)
        sub = _join(path, str(key))
        if a is _MISSING:
            out.append(FieldChange(sub, None, b, "added"))
        elif b is _MISSING:
            out.append(FieldChange(sub, a, None, "removed"))
        else:
            out += diff_values(a, b, sub, str(key))
    return out


def list_key(name: str, items: list[Any]) -> str | None:
    """The field that identifies the items of a list, or None to compare by position."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in ("id", "title" if name == "chapters" else "", "version" if name == "" else ""):
        if not key:
            continue
        values = [i.get(key) for i in items]
        if all(isinstance(v, str) for v in values) and len(set(values)) == len(values):
            return key
    return None


def _diff_keyed(old: list[Any], new: list[Any], path: str, key: str) -> list[FieldChange]:
    before = {item[key]: item for item in old}
    after = {item[key]: item for item in new}
    out: list[FieldChange] = []
    for k, item in before.items():
        if k not in after:
            out.append(FieldChange(f"{path}[{k}]", item, None, "removed"))
    kept_old = [k for k in before if k in after]
    kept_new = [k for k in after if k in before]
    stay = set(_lcs(kept_old, kept_new))
    position = {k: i + 1 for i, k in enumerate(after)}
    old_position = {k: i + 1 for i, k in enumerate(before)}
    for k, item in after.items():
        sub = f"{path}[{k}]"
        if k not in before:
            out.append(FieldChange(sub, None, item, "added", position[k]))
            continue
        if k not in stay:
            out.append(FieldChange(sub, old_position[k], position[k], "moved"))
        out += diff_values(before[k], item, sub)
    return out


def _lcs(a: list[str], b: list[str]) -> list[str]:
    """The longest common subsequence: the items that kept their relative order."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [a[i + n] for i, _, size in matcher.get_matching_blocks() for n in range(size)]


def _diff_positional(old: list[Any], new: list[Any], path: str, name: str) -> list[FieldChange]:
    if len(old) == len(new):
        out: list[FieldChange] = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out += diff_values(a, b, f"{path}[{i + 1}]", name)
        return out
    tokens = [json.dumps(v, sort_keys=True, default=str) for v in old]
    tokens_new = [json.dumps(v, sort_keys=True, default=str) for v in new]
    ops = difflib.SequenceMatcher(None, tokens, tokens_new, autojunk=False).get_opcodes()
    kinds = {tag for tag, *_ in ops} - {"equal"}
    if kinds == {"insert"}:
        return [
            FieldChange(f"{path}[{j + 1}]", None, new[j], "added")
            for tag, _, _, j1, j2 in ops
            if tag == "insert"
            for j in range(j1, j2)
        ]
    if kinds == {"delete"}:
        return [
            FieldChange(f"{path}[{i + 1}]", old[i], None, "removed")
            for tag, i1, i2, _, _ in ops
            if tag == "delete"
            for i in range(i1, i2)
        ]
    return [FieldChange(path, old, new)]


# --- comparing two points of the history --------------------------------------------------------


@dataclass
class Side:
    """The entities found in some files at one point: (kind, id) -> (path, data)."""

    entities: dict[tuple[str, str], tuple[str, Any]] = field(default_factory=dict)


def _read_side(
    gm: GitManual, point: str, paths: list[str], links: set[str], problems: list[Finding]
) -> Side:
    side = Side()
    for path in sorted(set(paths)):
        kind = kind_of(path)
        if path in links:  # what the work tree refuses, a commit refuses too: not the link's text
            raise Unreadable(path, _(LINK_MESSAGE))
        raw = gm.read(point, path)
        if kind is None or raw is None:
            continue
        doc = parse(path, raw)
        if isinstance(doc, Finding):
            problems.append(doc)
            continue
        side.entities[(kind, identity(kind, path, doc.data))] = (path, doc.data)
    return side


def diff_points(
    gm: GitManual, a: str, b: str, only: set[str] | None = None
) -> tuple[list[EntityChange], list[Finding]]:
    """The entity changes from point `a` to point `b` (a commit or WORKTREE), reading only the
    changed files; `only` keeps the entities with those refs (`procedures/x`, `manual`).
    Findings are the changed files that could not be parsed."""
    changed = gm.changes(a, b)
    old_paths = [c.old for c in changed if c.old]
    new_paths = [c.new for c in changed if c.new]
    problems: list[Finding] = []
    old_links = {c.old for c in changed if c.old and c.old_link}
    new_links = {c.new for c in changed if c.new and c.new_link}
    before = _read_side(gm, a, old_paths, old_links, problems)
    after = _read_side(gm, b, new_paths, new_links, problems)
    result = compare(before, after)
    if only is not None:
        result = [c for c in result if c.ref in only]
    return result, problems


@dataclass(frozen=True)
class Points:
    """The two points a `diff` compares, resolved, with the names the report shows."""

    a: str
    b: str
    a_label: str
    b_label: str


def resolve_points(gm: GitManual, rev_a: str | None, rev_b: str | None) -> Points:
    """`diff [REV_A [REV_B]]` (cli.md): from HEAD by default, to the work tree by default; both
    points must hold the manual."""
    from opsmanual.gitsource import require_manual_at

    if not gm.has_head() and rev_a is None:
        raise OpsError(_("the repository has no commit yet: there is nothing to compare with"))
    a_label = rev_a or "HEAD"
    a = gm.resolve(a_label)
    b = gm.resolve(rev_b) if rev_b else WORKTREE
    require_manual_at(gm, a, a_label)
    if rev_b:
        require_manual_at(gm, b, rev_b)
    return Points(a, b, a_label, rev_b or WORKTREE)


def compare(before: Side, after: Side) -> list[EntityChange]:
    out: list[EntityChange] = []
    for key in set(before.entities) | set(after.entities):
        kind, ident = key
        old = before.entities.get(key)
        new = after.entities.get(key)
        if old is None and new is not None:
            out.append(EntityChange(kind, ident, "added", new=new[1]))
        elif new is None and old is not None:
            out.append(EntityChange(kind, ident, "removed", old=old[1]))
        elif old is not None and new is not None:
            fields = diff_values(old[1], new[1])
            if fields:
                out.append(EntityChange(kind, ident, "changed", fields, old[1], new[1]))
    out.sort(key=lambda c: (KIND_ORDER.index(c.kind), c.id))
    return out
