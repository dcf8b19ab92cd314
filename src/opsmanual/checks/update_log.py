"""The update-log rule under git (format.md): `unlogged-change` and `history-unavailable`."""

from __future__ import annotations

from pathlib import Path

from opsmanual.findings import Finding, make
from opsmanual.gitaccess import FETCH_HINT, WORKTREE, Change, open_repo
from opsmanual.i18n import N_, _
from opsmanual.kinds import entity_ref
from opsmanual.load import Document
from opsmanual.model import Manual, UpdateRecord
from opsmanual.record_history import UPDATES, RecordHistory, needs_record, table_path


def check_update_log(root: Path, manual: Manual) -> list[Finding]:
    """`unlogged-change` and `history-unavailable` (format.md, "The update-log rule under git").

    Not inside a git work tree: no findings (validate without history is not an error).
    """
    if not manual.updates:
        return []  # no readable update record table: other findings already say so
    gm = open_repo(root)
    if gm is None:
        return []
    table = table_path(manual)
    last = manual.updates[-1]
    prev = manual.updates[-2] if len(manual.updates) > 1 else None
    wanted = [last.version] + ([prev.version] if prev else [])
    added = RecordHistory(gm, table).added(wanted)
    added_last = added[last.version]
    added_prev = added[prev.version] if prev else added_last
    if added_last is None or added_prev is None:
        doc = manual.updates_doc
        # Name the record whose adding commit is missing: at depth 2 the last one's commit is
        # often here while the one before it is not.
        unknown = last if added_last is None or prev is None else prev
        message = _(
            "the git history is too shallow to check that every change is in the update "
            "record table (the commit that added record {version} is not in this clone); {hint}",
            version=unknown.version,
            hint=_(FETCH_HINT),
        )
        if doc is None:
            return [make("history-unavailable", table, message)]
        return [doc.finding("history-unavailable", message, [unknown.index])]
    findings: list[Finding] = []
    if added_prev != added_last and prev is not None:
        for change in gm.changes(added_prev, added_last, renames=False):
            if needs_record(gm, change, added_prev, added_last):
                findings += _unlisted(manual, last, change)
    if added_last != WORKTREE:
        short = added_last[:10]
        for change in gm.changes(added_last, WORKTREE, renames=False):
            if needs_record(gm, change, added_last, WORKTREE):
                findings.append(_after(manual, last, change, short))
    return findings


def _listed(manual: Manual, record: UpdateRecord, change: Change) -> bool:
    entity = entity_ref(change.new or change.old or "")
    if change.new is None:
        # A deletion belongs in `removed`; `changes` also covers it when the entity lives on in
        # another file (a.yaml renamed to a.yml).
        kind, _slash, ident = (entity or "").partition("/")
        still = ident in manual.known.get(kind, set())
        return entity in record.removed or (still and entity in record.changes)
    return entity in record.changes


def _unlisted(manual: Manual, record: UpdateRecord, change: Change) -> list[Finding]:
    if _listed(manual, record, change):
        return []
    entity = entity_ref(change.new or change.old or "")
    if change.new is None:
        return [
            _at_record(
                manual,
                record,
                _(
                    "{path} was deleted in the span of update record {version} but "
                    "{entity} is not in its `removed`; add `{entity}` to the last record's "
                    "`removed`",
                    path=change.old,
                    version=record.version,
                    entity=entity,
                ),
            )
        ]
    return [
        _at_file(
            manual,
            change.new,
            _(
                "{path} was added in the span of update record {version} but {entity} "
                "is not in its `changes`; add `{entity}` to the last record's `changes` in "
                "{table}",
                path=change.new,
                version=record.version,
                entity=entity,
                table=UPDATES.path,
            )
            if change.old is None
            else _(
                "{path} changed in the span of update record {version} but {entity} "
                "is not in its `changes`; add `{entity}` to the last record's `changes` in "
                "{table}",
                path=change.new,
                version=record.version,
                entity=entity,
                table=UPDATES.path,
            ),
        )
    ]


def _after(manual: Manual, record: UpdateRecord, change: Change, commit: str) -> Finding:
    if change.new is None:
        template = N_(
            "{path} was deleted after the commit that added the last update record "
            "({version}, {commit}); enter the change in the update record table: "
            '`opsmanual record add --summary "..." --changes auto`'
        )
    elif change.old is None:
        template = N_(
            "{path} was added after the commit that added the last update record "
            "({version}, {commit}); enter the change in the update record table: "
            '`opsmanual record add --summary "..." --changes auto`'
        )
    else:
        template = N_(
            "{path} was changed after the commit that added the last update record "
            "({version}, {commit}); enter the change in the update record table: "
            '`opsmanual record add --summary "..." --changes auto`'
        )
    message = _(template, path=change.new or change.old, version=record.version, commit=commit)
    if change.new is None:
        return _at_record(manual, record, message)
    return _at_file(manual, change.new, message)


def _at_file(manual: Manual, path: str, message: str) -> Finding:
    doc: Document | None = manual.documents.get(path)
    if doc is not None and isinstance(doc.data, dict) and "id" in doc.data:
        return doc.finding("unlogged-change", message, ["id"])
    return make("unlogged-change", path, message, (1, 1))


def _at_record(manual: Manual, record: UpdateRecord, message: str) -> Finding:
    doc = manual.updates_doc
    if doc is None:
        return make("unlogged-change", table_path(manual), message)
    key = "removed" if record.removed else "changes"
    return doc.finding("unlogged-change", message, [record.index, key])
