"""The JSON Schemas in schemas/: well-formed, offline, and agreeing across validators.

The same schema is read by three regex engines: Python's `re` (python-jsonschema, used by
`opsmanual validate`), Rust's `regex` (jsonschema-rs) and ECMAScript's (check-jsonschema's default
via `regress`, and the editors). The fixtures under schema_cases/<schema>/{valid,invalid}/ are
YAML files as a user writes them; each invalid one says on `# expect: KEYWORD at PATH` lines
exactly which errors python-jsonschema must report (PATH is the `/`-joined path of the value,
empty for the top level), so that a fixture cannot fail for a reason nobody meant.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
import referencing
import regress
import yaml
from jsonschema.validators import Draft7Validator, Draft202012Validator, extend

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
CASES = Path(__file__).resolve().parent / "schema_cases"
EXAMPLES = ("operations", "operations-en")

# The order of cli.md's `opsmanual schema`.
NAMES = (
    "manual",
    "unit",
    "role",
    "procedure",
    "staff",
    "updates",
    "loans",
    "acks",
    "distribution",
)
SHARED_DEFS = (
    "id", "date", "datetime", "version", "line", "text", "lines",
    "email", "copyId", "entityRef", "removedRef",
)  # fmt: skip
# The object that takes user `x-` keys: the top level, or each entry of a record list.
X_OBJECT = {
    "updates": "#/$defs/update",
    "loans": "#/$defs/loan",
    "acks": "#/$defs/ack",
    "distribution": "#/$defs/entry",
}
ENTITY_FOLDERS = {"units": "unit", "roles": "role", "procedures": "procedure", "staff": "staff"}
RECORD_FILES = {
    "updates": "updates",
    "loans": "loans",
    "acks": "acks",
    "distribution": "distribution",
}

# Keywords whose meaning is the same in Draft 7 (what yaml-language-server validates with) and
# in 2020-12; `$defs` is only reached through `$ref` JSON pointers, which both resolve alike.
PORTABLE_KEYWORDS = {
    "$schema", "$id", "$ref", "$defs", "title", "description", "examples",
    "type", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems",
    "uniqueItems",
    "items", "properties", "patternProperties", "additionalProperties", "required", "not",
    "allOf", "if", "then",
}  # fmt: skip


class NoTimestampLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as the strings written, like check-jsonschema and our loader."""


NoTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_bytes(), Loader=NoTimestampLoader)


@functools.cache
def schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS / f"{name}.schema.json").read_text("utf-8"))
    return data


def _regress_pattern(validator: Any, pattern: str, instance: Any, _schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and regress.Regex(pattern, "u").find(instance) is None:
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


# 2020-12 with ECMAScript regexes, as check-jsonschema (default --regex-variant) and editors see it.
EcmaValidator = extend(Draft202012Validator, {"pattern": _regress_pattern})  # type: ignore[no-untyped-call]


@functools.cache
def validators(name: str) -> dict[str, Any]:
    s = schema(name)
    offline = referencing.Registry()  # nothing to fetch: every $ref is local
    return {
        "python": Draft202012Validator(s, registry=offline),
        "rust": jsonschema_rs.validator_for(s),
        "ecmascript": EcmaValidator(s, registry=offline),
        "draft7": Draft7Validator(s, registry=offline),
    }


def verdicts(name: str, instance: Any) -> dict[str, bool]:
    return {engine: v.is_valid(instance) for engine, v in validators(name).items()}


def py_errors(name: str, instance: Any) -> set[tuple[str, str]]:
    return {
        (str(e.validator), "/".join(map(str, e.absolute_path)))
        for e in validators(name)["python"].iter_errors(instance)
    }


def rust_errors(name: str, instance: Any) -> set[tuple[str, str]]:
    return {
        (str(e.schema_path[-1]), "/".join(map(str, e.instance_path)))
        for e in validators(name)["rust"].iter_errors(instance)
    }


def walk(node: Any, path: str = "#") -> Iterator[tuple[str, Any]]:
    """Every (JSON pointer, subschema-or-value) in a schema document."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}/{i}")


def fixtures(kind: str) -> list[Any]:
    out = []
    for name in NAMES:
        for path in sorted((CASES / name / kind).glob("*.y*ml")):
            out.append(pytest.param(name, path, id=f"{name}/{path.name}"))
    return out


def expected_errors(path: Path) -> set[tuple[str, str]]:
    lines = path.read_text("utf-8").splitlines()
    found = [re.fullmatch(r"# expect: (\S+) at ?(\S*)", line.strip()) for line in lines]
    return {(m[1], m[2]) for m in found if m}


# ---------------------------------------------------------------------------------- the files


def test_exactly_the_nine_schemas() -> None:
    assert sorted(p.name for p in SCHEMAS.glob("*.json")) == sorted(
        f"{n}.schema.json" for n in NAMES
    )


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_a_self_contained_2020_12_schema(name: str) -> None:
    s = schema(name)
    Draft202012Validator.check_schema(s)
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert s["$id"] == f"urn:opsmanual:schema:v1:{name}"
    assert s["title"] and s["description"]
    for where, node in walk(s):
        if where.endswith("/$ref") and isinstance(node, str):
            assert node.startswith("#/$defs/"), f"{where}: only local refs, got {node!r}"
            assert node.removeprefix("#/$defs/") in s["$defs"], f"{where}: no such def {node!r}"
    # Only one `$id`, at the top: a nested one would open a new base URI for the refs below it.
    assert [w for w, _ in walk(s) if w.endswith("/$id")] == ["#/$id"]


@pytest.mark.parametrize("name", NAMES)
def test_no_defaults_and_portable_keywords(name: str) -> None:
    """No `default` a validator could inject; nothing an editor's Draft 7 validator misreads."""
    for where, node in walk(schema(name)):
        if not isinstance(node, dict) or where.endswith(("/properties", "/$defs")):
            continue
        if where.endswith("/patternProperties"):
            continue
        unknown = set(node) - PORTABLE_KEYWORDS
        assert not unknown, f"{where}: {sorted(unknown)}"


@pytest.mark.parametrize("name", NAMES)
def test_every_property_and_def_has_title_and_description(name: str) -> None:
    s = schema(name)
    for where, node in walk(s):
        if where.endswith(("/properties", "/$defs")) and isinstance(node, dict):
            for key, sub in node.items():
                assert sub.get("title"), f"{where}/{key}: no title"
                assert sub.get("description"), f"{where}/{key}: no description"


@pytest.mark.parametrize("name", NAMES)
def test_objects_are_closed_and_x_keys_only_at_the_top(name: str) -> None:
    s = schema(name)
    x_at = X_OBJECT.get(name, "#")
    objects = {w: n for w, n in walk(s) if isinstance(n, dict) and n.get("type") == "object"}
    assert x_at in objects
    for where, node in objects.items():
        assert node.get("additionalProperties") is False, f"{where}: not closed"
        assert "properties" in node, where
        if where == x_at:
            assert list(node["patternProperties"]) == ["^x-"]
        else:
            assert "patternProperties" not in node, f"{where}: x- keys only at the top level"


def test_shared_defs_are_the_same_in_every_schema() -> None:
    first = schema(NAMES[0])["$defs"]
    for name in NAMES:
        defs = schema(name)["$defs"]
        for d in SHARED_DEFS:
            assert defs[d] == first[d], f"{name}: $defs/{d} differs from {NAMES[0]}'s"


def test_record_lists_are_top_level_arrays() -> None:
    assert schema("updates")["type"] == "array"
    assert schema("updates")["items"] == {"$ref": "#/$defs/update"}
    # A loans.yaml holding only comments loads as null: an empty register, in every tool.
    assert schema("loans")["type"] == ["array", "null"]
    assert schema("loans")["items"] == {"$ref": "#/$defs/loan"}


# ------------------------------------------------------------------- regexes across engines

TRICKY = [
    "", "a", "ab-c", "-a", "a-", "a--b", "A", "abc\n", "\nabc", "a\nb", "a\rb", "abc\r\n", " a",
    "2026-03-01", "2026-03-01\n", "2026-3-1", "2026-03-01T09:30", "2026-03-01 09:30",
    "2026-03-01T09:30:00.5+08:00", "2026-03-01T09:30+0800", "2026-03-01Z", "2026-03-01T09",
    "1", "1.10", "1.", ".1", "1..2", "1.10\n", "١", "٢٠٢٦-٠٣-٠١",
    "a@b", "a@b.c", "a@b.c\n", "a@@b.c", "a@b..c", "a@.b", "@b.c", "a b@c.d",
    "a\u3000b@c.d", "a\x1cb@c.d", "a\x85b@c.d", "a\ufeffb@c.d", "a\u00a0b@c.d", "a\u2009b@c.d",
    "张三@例子.中国", "C-01", "02", ".02", "C_1.2", "manual", "manual\n", "manual/x",
    "procedures/annual-plan", "procedure/annual-plan", "staff/zhang-san", "units/ops\n",
    "ｏｐｓ", "\u212a", "x" * 64, "x" * 65,
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_string_defs_agree_across_regex_engines(name: str) -> None:
    """Python's `$` also matches before a final newline, its `\\s` differs from Rust's and
    ECMAScript's: the defs are written so that none of that changes a verdict."""
    s = schema(name)
    for d, sub in s["$defs"].items():
        if sub.get("type") != "string":
            continue
        wrapped = {**sub, "$defs": s["$defs"]}
        engines = {
            "python": Draft202012Validator(wrapped),
            "rust": jsonschema_rs.validator_for(wrapped),
            "ecmascript": EcmaValidator(wrapped),
        }
        for text in TRICKY:
            got = {engine: v.is_valid(text) for engine, v in engines.items()}
            assert len(set(got.values())) == 1, f"$defs/{d} on {text!r}: {got}"


def test_line_and_id_reject_a_trailing_newline() -> None:
    # `action: >` or `|` ends the value with a newline: it is not one line.
    s = schema("procedure")
    for d in ("line", "id", "date", "version"):
        v = Draft202012Validator({**s["$defs"][d], "$defs": s["$defs"]})
        good = {"line": "Draft the plan", "id": "draft", "date": "2026-03-01", "version": "1.2"}
        assert v.is_valid(good[d])
        assert not v.is_valid(good[d] + "\n")


# ------------------------------------------------------------------------------- fixtures


def test_every_schema_has_valid_and_invalid_fixtures() -> None:
    for name in NAMES:
        for kind in ("valid", "invalid"):
            assert len(list((CASES / name / kind).glob("*.y*ml"))) >= 2, f"{name}/{kind}"


@pytest.mark.parametrize(("name", "path"), fixtures("valid"))
def test_valid_fixture(name: str, path: Path) -> None:
    instance = load_yaml(path)
    assert py_errors(name, instance) == set()
    assert verdicts(name, instance) == dict.fromkeys(validators(name), True)


@pytest.mark.parametrize(("name", "path"), fixtures("invalid"))
def test_invalid_fixture(name: str, path: Path) -> None:
    instance = load_yaml(path)
    expected = expected_errors(path)
    assert expected, f"{path.name}: no '# expect: KEYWORD at PATH' line"
    assert py_errors(name, instance) == expected
    # Rust's `$` is the end of the text, so a value ending in a newline breaks `pattern` as well
    # as the `not` guard there: compare where the errors are, not which keywords report them.
    assert {where for _, where in rust_errors(name, instance)} == {where for _, where in expected}
    assert verdicts(name, instance) == dict.fromkeys(validators(name), False)


def test_loader_keeps_dates_and_yaml_1_1_surprises() -> None:
    data = yaml.load(
        "d: 2026-03-01\nt: 2026-03-01T09:30:00+08:00\nv: 1.10\nn: NO\ny: yes\nq: '1.10'\n",
        Loader=NoTimestampLoader,
    )
    assert data == {
        "d": "2026-03-01", "t": "2026-03-01T09:30:00+08:00",
        "v": 1.1, "n": False, "y": True, "q": "1.10",
    }  # fmt: skip


def test_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "zhang-san.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (CASES / "staff/valid/zhang-san.yaml").read_bytes())
    assert verdicts("staff", load_yaml(path)) == dict.fromkeys(validators("staff"), True)


# ------------------------------------------------------------------------ check-jsonschema


def check_jsonschema(tmp_path: Path, name: str, *files: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOME": str(tmp_path),  # its cache, if it made one, stays out of the real home
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        # Any attempt to reach the network fails at once instead of passing unnoticed.
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
        "NO_COLOR": "1",
    }
    args = [sys.executable, "-m", "check_jsonschema", "--no-cache", "-o", "json"]
    args += ["--schemafile", str(SCHEMAS / f"{name}.schema.json"), *map(str, files)]
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_check_jsonschema_exit_codes(tmp_path: Path) -> None:
    good = check_jsonschema(tmp_path, "procedure", CASES / "procedure/valid/annual-plan.yaml")
    assert good.returncode == 0, good.stdout + good.stderr
    bad = check_jsonschema(tmp_path, "procedure", CASES / "procedure/invalid/empty-steps.yaml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert json.loads(bad.stdout)["status"] == "fail"


@pytest.mark.parametrize("name", NAMES)
def test_check_jsonschema_agrees_on_every_fixture(tmp_path: Path, name: str) -> None:
    valid = sorted((CASES / name / "valid").glob("*.y*ml"))
    invalid = sorted((CASES / name / "invalid").glob("*.y*ml"))
    good = check_jsonschema(tmp_path, name, *valid)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = check_jsonschema(tmp_path, name, *invalid)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    report = json.loads(bad.stdout)
    assert report["parse_errors"] == []
    # check-jsonschema loads YAML 1.2 (ruamel), where `NO` and `on` are strings, not booleans;
    # such fixtures say so, and are the only ones it accepts.
    marker = re.compile(r"^# yaml-1\.2: valid\.", re.MULTILINE)
    yaml_1_2_valid = {p.name for p in invalid if marker.search(p.read_text("utf-8"))}
    failed = {Path(e["filename"]).name for e in report["errors"]}
    assert failed == {p.name for p in invalid} - yaml_1_2_valid


# ----------------------------------------------------------------------- example manuals


def schema_for(rel: Path) -> str | None:
    """The schema of a file of a manual, by its place in the folder; None if it has none."""
    if rel.suffix not in (".yaml", ".yml"):
        return None
    if rel.parts == (rel.name,) and rel.stem == "manual":
        return "manual"
    if len(rel.parts) == 2 and rel.parts[0] in ENTITY_FOLDERS:
        return ENTITY_FOLDERS[rel.parts[0]]
    if len(rel.parts) == 2 and rel.parts[0] == "records":
        return RECORD_FILES.get(rel.stem)
    return None


def example_files() -> list[Any]:
    out = []
    for example in EXAMPLES:
        folder = ROOT / "manuals" / example
        if not (folder / "manual.yaml").is_file():
            reason = f"manuals/{example}/ does not exist yet"
            out.append(pytest.param(example, None, marks=pytest.mark.skip(reason=reason)))
            continue
        for path in sorted(folder.rglob("*.y*ml")):
            rel = path.relative_to(folder)
            if schema_for(rel):
                out.append(pytest.param(example, rel, id=f"{example}/{rel.as_posix()}"))
    return out


@pytest.mark.parametrize(("example", "rel"), example_files())
def test_example_manual_file_validates(example: str, rel: Path) -> None:
    name = schema_for(rel)
    assert name
    instance = load_yaml(ROOT / "manuals" / example / rel)
    errors = sorted(validators(name)["python"].iter_errors(instance), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    assert verdicts(name, instance) == dict.fromkeys(validators(name), True)


def test_example_manuals_have_their_required_files() -> None:
    for example in EXAMPLES:
        folder = ROOT / "manuals" / example
        if not folder.is_dir():
            continue
        for required in ("manual.yaml", "records/updates.yaml"):
            assert (folder / required).is_file() or (folder / required).with_suffix(
                ".yml"
            ).is_file(), f"manuals/{example}/{required}"


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_editor_schemas_are_current(example: str) -> None:
    """The copies an example keeps in .schemas/ for editors (as `init` writes) match schemas/."""
    folder = ROOT / "manuals" / example / ".schemas"
    if not folder.is_dir():
        pytest.skip(f"manuals/{example}/.schemas/ does not exist")
    for name in NAMES:
        copy = folder / f"{name}.schema.json"
        assert copy.is_file(), f"{copy.relative_to(ROOT)} is missing"
        original = (SCHEMAS / f"{name}.schema.json").read_bytes()
        assert copy.read_bytes() == original, (
            f"{copy.relative_to(ROOT)} is stale: run `opsmanual schema -o {folder.relative_to(ROOT)}`"
        )


# ------------------------------------------------------------------------------- the docs

FORMAT_DOC = ROOT / "docs" / "format.md"


def test_format_doc_names_every_field_of_every_schema() -> None:
    doc = FORMAT_DOC.read_text("utf-8")
    for name in NAMES:
        for where, node in walk(schema(name)):
            if where.endswith("/properties") and isinstance(node, dict):
                for field in node:
                    assert f"`{field}`" in doc, f"docs/format.md does not mention `{field}`"
        for where, node in walk(schema(name)):
            if where.endswith("/enum"):
                for value in node:
                    assert f"`{value}`" in doc, f"docs/format.md does not mention `{value}`"


def test_format_doc_explains_every_finding_code() -> None:
    findings = pytest.importorskip("opsmanual.findings")
    doc = FORMAT_DOC.read_text("utf-8")
    for code, severity in findings.SEVERITY.items():
        row = re.search(rf"^\| `{re.escape(code)}` \| (\w+) \|", doc, re.MULTILINE)
        assert row, f"docs/format.md has no row for the finding `{code}`"
        assert row[1] == severity, f"`{code}` is {severity}, docs/format.md says {row[1]}"
