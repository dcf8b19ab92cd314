"""The people a command names (`--to`, `--by`, `ack STAFF_ID`, ...): one refusal for a staff id
that names nobody, a staff file with errors, or someone no longer active."""

from __future__ import annotations

from opsmanual.checks.references import missing_message
from opsmanual.errors import Refused
from opsmanual.i18n import N_, _
from opsmanual.model import Manual, Person


def require_person(manual: Manual, person_id: str, role: str, *, active: bool = True) -> Person:
    """The person `person_id`, or `Refused` saying why they cannot be the `role` (a noun marked
    with `N_`, translated here); with `active`, a person who has left is refused too."""
    person = manual.staff.get(person_id)
    if person is not None:
        if active and not person.active:
            raise Refused(
                _(
                    "{name} ({id}) is not active (staff/{id}.yaml says `active: false`), "
                    "so cannot be the {role}",
                    name=person.name,
                    id=person.id,
                    role=_(role),
                )
            )
        return person
    if person_id in manual.known["staff"]:
        raise Refused(
            _(
                "staff/{id}.yaml has errors, so {id} cannot be the {role}; "
                "see `opsmanual validate`",
                id=person_id,
                role=_(role),
            )
        )
    hint = missing_message(N_("person"), person_id, manual.known["staff"])
    raise Refused(_("{role}: {problem}", role=_(role), problem=hint))


def label(manual: Manual, person_id: str) -> str:
    """A person as messages name them, "周明 (zhou-ming)"; the bare id for someone unknown."""
    person = manual.staff.get(person_id)
    return f"{person.name} ({person_id})" if person else person_id
