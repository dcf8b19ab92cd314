"""The semantic diff: properties on generated entities, and `opsmanual diff` on real repositories."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gitrepo import EXAMPLES, GitRepo, empty_repo
from helpers import run_cli
from opsmanual.diff import FieldChange, diff_values, list_key

EXAMPLE = EXAMPLES / "operations"

# --- applying reported changes, to check that they say everything ---------------------------

_TOKEN = re.compile(r"\.?([^.\[\]]+)|\[([^\]]+)\]")


def _split(path: str) -> list[tuple[str, str]]:
    """`steps[b].actor` -> [("key", "steps"), ("item", "b"), ("key", "actor")]."""
    return [("key", k) if k else ("item", i) for k, i in _TOKEN.findall(path)]


def _rest(tokens: list[tuple[str, str]]) -> str:
    return "".join(f".{v}" if t == "key" else f"[{v}]" for t, v in tokens).lstrip(".")


def apply(old: Any, fields: list[FieldChange], name: str = "") -> Any:
    whole = [f for f in fields if f.path == ""]
    if whole:
        return whole[0].new
    if isinstance(old, dict):
        return _apply_dict(old, fields)
    return _apply_list(old, fields, name)


def _groups(fields: list[FieldChange]) -> dict[str, list[FieldChange]]:
    grouped: dict[str, list[FieldChange]] = {}
    for f in fields:
        tokens = _split(f.path)
        head = tokens[0][1]
        grouped.setdefault(head, []).append(
            FieldChange(_rest(tokens[1:]), f.old, f.new, f.op, f.position)
        )
    return grouped


def _apply_dict(old: dict[str, Any], fields: list[FieldChange]) -> dict[str, Any]:
    result = dict(old)
    for key, sub in _groups(fields).items():
        top = [f for f in sub if f.path == ""]
        if top and top[0].op == "removed":
            del result[key]
        elif top and top[0].op == "added":
            result[key] = top[0].new
        else:
            result[key] = apply(old[key], sub, key)
    return result


def _apply_list(old: list[Any], fields: list[FieldChange], name: str) -> list[Any]:
    key = list_key(name, old)
    groups = _groups(fields)
    if key is None and old:
        items = list(old)
        indexed = {int(i): sub for i, sub in groups.items()}
        removed = [i for i, sub in indexed.items() if sub[0].op == "removed" and sub[0].path == ""]
        for i in sorted(removed, reverse=True):
            del items[i - 1]
        for i in sorted(indexed):
            sub = indexed[i]
            if sub[0].op == "added" and sub[0].path == "":
                items.insert(i - 1, sub[0].new)
            elif i not in removed:
                items[i - 1] = apply(items[i - 1], sub, name)
        return items
    if not old:
        adds = [sub[0] for sub in groups.values()]
        return [f.new for f in sorted(adds, key=lambda f: f.position or 0)]
    by_key = {item[key]: item for item in old}
    placed: dict[int, Any] = {}
    stay: list[Any] = []
    for k, item in by_key.items():
        sub = groups.get(k, [])
        top = [f for f in sub if f.path == ""]
        if any(f.op == "removed" for f in top):
            continue
        new_item = apply(item, [f for f in sub if f.path != ""], "")
        moved = [f for f in top if f.op == "moved"]
        if moved:
            placed[moved[0].new] = new_item
        else:
            stay.append(new_item)
    for sub in groups.values():
        for f in sub:
            if f.path == "" and f.op == "added" and f.position is not None:
                placed[f.position] = f.new
    result: list[Any] = []
    rest = iter(stay)
    for position in range(1, len(placed) + len(stay) + 1):
        result.append(placed[position] if position in placed else next(rest))
    return result


# --- generated entities --------------------------------------------------------------------

_ids = st.sampled_from(["a", "b", "c", "d", "e", "f"])
_text = st.text(alphabet="xyz 规程", max_size=4)
_step = st.fixed_dictionaries(
    {"id": _ids, "actor": st.sampled_from(["r1", "r2"]), "action": _text},
    optional={
        "details": _text,
        "next": st.lists(_ids, max_size=2),
        "approval": st.booleans(),
        "outputs": st.lists(_text, max_size=3),
    },
)
_chapter = st.fixed_dictionaries(
    {"title": st.sampled_from(["t", "u", "v"]), "procedures": st.lists(_ids, max_size=3)}
)
_required: dict[str, st.SearchStrategy[Any]] = {
    "id": st.just("p"),
    "title": _text,
    "steps": st.lists(_step, max_size=5, unique_by=lambda s: s["id"]),
}
_optional: dict[str, st.SearchStrategy[Any]] = {
    "owner": st.sampled_from(["r1", "r2"]),
    "duties": st.lists(_text, max_size=4),
    "headcount": st.one_of(st.integers(0, 3), st.text(max_size=2)),
    "chapters": st.lists(_chapter, max_size=3, unique_by=lambda c: c["title"]),
}
_entity = st.fixed_dictionaries(_required, optional=_optional)


@settings(max_examples=150, deadline=None)
@given(_entity)
def test_an_entity_against_itself_has_no_changes(entity: dict[str, Any]) -> None:
    assert diff_values(entity, entity) == []


@settings(max_examples=300, deadline=None)
@given(_entity, _entity)
def test_applying_the_changes_reproduces_the_new_entity(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    fields = diff_values(old, new)
    assert apply(old, fields) == new
    assert (fields == []) == (old == new)


@settings(max_examples=100, deadline=None)
@given(st.lists(_step, min_size=2, max_size=6, unique_by=lambda s: s["id"]), st.randoms())
def test_reordered_steps_are_moves_not_deletes(steps: list[dict[str, Any]], rnd: Any) -> None:
    shuffled = list(steps)
    rnd.shuffle(shuffled)
    fields = diff_values({"steps": steps}, {"steps": shuffled})
    assert {f.op for f in fields} <= {"moved"}
    assert apply({"steps": steps}, fields) == {"steps": shuffled}


def test_field_paths_read_as_documented() -> None:
    old = {
        "title": "A",
        "duties": ["x", "y"],
        "steps": [{"id": "draft", "actor": "r1"}, {"id": "review", "actor": "r2"}],
    }
    new = {
        "title": "B",
        "duties": ["x", "z"],
        "steps": [{"id": "review", "actor": "r3"}, {"id": "draft", "actor": "r1"}],
    }
    got = {(f.path, f.op) for f in diff_values(old, new)}
    assert ("title", "changed") in got
    assert ("duties[2]", "changed") in got
    assert ("steps[review].actor", "changed") in got
    assert any(p in ("steps[review]", "steps[draft]") and op == "moved" for p, op in got)


# --- the command -----------------------------------------------------------------------------

PROC = "procedures/annual-planning.yaml"


def test_no_changes(repo: GitRepo) -> None:
    result = run_cli("diff", "--format", "json", manual=repo.root)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"from": "HEAD", "to": "worktree", "changes": []}


def test_worktree_change_as_json(repo: GitRepo) -> None:
    repo.replace(PROC, "action: 编写下一年度运营规划初稿", "action: 编写规划初稿")
    result = run_cli("diff", "--format", "json", manual=repo.root)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["changes"] == [
        {
            "kind": "procedures",
            "id": "annual-planning",
            "op": "changed",
            "fields": [
                {
                    "path": "steps[draft].action",
                    "op": "changed",
                    "old": "编写下一年度运营规划初稿",
                    "new": "编写规划初稿",
                }
            ],
        }
    ]


def test_moved_step_text_and_markdown(repo: GitRepo) -> None:
    text = repo.path(PROC).read_text(encoding="utf-8")
    head, steps = text.split("steps:\n", 1)
    blocks = steps.split("  - id: ")
    blocks[1], blocks[2] = blocks[2], blocks[1]  # gather <-> draft
    repo.path(PROC).write_text(head + "steps:\n" + "  - id: ".join(blocks), encoding="utf-8")
    result = run_cli("diff", manual=repo.root)
    assert result.exit_code == 0
    assert "~ procedures/annual-planning changed" in result.stdout
    assert "moved from position" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour off a terminal
    markdown = run_cli("diff", "--format", "markdown", manual=repo.root).stdout
    assert "### `procedures/annual-planning` changed" in markdown
    assert "| field | before | after |" in markdown


def test_two_revisions_added_and_removed(repo: GitRepo) -> None:
    first = repo.git("rev-parse", "HEAD").strip()
    repo.path("staff/wu-tao.yaml").unlink()
    text = repo.path("units/process-group.yaml").read_text(encoding="utf-8")
    repo.path("units/quality.yaml").write_text(
        text.replace("id: process-group", "id: quality"), encoding="utf-8"
    )
    repo.commit("add a unit, drop a person")
    repo.git("tag", "v2")
    doc = json.loads(run_cli("diff", first, "v2", "--format", "json", manual=repo.root).stdout)
    assert doc["from"] == first and doc["to"] == "v2"
    assert [(c["kind"], c["id"], c["op"]) for c in doc["changes"]] == [
        ("units", "quality", "added"),
        ("staff", "wu-tao", "removed"),
    ]


def test_renamed_file_with_the_same_id_is_the_same_entity(repo: GitRepo) -> None:
    repo.path(PROC).rename(repo.path("procedures/annual-planning.yml"))
    repo.commit("rename to .yml")
    doc = json.loads(run_cli("diff", "HEAD~1", "HEAD", "--format", "json", manual=repo.root).stdout)
    assert doc["changes"] == []


def test_manual_yaml_is_kind_manual(repo: GitRepo) -> None:
    repo.replace("manual.yaml", "loan_days: ", "loan_days: 1")
    doc = json.loads(run_cli("diff", "--format", "json", manual=repo.root).stdout)
    assert [(c["kind"], c["id"]) for c in doc["changes"]] == [("manual", "operations")]


def test_unparseable_file_exits_1(repo: GitRepo) -> None:
    repo.path(PROC).write_text("id: [unclosed\n", encoding="utf-8")
    result = run_cli("diff", manual=repo.root)
    assert result.exit_code == 1
    assert "yaml-syntax" in result.stdout


def test_git_problems_exit_2(tmp_path: Path, repo: GitRepo) -> None:
    result = run_cli("diff", "no-such-rev", manual=repo.root)
    assert result.exit_code == 2
    assert "unknown revision" in result.stderr
    import shutil

    plain = tmp_path / "plain"
    shutil.copytree(repo.root, plain)
    result = run_cli("diff", manual=plain)
    assert result.exit_code == 2
    assert "not inside a git repository" in result.stderr


def test_a_revision_beyond_a_shallow_clone_says_to_fetch(tmp_path: Path, repo: GitRepo) -> None:
    repo.replace("procedures/training.yaml", "title: ", "title: 新")
    repo.commit("second")
    clone = tmp_path / "clone"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.top}", str(clone))
    result = run_cli("diff", "HEAD~1", manual=clone / "manuals/operations")
    assert result.exit_code == 2
    assert "shallow clone" in result.stderr and "git fetch --unshallow" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_diff_against_a_revision_without_the_manual_is_exit_2(tmp_path: Path) -> None:
    repo = empty_repo(tmp_path / "repo", "manual")
    (repo.top / "README").write_text("x")
    repo.commit("first")
    shutil.copytree(EXAMPLE, repo.root)
    repo.commit("manual")
    result = run_cli("diff", "HEAD~1", manual=repo.root)
    assert result.exit_code == 2
    assert "the manual folder manual did not exist at HEAD~1" in result.stderr


def test_a_committed_link_is_refused_on_both_sides_never_read(
    repo: GitRepo, tmp_path: Path
) -> None:
    """git keeps a symbolic link's text: a diff must refuse it as the work tree does, not parse
    the link's target path (or, on a checkout, what it points at) as the file."""
    secret = tmp_path / "secret.yaml"
    secret.write_text("id: wu-tao\nname: TOP-SECRET-MARKER\n")
    link = repo.path("staff/wu-tao.yaml")
    link.unlink()
    link.symlink_to(secret)
    repo.commit("a link where a file was")
    linked = repo.git("rev-parse", "HEAD").strip()
    link.unlink()
    link.write_text("id: wu-tao\nname: 吴涛\n", encoding="utf-8")
    for args in (["HEAD"], ["HEAD~1", "HEAD"], [linked, "HEAD~1"]):
        result = run_cli("diff", *args, manual=repo.root)
        assert result.exit_code == 2, (args, result.output)
        assert "staff/wu-tao.yaml" in result.output and "symbolic link" in result.output
        assert "TOP-SECRET-MARKER" not in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
