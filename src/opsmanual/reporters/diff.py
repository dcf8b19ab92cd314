"""`diff`'s changes written out: text, markdown, json."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from opsmanual.diff import EntityChange, FieldChange
from opsmanual.gitaccess import WORKTREE
from opsmanual.i18n import N_, _, pgettext
from opsmanual.reporters import printable, tint

# An entity's change in text and Markdown output (JSON keeps the spec's words).
OPS = {"added": N_("added"), "removed": N_("removed"), "changed": N_("changed")}


class Reporter(Protocol):
    """The changes from point `a` to point `b`; `colour` for a terminal, where it applies."""

    def __call__(
        self, changes: list[EntityChange], a: str, b: str, *, colour: bool = False
    ) -> str: ...


def label(point: str) -> str:
    return "worktree" if point == WORKTREE else point


def _shown(point: str) -> str:
    """A point as people read it: the work tree in their language (JSON keeps `worktree`)."""
    return pgettext("revision", "worktree") if point == WORKTREE else point


def show(value: Any, limit: int = 200) -> str:
    """A value on one line for people: strings as written, the rest as compact JSON."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def field_line(f: FieldChange, tr: Callable[..., str] = _) -> str:
    """One changed field for people, in the reader's language by default (`tr`)."""
    if f.op == "moved":
        return tr("{path}: moved from position {old} to {new}", path=f.path, old=f.old, new=f.new)
    if f.op == "added" and f.position is not None:
        return tr(
            "{path}: added at position {position}: {value}",
            path=f.path,
            position=f.position,
            value=show(f.new),
        )
    if f.op == "added":
        return tr("{path}: added {value}", path=f.path, value=show(f.new))
    if f.op == "removed":
        return tr("{path}: removed (was {value})", path=f.path, value=show(f.old))
    return f"{f.path}: {show(f.old)} -> {show(f.new)}"


def as_json(changes: list[EntityChange], a: str, b: str, *, colour: bool = False) -> str:
    document = {"from": a, "to": label(b), "changes": [c.as_json() for c in changes]}
    return json.dumps(document, ensure_ascii=False, indent=2, default=str)


def as_text(changes: list[EntityChange], a: str, b: str, *, colour: bool = False) -> str:
    marks = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow")}
    lines = [_("Changes from {a} to {b}:", a=a, b=_shown(b))]
    if not changes:
        return _("No changes to the manual from {a} to {b}.", a=a, b=_shown(b))
    for c in changes:
        mark, fg = marks[c.op]
        head = f"{mark} {c.ref} {_(OPS[c.op])}"
        lines.append(tint(head, fg) if colour else head)
        lines += [f"    {field_line(f)}" for f in c.fields]
    if colour:  # printed as it is: the manual's text made printable here, around the tints
        return "\n".join(line if line.startswith("\x1b[") else printable(line) for line in lines)
    return "\n".join(lines)


def _md_cell(value: Any) -> str:
    """A value in a table cell, shown as text in any renderer: no HTML, link or table break."""
    from opsmanual.render.markup import md_escape

    return "" if value is None else md_escape(show(value))


def as_markdown(changes: list[EntityChange], a: str, b: str, *, colour: bool = False) -> str:
    from opsmanual.render.markup import md_code

    if not changes:
        return _("No changes to the manual from {a} to {b}.", a=md_code(a), b=md_code(_shown(b)))
    lines = [_("Changes to the manual from {a} to {b}", a=md_code(a), b=md_code(_shown(b))), ""]
    for c in changes:
        lines.append(f"### {md_code(c.ref)} {_(OPS[c.op])}")
        lines.append("")
        if c.fields:
            columns = (_("field"), _("before"), _("after"))
            lines += ["| {} | {} | {} |".format(*columns), "| --- | --- | --- |"]
            for f in c.fields:
                old, new = (
                    (_("position {n}", n=f.old), _("position {n}", n=f.new))
                    if f.op == "moved"
                    else (
                        _md_cell(f.old),
                        _md_cell(f.new),
                    )
                )
                path = md_code(f.path).replace("|", "\\|")  # a pipe would end the cell
                lines.append(f"| {path} | {old} | {new} |")
            lines.append("")
    return "\n".join(lines).rstrip()


REPORTERS: Mapping[str, Reporter] = {"text": as_text, "markdown": as_markdown, "json": as_json}
