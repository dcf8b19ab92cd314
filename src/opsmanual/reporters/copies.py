"""`copy list` written out: text (a table, the version in force, what is missing) and json."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from opsmanual.i18n import N_, _, pgettext
from opsmanual.reporters import aligned

if TYPE_CHECKING:
    from opsmanual.distribution import CopyList, CopyRow

HEADERS = (N_("copy"), N_("holder"), N_("location"), N_("version"), N_("status"), N_("borrower"))


def status_word(status: str) -> str:
    """A copy's status in the user's language (JSON keeps the spec's words)."""
    if status == "current":
        return pgettext("copy status", "current")
    if status == "outdated":
        return pgettext("copy status", "outdated")
    if status == "withdrawn":
        return pgettext("copy status", "withdrawn")
    if status == "never-issued":
        return pgettext("copy status", "never-issued")
    return status


def _cells(row: CopyRow) -> tuple[str, ...]:
    copy = row.state.copy
    holder = f"{row.holder_name} ({copy.holder})" if row.holder_name else copy.holder
    return (
        copy.id,
        holder,
        copy.location or "",
        row.state.version or "",
        status_word(row.state.status),
        row.borrower or "",
    )


def as_text(listed: CopyList) -> str:
    if not listed.rows:
        return _("manual.yaml lists no controlled copies")
    lines = aligned(tuple(_(h) for h in HEADERS), [_cells(r) for r in listed.rows])
    force = listed.force
    if force is not None:
        lines.append(
            _(
                "version in force: {version} (since {effective})",
                version=force.version,
                effective=force.effective_date,
            )
        )
    if not listed.kept:
        lines.append(
            _("no records/distribution.yaml: record each copy with `opsmanual copy issue COPY_ID`")
        )
    return "\n".join(lines)


def as_json(listed: CopyList) -> str:
    copies = [r.as_json() for r in listed.rows]
    return json.dumps({"copies": copies}, ensure_ascii=False, indent=2)


REPORTERS: Mapping[str, Callable[[CopyList], str]] = {"text": as_text, "json": as_json}
