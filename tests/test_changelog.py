"""`opsmanual changelog`: notices, their audience, email, and delivery to a real SMTP server."""

from __future__ import annotations

import email
import json
import shutil
import socket
from collections.abc import Iterator
from email import policy
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller

from gitrepo import GitRepo, example_repo
from helpers import run_cli
from opsmanual.changelog import audience_roles, audience_staff
from opsmanual.manual import load_manual
from opsmanual.source import FolderSource

PROC = "procedures/annual-planning.yaml"


pytestmark = pytest.mark.usefixtures("pinned_now")


def updated(top: Path, name: str = "operations") -> GitRepo:
    """The example with a step's actor changed and recorded as 1.5, committed."""
    repo = example_repo(top, name)
    repo.replace(
        PROC, "  - id: consult\n    actor: planning-lead", "  - id: consult\n    actor: ops-planner"
    )
    result = run_cli(
        "record",
        "add",
        "--summary",
        "Consult step moved",
        "--notice-ref",
        "N-7",
        "--author",
        "zheng-li",
        manual=repo.root,
    )
    assert result.exit_code == 0, result.output
    approved = run_cli("record", "approve", "--by", "zhou-ming", manual=repo.root)
    assert approved.exit_code == 0, approved.output
    repo.commit("1.5")
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return updated(tmp_path / "repo")


def changelog(repo: GitRepo | Path, *args: str) -> Any:
    root = repo.root if isinstance(repo, GitRepo) else repo
    return run_cli("changelog", *args, manual=root)


def test_audience_follows_format_md() -> None:
    manual, _ = load_manual(FolderSource(Path(__file__).parent.parent / "manuals/operations"))
    assert audience_roles(manual, "roles/planning-lead") == ["planning-lead", "ops-planner"]
    assert sorted(audience_roles(manual, "units/planning-group")) == [
        "ops-planner",
        "planning-lead",
    ]
    roles = audience_roles(manual, "procedures/annual-planning")
    assert roles[0] == "deputy-manager-planning"  # the owner first
    assert {"ops-planner", "analytics-lead", "data-analyst"} <= set(roles)
    assert audience_staff(manual, "staff/he-jun", []) == set()  # not active
    everyone = audience_staff(manual, "manual", [])
    assert everyone == {p.id for p in manual.active_staff()}


def test_json_shape(repo: GitRepo) -> None:
    result = changelog(repo, "--format", "json")
    assert result.exit_code == 0, result.output
    (update,) = json.loads(result.stdout)["updates"]
    assert update["version"] == "1.5"
    assert update["notice_ref"] == "N-7"
    assert update["method"] == "amendment"
    assert update["changes"][0]["id"] == "annual-planning"
    assert update["changes"][0]["fields"][0]["path"] == "steps[consult].actor"
    assert "ops-planner" in update["audience"]["roles"]
    staff = {s["id"]: s for s in update["audience"]["staff"]}
    assert set(staff["zhao-lei"]) == {"id", "name", "email"}
    assert "he-jun" not in staff  # left the company


def test_markdown_reads_well(repo: GitRepo) -> None:
    result = changelog(repo)
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("# 《运营管理部工作制度》更新通知")
    assert "## 1.5 版" in out
    assert "发文号：N-7" in out
    # Staff read titles, never ids: the step by its action, the roles by their titles.
    assert "  - step 组织相关部门讨论初稿并征集意见: actor 运营规划组组长 → 运营规划专员" in out
    assert "planning-lead" not in out and "steps[" not in out
    assert "须阅读人员" in out


def test_since_version_and_revision(repo: GitRepo) -> None:
    doc = json.loads(changelog(repo, "--since", "1.3", "--format", "json").stdout)
    assert [u["version"] for u in doc["updates"]] == ["1.4", "1.5"]
    assert doc["updates"][0]["changes"] == []  # 1.4 came with the import: no field changes
    doc = json.loads(changelog(repo, "--since", "HEAD~1", "--format", "json").stdout)
    assert [u["version"] for u in doc["updates"]] == ["1.5"]
    assert changelog(repo, "--since", "nope").exit_code == 2
    result = changelog(repo, "--since", "9.9")
    assert result.exit_code == 2
    assert "no update record has this version (the versions are 1.0, 1.1" in result.stderr


def test_without_git_uses_the_records_alone(tmp_path: Path, repo: GitRepo) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(repo.root, plain)
    result = changelog(plain, "--format", "text")
    assert result.exit_code == 0
    assert "not in a git repository" in result.stderr
    assert "Consult step moved" in result.stdout


def test_email_files_in_english(tmp_path: Path) -> None:
    repo = updated(tmp_path / "en", "operations-en")
    out = tmp_path / "eml"
    result = changelog(repo, "--format", "email", "-o", str(out))
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.eml"))
    assert files
    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    manual = yaml.safe_load(repo.path("manual.yaml").read_text(encoding="utf-8"))
    assert manual["title"] in message["Subject"] and "1.5" in message["Subject"]
    body = message.get_content()
    assert body.startswith("Dear ")
    assert "actor Operations Planning Lead → Operations Planner" in body
    assert "steps[consult]" not in body


def test_email_on_stdout_one_message_per_person(repo: GitRepo) -> None:
    result = changelog(repo, "--format", "email")
    assert result.exit_code == 0
    parts = result.stdout.split("\n" + "-" * 72 + "\n")
    staff = json.loads(changelog(repo, "--format", "json").stdout)["updates"][0]["audience"][
        "staff"
    ]
    assert len(parts) == len(staff)
    assert "《运营管理部工作制度》更新通知" in parts[0]


# --- delivery ---------------------------------------------------------------------------------


class Recorder:
    def __init__(self, refuse: set[str]) -> None:
        self.refuse = refuse
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    handler = Recorder({"li.qiang@example.com"})
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def send(repo: GitRepo, port: int, *extra: str) -> Any:
    return changelog(
        repo, "--send", "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
        "--from", "manual@example.com", *extra,
    )  # fmt: skip


def test_send_refused_recipient_sent_log_and_resend(
    repo: GitRepo, smtp: tuple[Recorder, int]
) -> None:
    handler, port = smtp
    result = send(repo, port)
    assert result.exit_code == 2
    assert "li.qiang@example.com" in result.stderr and "550" in result.stderr
    reached = {r for rcpts, _ in handler.received for r in rcpts}
    assert "zhao.lei@example.com" in reached and "li.qiang@example.com" not in reached
    message = email.message_from_bytes(handler.received[0][1], policy=policy.default)
    assert "1.5" in message["Subject"] and message["From"] == "manual@example.com"
    log = yaml.safe_load(repo.path("records/notices.yaml").read_text(encoding="utf-8"))
    assert {e["email"] for e in log} == reached  # one entry per person reached (one version)
    count = len(handler.received)
    # Running again reaches only the one not reached before.
    handler.refuse.clear()
    result = send(repo, port)
    assert result.exit_code == 0, result.output
    assert [r for r, _ in handler.received[count:]] == [["li.qiang@example.com"]]
    assert "already sent to" in result.stderr
    # Nothing left: a third run sends nothing; --resend sends to everyone again.
    assert send(repo, port).exit_code == 0
    assert len(handler.received) == count + 1
    assert send(repo, port, "--resend").exit_code == 0
    assert len(handler.received) == 2 * count + 2
    assert "unlogged-change" not in run_cli("validate", manual=repo.root).stdout


def test_unreachable_server_exits_2_in_one_line(repo: GitRepo) -> None:
    result = send(repo, free_port())
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "cannot reach the SMTP server 127.0.0.1" in result.stderr
    assert not repo.path("records/notices.yaml").exists()


def test_login_needs_the_password_variable(
    repo: GitRepo, smtp: tuple[Recorder, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPSMANUAL_SMTP_PASSWORD", raising=False)
    result = send(repo, smtp[1], "--smtp-user", "bot")
    assert result.exit_code == 2
    assert "OPSMANUAL_SMTP_PASSWORD" in result.stderr
    assert smtp[0].received == []


def test_a_removed_role_is_not_listed_among_the_readers() -> None:
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "manuals" / "operations"
    result = run_cli("changelog", "--format", "json", manual=example)
    update = json.loads(result.stdout)["updates"][-1]
    assert "roles/ops-assistant" in example.joinpath("records/updates.yaml").read_text("utf-8")
    assert "ops-assistant" not in update["audience"]["roles"]
    assert "document-controller" in update["audience"]["roles"]


def test_markdown_note_without_field_changes_stands_apart_from_the_list(repo: GitRepo) -> None:
    from markdown_it import MarkdownIt

    out = changelog(repo, "--since", "1.2").stdout
    html = MarkdownIt().render(out)
    assert "<p>无逐项变更：本条记录与之前的记录在同一次提交中加入。</p>" in html
    assert "岗位 ops-assistant: 删除</li>" in html  # no history of it: its id, nothing else


def test_a_letter_names_only_the_roles_the_update_concerns(tmp_path: Path) -> None:
    from opsmanual.changelog import build
    from opsmanual.reporters.changelog import letter

    repo = example_repo(tmp_path / "repo")
    repo.replace("procedures/project-management.yaml", "title: ", "title: 新")
    run_cli("record", "add", "--summary", "项目管理流程更名", manual=repo.root)
    repo.commit("1.5")
    notice = build(repo.root)
    zheng = notice.manual.staff["zheng-li"]  # project coordinator and document controller
    assert set(zheng.roles) == {"project-coordinator", "document-controller"}
    body = letter(notice, zheng)
    assert "项目协调员" in body and "文控专员" not in body


def test_a_removed_entity_is_named_by_the_title_it_had(tmp_path: Path) -> None:
    repo = example_repo(tmp_path / "repo")
    repo.path("roles/project-coordinator.yaml").unlink()
    repo.append_record("1.5", [], ["roles/project-coordinator"])
    repo.commit("1.5")
    out = changelog(repo).stdout
    assert "- 岗位 项目协调员: 删除" in out


def test_the_first_issue_reaches_every_active_person(tmp_path: Path) -> None:

    from opsmanual.scaffold import create_manual

    create_manual(tmp_path / "m", "en")
    result = run_cli("changelog", "-f", "json", manual=tmp_path / "m")
    update = json.loads(result.stdout)["updates"][0]
    assert update["changes"] == []
    assert update["audience"]["roles"] == ["manager"]
    assert [p["id"] for p in update["audience"]["staff"]] == ["alex-lee"]


@pytest.mark.parametrize(
    ("name", "line"),
    [("operations", "- 更新方式：修改"), ("operations-en", "- Method: Amendment")],
)
def test_the_notice_names_a_method_as_the_handbook_does(
    tmp_path: Path, name: str, line: str
) -> None:
    repo = example_repo(tmp_path / "repo", name)
    result = changelog(repo, "--since", "1.0")
    assert result.exit_code == 0, result.output
    assert line in result.output.splitlines()
