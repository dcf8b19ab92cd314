"""The shared editing layer: lock, round-trip edits that keep every untouched byte, atomic writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsmanual import atomic, yamledit
from opsmanual.errors import OpsError
from opsmanual.load import Document, parse


def loaded(path: Path) -> Any:
    doc = parse(path.name, path.read_bytes())
    assert isinstance(doc, Document), doc
    return doc.data


def test_lock_file_lives_in_records_and_is_reentrant(tmp_path: Path) -> None:
    with yamledit.locked(tmp_path), yamledit.locked(tmp_path):
        assert (tmp_path / "records" / ".opsmanual.lock").exists()
    # released: another holder gets it at once
    with FileLock(str(tmp_path / "records" / ".opsmanual.lock"), timeout=0):
        pass


def test_lock_timeout_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "records").mkdir()
    busy = "another opsmanual command is editing this manual"
    with (
        FileLock(str(tmp_path / "records" / ".opsmanual.lock")),
        pytest.raises(OpsError, match=busy),
        yamledit.locked(tmp_path, timeout=0.2),
    ):
        pass


def test_edit_outside_the_lock_is_a_programming_error(root: Path) -> None:
    with pytest.raises(RuntimeError, match="outside"):
        yamledit.edit_yaml(root / "manual.yaml", lambda data: None)


@pytest.mark.parametrize(
    "name",
    ["manual.yaml", "records/loans.yaml", "records/updates.yaml", "procedures/training.yaml"],
)
def test_unchanged_data_leaves_every_byte(root: Path, name: str) -> None:
    path = root / name
    before = path.read_bytes()
    with yamledit.locked(root):
        yamledit.edit_yaml(path, lambda data: None)
    assert path.read_bytes() == before


def test_changing_one_value_changes_one_line(root: Path) -> None:
    path = root / "manual.yaml"
    before = path.read_text(encoding="utf-8").splitlines()

    def bump(data: Any) -> str:
        data["version"] = "1.10"
        return "done"

    with yamledit.locked(root):
        assert yamledit.edit_yaml(path, bump) == "done"
    after = path.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [('version: "1.4"', 'version: "1.10"')]
    assert loaded(path)["version"] == "1.10"


def test_append_keeps_the_file_as_a_prefix_in_its_own_layout(root: Path) -> None:
    # updates.yaml puts top-level dashes in column 1 but indents nested lists under their key
    path = root / "records" / "updates.yaml"
    before = path.read_text(encoding="utf-8")
    entry = {
        "version": "1.10",
        "date": "2026-11-01",
        "summary": "yes",
        "changes": ["procedures/training", "manual"],
    }
    with yamledit.locked(root):
        yamledit.append_entry(path, entry)
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after[len(before) :] == (
        '- version: "1.10"\n'
        "  date: 2026-11-01\n"
        '  summary: "yes"\n'
        "  changes:\n"
        "    - procedures/training\n"
        "    - manual\n"
    )
    assert loaded(path)[-1] == entry


def test_edit_in_the_middle_keeps_nested_list_indentation(root: Path) -> None:
    path = root / "records" / "updates.yaml"
    before = path.read_text(encoding="utf-8")

    def retitle(data: Any) -> None:
        data[1]["summary"] = "changed"

    with yamledit.locked(root):
        yamledit.edit_yaml(path, retitle)
    after = path.read_text(encoding="utf-8")
    removed = set(before.splitlines()) - set(after.splitlines())
    added = set(after.splitlines()) - set(before.splitlines())
    assert len(removed) == 1 and removed.pop().startswith("  summary: 风险管理流程")
    assert added == {"  summary: changed"}


@pytest.mark.parametrize(
    ("text", "new"),
    [
        # dashes indented under nothing, mappings by four
        (
            "# top\n  - a: x\n    b:\n        c: d\n",
            '  - a: "1.10"\n    b: "on"\n',
        ),
        # blank line between entries, kept for the new one
        (
            "- a: x\n  b: y\n\n- a: z\n  b: w\n",
            '\n- a: "1.10"\n  b: "on"\n',
        ),
    ],
)
def test_append_follows_indentation_and_spacing(tmp_path: Path, text: str, new: str) -> None:
    path = tmp_path / "records" / "list.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with yamledit.locked(tmp_path):
        yamledit.append_entry(path, {"a": "1.10", "b": "on"})
    assert path.read_text(encoding="utf-8") == text + new


def test_crlf_and_bom_are_kept(root: Path) -> None:
    path = root / "records" / "loans.yaml"
    original = b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(original)
    with yamledit.locked(root):
        yamledit.append_entry(
            path, {"copy": "OPS-01", "borrower": "wu-tao", "borrowed": "2026-11-01"}
        )
        yamledit.edit_yaml(path, lambda data: data[0].__setitem__("purpose", "x"))
    after = path.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf# yaml-language-server")
    assert b"\n" not in after.replace(b"\r\n", b"")
    assert after.endswith(b"  borrowed: 2026-11-01\r\n")
    assert loaded(path)[0]["purpose"] == "x"


@pytest.mark.parametrize("text", ["", "# only a comment\n#\n\n# another\n"])
def test_empty_or_comment_only_file_keeps_its_comments(tmp_path: Path, text: str) -> None:
    path = tmp_path / "records" / "loans.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with yamledit.locked(tmp_path):
        yamledit.append_entry(path, {"copy": "A", "borrower": "b", "borrowed": "2026-01-01T09:00"})
        yamledit.edit_yaml(path, lambda data: data.append({"copy": "B"}))
    after = path.read_text(encoding="utf-8")
    assert after.startswith(text.rstrip("\n"))
    assert loaded(path) == [
        {"copy": "A", "borrower": "b", "borrowed": "2026-01-01T09:00"},
        {"copy": "B"},
    ]


def test_missing_file_is_created_with_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "records" / "loans.yaml"
    with yamledit.locked(tmp_path):
        yamledit.append_entry(path, {"copy": "A"})
    assert path.read_text(encoding="utf-8") == "- copy: A\n"


def test_flow_list_is_extended(tmp_path: Path) -> None:
    path = tmp_path / "records" / "loans.yaml"
    path.parent.mkdir()
    path.write_text("# register\n[]\n", encoding="utf-8")
    with yamledit.locked(tmp_path):
        yamledit.append_entry(path, {"copy": "A"})
    assert loaded(path) == [{"copy": "A"}]
    assert path.read_text(encoding="utf-8").startswith("# register\n")


def test_a_failing_mutation_leaves_the_file_untouched(root: Path) -> None:
    path = root / "records" / "loans.yaml"
    before = path.read_bytes()

    def half_done(data: Any) -> None:
        data.append({"copy": "OPS-01"})
        raise ValueError("changed my mind")

    with yamledit.locked(root), pytest.raises(ValueError):
        yamledit.edit_yaml(path, half_done)
    assert path.read_bytes() == before


def test_a_failing_check_leaves_the_file_untouched(root: Path) -> None:
    path = root / "records" / "loans.yaml"
    before = path.read_bytes()
    seen: list[str] = []

    def check(body: str) -> None:
        seen.append(body)
        raise OpsError("no")

    with yamledit.locked(root), pytest.raises(OpsError):
        yamledit.append_entry(path, {"copy": "OPS-01"}, check)
    assert path.read_bytes() == before
    assert seen and seen[0].endswith("- copy: OPS-01\n")


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_crash_between_writing_and_renaming_keeps_the_old_file(
    root: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    path = root / "records" / "loans.yaml"
    before = path.read_bytes()
    written: list[bytes] = []

    def crash(tmp: Path, target: Path) -> None:
        written.append(tmp.read_bytes())  # the new content is complete on disk at this point
        raise failure

    monkeypatch.setattr(atomic, "_replace", crash)
    expected = OpsError if isinstance(failure, OSError) else KeyboardInterrupt
    with yamledit.locked(root), pytest.raises(expected):
        yamledit.append_entry(path, {"copy": "OPS-02", "borrower": "wu-tao"})
    assert path.read_bytes() == before
    assert written and written[0].startswith(before) and len(written[0]) > len(before)
    assert sorted(p.name for p in path.parent.iterdir()) == [
        ".opsmanual.lock",
        "acks.yaml",
        "distribution.yaml",
        "loans.yaml",
        "updates.yaml",
    ]


def test_file_permissions_are_kept(root: Path) -> None:
    path = root / "records" / "loans.yaml"
    path.chmod(0o640)
    with yamledit.locked(root):
        yamledit.append_entry(path, {"copy": "OPS-02"})
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    "value", ["1.10", "yes", "NO", "on", "~", "null", "012", "0x1F", "1e3", "2026-01-01", ".inf"]
)
def test_values_yaml_would_mistype_stay_strings(tmp_path: Path, value: str) -> None:
    path = tmp_path / "records" / "list.yaml"
    with yamledit.locked(tmp_path):
        yamledit.append_entry(path, {"v": value, "w": [value]})
    assert loaded(path) == [{"v": value, "w": [value]}]


_LINE = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp")), max_size=30
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(_LINE, min_size=1, max_size=3))
def test_any_one_line_text_round_trips_through_our_loader(
    tmp_path: Path, values: list[str]
) -> None:
    path = tmp_path / "records" / "list.yaml"
    path.unlink(missing_ok=True)
    entry = {f"k{i}": value for i, value in enumerate(values)}
    with yamledit.locked(tmp_path):
        yamledit.append_entry(path, entry)
        yamledit.edit_yaml(path, lambda data: data[0].__setitem__("k0", values[-1]))
    assert loaded(path) == [{**entry, "k0": values[-1]}]


def test_a_file_without_a_final_newline_keeps_that_convention(root: Path) -> None:
    path = root / "manual.yaml"
    text = path.read_bytes().rstrip(b"\n")
    path.write_bytes(text)

    def bump(data: Any) -> None:
        data["version"] = "1.5"

    with yamledit.locked(root):
        yamledit.edit_yaml(path, bump)
    assert path.read_bytes() == text.replace(b'version: "1.4"', b'version: "1.5"')


def test_a_new_last_key_goes_above_the_comment_that_followed_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "records" / "x.yaml"
    path.parent.mkdir()
    path.write_text("a: 1  # one\n\n# about b\nb:\n  c: 2\n# end\n", encoding="utf-8")

    def add(data: Any) -> None:
        yamledit.set_key(data["b"], "d", 3)
        yamledit.set_key(data["b"], "c", 4)  # an existing key keeps its place

    with yamledit.locked(tmp_path):
        yamledit.edit_yaml(path, add)
    assert (
        path.read_text(encoding="utf-8") == "a: 1  # one\n\n# about b\nb:\n  c: 4\n  d: 3\n# end\n"
    )
