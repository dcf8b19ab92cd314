"""`opsmanual validate` through the real entry point: formats, exit codes, discovery."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run_cli
from manualkit import BASE, NOW, write_manual

pytestmark = pytest.mark.now(NOW)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [ROOT / "manuals" / name for name in ("operations", "operations-en", "company")]
# What each example is meant to show: the company manual's quality department has a vacant head.
EXPECTED = {"company": [("role-vacant", "roles/quality-director.yaml")]}


@pytest.mark.parametrize("manual", EXAMPLES, ids=lambda p: p.name)
def test_bundled_examples_have_no_findings(manual: Path) -> None:
    code, out, _ = run_cli("validate", "--no-git", "--format", "json", manual=manual)
    report = json.loads(out)
    found = [(f["code"], f["file"]) for f in report["findings"]]
    assert found == EXPECTED.get(manual.name, [])
    assert code == 0


def test_text_format_lines_and_summary(tmp_path: Path) -> None:
    write_manual(
        tmp_path, {"roles/clerk.yaml": BASE["roles/clerk.yaml"].replace("duties", "dutys")}
    )
    code, out, _ = run_cli("validate", "--no-git", manual=tmp_path)
    lines = out.splitlines()
    assert code == 1
    assert (
        "roles/clerk.yaml:5:1: error schema unknown field `dutys`; did you mean `duties`?" in lines
    )
    pattern = re.compile(r"^[\w./-]+(:\d+:\d+)?: (error|warning) [a-z-]+ \S.*$")
    assert all(pattern.match(line) for line in lines[:-1]), lines
    assert lines[-1] == "manual `demo` has 1 error"


def test_dangling_reference_lists_closest_ids(tmp_path: Path) -> None:
    broken = BASE["procedures/plan.yaml"].replace("owner: manager", "owner: mangaer")
    write_manual(tmp_path, {"procedures/plan.yaml": broken})
    _, out, _ = run_cli("validate", "--no-git", manual=tmp_path)
    assert (
        "procedures/plan.yaml:3:8: error ref-missing no role `mangaer` exists; did you mean `manager`?"
        in out
    )


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    stale = BASE["procedures/plan.yaml"].replace("reviewed: 2026-10-01", "reviewed: 2024-01-01")
    write_manual(tmp_path, {"procedures/plan.yaml": stale})
    code, out, _ = run_cli("validate", "--no-git", manual=tmp_path)
    assert code == 0
    assert out.splitlines()[-1] == "manual `demo` is valid, with 1 warning"
    code, out, _ = run_cli("validate", "--no-git", "--strict", "-f", "json", manual=tmp_path)
    assert code == 1
    assert json.loads(out)["valid"] is False


def test_json_is_sorted_and_only_json(tmp_path: Path) -> None:
    write_manual(
        tmp_path,
        {
            "units/team.yaml": "id: team\nname: Team\nparent: nowhere\n",
            "roles/clerk.yaml": BASE["roles/clerk.yaml"].replace("unit: team", "unit: teem"),
            "procedures/notes.md": "x",
        },
    )
    code, out, _ = run_cli("validate", "--no-git", "--format", "json", manual=tmp_path)
    report = json.loads(out)
    assert code == 1
    assert set(report) == {"manual", "valid", "errors", "warnings", "findings"}
    keys = [(f["file"], f.get("line", 0), f.get("column", 0)) for f in report["findings"]]
    assert keys == sorted(keys)
    assert (report["errors"], report["warnings"]) == (2, 1)
    for f in report["findings"]:
        assert {"severity", "code", "file", "message"} <= set(f)


def test_github_annotations_are_escaped_and_repo_relative(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    manual = write_manual(repo / "handbook", {"units/team.yaml": "id: team\nname: a\nname: b\n"})
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    code, out, _ = run_cli("validate", "--no-git", "--format", "github", manual=manual)
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith(
        "::error file=handbook/units/team.yaml,line=3,col=1,title=yaml-duplicate-key::"
    )
    assert lines[-1] == "manual `demo` has 1 error"


def test_github_escaping() -> None:
    from opsmanual.reporters.validate import _escape_data, _escape_property

    assert _escape_data("50%\nnext\r") == "50%25%0Anext%0D"
    assert _escape_property("a:b,c") == "a%3Ab%2Cc"


def test_sarif_has_rules_and_regions(tmp_path: Path) -> None:
    write_manual(tmp_path, {"procedures/extra.txt": "x", "units/team.yaml": "id: team\n"})
    code, out, _ = run_cli("validate", "--no-git", "--format", "sarif", manual=tmp_path)
    sarif = json.loads(out)
    run = sarif["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert sarif["version"] == "2.1.0" and code == 1
    assert "schema" in rules and "stray-file" in rules and len(rules) == len(set(rules))
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert rules[by_rule["schema"]["ruleIndex"]] == "schema"
    region = by_rule["schema"]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 1, "startColumn": 1}
    assert "region" not in by_rule["stray-file"]["locations"][0]["physicalLocation"]
    assert by_rule["stray-file"]["level"] == "warning"


def test_discovery_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_manual(tmp_path)
    monkeypatch.chdir(tmp_path / "procedures")
    code, out, _ = run_cli("validate", "--no-git")
    assert (code, out.strip()) == (0, "manual `demo` is valid: no findings")


def test_no_manual_anywhere_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("validate", "--no-git")
    assert code == 2 and out == ""
    assert err.startswith("opsmanual: error: no manual.yaml") and err.count("\n") == 1


def test_missing_folder_is_exit_2(tmp_path: Path) -> None:
    code, _, err = run_cli("validate", manual=tmp_path / "nope")
    assert code == 2 and "no such folder" in err and "Traceback" not in err


def test_bad_option_is_exit_2(tmp_path: Path) -> None:
    code, _, _ = run_cli("validate", "--format", "xml", manual=write_manual(tmp_path))
    assert code == 2


def test_hostile_files_are_all_reported_in_one_run(tmp_path: Path) -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [{','.join(['*' + p] * 10)}]\n" for p, c in zip("abcde", "bcdef", strict=True)
    )
    write_manual(
        tmp_path,
        {
            "units/team.yaml": bomb,
            "roles/clerk.yaml": "- a list\n",
            "staff/bob.yaml": "id: bob\nname: !!python/name:os.system ''\n",
        },
    )
    (tmp_path / "procedures" / "plan.yaml").write_bytes(b"\xff\xfeid: plan\n")
    code, out, _ = run_cli("validate", "--no-git", "-f", "json", manual=tmp_path)
    codes = {(f["file"], f["code"]) for f in json.loads(out)["findings"]}
    assert code == 1
    assert {
        ("units/team.yaml", "yaml-limits"),
        ("roles/clerk.yaml", "schema"),
        ("staff/bob.yaml", "yaml-syntax"),
        ("procedures/plan.yaml", "yaml-syntax"),
    } <= codes


def test_version_and_help_through_the_console_script() -> None:
    exe = shutil.which("opsmanual", path=str(Path(sys.executable).parent))
    assert exe is not None
    result = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True)
    assert "validate" in result.stdout
    result = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("opsmanual ")


@pytest.mark.parametrize(
    ("rel", "kind", "broken"),
    [
        ("procedures/plan.yaml", "procedure", "id: plan\ntitle: T\nowner: manager\nsteps: []\n"),
        ("staff/bob.yaml", "staff", "id: bob\nname: 1.5\n"),
        ("manual.yaml", "manual", BASE["manual.yaml"].replace('"1.1"', "1.10")),
        ("records/loans.yaml", "loans", "- copy: C-1\n  borrower: bob\n  borrowed: 2026-3-2\n"),
        ("units/ops.yaml", "unit", "id: ops\nname: Ops\nx-note: fine\n"),
    ],
)
def test_check_jsonschema_agrees_file_by_file(
    tmp_path: Path, rel: str, kind: str, broken: str
) -> None:
    exe = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("check-jsonschema is not installed")
    schemas = tmp_path / "schemas"
    assert run_cli("schema", "-o", str(schemas))[0] == 0
    manual = write_manual(tmp_path / "m", {rel: broken})
    ours = json.loads(run_cli("validate", "--no-git", "-f", "json", manual=manual)[1])
    ours_bad = any(f["file"] == rel and f["code"] == "schema" for f in ours["findings"])
    theirs = subprocess.run(
        [exe, "--schemafile", str(schemas / f"{kind}.schema.json"), str(manual / rel)],
        capture_output=True,
        text=True,
    )
    assert theirs.returncode in (0, 1), theirs.stderr
    assert (theirs.returncode == 1) == ours_bad


def test_an_unexpected_failure_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import opsmanual.validate

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(opsmanual.validate, "validate", broken)
    code, out, err = run_cli("validate", "--no-git", manual=write_manual(tmp_path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "RuntimeError: disk on fire" in err and "report" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["validate", "--format", "xml"], "opsmanual: error: Invalid value for '--format'"),
        (["nope"], "opsmanual: error: No such command 'nope'; see `opsmanual --help`"),
        (["diff", "a", "b", "c"], "opsmanual: error: Got unexpected extra argument"),
        (["record", "add"], "opsmanual: error: Missing option '--summary'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], expected: str) -> None:
    code, out, err = run_cli(*args)
    assert code == 2 and out == ""
    assert err.startswith(expected) and err.count("\n") == 1, err


def test_bare_command_shows_help() -> None:
    code, out, _ = run_cli()
    assert code == 0 and out.startswith("Usage: opsmanual")


def test_subfolders_of_entity_folders_are_reported(tmp_path: Path) -> None:
    write_manual(tmp_path)
    (tmp_path / "procedures" / "finance").mkdir()
    (tmp_path / "procedures" / "finance" / "budget.yaml").write_text("id: budget\n")
    (tmp_path / "roles" / "odd.yaml").mkdir()
    (tmp_path / "roles" / ".hidden").mkdir()
    code, out, _ = run_cli("validate", "--no-git", "-f", "json", manual=tmp_path)
    found = {(f["file"], f["code"]) for f in json.loads(out)["findings"]}
    assert found == {("procedures/finance/", "stray-file"), ("roles/odd.yaml/", "stray-file")}
    assert code == 0


def test_a_decision_needs_two_ways_out(tmp_path: Path) -> None:
    plan = BASE["procedures/plan.yaml"]
    one_way = plan.replace("    next: [publish, draft]\n", "    next: [publish]\n")
    write_manual(tmp_path / "one", {"procedures/plan.yaml": one_way})
    code, out, _ = run_cli("validate", "--no-git", manual=tmp_path / "one")
    assert code == 0, "a warning"
    assert (
        "procedures/plan.yaml:13:11: warning decision-exits decision step `approve` has only one "
        "way out (to `publish`)" in out
    )
    last = plan.replace("    next: [publish, draft]\n", "    next: []\n").replace(
        "  - id: publish\n    actor: clerk\n    action: Publish the plan\n", ""
    )
    write_manual(tmp_path / "end", {"procedures/plan.yaml": last})
    code, out, _ = run_cli("validate", "--no-git", manual=tmp_path / "end")
    assert "decision-exits decision step `approve` has no way out (the procedure ends)" in out
    code, out, _ = run_cli("validate", "--no-git", "--format", "sarif", manual=tmp_path / "end")
    assert '"decision-exits"' in out
