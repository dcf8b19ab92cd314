"""`diff`, `changelog` and `record add`: the manual's history."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from opsmanual.cli import ManualOption, app, color_enabled, err, manual_root, out
from opsmanual.errors import OpsError
from opsmanual.findings import Finding


class DiffFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


class ChangelogFormat(StrEnum):
    markdown = "markdown"
    text = "text"
    json = "json"
    email = "email"


class Method(StrEnum):
    reissue = "reissue"
    notice = "notice"
    amendment = "amendment"
    appendix = "appendix"


def _unreadable(findings: list[Finding]) -> None:
    """A file the command cannot parse: print its findings and exit 1 (cli.md)."""
    from opsmanual.output import text_line

    for finding in findings:
        out(text_line(finding))
    raise typer.Exit(1)


@app.command()
def diff(
    rev_a: Annotated[str | None, typer.Argument(help="From this revision. Default: HEAD.")] = None,
    rev_b: Annotated[
        str | None, typer.Argument(help="To this revision. Default: the working tree.")
    ] = None,
    manual: ManualOption = None,
    format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiffFormat.text,
) -> None:
    """Show what changed in the manual, entity by entity and field by field."""
    from opsmanual import diff as semantic
    from opsmanual.gitaccess import require_repo

    gm = require_repo(manual_root(manual))
    points = semantic.resolve_points(gm, rev_a, rev_b)
    changes, problems = semantic.diff_points(gm, points.a, points.b)
    if problems:
        _unreadable(problems)
    a_label, b_label = points.a_label, points.b_label
    if format is DiffFormat.json:
        out(semantic.as_json(changes, a_label, b_label))
    elif format is DiffFormat.markdown:
        out(semantic.as_markdown(changes, a_label, b_label).rstrip("\n"))
    else:
        out(semantic.as_text(changes, a_label, b_label, color_enabled()))


@app.command()
def changelog(
    manual: ManualOption = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Updates after this version or git revision. Default: the last update alone.",
        ),
    ] = None,
    format: Annotated[
        ChangelogFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ChangelogFormat.markdown,
    output_dir: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="With --format email: write .eml files here."),
    ] = None,
    send: Annotated[bool, typer.Option("--send", help="Deliver the emails over SMTP.")] = False,
    resend: Annotated[
        bool, typer.Option("--resend", help="Also send to people the sent log says have it.")
    ] = False,
    smtp_host: Annotated[str, typer.Option("--smtp-host", help="SMTP server.")] = "localhost",
    smtp_port: Annotated[int, typer.Option("--smtp-port", help="SMTP port.")] = 25,
    smtp_user: Annotated[
        str | None,
        typer.Option(
            "--smtp-user", help="Log in as this user (password: $OPSMANUAL_SMTP_PASSWORD)."
        ),
    ] = None,
    starttls: Annotated[bool, typer.Option("--starttls", help="Upgrade to TLS first.")] = False,
    sender: Annotated[
        str | None, typer.Option("--from", help="The From address of the emails.")
    ] = None,
) -> None:
    """The staff notice for recent updates: what changed and who must read it."""
    from opsmanual import changelog as notices

    root = manual_root(manual)
    notice = notices.build(root, since)
    if notice.findings:
        _unreadable(notice.findings)
    if send or format is ChangelogFormat.email or output_dir is not None:
        _emails(
            root,
            notice,
            output_dir,
            send,
            resend,
            sender,
            smtp_host,
            smtp_port,
            smtp_user,
            starttls,
        )
        return
    if format is ChangelogFormat.json:
        out(notices.as_json(notice))
    else:
        if any(e.why_no_details == "why_nogit" for e in notice.entries):
            err(
                "not in a git repository: the notice lists the update records without field changes"
            )
        out(notices.as_text(notice, markdown=format is ChangelogFormat.markdown).rstrip("\n"))


def _emails(
    root: Path,
    notice: Any,
    output_dir: Path | None,
    send: bool,
    resend: bool,
    sender: str | None,
    host: str,
    port: int,
    user: str | None,
    starttls: bool,
) -> None:
    from opsmanual import notify
    from opsmanual.validate import now

    moment = now()
    address = notify.sender_address(sender, user, send)
    batch = notify.messages(notice, address, moment, readable=not send)
    for person in notify.without_email(notice):
        err(
            f"{person.name} ({person.id}) has no email address in "
            f"staff/{person.id}.yaml: not included"
        )
    if not notice.entries:
        err("no update records to announce")
        return
    if output_dir is not None:
        _write_eml(output_dir, batch)
    if not send:
        if output_dir is None:
            _print_messages(batch)
        return
    todo, skipped = notify.pending(root, notice, batch, resend)
    if skipped:
        names = ", ".join(f"{person.name} <{person.email}>" for person in skipped)
        err(
            f"already sent to {len(skipped)} recipient(s) (see {notify.SENT_LOG}); "
            f"--resend to send again: {names}"
        )
    if not todo:
        out(f"nothing to send: all {len(skipped)} recipient(s) already have this notice")
        return
    server = notify.Server(host, port, user, starttls)
    reached, failed = notify.send(root, notice, todo, server, moment.isoformat(timespec="seconds"))
    for person in reached:
        out(f"sent to {person.name} <{person.email}>")
    if failed:
        lines = "; ".join(f"{p.name} <{p.email}> ({why})" for p, why in failed)
        raise OpsError(f"not delivered to {len(failed)} of {len(todo)}: {lines}")


def _print_messages(batch: list[Any]) -> None:
    for i, (_, message) in enumerate(batch):
        if i:
            out("")
            out("-" * 72)
            out("")
        out(message.as_bytes(policy=message.policy.clone(utf8=True)).decode().rstrip("\n"))


def _write_eml(folder: Path, batch: list[Any]) -> None:
    from opsmanual.atomic import write_atomic

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OpsError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    for person, message in batch:
        write_atomic(folder / f"{person.id}.eml", bytes(message))
    out(f"wrote {len(batch)} message(s) to {folder}")


record_app = typer.Typer(help="The update record table (更新记录表).", no_args_is_help=True)
app.add_typer(record_app, name="record")


@record_app.command("add")
def record_add(
    summary: Annotated[str, typer.Option("--summary", help="What changed, in a sentence.")],
    manual: ManualOption = None,
    version: Annotated[
        str | None, typer.Option("--version", help="Default: the last version plus one.")
    ] = None,
    method: Annotated[Method, typer.Option("--method", help="How the update is issued.")] = (
        Method.amendment
    ),
    notice_ref: Annotated[
        str | None, typer.Option("--notice-ref", help="The notice's number.")
    ] = None,
    changes: Annotated[
        str,
        typer.Option(
            "--changes",
            help="`auto` (from git) or KIND/ID,... (e.g. procedures/training,manual).",
        ),
    ] = "auto",
    removed: Annotated[
        str | None, typer.Option("--removed", help="Deleted entities, KIND/ID,... (with a LIST).")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD. Default: today.")] = None,
    effective: Annotated[
        str | None,
        typer.Option("--effective", help="Set manual.yaml `effective` (YYYY-MM-DD)."),
    ] = None,
    author: Annotated[str | None, typer.Option("--author", help="Staff id.")] = None,
    approved_by: Annotated[str | None, typer.Option("--approved-by", help="Staff id.")] = None,
) -> None:
    """Append an update record and set manual.yaml's version to match."""
    from opsmanual.record_add import NewRecord, add_record

    request = NewRecord(
        summary=summary,
        version=version,
        method=method.value,
        notice_ref=notice_ref,
        changes=changes,
        removed=removed,
        date=date,
        effective=effective,
        author=author,
        approved_by=approved_by,
    )
    table, entry = add_record(manual_root(manual), request)
    out(f"added update record {entry['version']} to {table}:")
    for key, value in entry.items():
        out(f"  {key}: {', '.join(value) if isinstance(value, list) else value}")
    out(
        f"manual.yaml version is now {entry['version']}"
        + (f", effective {effective}" if effective else "")
    )
