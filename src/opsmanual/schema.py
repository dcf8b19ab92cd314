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
from opsmanual.i18n import N_, _, is_chinese, listing, position
from opsmanual.kinds import SCHEMA_FILES
from opsmanual.resources import resource_dir

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

    from opsmanual.load import Document


_DATETIME = (
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?"
    "(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)
_NOT_AT = "@\\x00-\\x20\\x7f-\\xa0\\u1680\\u2000-\\u200b\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_EMAIL = f"^[^{_NOT_AT}]+@[^{_NOT_AT}.]+(\\.[^{_NOT_AT}.]+)*$"
_REMOVED = "^(units|roles|procedures|staff)/[a-z0-9]+(-[a-z0-9]+)*$"
_CHANGED = "^(manual|(units|roles|procedures|staff)/[a-z0-9]+(-[a-z0-9]+)*)$"
# What each pattern of the schemas means, in words a manual's editor understands.
PATTERN_HINTS = {
    "^[a-z0-9]+(-[a-z0-9]+)*$": N_("an id: lower-case letters a-z, digits and single hyphens"),
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": N_("a date written YYYY-MM-DD, e.g. 2026-09-01"),
    "^[0-9]+(\\.[0-9]+)*$": N_('a version of dotted numbers in quotes, e.g. "1.4"'),
    "^[^\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]+$": N_(
        "one line of text without control characters (tabs aside) or direction overrides; "
        "delete the invisible character"
    ),
    '^[^<>@"\\\\]*$': N_(
        'a name without <, >, @, " or \\ (it is shown in email headers; '
        "the address belongs in `email`)"
    ),
    "^[A-Za-z0-9][A-Za-z0-9._-]*$": N_(
        "a copy number: letters, digits, '.', '_' or '-', e.g. OPS-01"
    ),
    _DATETIME: N_(
        "a date, or a date and time, written YYYY-MM-DD or YYYY-MM-DDTHH:MM (a T between "
        "them, an optional zone such as +08:00), e.g. 2026-09-01T09:30"
    ),
    _EMAIL: N_("an email address such as zhang.san@example.com: one @, no spaces"),
    _CHANGED: N_("`manual` or kind/id, e.g. procedures/annual-plan, roles/dept-manager"),
    _REMOVED: N_("kind/id, e.g. procedures/old-plan, staff/li-si"),
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


def is_one_line(text: str) -> bool:
    """Whether `text` may be a one-line field: the schemas' `line` definition, for values a
    command is given (`--summary`, `--purpose`) before any YAML is written."""
    pattern = str(schema_for("updates")["$defs"]["line"]["pattern"])
    return re.fullmatch(pattern, text) is not None


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


def _label(data: Any, path: Sequence[str | int]) -> str:
    """Where a value is, as a person counts: "`owner`", "step 3 `review`: `actor`",
    "`inputs` item 2", "entry 2: `changes` item 1" (record tables), never a zero-based index."""
    if not path:
        return _("the file")
    parts: list[str] = []
    keys: list[str] = []
    node: Any = data
    for step in path:
        if isinstance(step, str):
            keys.append(step)
            node = node.get(step) if isinstance(node, dict) else None
            continue
        container = keys.pop() if keys else None
        if keys:
            parts.append(f"`{'.'.join(keys)}`")
        keys = []
        item = node[step] if isinstance(node, list) and 0 <= step < len(node) else None
        parts.append(_item_label(container, step + 1, item))
        node = item
    if keys:
        parts.append(f"`{'.'.join(keys)}`")
    label = parts[0]
    for inner in parts[1:]:
        label = _("{outer}: {inner}", outer=label, inner=inner)
    return label


def _item_label(container: str | None, number: int, item: Any) -> str:
    item_id = item.get("id") if isinstance(item, dict) else None
    if not isinstance(item_id, str):
        item_id = None
    if container is None:  # a record table: the file is one list of entries
        return _("entry {number}", number=number)
    if container == "steps":
        return position(number, item_id)
    if item_id:
        return _("`{field}` item {number} `{id}`", field=container, number=number, id=item_id)
    return _("`{field}` item {number}", field=container, number=number)


def _findings_for(doc: Document, error: ValidationError) -> list[Finding]:
    path: list[str | int] = list(error.absolute_path)
    label = _label(doc.data, path)
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
            if close:
                message = _(
                    "unknown field `{key}`; did you mean `{close}`?", key=key, close=close[0]
                )
            elif patterns:
                message = _(
                    "unknown field `{key}`; allowed: {allowed} (or an `x-` key for your own use)",
                    key=key,
                    allowed=listing(known),
                )
            else:
                message = _(
                    "unknown field `{key}`; allowed: {allowed}", key=key, allowed=listing(known)
                )
            out.append(doc.finding("schema", message, [*path, key], True))
        return out
    if validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else error.message
        patterns = list(schema.get("patternProperties", {}))
        unknown = [
            k
            for k in instance
            if k not in schema.get("properties", {}) and not any(re.search(p, k) for p in patterns)
        ]
        if difflib.get_close_matches(name, unknown, n=1, cutoff=0.6):
            return []  # the misspelt key's own finding already says "did you mean"
        if path:
            message = _("missing required field `{name}` in {label}", name=name, label=label)
        else:
            message = _("missing required field `{name}`", name=name)
        return [doc.finding("schema", message, path)]
    if validator == "type":
        return [doc.finding("schema", _type_message(doc, path, label, schema, instance), path)]
    if validator == "pattern":
        shown = json.dumps(instance, ensure_ascii=False)
        known_hint = PATTERN_HINTS.get(str(schema.get("pattern")))
        if known_hint is None:  # the definition's own description says what is expected
            message = _(
                "{label} is {value}: {expected}",
                label=label,
                value=shown,
                expected=_describe(schema),
            )
        else:
            message = _(
                "{label} is {value}; it must be {expected}",
                label=label,
                value=shown,
                expected=_(known_hint),
            )
        return [doc.finding("schema", message, path)]
    if validator == "not":
        message = _(
            "{label} must be one line, without a line break; write it on one line (`>-` folds "
            "a long line), or put longer text in a long field such as `details`",
            label=label,
        )
        return [doc.finding("schema", message, path)]
    if validator == "enum":
        return [doc.finding("schema", _enum_message(label, instance, schema["enum"]), path)]
    if validator == "minItems" and not path:
        message = _("the table is empty; its first entry is the first issue of the manual")
        return [doc.finding("schema", message, path)]
    if validator == "minItems":
        return [doc.finding("schema", _("{label} must list at least one item", label=label), path)]
    if validator == "minLength":
        return [doc.finding("schema", _("{label} must not be empty", label=label), path)]
    if validator == "maxLength":
        limit = schema["maxLength"]
        message = _("{label} is longer than {limit} characters", label=label, limit=limit)
        return [doc.finding("schema", message, path)]
    if validator == "minimum":
        message = _("{label} must be at least {minimum}", label=label, minimum=schema["minimum"])
        return [doc.finding("schema", message, path)]
    if validator == "maximum":
        message = _("{label} must be at most {maximum}", label=label, maximum=schema["maximum"])
        return [doc.finding("schema", message, path)]
    if validator == "uniqueItems":
        return [doc.finding("schema", _("{label} lists the same item twice", label=label), path)]
    return [doc.finding("schema", f"{label}: {error.message}", path)]


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _enum_message(label: str, instance: Any, allowed: list[Any]) -> str:
    """The allowed values, with their Chinese meanings when the reader writes Chinese (the
    handbook's own words for them), and the one most likely meant, by spelling or by meaning."""
    options = [str(o) for o in allowed]
    written = str(instance)
    chinese = is_chinese() or bool(_CJK.search(written))
    meanings = _meanings(options, "zh-CN") if chinese else {}
    listed = listing(
        _("{value} ({meaning})", value=o, meaning=meanings[o]) if o in meanings else o
        for o in options
    )
    message = _(
        "{label} is `{value}`; it must be one of: {allowed}",
        label=label,
        value=written,
        allowed=listed,
    )
    meant = _meant(written, options)
    if meant is None:
        return message
    shown = (
        _("`{value}` ({meaning})", value=meant, meaning=meanings[meant])
        if meant in meanings
        else f"`{meant}`"
    )
    return _("{message}; did you mean {value}?", message=message, value=shown)


def _meanings(options: list[str], language: str) -> dict[str, str]:
    """value -> its word in the handbook's `language` (templates/locale), for enums it names."""
    from opsmanual.render.i18n import load_words

    for table in load_words(language).table.values():
        if isinstance(table, dict) and set(options) <= set(table):
            return {o: str(table[o]) for o in options}
    return {}


def _meant(written: str, options: list[str]) -> str | None:
    """The option spelt like `written`, or whose meaning in a handbook language is like it."""
    close = difflib.get_close_matches(written.lower(), options, n=1)
    if close:
        return close[0]
    by_word: dict[str, str] = {}
    for language in ("zh-CN", "en"):
        for option, word in _meanings(options, language).items():
            by_word.setdefault(word.lower(), option)
    close = difflib.get_close_matches(written.strip().lower(), list(by_word), n=1, cutoff=0.5)
    return by_word[close[0]] if close else None


def _describe(schema: Any) -> str:
    description = str(schema.get("description") or f"text matching {schema.get('pattern')}")
    return description[0].lower() + description[1:] if description else description


_TYPE_WORDS = {
    "string": N_("text"),
    "integer": N_("a whole number"),
    "number": N_("a number"),
    "boolean": N_("true or false"),
    "array": N_("a list"),
    "object": N_("a mapping of fields"),
    "null": N_("empty"),
}


def _type_word(name: str) -> str:
    return _(_TYPE_WORDS[name]) if name in _TYPE_WORDS else name


def _type_message(
    doc: Document, path: Sequence[str | int], label: str, schema: Any, instance: Any
) -> str:
    expected = schema.get("type")
    wanted = (
        _(" or ").join(_type_word(str(t)) for t in expected)
        if isinstance(expected, list)
        else _type_word(str(expected))
    )
    raw = doc.raw(path) if path else None
    if expected == "string" and isinstance(instance, bool | int | float) and raw is not None:
        read_as = (
            _("true/false")
            if isinstance(instance, bool)
            else _("the number {value}", value=instance)
        )
        key = path[-1] if path and isinstance(path[-1], str) else None
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and not re.search(pattern, raw):  # quoting would not do
            hint = PATTERN_HINTS.get(pattern)
            must = _(hint) if hint else _describe(schema)
            return _(
                "{label} is written {raw}, which YAML reads as {read_as}; it must be {expected}",
                label=label,
                raw=raw,
                read_as=read_as,
                expected=must,
            )
        quoted = f'{key}: "{raw}"' if key else f'"{raw}"'
        return _(
            "{label} is written {raw}, which YAML reads as {read_as}; quote it: {quoted}",
            label=label,
            raw=raw,
            read_as=read_as,
            quoted=quoted,
        )
    short = raw is not None and "\n" not in raw and len(raw) <= 60
    if expected == "array" and isinstance(instance, str | int | float) and short:
        key = path[-1] if path and isinstance(path[-1], str) else None
        written = f"{key}: [{raw}]" if key else f"[{raw}]"
        return _(
            "{label} must be a list, even of one item; write {written}",
            label=label,
            written=written,
        )
    if instance is None:
        return _("{label} is empty; it must be {expected}", label=label, expected=wanted)
    return _(
        "{label} must be {expected}, not {actual}",
        label=label,
        expected=wanted,
        actual=_type_word(_json_type(instance))
        if _json_type(instance) in _TYPE_WORDS
        else _("this"),
    )


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
