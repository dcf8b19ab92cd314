"""Load a whole manual: parse every file, check each against its schema, build the model.

A bad file never stops the others from being read: its findings are collected and the model is
built from the files that are sound.
"""

from __future__ import annotations

import marshal
import os
import re
from pathlib import PurePosixPath
from typing import Any

from opsmanual import kinds, schema
from opsmanual.findings import Finding, make
from opsmanual.i18n import N_, _
from opsmanual.kinds import ENTITY_KINDS, MANUAL_FILES, kind_of
from opsmanual.load import Document, parse
from opsmanual.model import (
    Ack,
    Distribution,
    Loan,
    Manual,
    ManualInfo,
    Person,
    Procedure,
    Role,
    Unit,
    UpdateRecord,
    parse_datetime,
)
from opsmanual.parallel import ordered_map
from opsmanual.parse_cache import MISS, ParseCache, digest_of, entry_of
from opsmanual.source import FolderSource, Source, Unreadable

UPDATES = kinds.record("updates")
_ENTITY_CLASSES: dict[str, Any] = {
    "units": Unit,
    "roles": Role,
    "procedures": Procedure,
    "staff": Person,
}


def load_manual(source: Source) -> tuple[Manual, list[Finding]]:
    findings: list[Finding] = []
    manual = Manual(info=None, known={kind: set() for kind in ENTITY_KINDS})
    paths = source.paths()
    manual.has_staff_folder = any(p.startswith("staff/") for p in paths)
    yaml_paths = [path for path in paths if kind_of(path) is not None]
    parsed = dict(zip(yaml_paths, _parse_all(source, yaml_paths), strict=True))
    for path in paths:
        kind = kind_of(path)
        if kind is None:
            findings.append(make("stray-file", path, _stray_message(path)))
            continue
        doc, problems = parsed[path]
        if isinstance(doc, Finding):
            findings.append(doc)
            manual.broken.add(kind)
            if kind in ENTITY_KINDS:
                manual.known[kind].add(PurePosixPath(path).stem)
            continue
        manual.documents[path] = doc
        _add(manual, kind, doc, problems, findings)
    if manual.updates_doc is None and not _has(paths, UPDATES.paths):
        findings.append(
            make(
                "schema",
                UPDATES.path,
                _(
                    "the update record table {path} is missing; "
                    "create it with the first issue of the manual as its first entry",
                    path=UPDATES.path,
                ),
            )
        )
    if manual.info is None and not _has(paths, MANUAL_FILES):
        findings.append(make("schema", "manual.yaml", _("manual.yaml is missing")))
    return manual, findings


# Parsing is most of the time of a large manual; from this many files it is shared out.
PARALLEL_FROM = 2000
PARSE_CHUNK = 500

# One file as the rest of the load takes it: its document (or the finding that stops it from
# being read) and its per-file findings (empty file, schema, impossible dates).
Checked = tuple[Document | Finding, list[Finding]]


def _parse_all(source: Source, paths: list[str]) -> list[Checked]:
    """Every file read, parsed and checked on its own; from the parse cache where its bytes
    are unchanged (parse_cache.py), else shared out among processes when there are many."""
    raws = [_read(source, path) for path in paths]  # read here: a source may not survive a fork
    cache = _cache_for(source)
    done: list[Checked | None] = [None] * len(paths)
    digests: dict[int, bytes] = {}
    for index, (path, raw) in enumerate(zip(paths, raws, strict=True)):
        if isinstance(raw, Finding) or cache.folder is None:
            continue
        digests[index] = digest = digest_of(raw)
        data = cache.get(path, digest)
        if data is not MISS:
            done[index] = (Document(path, raw.decode("utf-8-sig"), data), [])
    todo = [index for index, checked in enumerate(done) if checked is None]
    parent = os.getpid()

    def some(start: int, end: int) -> list[tuple[Checked | None, bytes | None]]:
        out: list[tuple[Checked | None, bytes | None]] = []
        for i in range(start, end):
            index = todo[i]
            checked = _checked(paths[index], raws[index])
            kept = _kept(checked) if index in digests else None
            # A forked worker sends a clean file back as its cache entry alone (marshal is
            # cheaper than pickling the document); the parent rebuilds the document from it.
            out.append((None if kept is not None and os.getpid() != parent else checked, kept))
        return out

    parsed = ordered_map(some, len(todo), chunk=PARSE_CHUNK, minimum=PARALLEL_FROM)
    for index, (checked, kept) in zip(todo, parsed, strict=True):
        if kept is not None:
            cache.put(paths[index], digests[index], kept)
        if checked is None:
            raw = raws[index]
            assert kept is not None and isinstance(raw, bytes)
            checked = (Document(paths[index], raw.decode("utf-8-sig"), marshal.loads(kept)), [])
        done[index] = checked
    cache.save()
    return [checked for checked in done if checked is not None]


def _kept(checked: Checked) -> bytes | None:
    """What the parse cache keeps of a file: the data of one that parsed and passed its
    per-file checks with no finding, as `marshal` bytes; None for any other."""
    doc, problems = checked
    return entry_of(doc.data) if isinstance(doc, Document) and not problems else None


def _cache_for(source: Source) -> ParseCache:
    """The parse cache of a manual read from a folder; a git revision's is read without one."""
    if isinstance(source, FolderSource):
        return ParseCache.for_manual(source.root)
    return ParseCache(None)


def _read(source: Source, path: str) -> bytes | Finding:
    try:
        return source.read(path)
    except Unreadable as exc:
        return make("yaml-syntax", path, _("the file cannot be read: {reason}", reason=exc.reason))


def _checked(path: str, raw: bytes | Finding) -> Checked:
    """Parse one file and check it against its schema: what the parse cache keeps."""
    if isinstance(raw, Finding):
        return raw, []
    doc = parse(path, raw)
    if isinstance(doc, Finding):
        return doc, []
    kind = kind_of(path)
    assert kind is not None
    if kind in _REGISTERS and doc.data is None:
        doc.data = []  # a register holding only comments is an empty register
    if doc.data is None:
        return doc, [doc.finding("schema", _empty_message(kind))]
    return doc, schema.check(doc, kind) or _impossible_dates(doc, kind)


def _stray_message(path: str) -> str:
    if path.endswith("/"):
        folder = path.split("/", 1)[0]
        return _(
            "a folder inside {folder}/ is not read: entity files sit directly in {folder}/; "
            "move its files up",
            folder=folder,
        )
    return _("not a .yaml file, so it is not read; move or rename it")


def _has(paths: list[str], names: tuple[str, ...]) -> bool:
    return any(name in paths for name in names)


# Record lists that may hold no entry yet.
_REGISTERS = tuple(record.kind for record in kinds.LOADED_RECORDS if record.may_be_empty)


def _add(
    manual: Manual, kind: str, doc: Document, problems: list[Finding], findings: list[Finding]
) -> None:
    findings.extend(problems)
    if problems:
        manual.broken.add(kind)
    if doc.data is None:  # empty: its finding is among the problems
        return
    if kind == "manual":
        _add_manual(manual, doc, problems, findings)
    elif kind == "updates":
        _add_updates(manual, doc, problems)
    elif kind == "loans":
        manual.loans_doc = doc
        if not problems:
            days = manual.info.loan_days if manual.info else 0
            manual.loans = [Loan.from_data(i, d, days) for i, d in enumerate(doc.data)]
    elif kind == "acks":
        manual.acks_doc = doc
        if not problems:
            manual.acks = [Ack.from_data(i, d) for i, d in enumerate(doc.data)]
    elif kind == "distribution":
        _add_distribution(manual, doc, problems)
    else:
        _add_entity(manual, kind, doc, problems, findings)


def _add_manual(
    manual: Manual, doc: Document, problems: list[Finding], findings: list[Finding]
) -> None:
    if any(path in manual.documents for path in MANUAL_FILES if path != doc.path):
        findings.append(
            doc.finding("duplicate-id", _("both manual.yaml and manual.yml exist; keep one"))
        )
        return
    if not problems:  # paths are sorted, so manual.yaml is read before records/loans.yaml
        manual.info = ManualInfo.from_doc(doc)


def _add_updates(manual: Manual, doc: Document, problems: list[Finding]) -> None:
    if manual.updates_doc is not None:
        return
    manual.updates_doc = doc
    if not problems:
        manual.updates = [UpdateRecord.from_data(i, d) for i, d in enumerate(doc.data)]


def _add_distribution(manual: Manual, doc: Document, problems: list[Finding]) -> None:
    if manual.distribution_doc is not None:
        return  # both .yaml and .yml: the first in path order is read
    manual.distribution_doc = doc
    if not problems:
        manual.distribution = [Distribution.from_data(i, d) for i, d in enumerate(doc.data)]


def _add_entity(
    manual: Manual, kind: str, doc: Document, problems: list[Finding], findings: list[Finding]
) -> None:
    stem = PurePosixPath(doc.path).stem
    data = doc.data
    file_id = data.get("id") if isinstance(data, dict) else None
    if isinstance(file_id, str) and file_id != stem:
        manual.broken.add(kind)
        if _is_id(file_id):  # else the schema finding on `id` already says what to write
            if _is_id(stem):
                message = _(
                    "the file is named {stem!r} but its id is {id!r}; "
                    "rename the file to {id}.yaml or write `id: {stem}`",
                    stem=stem,
                    id=file_id,
                )
            else:
                message = _(
                    "the file is named {stem!r} but its id is {id!r}; rename the file to {id}.yaml",
                    stem=stem,
                    id=file_id,
                )
            findings.append(doc.finding("id-mismatch", message, ["id"]))
    if stem in manual.known[kind]:
        manual.broken.add(kind)
        findings.append(
            doc.finding(
                "duplicate-id",
                _(
                    "another file in {kind}/ already has the id {id!r}; keep one of the two files",
                    kind=kind,
                    id=stem,
                ),
            )
        )
        return
    manual.known[kind].add(stem)
    if not problems and file_id == stem:
        manual.entities(kind)[stem] = _ENTITY_CLASSES[kind].from_doc(doc)


_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _is_id(text: str) -> bool:
    return len(text) <= 64 and _ID.fullmatch(text) is not None


# Fields whose pattern the schema checks but whose calendar sense it cannot (2026-02-30).
_DATE_FIELDS = {
    "manual": ("effective",),
    "procedures": ("reviewed",),
    "staff": ("joined",),
    "updates": ("date", "effective", "approved"),
    "loans": ("borrowed", "due", "returned"),
    "acks": ("date",),
    "distribution": ("date",),
}


def _impossible_dates(doc: Document, kind: str) -> list[Finding]:
    fields = _DATE_FIELDS.get(kind)
    if not fields:
        return []
    entries = list(enumerate(doc.data)) if isinstance(doc.data, list) else [(None, doc.data)]
    problems = []
    for index, entry in entries:
        for name in fields:
            value = entry.get(name)
            if value is None:
                continue
            try:
                parse_datetime(value)
            except (ValueError, OverflowError):  # 0001-01-01 in a zone west of here overflows
                path: list[str | int] = [name] if index is None else [index, name]
                problems.append(
                    doc.finding(
                        "schema",
                        _(
                            "`{name}` is {value}, which is not a real date or time",
                            name=name,
                            value=value,
                        ),
                        path,
                    )
                )
    return problems


def _empty_message(kind: str) -> str:
    if kind == "updates":
        return _("the file is empty; it must list the update records, the first issue first")
    fields = {
        "manual": N_("id, title, version and owner"),
        "units": N_("id and name"),
        "roles": N_("id, title, unit and duties"),
        "procedures": N_("id, title, owner and steps"),
        "staff": N_("id and name"),
    }[kind]
    return _("the file is empty; it must be a mapping with at least {fields}", fields=_(fields))
