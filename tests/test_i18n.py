"""The message catalogs: every message translated, the shipped .mo current, the language chosen
as cli.md 1.1 says, and every finding code's message in both languages."""

from __future__ import annotations

import io
import json
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from helpers import run_cli
from manualkit import NOW, write_manual
from opsmanual import i18n
from test_findings import CASES

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "opsmanual" / "locale"
HOW = "run tools/catalog, translate in the .po, run tools/catalog again (docs/translating.md)"


def extracted() -> dict[tuple[str | None, str | tuple[str, ...]], list[str]]:
    """Every marked message in the code, as `pybabel extract -F babel.cfg` finds it, by
    (context, message)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    found: dict[tuple[str | None, str | tuple[str, ...]], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        key = tuple(message) if isinstance(message, list | tuple) else message
        found.setdefault((context, key), []).append(f"{filename}:{lineno}")
    return found


def catalog(lang: str) -> Catalog:
    with open(LOCALE / lang / "LC_MESSAGES" / "opsmanual.po", "rb") as po:
        return read_po(po, locale=lang)


@pytest.mark.parametrize("lang", i18n.CATALOGS)
def test_every_message_is_translated(lang: str) -> None:
    po = catalog(lang)
    problems = []
    for (context, message), where in extracted().items():
        msgid = message[0] if isinstance(message, tuple) else message
        entry = po.get(msgid, context=context)
        if entry is None:
            problems.append(f"missing: {msgid!r} ({where[0]})")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r} ({where[0]})")
        elif not all(entry.string) if isinstance(entry.string, tuple) else not entry.string:
            problems.append(f"untranslated: {msgid!r} ({where[0]})")
    assert not problems, f"{HOW}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", i18n.CATALOGS)
def test_catalog_holds_no_message_the_code_lost(lang: str) -> None:
    ids = {(c, m[0] if isinstance(m, tuple) else m) for c, m in extracted()}
    stale = [
        m.id
        for m in catalog(lang)
        if m.id and (m.context, m.id[0] if isinstance(m.id, list | tuple) else m.id) not in ids
    ]
    assert not stale, f"{HOW}; no longer in the code: {stale}"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", i18n.CATALOGS)
def test_translations_keep_the_fields_of_the_message(lang: str) -> None:
    """A `{field}` lost or misspelt in a translation would show the English text instead."""
    wrong = []
    for message in catalog(lang):
        if not message.id or "python-brace-format" not in message.flags:
            continue  # a message without fields is shown as it is, braces and all
        ids = [
            str(i) for i in (message.id if isinstance(message.id, list | tuple) else [message.id])
        ]
        raw = message.string
        strings = [str(t) for t in (raw if isinstance(raw, list | tuple) else [raw or ""])]
        expected = set().union(*(_fields(i) for i in ids))
        for text in strings:
            if _fields(text) - expected or (len(ids) == 1 and _fields(text) != expected):
                wrong.append((message.id, text))
    assert not wrong


@pytest.mark.parametrize("lang", i18n.CATALOGS)
def test_shipped_mo_is_compiled_from_the_po(lang: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalog(lang), use_fuzzy=False)
    shipped = (LOCALE / lang / "LC_MESSAGES" / "opsmanual.mo").read_bytes()
    assert shipped == compiled.getvalue(), f"the .mo is older than the .po: {HOW}"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANG": "zh_CN.GB18030"}, "zh_CN"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LC_MESSAGES": "zh_CN", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LANGUAGE": "fr:zh", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LANG": "zh_TW.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"OPSMANUAL_LANG": "zh-CN", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"OPSMANUAL_LANG": "zh_CN"}, "zh_CN"),
        ({"OPSMANUAL_LANG": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),
        ({"OPSMANUAL_LANG": "fr", "LC_ALL": "zh_CN.UTF-8"}, "en"),
        ({"OPSMANUAL_LANG": "", "LANG": "zh_CN.UTF-8"}, "zh_CN"),
    ],
)
def test_language_follows_the_environment(env: dict[str, str], expected: str) -> None:
    assert i18n.choose_language(env) == expected


def test_a_broken_field_in_a_translation_falls_back_to_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken:
        def gettext(self, message: str) -> str:
            return "坏的{nope}"

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            return "坏的{nope}"

    monkeypatch.setenv("OPSMANUAL_LANG", "zh-CN")
    monkeypatch.setitem(i18n._loaded, "zh_CN", Broken())
    assert i18n._("no role `{name}`", name="x") == "no role `x`"
    assert i18n.ngettext("{n} error", "{n} errors", 2) == "2 errors"


def test_english_run_reads_no_catalog() -> None:
    """An English run never opens a catalog (click imports gettext anyway)."""
    code = (
        "from opsmanual.cli import app; from opsmanual import i18n; "
        "i18n._('x'); print(i18n._loaded)"
    )
    env = {"PYTHONPATH": str(ROOT / "src"), "LANG": "en_US.UTF-8", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.split() == ["{}"], done.stderr


_CJK = re.compile(r"[\u4e00-\u9fff]")
# English left in a Chinese message: three words in a row, outside `code` and "quotes".
_ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}\b")


def _prose(message: str) -> str:
    """The message without code, quotes and the parser's own words it cites."""
    message = re.sub(r"（解析器原文：.*?）", "", message)
    return re.sub(r"`[^`]*`|\"[^\"]*\"|'[^']*'", "", message)


def _messages(tmp_path: Path, changes: dict[str, str | None], lang: str) -> dict[str, str]:
    if (changes.get("units/team.yaml") or "").endswith("caf\udce9\n"):  # as test_findings does
        write_manual(tmp_path, {k: v for k, v in changes.items() if k != "units/team.yaml"})
        (tmp_path / "units/team.yaml").write_bytes(b"id: team\nname: caf\xe9\n")
    else:
        write_manual(tmp_path, changes)
    result = run_cli(
        "validate",
        "--no-git",
        "--format",
        "json",
        manual=tmp_path,
        env={"OPSMANUAL_NOW": NOW, "OPSMANUAL_LANG": lang},
    )
    return {f["code"]: f["message"] for f in json.loads(result.stdout)["findings"]}


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_finding_message_in_both_languages(
    tmp_path: Path, changes: dict[str, str | None], expected: tuple[str, int, int, str]
) -> None:
    code = expected[3]
    english = _messages(tmp_path / "en", changes, "en")
    chinese = _messages(tmp_path / "zh", changes, "zh-CN")
    assert english.keys() == chinese.keys()  # codes never change with the language
    assert not _CJK.search(english[code]), english[code]
    assert _CJK.search(chinese[code]), chinese[code]
    assert not _ENGLISH_RUN.search(_prose(chinese[code])), chinese[code]


def test_no_message_is_hidden_in_an_f_string() -> None:
    """Babel does not look inside f-strings: `f"{_('x')}"` would never be translated."""
    import ast

    hidden = []
    for path in sorted((ROOT / "src" / "opsmanual").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Name)
                    and inner.func.id in {"_", "ngettext", "N_", "pgettext"}
                    and any(isinstance(a, ast.Constant) for a in inner.args)
                ):
                    hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert not hidden, "take the message out of the f-string: " + ", ".join(hidden)


def test_git_finding_messages_in_both_languages(tmp_path: Path) -> None:
    """The two codes `test_findings` leaves out, since they need a repository."""
    from gitrepo import example_repo

    repo = example_repo(tmp_path / "repo")
    proc = "procedures/annual-planning.yaml"
    repo.replace(proc, "action: 编写下一年度运营规划初稿", "action: 编写规划初稿")
    repo.append_record("1.4", ["roles/ops-planner"])
    repo.commit("1.4")
    clone = tmp_path / "clone"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.top}", str(clone))
    for root, code in [
        (repo.root, "unlogged-change"),
        (clone / "manuals" / "operations", "history-unavailable"),
    ]:
        found = {}
        for lang in ("en", "zh-CN"):
            result = run_cli(
                "validate",
                "--format",
                "json",
                manual=root,
                env={"OPSMANUAL_NOW": NOW, "OPSMANUAL_LANG": lang},
            )
            found[lang] = {f["code"]: f["message"] for f in json.loads(result.stdout)["findings"]}
        assert code in found["en"] and found["en"].keys() == found["zh-CN"].keys()
        assert not _CJK.search(found["en"][code].replace("编写", "")), found["en"][code]
        assert _CJK.search(found["zh-CN"][code]), found["zh-CN"][code]
        assert not _ENGLISH_RUN.search(_prose(found["zh-CN"][code])), found["zh-CN"][code]


def test_help_speaks_chinese() -> None:
    """Help texts are read when the command line is built: in a process of its own."""
    env = {
        "PYTHONPATH": str(ROOT / "src"),
        "PATH": "/usr/bin:/bin",
        "LANG": "zh_CN.UTF-8",
        "COLUMNS": "100",
    }
    done = subprocess.run(
        [sys.executable, "-m", "opsmanual", "validate", "--help"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("用法：opsmanual validate [OPTIONS]")
    for words in (
        "检查手册",
        "选项：",
        "输出格式。",
        "默认：text",
        "有警告也视为不通过。",
        "显示本帮助并退出。",
    ):
        assert words in done.stdout, done.stdout
    english = subprocess.run(
        [sys.executable, "-m", "opsmanual", "validate", "--help"],
        env={**env, "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
    )
    assert english.stdout.startswith("Usage: opsmanual validate [OPTIONS]")
    assert "Show this message and exit." in english.stdout


@pytest.mark.parametrize(
    ("args", "english", "chinese"),
    [
        (["validate", "--bogus"], "No such option: --bogus", "没有选项 --bogus"),
        (["nosuch"], "No such command 'nosuch'", "没有命令 'nosuch'"),
        (["loan", "out"], "Missing argument 'COPY_ID'", "缺少参数 'COPY_ID'"),
        (["validate", "-f", "x"], "Invalid value for '--format'", "'--format' / '-f' 的值无效"),
        (["validate", "-m", "/nowhere"], "no such folder: /nowhere", "找不到文件夹：/nowhere"),
    ],
)
def test_errors_in_both_languages(args: list[str], english: str, chinese: str) -> None:
    en = run_cli(*args, env={"OPSMANUAL_LANG": "en"})
    zh = run_cli(*args, env={"OPSMANUAL_LANG": "zh-CN"})
    assert en.exit_code == zh.exit_code == 2
    assert english in en.stderr
    assert chinese in zh.stderr
    assert zh.stderr.startswith("opsmanual: 错误：")


EXAMPLE = ROOT / "manuals" / "operations"


@pytest.mark.parametrize(
    ("args", "english", "chinese"),
    [
        (["copy", "list"], "copy    holder", "副本    持有部门"),
        (
            ["copy", "list"],
            "version in force: 1.3 (since 2026-10-12)",
            "现行版本：1.3（自 2026-10-12 起）",
        ),
        (["ack", "status"], "10 acknowledged, 1 pending", "10 人已确认，1 人待确认"),
        (["audit", "--no-git"], "findings then: 0 errors, 0 warnings", "当时的检查结果：0 个错误"),
        (
            ["audit", "--no-git"],
            "  overdue       孙静 (sun-jing)",
            "  已逾期        孙静 (sun-jing)",
        ),
        (["copy", "withdraw", "NOPE"], "there is no copy NOPE", "没有副本 NOPE"),
        (
            ["record", "approve", "--by", "ann"],
            "is already approved by",
            "已由 周明 (zhou-ming) 于",
        ),
    ],
)
def test_approval_ack_copy_and_audit_words_in_both_languages(
    tmp_path: Path, args: list[str], english: str, chinese: str
) -> None:
    """The commands added beside the catalog speak Chinese too; their English is unchanged."""
    import shutil

    shutil.copytree(EXAMPLE, tmp_path / "m")
    said = {}
    for lang in ("en", "zh-CN"):
        result = run_cli(
            *args,
            manual=tmp_path / "m",
            env={"OPSMANUAL_NOW": "2026-11-25T09:00:00+08:00", "OPSMANUAL_LANG": lang},
        )
        said[lang] = result.stdout + result.stderr
    assert english in said["en"], said["en"]
    assert chinese in said["zh-CN"], said["zh-CN"]
    assert not _ENGLISH_RUN.search(_prose(said["zh-CN"].replace("opsmanual", ""))), said["zh-CN"]


@pytest.mark.parametrize(
    ("args", "chinese"),
    [
        (["ack", "--help"], "阅读确认（records/acks.yaml）。"),
        (["copy", "--help"], "发放、更新和回收受控副本"),
        (["audit", "--help"], "审核员要问的内容"),
        (["record", "approve", "--help"], "批准人：须担任批准岗位，且不是编制人。"),
    ],
)
def test_help_of_the_record_commands_speaks_chinese(args: list[str], chinese: str) -> None:
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "LANG": "zh_CN.UTF-8"}
    done = subprocess.run(
        [sys.executable, "-m", "opsmanual", *args],
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert chinese in done.stdout, done.stdout
