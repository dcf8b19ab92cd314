"""Generate a large, valid operations manual for the benchmarks.

    python benchmarks/generate.py OUT_DIR --procedures N [--records R] [--git]

N procedures of 6-12 steps, N/5 roles, N/50 units, N/3 staff, R update records and a few returned
loans. The output is deterministic (one seeded `random.Random`) and validates with no findings
when the clock is pinned to `NOW` (`OPSMANUAL_NOW`), since review dates are set relative to it.

With `--git` the folder becomes a git repository whose history walks like a real one: the first
issue in one commit, then for every later update record a commit changing a few procedures
followed by a commit adding the record, so the update-log rule has history to walk.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

# Dates are `date` objects so that they are written unquoted, as people write them.
# The benchmarks' clock: pass it as OPSMANUAL_NOW when validating a generated manual.
NOW = "2026-10-01T12:00:00+08:00"
_TODAY = date(2026, 10, 1)
_FIRST_RECORD = date(2026, 1, 5)
SEED = 20261001

_VERBS = [
    "collect", "prepare", "draft", "check", "review", "approve", "publish", "archive", "notify",
    "verify", "measure", "analyse", "plan", "schedule", "escalate", "record", "sign", "close",
    "train", "audit",
]  # fmt: skip
_SUBJECTS = [
    "budget", "inventory", "supplier", "contract", "incident", "shipment", "invoice", "forecast",
    "meeting", "appraisal", "training", "risk", "project", "quality", "safety", "customer",
    "complaint", "asset", "report", "change",
]  # fmt: skip
_ZH_SUBJECTS = [
    "预算", "库存", "供应商", "合同", "事件", "发货", "发票", "预测", "例会", "考核", "培训",
    "风险", "项目", "质量", "安全", "客户", "投诉", "资产", "报表", "变更",
]  # fmt: skip
_ZH_VERBS = [
    "汇集", "准备", "起草", "核对", "审核", "批准", "发布", "归档", "通知", "复核", "计量",
    "分析", "规划", "排期", "上报", "登记", "签字", "关闭", "培训", "稽核",
]  # fmt: skip
_ZH_SENTENCES = [
    "负责人应在规定时限内完成本环节，并将结果登记在相应的记录表中。",
    "如发现数据口径不一致，须先与数据分析组核对后再继续办理。",
    "涉及跨部门事项的，由先发现问题的一方牵头协调，并抄送部门经理。",
    "本环节形成的文件须编号存档，保存期限不少于三年。",
    "审核不通过的，应写明具体修改意见，退回上一环节重新办理。",
    "遇到重大风险或异常情况，应立即上报分管副经理，不得延误。",
]
_EN_SENTENCES = [
    "The actor completes this step within the agreed time and records the result on the form.",
    "Where figures disagree, reconcile them with the analytics group before going on.",
    "Matters that involve other departments are coordinated by whoever found them first.",
    "Documents produced here are numbered and filed for at least three years.",
    "A rejection states what must change and sends the work back to the previous step.",
    "Any major risk or anomaly is reported to the deputy manager at once.",
]
_SURNAMES = [
    ("zhang", "张"), ("wang", "王"), ("li", "李"), ("zhao", "赵"), ("chen", "陈"),
    ("liu", "刘"), ("yang", "杨"), ("huang", "黄"), ("zhou", "周"), ("wu", "吴"),
]  # fmt: skip
_GIVEN = [
    ("wei", "伟"), ("fang", "芳"), ("min", "敏"), ("jing", "静"), ("lei", "磊"), ("jun", "军"),
    ("yang", "洋"), ("yan", "艳"), ("tao", "涛"), ("ming", "明"), ("li", "丽"), ("qiang", "强"),
]  # fmt: skip
_FREQUENCIES = ["ad-hoc", "per-event", "daily", "weekly", "monthly", "quarterly", "yearly"]


class _Dumper(yaml.CSafeDumper):
    """Block scalars for multi-line text, as people write it."""


def _str(dumper: _Dumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Any, schema: str) -> str:
    header = f"# yaml-language-server: $schema=../.schemas/{schema}.schema.json\n"
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return header + body


@dataclass
class Spec:
    """The whole manual as data, final state; `edits` replays the history for `--git`."""

    procedures: int
    records: int
    manual: dict[str, Any] = field(default_factory=dict)
    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    procs: dict[str, dict[str, Any]] = field(default_factory=dict)
    staff: dict[str, dict[str, Any]] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    loans: list[dict[str, Any]] = field(default_factory=list)
    # For update record i (i >= 1): the procedures it changed, as they were before and after.
    edits: list[dict[str, tuple[dict[str, Any], dict[str, Any]]]] = field(default_factory=list)


def _sentences(rng: random.Random, zh: bool, low: int, high: int) -> str:
    pool = _ZH_SENTENCES if zh else _EN_SENTENCES
    return ("" if zh else " ").join(rng.sample(pool, rng.randint(low, high)))


def _paragraph(rng: random.Random, zh: bool) -> str:
    """A long text field of two short paragraphs, CommonMark as users write it."""
    return _sentences(rng, zh, 2, 3) + "\n\n" + _sentences(rng, zh, 1, 3) + "\n"


def build(procedures: int, records: int = 3) -> Spec:
    if procedures < 1 or records < 1:
        raise ValueError("procedures and records must be at least 1")
    rng = random.Random(SEED)
    spec = Spec(procedures, records)
    n_units = max(1, procedures // 50)
    n_roles = max(2, procedures // 5)
    n_staff = max(n_roles, procedures // 3)
    unit_ids = [f"unit-{i:04d}" for i in range(n_units)]
    role_ids = [f"{rng.choice(_SUBJECTS)}-officer-{i:05d}" for i in range(n_roles)]
    proc_ids = [f"{rng.choice(_SUBJECTS)}-{rng.choice(_VERBS)}-{i:05d}" for i in range(procedures)]
    _units(spec, rng, unit_ids, role_ids)
    _roles(spec, rng, unit_ids, role_ids)
    staff_ids = _staff(spec, rng, n_staff, role_ids)
    for i, proc_id in enumerate(proc_ids):
        spec.procs[proc_id] = _procedure(rng, i, proc_id, role_ids, proc_ids)
    _history(spec, rng, proc_ids, staff_ids)
    _manual(spec, rng, unit_ids, role_ids, proc_ids)
    _loans(spec, staff_ids, n_roles)
    return spec


def _units(spec: Spec, rng: random.Random, unit_ids: list[str], role_ids: list[str]) -> None:
    for i, unit_id in enumerate(unit_ids):
        zh = rng.random() < 0.5
        unit: dict[str, Any] = {"id": unit_id, "name": f"{rng.choice(_ZH_SUBJECTS)}管理{i}组"}
        if i:
            unit["parent"] = unit_ids[(i - 1) // 5]
        unit["head"] = role_ids[i]  # role i belongs to unit i (see _roles)
        unit["description"] = _sentences(rng, zh, 1, 2)
        unit["duties"] = [_sentences(rng, zh, 1, 1) for _ in range(rng.randint(2, 5))]
        spec.units[unit_id] = unit


def _roles(spec: Spec, rng: random.Random, unit_ids: list[str], role_ids: list[str]) -> None:
    """Role i sits in unit i % units; unit heads report to their parent unit's head."""
    n_units = len(unit_ids)
    for i, role_id in enumerate(role_ids):
        zh = rng.random() < 0.5
        unit_index = i % n_units
        title = f"{rng.choice(_ZH_SUBJECTS)}专员" if zh else f"{role_id.split('-')[0]} officer"
        role: dict[str, Any] = {
            "id": role_id,
            "title": title,
            "unit": unit_ids[unit_index],
        }
        if i >= n_units:
            role["reports_to"] = role_ids[unit_index]
        elif i > 0:
            role["reports_to"] = role_ids[(i - 1) // 5]
        role["headcount"] = rng.randint(1, 3)
        role["description"] = _sentences(rng, zh, 1, 2)
        role["duties"] = [_sentences(rng, zh, 1, 1) for _ in range(rng.randint(2, 6))]
        if rng.random() < 0.5:
            role["authorities"] = [_sentences(rng, zh, 1, 1) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.5:
            role["qualifications"] = ["本科及以上学历，三年以上相关工作经验" if zh else "Degree"]
        spec.roles[role_id] = role


def _staff(spec: Spec, rng: random.Random, count: int, role_ids: list[str]) -> list[str]:
    """Person i holds role i % roles, so every role has an active holder; a few later people
    have left (inactive)."""
    ids = []
    for i in range(count):
        (sur, sur_zh), (given, given_zh) = rng.choice(_SURNAMES), rng.choice(_GIVEN)
        staff_id = f"{sur}-{given}-{i:05d}"
        person: dict[str, Any] = {
            "id": staff_id,
            "name": sur_zh + given_zh,
            "email": f"{sur}.{given}.{i}@example.com",
            "roles": [role_ids[i % len(role_ids)]],
            "active": not (i >= len(role_ids) and i % 25 == 0),
        }
        spec.staff[staff_id] = person
        ids.append(staff_id)
    return ids


def _procedure(
    rng: random.Random, index: int, proc_id: str, role_ids: list[str], proc_ids: list[str]
) -> dict[str, Any]:
    zh = index % 2 == 0
    subject, verb = proc_id.split("-")[:2]
    actors = rng.sample(role_ids, min(len(role_ids), rng.randint(2, 5)))
    steps = _steps(rng, zh, actors)
    proc: dict[str, Any] = {
        "id": proc_id,
        "title": (
            f"{_ZH_SUBJECTS[_SUBJECTS.index(subject)]}{_ZH_VERBS[_VERBS.index(verb)]}管理规程"
            if zh
            else f"{subject.capitalize()} {verb} procedure"
        ),
        "owner": actors[0],
    }
    if rng.random() < 0.7:
        proc["purpose"] = _paragraph(rng, zh)
    if rng.random() < 0.4:
        proc["scope"] = _sentences(rng, zh, 1, 2)
    proc["frequency"] = rng.choice(_FREQUENCIES)
    proc["inputs"] = [f"{subject} {word}" for word in rng.sample(["data", "plan", "request"], 2)]
    proc["outputs"] = [f"{subject} report"]
    proc["records"] = [f"{subject}登记表" if zh else f"{subject} log"]
    others = [r for r in rng.sample(role_ids, min(len(role_ids), 4)) if r not in actors]
    if others:
        proc["consulted"] = others[:2]
        proc["informed"] = others[2:] or others[:1]
    proc["related"] = sorted(
        {p for p in rng.sample(proc_ids, min(len(proc_ids), 2)) if p != proc_id}
    )
    proc["reviewed"] = _TODAY - timedelta(days=rng.randint(10, 300))
    proc["steps"] = steps
    return proc


def _steps(rng: random.Random, zh: bool, actors: list[str]) -> list[dict[str, Any]]:
    count = rng.randint(6, 12)
    ids = rng.sample(_VERBS, count)
    steps: list[dict[str, Any]] = []
    for k, step_id in enumerate(ids):
        subject = rng.randrange(len(_SUBJECTS))
        action = (
            f"{_ZH_VERBS[_VERBS.index(step_id)]}{_ZH_SUBJECTS[subject]}相关材料，并确认内容完整、准确"
            if zh
            else f"{step_id.capitalize()} the {_SUBJECTS[subject]} papers and confirm they are "
            "complete and correct"
        )
        step: dict[str, Any] = {"id": step_id, "actor": rng.choice(actors), "action": action}
        if rng.random() < 0.35:
            step["details"] = _paragraph(rng, zh)
        if rng.random() < 0.3:
            step["outputs"] = [f"{_SUBJECTS[subject]} form {k + 1}"]
        steps.append(step)
    # Decisions: approve and go on, or send the work back to an earlier step.
    for k in rng.sample(range(2, count - 1), rng.randint(0, 2)):
        steps[k]["approval"] = True
        steps[k]["next"] = [ids[k + 1], ids[rng.randrange(0, k)]]
    if rng.random() < 0.2:
        steps[-1]["next"] = []
    return steps


def _history(spec: Spec, rng: random.Random, proc_ids: list[str], staff_ids: list[str]) -> None:
    """Update records; each after the first revises a few procedures (kept in `spec.edits`)."""
    for i in range(spec.records):
        day = _FIRST_RECORD + timedelta(days=i * 2)
        record: dict[str, Any] = {"version": f"1.{i}", "date": day}
        edits: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        if i == 0:
            record["summary"] = "首次发布运营管理手册 (first issue of the manual)."
            record["method"] = "reissue"
        else:
            for proc_id in sorted(rng.sample(proc_ids, min(3, len(proc_ids)))):
                before = copy.deepcopy(spec.procs[proc_id])
                after = spec.procs[proc_id]
                after["steps"][0]["action"] += f"（第{i}次修订）"
                after["reviewed"] = max(after["reviewed"], day)
                edits[proc_id] = (before, copy.deepcopy(after))
            record["summary"] = f"修订{len(edits)}个流程的首个环节 (revision {i})."
            record["method"] = rng.choice(["amendment", "notice", "appendix"])
            if record["method"] == "notice":
                record["notice_ref"] = f"运营发〔2026〕{i}号"
        record["changes"] = [f"procedures/{p}" for p in edits]
        # staff_ids[0] holds the approver role (role_ids[0]); no one approves their own change.
        record["author"] = staff_ids[1]
        record["approved_by"] = staff_ids[0]
        spec.updates.append(record)
        spec.edits.append(edits)


def _manual(
    spec: Spec, rng: random.Random, unit_ids: list[str], role_ids: list[str], proc_ids: list[str]
) -> None:
    per_chapter = max(1, len(proc_ids) // max(1, len(proc_ids) // 100))
    chapters = [
        {
            "title": f"第{n + 1}章 {_ZH_SUBJECTS[n % len(_ZH_SUBJECTS)]}管理",
            "text": _sentences(rng, True, 1, 2),
            "procedures": proc_ids[start : start + per_chapter],
        }
        for n, start in enumerate(range(0, len(proc_ids), per_chapter))
    ]
    spec.manual = {
        "id": "benchmark",
        "title": "运营管理手册（基准测试）",
        "organization": "青禾云链科技有限公司",
        "language": "zh-CN",
        "version": spec.updates[-1]["version"],
        "effective": spec.updates[-1]["date"],
        "owner": unit_ids[0],
        "approver": role_ids[0],
        "purpose": _paragraph(rng, True),
        "scope": _sentences(rng, True, 1, 2),
        "principles": [{"title": "依法合规", "text": _sentences(rng, True, 1, 2)}],
        "chapters": chapters,
        "copies": [
            {"id": "OPS-01", "holder": unit_ids[0], "location": "运营管理部办公室 A-3 文件柜"},
            {"id": "OPS-02", "holder": unit_ids[-1], "location": "资料架第二层"},
        ],
        "loan_days": 3,
        "review_months": 12,
    }


def _loans(spec: Spec, staff_ids: list[str], n_roles: int) -> None:
    """A few returned loans by people who are active (the first n_roles people always are)."""
    for i in range(6):
        day = date(2026, 6, 1) + timedelta(days=7 * i)
        spec.loans.append(
            {
                "copy": "OPS-01" if i % 2 == 0 else "OPS-02",
                "borrower": staff_ids[(i * 7) % n_roles],
                "borrowed": f"{day.isoformat()}T09:30:00+08:00",
                "due": f"{(day + timedelta(days=3)).isoformat()}T18:00:00+08:00",
                "returned": f"{(day + timedelta(days=2)).isoformat()}T16:00:00+08:00",
                "purpose": "查阅流程" if i % 2 else "Reading the procedures",
                "issued_by": staff_ids[0],
            }
        )


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _write_manual(root: Path, spec: Spec, version_index: int) -> None:
    manual = dict(spec.manual)
    manual["version"] = spec.updates[version_index]["version"]
    manual["effective"] = spec.updates[version_index]["date"]
    _write(root, "manual.yaml", dump(manual, "manual").replace("../.schemas/", ".schemas/"))
    _write(root, "records/updates.yaml", dump(spec.updates[: version_index + 1], "updates"))


def write(spec: Spec, root: Path) -> None:
    """The final state of the manual (every update applied)."""
    for kind, entities, schema in (
        ("units", spec.units, "unit"),
        ("roles", spec.roles, "role"),
        ("procedures", spec.procs, "procedure"),
        ("staff", spec.staff, "staff"),
    ):
        (root / kind).mkdir(parents=True, exist_ok=True)
        for entity_id, data in entities.items():
            (root / kind / f"{entity_id}.yaml").write_text(dump(data, schema), encoding="utf-8")
    _write_manual(root, spec, len(spec.updates) - 1)
    _write(root, "records/loans.yaml", dump(spec.loans, "loans"))


def _git(root: Path, *args: str, day: date | None = None) -> None:
    env = dict(os.environ)
    stamp = f"{(day or _FIRST_RECORD).isoformat()}T12:00:00+08:00"
    env.update(
        GIT_AUTHOR_NAME="Benchmark",
        GIT_AUTHOR_EMAIL="benchmark@example.com",
        GIT_COMMITTER_NAME="Benchmark",
        GIT_COMMITTER_EMAIL="benchmark@example.com",
        GIT_AUTHOR_DATE=stamp,
        GIT_COMMITTER_DATE=stamp,
    )
    subprocess.run(["git", *args], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)


def write_git(spec: Spec, root: Path) -> None:
    """The history: first issue, then per record a procedure-change commit and a record commit."""
    first = copy.deepcopy(spec.procs)
    for edits in reversed(spec.edits):  # undo every revision to get the first issue
        for proc_id, (before, _after) in edits.items():
            first[proc_id] = before
    write(Spec(spec.procedures, spec.records, spec.manual, spec.units, spec.roles, first,
               spec.staff, spec.updates, spec.loans), root)  # fmt: skip
    _write_manual(root, spec, 0)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "First issue 1.0")
    for i in range(1, len(spec.updates)):
        day = spec.updates[i]["date"]
        changed = []
        for proc_id, (_before, after) in spec.edits[i].items():
            changed.append(f"procedures/{proc_id}.yaml")
            _write(root, changed[-1], dump(after, "procedure"))
        _git(root, "add", *changed)
        _git(root, "commit", "-q", "-m", f"Revise {len(changed)} procedures", day=day)
        _write_manual(root, spec, i)
        _git(root, "add", "manual.yaml", "records/updates.yaml")
        _git(root, "commit", "-q", "-m", f"Update record {spec.updates[i]['version']}", day=day)


def generate(out_dir: Path, procedures: int, records: int = 3, git: bool = False) -> Path:
    """Write the manual into `out_dir` (replaced if it exists) and return it."""
    spec = build(procedures, records)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    if git:
        write_git(spec, out_dir)
    else:
        write(spec, out_dir)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("out_dir", type=Path, help="folder to write (replaced if it exists)")
    parser.add_argument("--procedures", type=int, required=True, help="number of procedures")
    parser.add_argument("--records", type=int, default=3, help="update records (default 3)")
    parser.add_argument("--git", action="store_true", help="make it a git repository")
    args = parser.parse_args(argv)
    if args.procedures < 1 or args.records < 1:
        parser.error("--procedures and --records must be at least 1")
    generate(args.out_dir, args.procedures, args.records, args.git)
    print(f"{args.out_dir}: {args.procedures} procedures; validate with OPSMANUAL_NOW={NOW}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
