"""The JSON Schemas of the format and the `schema` check.

jsonschema-rs answers "is this file valid?" fast; only for the few files that are not does
python-jsonschema list every error, which becomes a finding with a message that says what to write.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from opsmanual.findings import Finding, make
from opsmanual.resources import resource_dir

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

    from opsmanual.load import Document

SCHEMA_FILES = {
    "manual": "manual.schema.json",
    "units": "unit.schema.json",
    "roles": "role.schema.json",
    "procedures": "procedure.schema.json",
    "staff": "staff.schema.json",
    "updates": "updates.schema.json",
    "loans": "loans.schema.json",
    "acks": "acks.schema.json",
    "distribution": "distribution.schema.json",
}

# What each pattern of the schemas means, in words a manual's editor understands.
PATTERN_HINTS = {
    "^[a-z0-9]+(-[a-z0-9]+)*$": "an id: lower-case letters a-z, digits and single hyphens",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a date written YYYY-MM-DD, e.g. 2026-09-01",
    "^[0-9]+(\\.[0-9]+)*$": 'a version of dotted numbers in quotes, e.g. "1.4"',
    "^[^\\r\\n]+$": "one line of text",
    "^[A-Za-z0-9][A-Za-z0-9._-]*$": "a copy number: letters, digits, '.', '_' or '-', e.g. OPS-01",
}


@cache
def schema_texts() -> dict[str, str]:
    """File name -> JSON text of every bundled schema."""
    folder = resource_dir("schemas")
    return {name: folder.joinpath(name).read_text("utf-8") for name in SCHEMA_FILES.values()}


@cache
def schema_for(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_texts()[SCHEMA_FILES[kind]])
    return loaded


@cache
def _fast_validator(kind: str) -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(schema_for(kind))


@cache
def _full_validator(kind: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry

    # An empty registry: a `$ref` to anything outside the schema fails instead of being fetched.
    return Draft202012Validator(schema_for(kind), registry=Registry())


def check(doc: Document, kind: str) -> list[Finding]:
    if _fast_validator(kind).is_valid(doc.data):
        return []
    findings: list[Finding] = []
    for error in _full_validator(kind).iter_errors(doc.data):
        findings.extend(_findings_for(doc, error))
    if not findings:  # the two validators disagree; trust the stricter one and say where
        for message in _fast_validator(kind).iter_errors(doc.data):
            path = list(getattr(message, "instance_path", []))
            findings.append(doc.finding("schema", str(message), path))
    return _explained_by_slips(doc, findings)


def _explained_by_slips(doc: Document, findings: list[Finding]) -> list[Finding]:
    """A finding on a line where `：`, `，`, `［`... was typed for YAML's ASCII punctuation
    (`tags: ［a, b］` reads as text, not a list) becomes the finding that says what to type."""
    from opsmanual.load import slip_on_line

    out: list[Finding] = []
    for finding in findings:
        slip = slip_on_line(doc.text, finding.line) if finding.line else None
        if slip is None:
            out.append(finding)
        else:
            out.append(make("schema", doc.path, slip.message(), (slip.line, slip.column)))
    return list(dict.fromkeys(out))


def _where(path: Sequence[str | int]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _label(path: Sequence[str | int]) -> str:
    """`steps[0].action`; in the record tables, `entry 2: changes[0]` (entries count from 1)."""
    if not path:
        return "the file"
    if isinstance(path[0], int):
        rest = _where(path[1:])
        return f"entry {path[0] + 1}" + (f": `{rest}`" if rest else "")
    return f"`{_where(path)}`"


def _findings_for(doc: Document, error: ValidationError) -> list[Finding]:
    path: list[str | int] = list(error.absolute_path)
    label = _label(path)
    validator = error.validator
    schema: Any = error.schema
    instance: Any = error.instance

    if validator == "additionalProperties" and isinstance(instance, dict):
        known = list(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        out = []
        for key in instance:
            if key in known or any(re.search(p, key) for p in patterns):
                continue
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"did you mean `{close[0]}`?" if close else f"allowed: {', '.join(known)}"
            if patterns and not close:
                hint += " (or an `x-` key for your own use)"
            out.append(doc.finding("schema", f"unknown field `{key}`; {hint}", [*path, key], True))
        return out
    if validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else error.message
        unknown = [k for k in instance if k not in schema.get("properties", {})]
        if difflib.get_close_matches(name, unknown, n=1, cutoff=0.6):
            return []  # the misspelt key's own finding already says "did you mean"
        where_in = f" in {label}" if path else ""
        return [doc.finding("schema", f"missing required field `{name}`{where_in}", path)]
    if validator == "type":
        return [doc.finding("schema", _type_message(doc, path, label, schema, instance), path)]
    if validator == "pattern":
        shown = json.dumps(instance, ensure_ascii=False)
        known_hint = PATTERN_HINTS.get(str(schema.get("pattern")))
        if known_hint is None:  # the definition's own description says what is expected
            return [doc.finding("schema", f"{label} is {shown}: {_describe(schema)}", path)]
        return [doc.finding("schema", f"{label} is {shown}; it must be {known_hint}", path)]
    if validator == "not":
        message = (
            f"{label} must be one line, without a line break; write it on one line (`>-` folds "
            "a long line), or put longer text in a long field such as `details`"
        )
        return [doc.finding("schema", message, path)]
    if validator == "enum":
        options = [str(o) for o in schema["enum"]]
        close = difflib.get_close_matches(str(instance), options, n=1)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        message = f"{label} is `{instance}`; it must be one of: {', '.join(options)}{hint}"
        return [doc.finding("schema", message, path)]
    if validator == "minItems" and not path:
        message = "the table is empty; its first entry is the first issue of the manual"
        return [doc.finding("schema", message, path)]
    if validator == "minItems":
        return [doc.finding("schema", f"{label} must list at least one item", path)]
    if validator == "minLength":
        return [doc.finding("schema", f"{label} must not be empty", path)]
    if validator == "maxLength":
        limit = schema["maxLength"]
        return [doc.finding("schema", f"{label} is longer than {limit} characters", path)]
    if validator == "minimum":
        return [doc.finding("schema", f"{label} must be at least {schema['minimum']}", path)]
    if validator == "uniqueItems":
        return [doc.finding("schema", f"{label} lists the same item twice", path)]
    return [doc.finding("schema", f"{label}: {error.message}", path)]


def _describe(schema: Any) -> str:
    description = str(schema.get("description") or f"text matching {schema.get('pattern')}")
    return description[0].lower() + description[1:] if description else description


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of fields",
    "null": "empty",
}


def _type_message(
    doc: Document, path: Sequence[str | int], label: str, schema: Any, instance: Any
) -> str:
    expected = schema.get("type")
    wanted = (
        " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in expected)
        if isinstance(expected, list)
        else _TYPE_WORDS.get(str(expected), str(expected))
    )
    raw = doc.raw(path) if path else None
    if expected == "string" and isinstance(instance, bool | int | float) and raw is not None:
        read_as = "true/false" if isinstance(instance, bool) else f"the number {instance}"
        key = path[-1] if path and isinstance(path[-1], str) else None
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and not re.search(pattern, raw):  # quoting would not do
            must = PATTERN_HINTS.get(pattern) or _describe(schema)
            return f"{label} is written {raw}, which YAML reads as {read_as}; it must be {must}"
        quoted = f'{key}: "{raw}"' if key else f'"{raw}"'
        return f"{label} is written {raw}, which YAML reads as {read_as}; quote it: {quoted}"
    short = raw is not None and "\n" not in raw and len(raw) <= 60
    if expected == "array" and isinstance(instance, str | int | float) and short:
        key = path[-1] if path and isinstance(path[-1], str) else None
        written = f"{key}: [{raw}]" if key else f"[{raw}]"
        return f"{label} must be a list, even of one item; write {written}"
    if instance is None:
        return f"{label} is empty; it must be {wanted}"
    return f"{label} must be {wanted}, not {_TYPE_WORDS.get(_json_type(instance), 'this')}"


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"
