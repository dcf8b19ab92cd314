"""`ref-missing`: every reference names an entity that exists."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from opsmanual.findings import Finding
from opsmanual.i18n import _, listing
from opsmanual.kinds import NOUNS
from opsmanual.load import Document
from opsmanual.model import Manual


def missing(
    doc: Document, path: Sequence[str | int], kind_word: str, name: str, known: Iterable[str]
) -> Finding:
    """A ref-missing finding whose message offers the closest existing ids; `kind_word` is a
    noun marked with `N_` ("role"), translated here."""
    return doc.finding("ref-missing", missing_message(kind_word, name, known), path)


def missing_message(kind_word: str, name: str, known: Iterable[str]) -> str:
    """ "no role `x` exists", with the closest existing ids (or those there are) as a hint."""
    options = sorted(known)
    close = difflib.get_close_matches(name, options, n=3, cutoff=0.5)
    kind = _(kind_word)
    if close:
        hint = _("did you mean {ids}?", ids=_(" or ").join(f"`{c}`" for c in close))
    elif options:
        shown = listing(f"`{o}`" for o in options[:8])
        hint = _("known: {ids}", ids=shown + (_(", ") + "…" if len(options) > 8 else ""))
    else:
        hint = _("there is no {kind} yet", kind=kind)
    return _("no {kind} `{name}` exists; {hint}", kind=kind, name=name, hint=hint)


class _Refs:
    def __init__(self, manual: Manual) -> None:
        self.manual = manual
        self.findings: list[Finding] = []

    def one(self, doc: Document, path: Sequence[str | int], kind: str, value: str | None) -> None:
        if value is not None and value not in self.manual.known[kind]:
            self.findings.append(missing(doc, path, NOUNS[kind], value, self.manual.known[kind]))

    def many(self, doc: Document, path: Sequence[str | int], kind: str, values: list[str]) -> None:
        for i, value in enumerate(values):
            self.one(doc, [*path, i], kind, value)


def check(manual: Manual) -> list[Finding]:
    refs = _Refs(manual)
    info = manual.info
    if info is not None:
        refs.one(info.doc, ["owner"], "units", info.owner)
        refs.one(info.doc, ["approver"], "roles", info.approver)
        for i, chapter in enumerate(info.chapters or []):
            refs.many(info.doc, ["chapters", i, "procedures"], "procedures", chapter.procedures)
        for i, copy in enumerate(info.copies):
            refs.one(info.doc, ["copies", i, "holder"], "units", copy.holder)
    for unit in manual.units.values():
        refs.one(unit.doc, ["parent"], "units", unit.parent)
        refs.one(unit.doc, ["head"], "roles", unit.head)
    for role in manual.roles.values():
        refs.one(role.doc, ["unit"], "units", role.unit)
        refs.one(role.doc, ["reports_to"], "roles", role.reports_to)
    for proc in manual.procedures.values():
        doc = proc.doc
        refs.one(doc, ["owner"], "roles", proc.owner)
        refs.many(doc, ["consulted"], "roles", proc.consulted)
        refs.many(doc, ["informed"], "roles", proc.informed)
        refs.many(doc, ["related"], "procedures", proc.related)
        for i, step in enumerate(proc.steps):
            refs.one(doc, ["steps", i, "actor"], "roles", step.actor)
    for person in manual.staff.values():
        refs.many(person.doc, ["roles"], "roles", person.roles)
    return refs.findings
