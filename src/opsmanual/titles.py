"""Names for ids, for what staff read: a role by its title, a person by name, a step by its action.

The handbook, its Word and Markdown forms and the staff notice all name entities through
`Titles`, so that no staff-facing text shows a bare id. An entity that is gone (a role removed
by an update) is named by the title it had: `former` holds those, read from git history by
`former_titles` when the manual lives in a repository.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from opsmanual.model import Manual

if TYPE_CHECKING:
    from pathlib import Path

    from opsmanual.diff import FieldChange
    from opsmanual.gitaccess import GitManual

# Which kind of entity a field's value names, by the field's last key (and by the kind that
# holds it where one key means two things: a manual's `owner` is a unit, a procedure's a role).
_ROLE_KEYS = frozenset(
    {"actor", "reports_to", "head", "consulted", "informed", "roles", "approver"}
)
_STAFF_KEYS = frozenset({"author", "reviewed_by", "approved_by", "borrower", "issued_by"})
_UNIT_KEYS = frozenset({"unit", "parent", "holder"})
_KINDS = ("units", "roles", "procedures", "staff")


class Titles:
    """Resolve `kind/id` references and field values to the names people know."""

    def __init__(self, manual: Manual, former: Mapping[str, str] | None = None) -> None:
        self.manual = manual
        self.former = dict(former or {})

    def name(self, ref: str) -> str | None:
        """The title or name of `kind/id` (now, else as it was); None when unknown."""
        kind, _, ident = ref.partition("/")
        if kind not in _KINDS:
            return None
        entity = self.manual.entities(kind).get(ident)
        found = getattr(entity, "title", None) or getattr(entity, "name", None)
        return str(found) if found else self.former.get(ref)

    def role(self, rid: str) -> str:
        return self.name(f"roles/{rid}") or rid

    def unit(self, uid: str) -> str:
        return self.name(f"units/{uid}") or uid

    def person(self, sid: str) -> str:
        return self.name(f"staff/{sid}") or sid

    def value(self, kind: str, key: str, value: Any) -> Any:
        """A field's value with the ids it holds replaced by names; other values as they are."""
        if isinstance(value, list):
            return [self.value(kind, key, v) for v in value]
        if not isinstance(value, str):
            return value
        if key in _ROLE_KEYS or (key == "owner" and kind == "procedures"):
            return self.role(value)
        if key in _STAFF_KEYS:
            return self.person(value)
        if key in _UNIT_KEYS or (key == "owner" and kind == "manual"):
            return self.unit(value)
        return value

    def field_line(self, kind: str, change: FieldChange, old: Any, new: Any) -> str:
        """One field change as a reader reads it: `step 登记: actor 客服专员 → 客服主管`.

        `old`/`new` are the entity's data before and after, to name steps by their action.
        """
        where, key = _split_path(change.path)
        label = self._where(where, old, new)
        shown = key if not label else f"{label}: {key}" if key else label
        if change.op == "moved":
            return f"{shown}: {change.old} → {change.new}"
        if change.op == "added":
            return f"{shown}: + {_show(self.value(kind, key, change.new))}"
        if change.op == "removed":
            return f"{shown}: − {_show(self.value(kind, key, change.old))}"
        before = _show(self.value(kind, key, change.old))
        after = _show(self.value(kind, key, change.new))
        return f"{shown} {before} → {after}" if label and key else f"{shown}: {before} → {after}"

    def _where(self, where: str, old: Any, new: Any) -> str:
        """`steps[register]` -> `step 登记` (the step's action), other paths as they are."""
        if where.startswith("steps[") and where.endswith("]"):
            sid = where[len("steps[") : -1]
            return f"step {_step_action(new, sid) or _step_action(old, sid) or sid}"
        return where


def _split_path(path: str) -> tuple[str, str]:
    """`steps[register].actor` -> (`steps[register]`, `actor`); `title` -> ("", `title`);
    `steps[register]` -> (`steps[register]`, "")."""
    if path.endswith("]") and "." not in path.rsplit("]", 1)[-1]:
        head, _, _ = path.rpartition("[")
        if "." not in head and head:
            return path, ""
    where, dot, key = path.rpartition(".")
    if not dot:
        return "", path
    # A key with an index (`duties[2]`) is shown by its key.
    return where, key.split("[", 1)[0]


def _step_action(data: Any, sid: str) -> str | None:
    if not isinstance(data, dict):
        return None
    for step in data.get("steps") or []:
        if isinstance(step, dict) and step.get("id") == sid:
            action = step.get("action")
            return str(action) if action else None
    return None


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(_show(v) for v in value) if value else "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_show(v)}" for k, v in value.items())
    return "—" if value is None else str(value)


def removed_titles(root: Path, manual: Manual) -> dict[str, str]:
    """Titles of removed entities from the git history of the manual at `root`, so the update
    table names them; empty outside git or when the history cannot be read (ids are shown)."""
    if not any(r.removed for r in manual.updates):
        return {}
    from opsmanual.errors import OpsError
    from opsmanual.gitaccess import open_repo

    try:
        return former_titles(open_repo(root), manual)
    except OpsError:
        return {}


def former_titles(gm: GitManual | None, manual: Manual) -> dict[str, str]:
    """The titles entities had before an update removed them (`roles/x` -> title).

    Read from the commit before the one that added the record listing the removal; empty
    without git or when that history is not there (the caller then shows the id).
    """
    if gm is None or not gm.has_head():
        return {}
    from opsmanual.gitaccess import WORKTREE
    from opsmanual.load import parse
    from opsmanual.record_history import RecordHistory, table_path

    wanted = [r for r in manual.updates if r.removed]
    if not wanted:
        return {}
    added = RecordHistory(gm, table_path(manual)).added([r.version for r in wanted])
    found: dict[str, str] = {}
    for record in wanted:
        commit = added.get(record.version)
        point = "HEAD" if commit == WORKTREE else f"{commit}~1" if commit else None
        if point is None:
            continue
        for ref in record.removed:
            raw = _read_entity(gm, point, ref)
            if raw is None:
                continue
            doc = parse(f"{ref}.yaml", raw)
            data = getattr(doc, "data", None)
            if isinstance(data, dict):
                title = data.get("title") or data.get("name")
                if isinstance(title, str):
                    found[ref] = title
    return found


def _read_entity(gm: GitManual, point: str, ref: str) -> bytes | None:
    from opsmanual.errors import OpsError

    for suffix in (".yaml", ".yml"):
        try:
            raw = gm.read(point, ref + suffix)
        except OpsError:
            return None
        if raw is not None:
            return raw
    return None
