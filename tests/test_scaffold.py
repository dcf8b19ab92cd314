"""`opsmanual init`: the new manual parses, points editors at its schemas, and validates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from helpers import run_cli
from opsmanual.errors import Refused
from opsmanual.scaffold import LANGUAGES, TEXTS, create_manual

MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")

EXPECTED_SCHEMAS = {
    "manual.yaml": "manual.schema.json",
    "units": "unit.schema.json",
    "roles": "role.schema.json",
    "procedures": "procedure.schema.json",
    "staff": "staff.schema.json",
    "records/updates.yaml": "updates.schema.json",
    "records/loans.yaml": "loans.schema.json",
}


def yaml_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yaml") if ".schemas" not in p.parts)


def expected_schema(root: Path, path: Path) -> str:
    rel = path.relative_to(root).as_posix()
    return EXPECTED_SCHEMAS.get(rel) or EXPECTED_SCHEMAS[rel.split("/")[0]]


@pytest.fixture(params=["zh-CN", "en"])
def language(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def test_languages_are_the_two_of_the_format() -> None:
    assert set(LANGUAGES) == {"zh-CN", "en"}


def test_expected_files_exist(tmp_path: Path, language: str) -> None:
    dest = tmp_path / "manual"
    written = create_manual(dest, language)
    person = TEXTS[language].person_id
    expected = {
        "manual.yaml",
        "units/department.yaml",
        "roles/manager.yaml",
        "procedures/manual-update.yaml",
        f"staff/{person}.yaml",
        "records/updates.yaml",
        "records/loans.yaml",
        ".vscode/settings.json",
        ".vscode/extensions.json",
        ".gitignore",
        *(f".schemas/{name}" for name in set(EXPECTED_SCHEMAS.values())),
        ".schemas/acks.schema.json",
        ".schemas/distribution.schema.json",
    }
    assert {p.relative_to(dest).as_posix() for p in written} == expected
    assert written == sorted(written)
    assert all(p.is_file() for p in written)
    on_disk = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    assert on_disk == expected


def test_every_yaml_file_parses_and_has_its_modeline(tmp_path: Path, language: str) -> None:
    dest = tmp_path / "manual"
    create_manual(dest, language)
    files = yaml_files(dest)
    assert len(files) == 7
    for path in files:
        text = path.read_text(encoding="utf-8")
        yaml.safe_load(text)
        match = MODELINE.match(text.splitlines()[0])
        assert match, f"{path} has no yaml-language-server modeline"
        target = (path.parent / match.group(1)).resolve()
        assert target.is_file(), f"{path}'s modeline points at {target}, which does not exist"
        assert target.name == expected_schema(dest, path)
        json.loads(target.read_text(encoding="utf-8"))


def test_content_is_in_the_chosen_language(tmp_path: Path, language: str) -> None:
    dest = tmp_path / "manual"
    create_manual(dest, language)
    manual = yaml.safe_load((dest / "manual.yaml").read_text(encoding="utf-8"))
    assert manual["language"] == language
    assert manual["title"] == TEXTS[language].title
    assert manual["version"] == "1.0"
    has_cjk = re.search(r"[\u4e00-\u9fff]", (dest / "roles/manager.yaml").read_text("utf-8"))
    assert bool(has_cjk) == (language == "zh-CN")


def test_records(tmp_path: Path, language: str) -> None:
    dest = tmp_path / "manual"
    create_manual(dest, language)
    updates = yaml.safe_load((dest / "records/updates.yaml").read_text(encoding="utf-8"))
    assert len(updates) == 1
    assert updates[0]["version"] == "1.0"
    assert updates[0]["method"] == "reissue"
    assert updates[0]["changes"] == []
    loans_text = (dest / "records/loans.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(loans_text) == []
    assert loans_text.splitlines()[1].startswith("#")


def test_editor_settings(tmp_path: Path, language: str) -> None:
    dest = tmp_path / "manual"
    create_manual(dest, language)
    settings = json.loads((dest / ".vscode/settings.json").read_text(encoding="utf-8"))
    assert settings["files.encoding"] == "utf8"
    schemas = settings["yaml.schemas"]
    assert schemas["./.schemas/procedure.schema.json"] == ["procedures/*.yaml", "procedures/*.yml"]
    for schema, globs in schemas.items():
        assert (dest / schema).resolve().is_file()
        assert globs
    for path in yaml_files(dest):
        rel = path.relative_to(dest).as_posix()
        assert any(
            Path(rel).match(glob) for glob in schemas[f"./.schemas/{expected_schema(dest, path)}"]
        ), rel
    extensions = json.loads((dest / ".vscode/extensions.json").read_text(encoding="utf-8"))
    assert "redhat.vscode-yaml" in extensions["recommendations"]


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path, language: str) -> None:
    dest = tmp_path / "manual"
    dest.mkdir()
    (dest / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(Refused):
        create_manual(dest, language)
    assert [p.name for p in dest.iterdir()] == ["notes.txt"]


def test_refuses_a_file(tmp_path: Path) -> None:
    dest = tmp_path / "manual"
    dest.write_text("", encoding="utf-8")
    with pytest.raises(Refused):
        create_manual(dest, "en")


def test_accepts_an_empty_folder(tmp_path: Path) -> None:
    create_manual(tmp_path, "en")
    assert (tmp_path / "manual.yaml").is_file()


def test_unknown_language(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="zh-CN"):
        create_manual(tmp_path / "manual", "fr")
    assert not (tmp_path / "manual").exists()


def test_new_manual_validates(tmp_path: Path, language: str) -> None:
    dest = tmp_path / "manual"
    create_manual(dest, language)
    result = run_cli("validate", "--no-git", "--format", "json", manual=dest)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert report["errors"] == 0 and report["warnings"] == 0
    assert report["valid"] is True


def test_init_command(tmp_path: Path, language: str) -> None:
    dest = tmp_path / "manual"
    result = run_cli("init", str(dest), "--language", language)
    assert result.exit_code == 0, result.output
    assert (dest / "manual.yaml").is_file()
    again = run_cli("init", str(dest), "--language", language)
    assert again.exit_code == 1


# The example manuals shipped in manuals/ are the model a new user copies: they must stay clean.
EXAMPLES = Path(__file__).resolve().parents[1] / "manuals"


@pytest.mark.parametrize("name", ["operations", "operations-en"])
def test_example_manual_validates_with_no_findings(name: str) -> None:
    result = run_cli("validate", "--no-git", "--format", "json", manual=EXAMPLES / name)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["findings"] == []


def test_example_manuals_share_their_ids() -> None:
    def ids(root: Path) -> list[str]:
        return sorted(p.relative_to(root).as_posix() for p in yaml_files(root))

    zh, en = EXAMPLES / "operations", EXAMPLES / "operations-en"
    assert ids(zh) == ids(en)
    for rel in ids(zh):
        text = (zh / rel).read_text(encoding="utf-8")
        match = MODELINE.match(text.splitlines()[0])
        assert match and (zh / rel).parent.joinpath(match.group(1)).is_file(), rel
    languages = {
        yaml.safe_load((root / "manual.yaml").read_text(encoding="utf-8"))["language"]
        for root in (zh, en)
    }
    assert languages == {"zh-CN", "en"}
