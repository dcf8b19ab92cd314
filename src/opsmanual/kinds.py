"""The one table of what a manual is made of: its kinds of entity and its record files.

Every module that asks "which kind is this path?", "in what order are kinds listed?" or "which
schema checks this file?" reads these tables, so a new record file or entity kind is one row here
(plus its schema in schemas/ and, for an entity, its model class).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from opsmanual.i18n import N_

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class EntityKind:
    """One folder of entity files (`units/ops.yaml` is the unit `ops`)."""

    name: str  # the kind, as update records name it: `units` in `units/ops`
    schema: str  # file name in schemas/
    noun: str  # how a finding names one entity: "no such unit" (marked; translated where shown)
    word: str  # the key of its title word in templates/locale/*.json

    @property
    def folder(self) -> str:
        return self.name


@dataclass(frozen=True)
class RecordFile:
    """One file under records/: a list of entries the commands append to."""

    kind: str  # `updates`, `loans`
    stem: str  # the path without its suffix: `records/updates`
    schema: str | None  # file name in schemas/; None: not part of the manual a load reads
    # A file holding only comments is an empty list; the update record table may not be empty
    # (it starts with the first issue).
    may_be_empty: bool = True

    @property
    def paths(self) -> tuple[str, ...]:
        """The names the file may have, the preferred one first."""
        return tuple(self.stem + suffix for suffix in YAML_SUFFIXES)

    @property
    def path(self) -> str:
        return self.paths[0]

    def file_in(self, root: Path) -> Path:
        """The file in the manual folder `root`: the first of its names that exists, else the
        preferred one (where a command creates it)."""
        for name in self.paths:
            if (root / name).is_file():
                return root / name
        return root / self.path


MANUAL = "manual"
MANUAL_FILES = ("manual.yaml", "manual.yml")
MANUAL_SCHEMA = "manual.schema.json"

# Listed in this order wherever entities are listed (diff, update records, notices).
ENTITIES = (
    EntityKind("units", "unit.schema.json", N_("unit"), "unit"),
    EntityKind("roles", "role.schema.json", N_("role"), "role"),
    EntityKind("procedures", "procedure.schema.json", N_("procedure"), "procedure"),
    EntityKind("staff", "staff.schema.json", N_("person"), "person"),
)

# The record files, after the entities in every listing.
RECORDS = (
    RecordFile("updates", "records/updates", "updates.schema.json", may_be_empty=False),
    RecordFile("loans", "records/loans", "loans.schema.json"),
    RecordFile("acks", "records/acks", "acks.schema.json"),
    RecordFile("distribution", "records/distribution", "distribution.schema.json"),
    RecordFile("notices", "records/notices", None),  # notify's sent log, not read by a load
)

ENTITY_KINDS = tuple(kind.name for kind in ENTITIES)
LOADED_RECORDS = tuple(record for record in RECORDS if record.schema is not None)
RECORD_FILES = tuple(path for record in LOADED_RECORDS for path in record.paths)
KIND_ORDER = (MANUAL, *ENTITY_KINDS, *(record.kind for record in LOADED_RECORDS))
SCHEMA_FILES = {
    MANUAL: MANUAL_SCHEMA,
    **{kind.name: kind.schema for kind in ENTITIES},
    **{record.kind: record.schema for record in LOADED_RECORDS if record.schema},
}
NOUNS = {kind.name: kind.noun for kind in ENTITIES}


def record(kind: str) -> RecordFile:
    """The row of a record file by its kind (`updates`)."""
    return next(row for row in RECORDS if row.kind == kind)


def relevant(path: str) -> bool:
    """Whether a path relative to the manual folder belongs to the format."""
    if path in MANUAL_FILES or path in RECORD_FILES:
        return True
    folder, _, name = path.partition("/")
    return folder in ENTITY_KINDS and "/" not in name and not name.startswith(".")


# The kind of each file the format names by its path (asked for every file of every load).
_KIND_OF_FILE = {
    **{path: MANUAL for path in MANUAL_FILES},
    **{path: row.kind for row in LOADED_RECORDS for path in row.paths},
}


def kind_of(path: str) -> str | None:
    """The kind of a file of the format (`manual`, `units`, `updates`), None for other files."""
    kind = _KIND_OF_FILE.get(path)
    if kind is not None:
        return kind
    if relevant(path) and path.endswith(YAML_SUFFIXES):
        return path.split("/", 1)[0]
    return None


def entity_ref(path: str) -> str | None:
    """The ref an update record uses for a file (`procedures/x`, `manual`); None for records and
    for files that are not entities."""
    kind = kind_of(path)
    if kind == MANUAL:
        return MANUAL
    if kind not in ENTITY_KINDS:
        return None
    return f"{kind}/{PurePosixPath(path).stem}"


def ref_order(ref: str) -> tuple[int, str]:
    """Sort key of a ref (`manual`, `units/x`, `updates`): by kind in KIND_ORDER, then by ref."""
    return KIND_ORDER.index(ref.partition("/")[0]), ref
