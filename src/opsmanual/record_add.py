"""Adding an update record: checks, the new entry, and the two edits (table and version).

`opsmanual record add` is this module behind its options. The table and manual.yaml are read and
written under the manual's edit lock, so two concurrent runs never append the same version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from opsmanual.errors import OpsError, Refused
from opsmanual.findings import Finding
from opsmanual.i18n import N_, _
from opsmanual.kinds import ENTITY_KINDS
from opsmanual.schema import is_one_line

_VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*$")


@dataclass
class NewRecord:
    """What the user asked for; None or "auto" where the default applies."""

    summary: str
    version: str | None = None
    method: str = "amendment"
    notice_ref: str | None = None
    changes: str = "auto"
    removed: str | None = None
    date: str | None = None
    effective: str | None = None
    author: str | None = None
    approved_by: str | None = None
    reviewed_by: str | None = None


def add_record(root: Path, request: NewRecord) -> tuple[str, dict[str, Any]]:
    """Append the record and set the manual's version; returns the table's path and the entry."""
    from opsmanual.manual import load_manual
    from opsmanual.model import version_key
    from opsmanual.record_history import changed_since_last_record
    from opsmanual.source import FolderSource
    from opsmanual.validate import now
    from opsmanual.yamledit import locked

    summary, version, notice_ref = request.summary, request.version, request.notice_ref
    changes, removed, date, effective = (
        request.changes,
        request.removed,
        request.date,
        request.effective,
    )
    author, reviewed_by, approved_by = request.author, request.reviewed_by, request.approved_by
    for option, text in (("--summary", summary), ("--notice-ref", notice_ref)):
        if text and not is_one_line(text):  # empty: the schema says "must not be empty"
            raise Refused(
                _(
                    "{option} must be one line of text, without line breaks or control characters",
                    option=option,
                )
            )
    # Read the table under the lock: two concurrent runs must not both append the same version.
    with locked(root):
        loaded, findings = load_manual(FolderSource(root))
        if not loaded.updates or loaded.info is None:
            _unreadable([f for f in findings if f.severity == "error"])
        last = loaded.updates[-1]
        if version_key(loaded.info.version) < version_key(last.version):
            # The table is written before manual.yaml (`_write_record`): this is what a run
            # stopped between the two writes leaves. Say how to finish it; add nothing on top.
            raise Refused(
                _(
                    "manual.yaml says version {version} but the last update record is {last} "
                    "(an earlier `record add` stopped between its two writes?); "
                    'write version: "{last}" in manual.yaml, then add the next record',
                    version=loaded.info.version,
                    last=last.version,
                )
            )
        new_version = version or next_version(last.version)
        if not _VERSION.match(new_version):
            raise Refused(
                _(
                    "--version {version!r} is not dotted numbers like 1.4 or 2.0.1",
                    version=new_version,
                )
            )
        if version_key(new_version) <= version_key(last.version):
            raise Refused(
                _(
                    "--version {version} is not greater than the last record's {last}",
                    version=new_version,
                    last=last.version,
                )
            )
        day = _day(date, "--date") if date is not None else now().date().isoformat()
        if effective is not None:
            effective = _day(effective, "--effective")
        if day < last.date.isoformat():
            raise Refused(
                _(
                    "--date {date} is before the last record's date {last}",
                    date=day,
                    last=last.date.isoformat(),
                )
            )
        if effective is not None and effective < day:
            raise Refused(
                _(
                    "--effective {effective} is before the record's date {date}; a version "
                    "takes effect on or after the day it is issued",
                    effective=effective,
                    date=day,
                )
            )
        _check_people(loaded, new_version, day, author, reviewed_by, approved_by)
        if changes.strip() == "auto" and removed:
            raise OpsError(_("--removed goes with --changes LIST; --changes auto finds deletions"))
        if changes.strip() == "auto":
            listed, gone = changed_since_last_record(root, loaded)
            if not listed and not gone:
                raise Refused(
                    _(
                        "nothing in the manual changed since record {version}; "
                        "make the change first, or name the entities with --changes KIND/ID,...",
                        version=last.version,
                    )
                )
        else:
            listed = _refs(changes, loaded, must_exist=True)
            gone = _refs(removed or "", loaded, must_exist=False)
        entry: dict[str, Any] = {"version": new_version, "date": day, "summary": summary}
        entry["method"] = request.method
        if notice_ref:
            entry["notice_ref"] = notice_ref
        entry["changes"] = listed
        if gone:
            entry["removed"] = gone
        if effective is not None:
            entry["effective"] = effective
        people = (("author", author), ("reviewed_by", reviewed_by), ("approved_by", approved_by))
        for key, value in people:
            if value:
                entry[key] = value
        _write_record(root, loaded, entry, effective or day)
    return _table_name(loaded), entry


def _check_people(
    loaded: Any,
    version: str,
    day: str,
    author: str | None,
    reviewed_by: str | None,
    approved_by: str | None,
) -> None:
    """Refuse unknown people, and an approver `record approve` would refuse."""
    from opsmanual.approval import require_signer
    from opsmanual.model import UpdateRecord
    from opsmanual.people import require_person

    for role, person in ((N_("author"), author), (N_("reviewer"), reviewed_by)):
        if person is not None:
            require_person(loaded, person, role, active=False)
    if approved_by is not None:
        draft = UpdateRecord(-1, version, date.fromisoformat(day), "", [], author=author)
        require_signer(loaded, draft, approved_by)


def _unreadable(findings: list[Finding]) -> NoReturn:
    """A manual whose table or manual.yaml cannot be read gets no record: say why, once."""
    first = findings[0] if findings else None
    where = f"{first.file}:{first.line or 1}: {first.message}" if first else _("no update records")
    raise Refused(_("the manual cannot be read ({where}); run `opsmanual validate`", where=where))


def _day(text: str, option: str) -> str:
    """A date option as the table writes it; refused unless YYYY-MM-DD."""
    from opsmanual.model import parse_day

    try:
        return parse_day(text, option).isoformat()
    except ValueError as exc:
        raise Refused(str(exc)) from None


def next_version(last: str) -> str:
    parts = last.split(".")
    parts[-1] = str(int(parts[-1]) + 1)
    return ".".join(parts)


def _refs(text: str, loaded: Any, must_exist: bool) -> list[str]:
    refs = [item.strip() for item in text.split(",") if item.strip()]
    for ref in refs:
        if ref == "manual":
            continue
        kind, _slash, ident = ref.partition("/")
        if kind not in ENTITY_KINDS or not ident:
            folders = ", ".join(f"{name}/" for name in ENTITY_KINDS)
            raise Refused(
                _("{ref!r} is not KIND/ID ({folders}) or manual", ref=ref, folders=folders)
            )
        exists = ident in loaded.known.get(kind, set())
        if must_exist and not exists:
            raise Refused(
                _(
                    "{ref}: there is no {kind}/{id}.yaml in the manual",
                    ref=ref,
                    kind=kind,
                    id=ident,
                )
            )
        if not must_exist and exists:
            raise Refused(_("{ref} still exists, so it cannot be listed as removed", ref=ref))
    return list(dict.fromkeys(refs))


def _table_name(loaded: Any) -> str:
    from opsmanual.record_history import table_path

    return str(table_path(loaded))


def _write_record(root: Path, loaded: Any, entry: dict[str, Any], effective: str) -> None:
    """Append `entry` and set manual.yaml `version` and `effective` (the record's effective
    date) to match, so that neither version-mismatch nor effective-mismatch follows."""
    from opsmanual.atomic import refuse_read_only
    from opsmanual.record_history import table_path
    from opsmanual.yamledit import append_entry, edit_yaml, locked, schema_checked, set_key

    manual_file = root / loaded.info.doc.path
    version = entry["version"]

    def set_version(data: Any) -> None:
        if not isinstance(data, dict):
            raise OpsError(_("{path} is not a mapping; run `opsmanual validate`", path=manual_file))
        data["version"] = version
        set_key(data, "effective", effective)

    table = table_path(loaded)

    def check(body: str) -> None:
        # An empty or multi-line --summary would break the schema: refuse, write nothing.
        schema_checked(table, body, "updates", loaded.updates_doc)

    with locked(root):
        # Neither file is written unless both may be. The table goes first: a crash before
        # manual.yaml leaves `version-mismatch`, which validate explains with the line to write,
        # and which `record add` recognises (see add_record).
        refuse_read_only(root / table)
        refuse_read_only(manual_file)
        append_entry(root / table, entry, check)
        edit_yaml(manual_file, set_version)
