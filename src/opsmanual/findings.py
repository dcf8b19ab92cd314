"""A finding is one problem at one place; every check returns a list of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

from opsmanual.errors import Refused
from opsmanual.i18n import N_, _, ngettext

Severity = Literal["error", "warning"]

# The severity of each finding code, from format.md; one place so that output and checks agree.
SEVERITY: dict[str, Severity] = {
    "yaml-syntax": "error",
    "yaml-duplicate-key": "error",
    "yaml-limits": "error",
    "schema": "error",
    "id-mismatch": "error",
    "duplicate-id": "error",
    "ref-missing": "error",
    "cycle": "error",
    "no-root": "error",
    "step-unreachable": "error",
    "decision-exits": "warning",
    "version-order": "error",
    "version-mismatch": "error",
    "unlogged-change": "error",
    "loan-overlap": "error",
    "loan-dates": "error",
    "loan-overdue": "warning",
    "review-overdue": "warning",
    "role-vacant": "warning",
    "chapter-missing": "warning",
    "history-unavailable": "warning",
    "stray-file": "warning",
    "effective-mismatch": "error",
    "approval-missing": "warning",
    "approval-authority": "error",
    "ack-overdue": "warning",
    "copy-outdated": "warning",
    "record-order": "error",
}

# What each code means, marked for translation; `output` translates it where it is shown.
DESCRIPTION: dict[str, str] = {
    "yaml-syntax": N_("The file is not well-formed YAML, not UTF-8, or uses a non-core tag."),
    "yaml-duplicate-key": N_("A mapping repeats a key."),
    "yaml-limits": N_("The file is beyond sane limits (alias expansion, nesting depth or size)."),
    "schema": N_("A value breaks the JSON Schema for its kind."),
    "id-mismatch": N_("The file's stem is not its id."),
    "duplicate-id": N_("Two entities of one kind share an id."),
    "ref-missing": N_("A reference names no such entity, copy or step."),
    "cycle": N_("A cycle in unit parents or in reports_to."),
    "no-root": N_("No unit without a parent."),
    "step-unreachable": N_("A step cannot be reached from the first step."),
    "decision-exits": N_("A decision (approval step) has fewer than two ways out."),
    "version-order": N_("Update records out of order (version or date)."),
    "version-mismatch": N_("manual.yaml version is not the last update record's version."),
    "unlogged-change": N_("A change to the manual is not entered in the update record table."),
    "loan-overlap": N_("A copy lent again before it was returned."),
    "loan-dates": N_("Returned before borrowed, or an open loan held by an inactive person."),
    "loan-overdue": N_("A loan not returned and past due."),
    "review-overdue": N_("A procedure's last review is too old, or it has none."),
    "role-vacant": N_("No active person holds the role."),
    "chapter-missing": N_("A procedure is in no chapter."),
    "history-unavailable": N_("The git history is too shallow or absent to check the update log."),
    "stray-file": N_("A file inside an entity folder that is not YAML."),
    "effective-mismatch": N_(
        "manual.yaml effective is not the last record's effective date, or a record takes "
        "effect before its date or is approved after it takes effect."
    ),
    "approval-missing": N_("An approver role is set and the last update record is not approved."),
    "approval-authority": N_(
        "The last record's approver does not hold the approver role, is not active, or is its "
        "author."
    ),
    "ack-overdue": N_("A person has not acknowledged the current version and it is past due."),
    "copy-outdated": N_(
        "A controlled copy holds an edition older than the one in force, or was never issued."
    ),
    "record-order": N_(
        "An entry of acks.yaml or distribution.yaml out of date order, dated before the record "
        "of its version, or after a withdrawal of its copy."
    ),
}


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int | None
    column: int | None
    code: str
    message: str
    severity: Severity = "error"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line or 0, self.column or 0, self.code, self.message)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
        }
        if self.line is not None:
            out["line"] = self.line
            out["column"] = self.column
        out["message"] = self.message
        return out


def make(code: str, file: str, message: str, position: tuple[int, int] | None = None) -> Finding:
    line, column = position if position else (None, None)
    return Finding(file, line, column, code, message, SEVERITY[code])


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(set(findings), key=Finding.sort_key)


def count(findings: Iterable[Finding]) -> tuple[int, int]:
    errors = warnings = 0
    for f in findings:
        if f.severity == "error":
            errors += 1
        else:
            warnings += 1
    return errors, warnings


class Counted:
    """The error and warning counts of an object that carries `findings` (a validate report, an
    audit)."""

    findings: list[Finding]

    @property
    def errors(self) -> int:
        return count(self.findings)[0]

    @property
    def warnings(self) -> int:
        return count(self.findings)[1]


def refuse(problems: list[Finding], what: str) -> NoReturn:
    """`Refused`, saying `what` (a phrase marked with `N_`, translated here) and the first of
    the `problems` found, or only `what` when there are none."""
    if not problems:
        raise Refused(_("{what}; see `opsmanual validate`", what=_(what)))
    first = problems[0]
    where = f"{first.file}:{first.line}" if first.line else first.file
    if len(problems) > 1:
        raise Refused(
            ngettext(
                "{what}: {where}: {problem} (and {n} more); fix it first "
                "(see `opsmanual validate`)",
                "{what}: {where}: {problem} (and {n} more); fix it first "
                "(see `opsmanual validate`)",
                len(problems) - 1,
                what=_(what),
                where=where,
                problem=first.message,
            )
        )
    raise Refused(
        _(
            "{what}: {where}: {problem}; fix it first (see `opsmanual validate`)",
            what=_(what),
            where=where,
            problem=first.message,
        )
    )
