"""Ten mistakes a Chinese typist makes in the bundled manual, told in Chinese and in English.

Each mistake goes in a file of its own, so that one file that cannot be parsed hides nothing
else; `validate` must answer each with one finding at the right place that says what to write.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from helpers import run_cli
from manualkit import NOW

ROOT = Path(__file__).resolve().parents[1]

# file, text as it is, text with the mistake, where the finding must point (line, column),
# and words the Chinese message must hold (what to write).
MISTAKES: list[tuple[str, str, str, tuple[int, int], list[str]]] = [
    (  # 1. a full-width colon after a field name
        "procedures/training.yaml",
        "\ntitle: ",
        "\ntitle：",
        (3, 6),
        ["全角", "`:`", "`title: "],
    ),
    (  # 2. an enumeration written in Chinese
        "procedures/annual-planning.yaml",
        "frequency: yearly",
        "frequency: 每月",
        (11, 12),
        ["monthly（每月）", "yearly（每年）", "是不是要写 `monthly`（每月）"],
    ),
    (  # 3. a misspelt field
        "roles/ops-planner.yaml",
        "\nduties:",
        "\ndutys:",
        (8, 1),
        ["`dutys`", "`duties`"],
    ),
    (  # 4. a version without quotes
        "manual.yaml",
        'version: "1.4"',
        "version: 1.4",
        (6, 10),
        ['version: "1.4"'],
    ),
    (  # 5. a required field left out
        "units/analytics-group.yaml",
        "name: 数据分析组\n",
        "",
        (2, 1),
        ["`name`"],
    ),
    (  # 6. a reference to a role that does not exist
        "procedures/weekly-meeting.yaml",
        "actor: document-controller",
        "actor: document-controler",
        (23, 12),
        ["`document-controler`", "`document-controller`"],
    ),
    (  # 7. a date written with slashes
        "procedures/data-reporting.yaml",
        "reviewed: 2026-08-20",
        "reviewed: 2026/08/20",
        (21, 11),
        ["YYYY-MM-DD", "2026-09-01"],
    ),
    (  # 8. a key written twice
        "staff/chen-hao.yaml",
        "name: 陈浩\n",
        "name: 陈浩\nname: 陈浩\n",
        (4, 1),
        ["`name`", "第 3 行"],
    ),
    (  # 9. a tab in the indentation
        "procedures/risk-management.yaml",
        "\n  - 上季度风险清单",
        "\n\t- 上季度风险清单",
        (9, 1),
        ["制表符", "空格"],
    ),
    (  # 10. one item where a list is needed
        "procedures/project-management.yaml",
        "related: [",
        "related: process-optimization\nx-related: [",
        (22, 10),
        ["列表", "related: [process-optimization]"],
    ),
]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mistakes") / "operations"
    shutil.copytree(ROOT / "manuals" / "operations", folder)
    for file, before, after, _where, _words in MISTAKES:
        path = folder / file
        text = path.read_text("utf-8")
        assert text.count(before) >= 1, (file, before)
        path.write_text(text.replace(before, after, 1), "utf-8")
    return folder


def validate(folder: Path, env: dict[str, str]) -> tuple[int, list[str]]:
    result = run_cli(
        "validate",
        "--no-git",
        manual=folder,
        env={"OPSMANUAL_NOW": NOW, "OPSMANUAL_LANG": "", "LANGUAGE": "", "LC_ALL": "", **env},
    )
    return result.exit_code, result.stdout.splitlines()


_LINE = re.compile(
    r"^(?P<file>[\w./-]+):(?P<line>\d+):(?P<col>\d+): error (?P<code>[a-z-]+) (?P<msg>.*)$"
)


def _by_file(lines: list[str]) -> dict[str, list[tuple[int, int, str]]]:
    found: dict[str, list[tuple[int, int, str]]] = {}
    for line in lines[:-1]:
        match = _LINE.match(line)
        assert match, line
        found.setdefault(match["file"], []).append(
            (int(match["line"]), int(match["col"]), match["msg"])
        )
    return found


def test_ten_mistakes_ten_chinese_messages_that_say_what_to_write(broken: Path) -> None:
    code, lines = validate(broken, {"LANG": "zh_CN.UTF-8"})
    assert code == 1
    found = _by_file(lines)
    assert sorted(found) == sorted(m[0] for m in MISTAKES), lines
    for file, _before, _after, where, words in MISTAKES:
        assert len(found[file]) == 1, found[file]
        line, column, message = found[file][0]
        if where[0] is not None:
            assert (line, column) == where, (file, message)
        assert re.search(r"[\u4e00-\u9fff]", message), message
        for word in words:
            assert word in message, (file, word, message)
    assert lines[-1] == "手册 `operations` 有 10 个错误"


def test_the_same_mistakes_in_english_for_english_users(broken: Path) -> None:
    code, lines = validate(broken, {"LANG": "en_US.UTF-8"})
    assert code == 1
    found = _by_file(lines)
    assert len(lines) == 11
    assert not any(
        re.search(r"[\u4e00-\u9fff]{2}", m)
        for f in found.values()
        for *_, m in f
        if "每月" not in m and "：" not in m
    )
    assert lines[-1] == "manual `operations` has 10 errors"
