"""`diff`, `changelog` and `record add`: the manual's history."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from opsmanual.cli import (
    ManualOption,
    app,
    color_enabled,
    day_option,
    err,
    manual_root,
    out,
)
from opsmanual.errors import OpsError
from opsmanual.findings import Finding
from opsmanual.i18n import _, listing, ngettext
from opsmanual.reporters import printable


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


def _unreadable(findings: list[Finding], machine: bool = False) -> None:
    """A file the command cannot parse: print its findings and exit 1 (cli.md). A machine
    format prints only its document on stdout, so there the findings go to stderr."""
    from opsmanual.reporters.validate import text_line

    for finding in findings:
        if machine:
            typer.echo(printable(text_line(finding)), err=True)
        else:
            out(text_line(finding))
    raise typer.Exit(1)


@app.command(help=_("Show what changed in the manual, entity by entity and field by field."))
def diff(
    rev_a: Annotated[
        str | None, typer.Argument(help=_("From this revision. Default: HEAD."))
    ] = None,
    rev_b: Annotated[
        str | None, typer.Argument(help=_("To this revision. Default: the working tree."))
    ] = None,
    manual: ManualOption = None,
    format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help=_("Output format."))
    ] = DiffFormat.text,
) -> None:
    from opsmanual.diff import diff_points, resolve_points
    from opsmanual.gitaccess import require_repo
    from opsmanual.reporters.diff import REPORTERS

    gm = require_repo(manual_root(manual))
    points = resolve_points(gm, rev_a, rev_b)
    changes, problems = diff_points(gm, points.a, points.b)
    if problems:
        _unreadable(problems, machine=format is DiffFormat.json)
    report = REPORTERS[format.value]
    colour = format is DiffFormat.text and color_enabled()
    out(report(changes, points.a_label, points.b_label, colour=colour), styled=colour)


@app.command(help=_("The staff notice for recent updates: what changed and who must read it."))
def changelog(
    manual: ManualOption = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help=_("Updates after this version or git revision. Default: the last update alone."),
        ),
    ] = None,
    format: Annotated[
        ChangelogFormat, typer.Option("--format", "-f", help=_("Output format."))
    ] = ChangelogFormat.markdown,
    output_dir: Annotated[
        Path | None,
        typer.Option("--output", "-o", help=_("With --format email: write .eml files here.")),
    ] = None,
    send: Annotated[bool, typer.Option("--send", help=_("Deliver the emails over SMTP."))] = False,
    resend: Annotated[
        bool, typer.Option("--resend", help=_("Also send to people the sent log says have it."))
    ] = False,
    smtp_host: Annotated[str, typer.Option("--smtp-host", help=_("SMTP server."))] = "localhost",
    smtp_port: Annotated[int, typer.Option("--smtp-port", help=_("SMTP port."))] = 25,
    smtp_user: Annotated[
        str | None,
        typer.Option(
            "--smtp-user", help=_("Log in as this user (password: $OPSMANUAL_SMTP_PASSWORD).")
        ),
    ] = None,
    starttls: Annotated[bool, typer.Option("--starttls", help=_("Upgrade to TLS first."))] = False,
    sender: Annotated[
        str | None, typer.Option("--from", help=_("The From address of the emails."))
    ] = None,
) -> None:
    from opsmanual import changelog as notices

    root = manual_root(manual)
    notice = notices.build(root, since)
    if notice.findings:
        _unreadable(notice.findings, machine=format is ChangelogFormat.json)
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
    from opsmanual.reporters.changelog import REPORTERS

    if format is not ChangelogFormat.json and any(
        e.why_no_details == "why_nogit" for e in notice.entries
    ):
        err(_("not in a git repository: the notice lists the update records without field changes"))
    out(REPORTERS[format.value](notice))


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
    plan = notify.plan(root, notice, sender, user, moment, send=send, resend=resend)
    batch = plan.messages
    for person in plan.without_email:
        err(
            _(
                "{name} ({id}) has no email address in staff/{id}.yaml: not included",
                name=person.name,
                id=person.id,
            )
        )
    if not notice.entries:
        err(_("no update records to announce"))
        return
    if output_dir is not None:
        _write_eml(output_dir, batch)
    if not send:
        if output_dir is None and batch:
            from opsmanual.reporters.changelog import as_emails

            out(as_emails(batch))
        return
    todo, skipped = plan.todo, plan.skipped
    if skipped:
        names = listing(f"{person.name} <{person.email}>" for person in skipped)
        err(
            ngettext(
                "already sent to {n} recipient (see {log}); --resend to send again: {names}",
                "already sent to {n} recipients (see {log}); --resend to send again: {names}",
                len(skipped),
                log=notify.SENT_LOG,
                names=names,
            )
        )
    if not todo:
        out(
            ngettext(
                "nothing to send: the {n} recipient already has this notice",
                "nothing to send: all {n} recipients already have this notice",
                len(skipped),
            )
        )
        return
    server = notify.Server(host, port, user, starttls)
    reached, failed = notify.send(root, notice, todo, server, moment.isoformat(timespec="seconds"))
    for person in reached:
        out(_("sent to {name} <{email}>", name=person.name, email=person.email))
    if failed:
        lines = "; ".join(f"{p.name} <{p.email}> ({why})" for p, why in failed)
        raise OpsError(
            _(
                "not delivered to {failed} of {total}: {lines}",
                failed=len(failed),
                total=len(todo),
                lines=lines,
            )
        )


def _write_eml(folder: Path, batch: list[Any]) -> None:
    from opsmanual.atomic import write_atomic

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OpsError(
            _("cannot write to {path}: {reason}", path=folder, reason=exc.strerror or exc)
        ) from exc
    for person, message in batch:
        write_atomic(folder / f"{person.id}.eml", bytes(message))
    out(
        ngettext(
            "wrote {n} message to {folder}",
            "wrote {n} messages to {folder}",
            len(batch),
            folder=folder,
        )
    )


record_app = typer.Typer(help=_("The update record table (更新记录表)."), no_args_is_help=True)
app.add_typer(record_app, name="record")


@record_app.command(
    "add", help=_("Append an update record and set manual.yaml's version to match.")
)
def record_add(
    summary: Annotated[str, typer.Option("--summary", help=_("What changed, in a sentence."))],
    manual: ManualOption = None,
    version: Annotated[
        str | None, typer.Option("--version", help=_("Default: the last version plus one."))
    ] = None,
    method: Annotated[Method, typer.Option("--method", help=_("How the update is issued."))] = (
        Method.amendment
    ),
    notice_ref: Annotated[
        str | None, typer.Option("--notice-ref", help=_("The notice's number."))
    ] = None,
    changes: Annotated[
        str,
        typer.Option(
            "--changes",
            help=_("`auto` (from git) or KIND/ID,... (e.g. procedures/training,manual)."),
        ),
    ] = "auto",
    removed: Annotated[
        str | None,
        typer.Option("--removed", help=_("Deleted entities, KIND/ID,... (with a LIST).")),
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help=_("YYYY-MM-DD. Default: today."))
    ] = None,
    effective: Annotated[
        str | None,
        typer.Option(
            "--effective", help=_("The day the version takes effect (实施日期). Default: --date.")
        ),
    ] = None,
    author: Annotated[str | None, typer.Option("--author", help=_("Who wrote it (编制)."))] = None,
    reviewed_by: Annotated[
        str | None, typer.Option("--reviewed-by", help=_("Who reviewed it (审核)."))
    ] = None,
    approved_by: Annotated[
        str | None,
        typer.Option("--approved-by", help=_("Who approved it (批准); or `record approve` later.")),
    ] = None,
) -> None:
    from opsmanual.record_add import NewRecord, add_record
    from opsmanual.reporters.records import added

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
        reviewed_by=reviewed_by,
    )
    out(added(*add_record(manual_root(manual), request)))


@record_app.command(
    "approve",
    help=_("Approve the last update record: set its approved_by, approved and reviewed_by."),
)
def record_approve(
    by: Annotated[
        str, typer.Option("--by", help=_("Who approves (批准): an approver, not the author."))
    ],
    manual: ManualOption = None,
    reviewed_by: Annotated[
        str | None, typer.Option("--reviewed-by", help=_("Who reviewed it (审核)."))
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help=_("The approval date, YYYY-MM-DD. Default: today."))
    ] = None,
) -> None:
    from opsmanual.approval import approve
    from opsmanual.reporters.records import approved
    from opsmanual.validate import now

    out(approved(approve(manual_root(manual), by, now(), reviewed_by, day_option(at, "--at"))))
