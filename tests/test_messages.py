"""Messages for the slips of a Chinese typist: full-width punctuation, enumerations written in
Chinese, and positions counted as people count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import run_cli
from manualkit import BASE, NOW, write_manual
from opsmanual.load import Document, full_width_slip, parse


def findings(
    tmp_path: Path, changes: dict[str, str | None], lang: str = "en"
) -> list[dict[str, object]]:
    write_manual(tmp_path, changes)
    result = run_cli(
        "validate",
        "--no-git",
        "--format",
        "json",
        manual=tmp_path,
        env={"OPSMANUAL_NOW": NOW, "OPSMANUAL_LANG": lang},
    )
    found: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return found


TEAM = "id: team\nname: Team\nparent: ops\n"


@pytest.mark.parametrize(
    ("text", "where", "char", "fixed"),
    [
        ("id: team\nname：Team\nparent: ops\n", (2, 5), "：", "name: Team"),
        ("id：team\nname: Team\n", (1, 3), "：", "id: team"),
        ("id: team\nname: Team\nduties: ［a, b］\n", (3, 9), "［", "duties: [a, b]"),
        ("id: team\nname: Team\nx-map: ｛a: 1｝\n", (3, 8), "｛", "x-map: {a: 1}"),
        ("id: team\nname: Team\nduties:\n  - a\n　- b\n", (5, 1), "\u3000", "- b"),
        ("id: team\nname: Team\nx-list:\n  - id：b\n    c: d\n", (4, 7), "：", "- id: b"),
    ],
)
def test_full_width_punctuation_is_pointed_at(
    tmp_path: Path, text: str, where: tuple[int, int], char: str, fixed: str
) -> None:
    (finding,) = findings(tmp_path, {"units/team.yaml": text})
    assert (finding["line"], finding["column"]) == where, finding
    assert f"`{fixed}`" in str(finding["message"])
    if char != "\u3000":
        assert f"`{char}`" in str(finding["message"])
    chinese = findings(tmp_path / "zh", {"units/team.yaml": text}, "zh-CN")
    assert [(f["line"], f["column"], f["code"]) for f in chinese] == [
        (finding["line"], finding["column"], finding["code"])
    ]
    assert "全角" in str(chinese[0]["message"])


@pytest.mark.parametrize(
    "text",
    [
        "summary: 修改：第 3 条\n",
        "details: |\n  注意：先审批\n  Note：x\n",
        "title: 规定［试行］\n",
        "x: 'a：b'\n",
        "# 说明：注释\nx: 1\n",
    ],
)
def test_full_width_punctuation_inside_values_is_text(text: str) -> None:
    doc = parse("f.yaml", text.encode())
    assert isinstance(doc, Document)
    assert full_width_slip(text, None) is None or "Note" in text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab：，［］｛｝\u3000 :-[]{}#'\"\n\t", max_size=40))
def test_parse_never_fails_on_full_width_text(text: str) -> None:
    found = parse("f.yaml", text.encode())
    line = getattr(found, "line", None)
    assert line is None or 1 <= line <= text.count("\n") + 2


def test_enum_written_in_chinese_suggests_the_value_meant(tmp_path: Path) -> None:
    plan = BASE["procedures/plan.yaml"]
    assert "frequency" not in plan
    broken = plan.replace("owner: manager\n", "owner: manager\nfrequency: 每月\n")
    (en,) = findings(tmp_path / "en", {"procedures/plan.yaml": broken})
    assert "monthly (每月)" in str(en["message"])
    assert str(en["message"]).endswith("did you mean `monthly` (每月)?")
    (zh,) = findings(tmp_path / "zh", {"procedures/plan.yaml": broken}, "zh-CN")
    assert "weekly（每周）、monthly（每月）" in str(zh["message"])
    assert str(zh["message"]).endswith("是不是要写 `monthly`（每月）？")


@pytest.mark.parametrize(
    ("written", "meant"),
    [("Monthly", "monthly"), ("每季", "quarterly"), ("montly", "monthly"), ("每年度", "yearly")],
)
def test_enum_suggestion_by_spelling_or_meaning(tmp_path: Path, written: str, meant: str) -> None:
    plan = BASE["procedures/plan.yaml"].replace(
        "owner: manager\n", f"owner: manager\nfrequency: {written}\n"
    )
    (finding,) = findings(tmp_path, {"procedures/plan.yaml": plan})
    assert f"did you mean `{meant}`" in str(finding["message"])


def test_english_enum_message_names_no_chinese_for_an_english_value(tmp_path: Path) -> None:
    plan = BASE["procedures/plan.yaml"].replace(
        "owner: manager\n", "owner: manager\nfrequency: often\n"
    )
    (finding,) = findings(tmp_path, {"procedures/plan.yaml": plan})
    assert finding["message"] == (
        "`frequency` is `often`; it must be one of: ad-hoc, per-event, daily, weekly, monthly, "
        "quarterly, yearly"
    )


def test_step_positions_count_from_one_with_the_step_id(tmp_path: Path) -> None:
    plan = BASE["procedures/plan.yaml"]
    assert "action: Draft the plan" in plan
    broken = plan.replace("action: Draft the plan", 'action: ""')
    en = [str(f["message"]) for f in findings(tmp_path / "en", {"procedures/plan.yaml": broken})]
    assert "step 1 `draft`: `action` must not be empty" in en
    zh = [
        str(f["message"])
        for f in findings(tmp_path / "zh", {"procedures/plan.yaml": broken}, "zh-CN")
    ]
    assert "第 1 步 `draft` 的 `action` 不能为空" in zh


def test_record_entries_and_list_items_count_from_one(tmp_path: Path) -> None:
    updates = BASE["records/updates.yaml"]
    broken = updates.replace("changes: [", "changes: [7, ", 1)
    found = findings(tmp_path, {"records/updates.yaml": broken})
    messages = [str(f["message"]) for f in found]
    assert any(m.startswith("entry 1: `changes` item 1 is written 7,") for m in messages), messages
