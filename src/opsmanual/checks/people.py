"""`role-vacant`: with a staff folder, every role needs an active holder."""

from __future__ import annotations

from opsmanual.findings import Finding
from opsmanual.i18n import _
from opsmanual.model import Manual


def check(manual: Manual) -> list[Finding]:
    if not manual.has_staff_folder or "staff" in manual.broken:
        return []
    held = {role for person in manual.active_staff() for role in person.roles}
    return [
        role.doc.finding(
            "role-vacant",
            _(
                "no active person holds the role `{role}`; add it to someone's `roles` in "
                "staff/, or set `headcount: 0` if it is vacant on purpose",
                role=role.id,
            ),
            ["id"],
        )
        for role in manual.roles.values()
        if role.id not in held and role.headcount != 0
    ]
