"""Shapes the schema cannot see: cycles, a root unit, steps, and ids unique within a list."""

from __future__ import annotations

from collections.abc import Callable

from opsmanual.checks.references import missing
from opsmanual.findings import Finding
from opsmanual.i18n import N_, _
from opsmanual.load import Document
from opsmanual.model import Manual, Procedure


def check(manual: Manual) -> list[Finding]:
    findings: list[Finding] = []
    findings += _cycles(
        {u.id: u.parent for u in manual.units.values()},
        lambda uid: manual.units[uid].doc,
        "parent",
        N_("unit parents"),
    )
    findings += _cycles(
        {r.id: r.reports_to for r in manual.roles.values()},
        lambda rid: manual.roles[rid].doc,
        "reports_to",
        N_("`reports_to` links"),
    )
    units = sorted(manual.units.values(), key=lambda u: u.doc.path)
    if units and "units" not in manual.broken and all(u.parent for u in units):
        findings.append(
            units[0].doc.finding(
                "no-root",
                _(
                    "every unit has a parent, so the organization has no top; "
                    "remove `parent` from the unit at the top"
                ),
                ["parent"],
            )
        )
    for proc in manual.procedures.values():
        findings += _steps(proc)
    if manual.info is not None:
        ids = [c.id for c in manual.info.copies]
        findings += _unique(manual.info.doc, ids, lambda i: ["copies", i, "id"], N_("copy"))
    return findings


def _cycles(
    links: dict[str, str | None],
    doc_of: Callable[[str], Document],
    field: str,
    what: str,
) -> list[Finding]:
    findings: list[Finding] = []
    settled: set[str] = set()
    for start in sorted(links):
        chain: list[str] = []
        node: str | None = start
        while node is not None and node in links and node not in settled and node not in chain:
            chain.append(node)
            node = links[node]
        if node is not None and node in chain:
            loop = chain[chain.index(node) :]
            first = min(loop)
            ordered = loop[loop.index(first) :] + loop[: loop.index(first)]
            text = " → ".join([*ordered, first])
            findings.append(
                doc_of(first).finding(
                    "cycle",
                    _(
                        "{what} form a cycle: {cycle}; break it by changing one `{field}`",
                        what=_(what),
                        cycle=text,
                        field=field,
                    ),
                    [field],
                )
            )
        settled.update(chain)
    return findings


def _unique(
    doc: Document, ids: list[str], path: Callable[[int], list[str | int]], noun: str
) -> list[Finding]:
    seen: set[str] = set()
    findings = []
    for i, value in enumerate(ids):
        if value in seen:
            findings.append(
                doc.finding(
                    "duplicate-id",
                    _("the {noun} id `{id}` is used twice", noun=_(noun), id=value),
                    path(i),
                )
            )
        seen.add(value)
    return findings


def _steps(proc: Procedure) -> list[Finding]:
    doc = proc.doc
    ids = [s.id for s in proc.steps]
    findings = _unique(doc, ids, lambda i: ["steps", i, "id"], N_("step"))
    known = set(ids)
    for i, step in enumerate(proc.steps):
        for j, target in enumerate(step.next or []):
            if target not in known:
                findings.append(missing(doc, ["steps", i, "next", j], N_("step"), target, known))
    reached = {0}
    todo = [0]
    index = {sid: i for i, sid in reversed(list(enumerate(ids)))}
    while todo:
        current = todo.pop()
        for target in proc.successors(current):
            k = index.get(target)
            if k is not None and k not in reached:
                reached.add(k)
                todo.append(k)
    findings += _decisions(proc)
    for i, step in enumerate(proc.steps):
        if i not in reached:
            findings.append(
                doc.finding(
                    "step-unreachable",
                    _(
                        "step `{id}` cannot be reached from the first step; "
                        "list it in an earlier step's `next`, or remove it",
                        id=step.id,
                    ),
                    ["steps", i, "id"],
                )
            )
    return findings


def _decisions(proc: Procedure) -> list[Finding]:
    """A decision (`approval: true`) needs two ways out, 是 and 否: with one, its diagram has a
    diamond with an unlabelled exit; with none, the procedure ends on a question."""
    findings = []
    for i, step in enumerate(proc.steps):
        exits = proc.successors(i)
        if not step.approval or len(exits) >= 2:
            continue
        if exits:
            message = _(
                "decision step `{id}` has only one way out (to `{to}`); list both ways in `next` "
                "(the first is taken on yes, the others on no), or drop `approval: true` if it "
                "is not a decision",
                id=step.id,
                to=exits[0],
            )
        else:
            message = _(
                "decision step `{id}` has no way out (the procedure ends); list both ways in "
                "`next` (the first is taken on yes, the others on no), or drop `approval: true` "
                "if it is not a decision",
                id=step.id,
            )
        findings.append(
            proc.doc.finding(
                "decision-exits",
                message,
                ["steps", i, "next" if step.next is not None else "approval"],
            )
        )
    return findings
