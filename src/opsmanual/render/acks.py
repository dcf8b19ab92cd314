"""The handbook's acknowledgement status of the current version (after the update records).

Shown only when `ack_days` is set. A handbook is the same bytes whenever it is rendered, so it
lists who has confirmed and who has not with their due dates, and never says "overdue" (that
depends on the day it is read: `opsmanual ack status` and `validate` say it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from opsmanual.model import Manual
from opsmanual.render.i18n import Words

if TYPE_CHECKING:
    from opsmanual.render.context import Ref

# Every acknowledgement in the register counts, whenever the handbook is rendered.
_END_OF_TIME = datetime.max.replace(tzinfo=UTC)


@dataclass
class AckRow:
    person: Ref
    date: str  # when they confirmed, or by when they must
    method: str


@dataclass
class AckView:
    version: str
    intro: str
    acknowledged: list[AckRow]
    pending: list[AckRow]


def ack_view(manual: Manual, t: Words, person: Callable[[str], Ref]) -> AckView | None:
    from opsmanual.acks import status

    info = manual.info
    if info is None or info.ack_days is None or not manual.updates:
        return None
    result = status(manual, None, _END_OF_TIME)
    due = t.date_text(result.due)
    return AckView(
        version=result.version,
        intro=t.format("acks_intro", version=result.version, days=info.ack_days, due=due),
        acknowledged=[
            AckRow(person(a.id), t.datetime_text(a.ack.date), _method(t, a.ack.method))
            for a in result.acknowledged
        ],
        pending=[AckRow(person(p.id), t.date_text(p.due), "") for p in result.pending],
    )


def _method(t: Words, method: str | None) -> str:
    """The usual methods (`signed`, `email`, `meeting`, `training`) in the manual's language."""
    names: dict[str, str] = t.table.get("ack_methods", {})
    return names.get(method, method) if method else ""
