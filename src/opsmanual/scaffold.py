"""`opsmanual init`: write a small new manual that validates, with one entity of each kind.

Every word a user sees in the new manual comes from `TEXTS`, one `Texts` per language: to add a
language, add an entry there (and the language to the format's `language` field). The YAML is
written with PyYAML's safe dumper, so any text, whatever it contains, is quoted where YAML needs it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from opsmanual import kinds
from opsmanual.atomic import write_atomic
from opsmanual.errors import OpsError, Refused
from opsmanual.i18n import _

# The ids of the new manual's entities: the same in every language, so that manuals made in two
# languages line up. The person's id is per language, since it is spelled after their name.
UNIT_ID = "department"
ROLE_ID = "manager"
PROCEDURE_ID = "manual-update"
COPY_ID = "C-01"
FIRST_VERSION = "1.0"


@dataclass(frozen=True)
class Texts:
    """Everything the new manual says, in one language."""

    title: str
    organization: str
    purpose: str
    scope: str
    principle_title: str
    principle_text: str
    chapter_title: str
    chapter_text: str
    unit_name: str
    unit_description: str
    unit_duties: tuple[str, ...]
    role_title: str
    role_description: str
    role_duties: tuple[str, ...]
    role_authorities: tuple[str, ...]
    role_qualifications: tuple[str, ...]
    procedure_title: str
    procedure_purpose: str
    procedure_scope: str
    procedure_outputs: tuple[str, ...]
    procedure_records: tuple[str, ...]
    # (action, details) of the three steps: draft, approve, record
    step_draft: tuple[str, str]
    step_approve: tuple[str, str]
    step_record: tuple[str, str]
    step_draft_output: str
    person_id: str
    person_name: str
    person_email: str
    copy_location: str
    first_record_summary: str
    updates_header: tuple[str, ...]
    loans_header: tuple[str, ...]


TEXTS: dict[str, Texts] = {
    "zh-CN": Texts(
        title="运营手册",
        organization="示例科技有限公司",
        purpose="说明编写本手册的目的，例如：明确部门分工和工作方法，使各项工作有章可循。",
        scope="说明本手册适用于哪些部门和人员。",
        principle_title="依法合规",
        principle_text="所有工作都遵守国家法律法规和公司的规章制度。",
        chapter_title="日常管理",
        chapter_text="本章收录部门的日常工作流程。新增流程后，把它的 id 加到本章或新的章节中。",
        unit_name="运营管理部",
        unit_description=(
            "本部门的简介。需要设立小组时，为每个小组新建一个 units/<id>.yaml 文件，"
            "并将其 parent 设为 department。"
        ),
        unit_duties=(
            "制定并落实部门的年度工作计划",
            "维护本手册，登记每一次更新和每一次借阅",
        ),
        role_title="部门经理",
        role_description="部门的负责人，也负责审批本手册的每一次更新。",
        role_duties=(
            "全面主持部门工作，对部门目标的完成负责",
            "审批本手册的修改",
        ),
        role_authorities=("审批部门的重要文件和手册更新",),
        role_qualifications=("三年以上相关管理工作经验",),
        procedure_title="手册更新",
        procedure_purpose="保证本手册的每一次修改都经过审批，并登记在更新记录表中。",
        procedure_scope="适用于本手册的全部修改。",
        procedure_outputs=("手册修订内容",),
        procedure_records=("更新记录表",),
        step_draft=("起草修改内容，并说明修改原因", "写明修改涉及哪些流程、岗位或部门。"),
        step_approve=("审批修改", "批准的修改进入登记；不批准的写明理由，退回重新起草。"),
        step_record=(
            "在更新记录表中登记本次更新，并通知相关人员",
            '可以用命令 `opsmanual record add --summary "……" --changes auto` 登记。',
        ),
        step_draft_output="手册修订内容",
        person_id="zhang-san",
        person_name="张三",
        person_email="zhang.san@example.com",
        copy_location="部门办公室文件柜",
        first_record_summary="首次发布。",
        updates_header=(
            "更新记录表",
            "",
            "手册的每一次更新都在这里登记一条，最早的在最前面。版本号逐条增大，日期不早于上一条；",
            "manual.yaml 中的 version 始终等于最后一条的版本号。",
            "method：reissue 重新翻印，notice 发文更新（填写 notice_ref），amendment 原处修订，",
            "appendix 附页补充。changes 列出新增或修改的内容，如 procedures/manual-update。",
            '新增一条：opsmanual record add --summary "……" --changes auto',
        ),
        loans_header=(
            "借阅登记表",
            "",
            "受控副本每借出一次就在这里登记一条，最早的在最前面；用完立即归还。",
            "借出：opsmanual loan out C-01 --to 员工编号    归还：opsmanual loan back C-01",
        ),
    ),
    "en": Texts(
        title="Operations Manual",
        organization="Example Ltd.",
        purpose=(
            "Why this manual exists, for example: to make clear who does what in the "
            "department and how, so that the work is done the same way every time."
        ),
        scope="Which departments and people this manual applies to.",
        principle_title="Compliance",
        principle_text="All work complies with the law and with company rules.",
        chapter_title="Day-to-day management",
        chapter_text=(
            "The department's routine procedures. When you add a procedure, list its id here "
            "or in a new chapter."
        ),
        unit_name="Operations Department",
        unit_description=(
            "A short description of the department. To add a group, create a "
            "units/<id>.yaml file for it with `parent: department`."
        ),
        unit_duties=(
            "Set the department's yearly work plan and see it through",
            "Maintain this manual and record every update and every loan of a copy",
        ),
        role_title="Department Manager",
        role_description="Heads the department and approves every update to this manual.",
        role_duties=(
            "Run the department and answer for its targets",
            "Approve changes to this manual",
        ),
        role_authorities=("Approve the department's key documents and manual updates",),
        role_qualifications=("At least three years of relevant management experience",),
        procedure_title="Manual update",
        procedure_purpose=(
            "Make sure every change to this manual is approved and entered in the update "
            "record table."
        ),
        procedure_scope="Every change to this manual.",
        procedure_outputs=("Manual revision",),
        procedure_records=("Update record table",),
        step_draft=(
            "Draft the change and explain why it is needed",
            "Say which procedures, roles or units it affects.",
        ),
        step_approve=(
            "Approve the change",
            "An approved change is recorded; a rejected one goes back to be redrafted, with "
            "the reasons.",
        ),
        step_record=(
            "Enter the update in the update record table and tell the people concerned",
            'The command `opsmanual record add --summary "..." --changes auto` does it.',
        ),
        step_draft_output="Manual revision",
        person_id="alex-lee",
        person_name="Alex Lee",
        person_email="alex.lee@example.com",
        copy_location="Department office, filing cabinet",
        first_record_summary="First issue.",
        updates_header=(
            "Update record table",
            "",
            "One entry per update of the manual, oldest first. Versions go up and dates never",
            "go back; manual.yaml's `version` always equals the last entry's.",
            "method: reissue (full reprint), notice (give its number in notice_ref),",
            "amendment (edited in place), appendix (extra pages). `changes` lists what was",
            "added or changed, e.g. procedures/manual-update.",
            'To add an entry: opsmanual record add --summary "..." --changes auto',
        ),
        loans_header=(
            "Borrowing register",
            "",
            "One entry each time a controlled copy is lent, oldest first; copies come back",
            "right after use.",
            "Lend: opsmanual loan out C-01 --to STAFF_ID    Return: opsmanual loan back C-01",
        ),
    ),
}

LANGUAGES: tuple[str, ...] = tuple(TEXTS)

# Schema file -> the files of a manual it describes (editor globs, relative to the manual).
SCHEMA_GLOBS: dict[str, list[str]] = {
    kinds.MANUAL_SCHEMA: list(kinds.MANUAL_FILES),
    **{
        k.schema: [f"{k.folder}/*{suffix}" for suffix in kinds.YAML_SUFFIXES]
        for k in kinds.ENTITIES
    },
    **{r.schema: list(r.paths) for r in kinds.LOADED_RECORDS if r.schema is not None},
}


class _Dumper(yaml.SafeDumper):
    """Indent block sequences under their key, as people write them by hand."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _dump(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
    )


def _modeline(rel: str, schema: str) -> str:
    depth = rel.count("/")
    return f"# yaml-language-server: $schema={'../' * depth}.schemas/{schema}\n"


def _comment(lines: tuple[str, ...]) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in lines)


def _manual_id(dest: Path) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", dest.resolve().name.lower()).strip("-")
    slug = slug[:64].strip("-")
    return slug or "manual"


def _yaml_files(dest: Path, language: str, today: dt.date) -> dict[str, str]:
    """Relative path -> text of every YAML file of the new manual."""
    t = TEXTS[language]
    manual: dict[str, Any] = {
        "id": _manual_id(dest),
        "title": t.title,
        "organization": t.organization,
        "language": language,
        "version": FIRST_VERSION,
        "effective": today,
        "owner": UNIT_ID,
        "approver": ROLE_ID,
        "purpose": t.purpose,
        "scope": t.scope,
        "principles": [{"title": t.principle_title, "text": t.principle_text}],
        "chapters": [
            {"title": t.chapter_title, "text": t.chapter_text, "procedures": [PROCEDURE_ID]}
        ],
        "copies": [{"id": COPY_ID, "holder": UNIT_ID, "location": t.copy_location}],
        "loan_days": 3,
        "review_months": 12,
    }
    unit: dict[str, Any] = {
        "id": UNIT_ID,
        "name": t.unit_name,
        "head": ROLE_ID,
        "description": t.unit_description,
        "duties": list(t.unit_duties),
    }
    role: dict[str, Any] = {
        "id": ROLE_ID,
        "title": t.role_title,
        "unit": UNIT_ID,
        "headcount": 1,
        "description": t.role_description,
        "duties": list(t.role_duties),
        "authorities": list(t.role_authorities),
        "qualifications": list(t.role_qualifications),
    }
    procedure: dict[str, Any] = {
        "id": PROCEDURE_ID,
        "title": t.procedure_title,
        "owner": ROLE_ID,
        "purpose": t.procedure_purpose,
        "scope": t.procedure_scope,
        "frequency": "per-event",
        "outputs": list(t.procedure_outputs),
        "records": list(t.procedure_records),
        "reviewed": today,
        "steps": [
            {
                "id": "draft",
                "actor": ROLE_ID,
                "action": t.step_draft[0],
                "details": t.step_draft[1],
                "outputs": [t.step_draft_output],
            },
            {
                "id": "approve",
                "actor": ROLE_ID,
                "action": t.step_approve[0],
                "details": t.step_approve[1],
                "approval": True,
                "next": ["record", "draft"],
            },
            {
                "id": "record",
                "actor": ROLE_ID,
                "action": t.step_record[0],
                "details": t.step_record[1],
            },
        ],
    }
    person: dict[str, Any] = {
        "id": t.person_id,
        "name": t.person_name,
        "email": t.person_email,
        "roles": [ROLE_ID],
        "active": True,
    }
    updates: list[dict[str, Any]] = [
        {
            "version": FIRST_VERSION,
            "date": today,
            "summary": t.first_record_summary,
            "method": "reissue",
            "changes": [],
            # The only person approves; they are not also its author (approval-authority).
            "approved_by": t.person_id,
            "approved": today,
        }
    ]
    entities: list[tuple[str, str, Any, tuple[str, ...]]] = [
        ("manual.yaml", "manual.schema.json", manual, ()),
        (f"units/{UNIT_ID}.yaml", "unit.schema.json", unit, ()),
        (f"roles/{ROLE_ID}.yaml", "role.schema.json", role, ()),
        (f"procedures/{PROCEDURE_ID}.yaml", "procedure.schema.json", procedure, ()),
        (f"staff/{t.person_id}.yaml", "staff.schema.json", person, ()),
        ("records/updates.yaml", "updates.schema.json", updates, t.updates_header),
        ("records/loans.yaml", "loans.schema.json", [], t.loans_header),
    ]
    files: dict[str, str] = {}
    for rel, schema, data, header in entities:
        head = _modeline(rel, schema)
        if header:
            head += "#\n" + _comment(header)
        files[rel] = head + _dump(data)
    return files


def _editor_files(schemas: dict[str, str]) -> dict[str, str]:
    """The bundled schemas and VS Code settings that point the YAML extension at them."""
    files = {f".schemas/{name}": text for name, text in schemas.items()}
    settings = {
        "yaml.schemas": {
            f"./.schemas/{name}": globs for name, globs in SCHEMA_GLOBS.items() if name in schemas
        },
        "files.encoding": "utf8",
        "[yaml]": {"editor.tabSize": 2, "editor.insertSpaces": True},
    }
    extensions = {"recommendations": ["redhat.vscode-yaml"]}
    files[".vscode/settings.json"] = json.dumps(settings, indent=2, ensure_ascii=False) + "\n"
    files[".vscode/extensions.json"] = json.dumps(extensions, indent=2) + "\n"
    # The lock that serializes `loan` and `record` edits is left behind empty; keep it out of git.
    files[".gitignore"] = "records/.opsmanual.lock\n"
    return files


def create_manual(dest: Path, language: str) -> list[Path]:
    """Write a new manual into `dest` (absent or empty) and return the written files, sorted.

    Raises ValueError for a language with no texts, and `Refused` when `dest` is a file or a
    folder that is not empty: nothing is written then.
    """
    if language not in TEXTS:
        raise ValueError(
            f"unsupported language {language!r}; choose one of: {', '.join(LANGUAGES)}"
        )
    if dest.exists():
        if not dest.is_dir():
            raise Refused(
                _("{path} exists and is not a folder; choose a new or empty folder", path=dest)
            )
        if any(dest.iterdir()):
            raise Refused(_("{path} is not empty; choose a new or empty folder", path=dest))

    from opsmanual.schema import schema_texts
    from opsmanual.validate import now

    files = _yaml_files(dest, language, now().date())
    files.update(_editor_files(schema_texts()))

    written: list[Path] = []
    for rel, text in files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8"))
        written.append(path)
    return sorted(written)


def start_repository(dest: Path, language: str) -> str:
    """Commit the new manual in `dest`: `git init` first unless `dest` is already inside a work
    tree, where only the new folder is committed (anything else staged stays as it was).

    The update-log rule compares the manual with its history, so a manual wants its first
    commit at once. The commit message is the first update record's summary, in the manual's
    language. Returns the folder of the repository; `OpsError` when git is missing or fails.
    """
    import shutil
    import subprocess

    git = shutil.which("git")
    if git is None:
        raise OpsError(
            _(
                "git is not installed, so the manual was created without a repository; "
                "install git, then run `git init` and commit the folder"
            )
        )

    def run(*args: str) -> str:
        try:
            done = subprocess.run(
                [git, *args], cwd=dest, capture_output=True, text=True, encoding="utf-8"
            )
        except OSError as exc:
            raise OpsError(_("cannot run git: {reason}", reason=exc.strerror or exc)) from None
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise OpsError(
                _(
                    "git {command} failed: {detail}; the manual was created, commit it yourself",
                    command=args[0],
                    detail=detail[-1] if detail else done.returncode,
                )
            )
        return done.stdout.strip()

    inside = subprocess.run(
        [git, "rev-parse", "--show-toplevel"], cwd=dest, capture_output=True, text=True
    )
    if inside.returncode != 0:
        run("init", "--quiet")
    top = run("rev-parse", "--show-toplevel")
    run("add", "--", ".")
    run("commit", "--quiet", "--only", "-m", TEXTS[language].first_record_summary, "--", ".")
    return top
