"""`ack status` written out: text (a summary line and a plain table; on a terminal `cli/` draws
the table with rich) and json (cli.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from opsmanual.i18n import N_, _, pgettext
from opsmanual.reporters import aligned

if TYPE_CHECKING:
    from opsmanual.acks import AckStatus

HEADERS = (N_("person"), N_("status"), N_("date"), N_("method"))


def state_word(state: str) -> str:
    """A person's state, "acknowledged", "overdue" or "pending", in the user's language (JSON
    keeps the keys)."""
    if state == "acknowledged":
        return pgettext("ack status", "acknowledged")
    if state == "overdue":
        return pgettext("ack status", "overdue")
    return pgettext("ack status", "pending")


def rows(result: AckStatus) -> list[tuple[str, str, str, str]]:
    """(person, state, date, method) per person: confirmed first, then pending; the state is
    the untranslated key (for the colour), `shown` puts it in words."""
    found = [
        (f"{a.name} ({a.id})", "acknowledged", a.ack.raw["date"], a.ack.method or "")
        for a in result.acknowledged
    ]
    for p in result.pending:
        state = "overdue" if p.overdue else "pending"
        due = _("due {due}", due=p.due) if p.due else ""
        found.append((f"{p.name} ({p.id})", state, due, ""))
    return found


def shown(row: tuple[str, str, str, str]) -> tuple[str, str, str, str]:
    person, state, day, method = row
    return (person, state_word(state), day, method)


def summary(result: AckStatus) -> str:
    if result.due:
        head = _(
            "version {version} (effective {effective}), due {due}",
            version=result.version,
            effective=result.effective,
            due=result.due,
        )
    else:
        head = _(
            "version {version} (effective {effective}) (no ack_days: no due date)",
            version=result.version,
            effective=result.effective,
        )
    counts = _(
        "{head}: {acknowledged} acknowledged, {pending} pending",
        head=head,
        acknowledged=len(result.acknowledged),
        pending=len(result.pending),
    )
    late = len(result.overdue)
    return counts + (_(", {late} overdue", late=late) if late else "")


def as_text(result: AckStatus) -> str:
    lines = [summary(result)]
    table = [shown(r) for r in rows(result)]
    if table:
        lines += aligned(tuple(_(h) for h in HEADERS), list(table))
    return "\n".join(lines)


def as_json(result: AckStatus) -> str:
    return json.dumps(result.to_json(), ensure_ascii=False, indent=2)


REPORTERS: Mapping[str, Callable[[AckStatus], str]] = {"text": as_text, "json": as_json}
