"""What `record add` and `record approve` say they wrote: a heading, then each field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from opsmanual.i18n import _

if TYPE_CHECKING:
    from opsmanual.approval import Approved


def _fields(entry: Mapping[str, Any]) -> list[str]:
    return [
        f"  {key}: {', '.join(value) if isinstance(value, list) else value}"
        for key, value in entry.items()
    ]


def added(table: str, entry: Mapping[str, Any]) -> str:
    """`record add`: the new record and the manual's version it set."""
    lines = [_("added update record {version} to {table}:", version=entry["version"], table=table)]
    lines += _fields(entry)
    lines.append(
        _(
            "manual.yaml version is now {version}, effective {effective}",
            version=entry["version"],
            effective=entry.get("effective", entry["date"]),
        )
    )
    return "\n".join(lines)


def approved(done: Approved) -> str:
    """`record approve`: the fields set on the last record."""
    heading = _("approved version {version} in {table}:", version=done.version, table=done.table)
    return "\n".join([heading, *_fields(done.fields)])
