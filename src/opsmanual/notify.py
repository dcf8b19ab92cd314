"""Notices as email: one RFC 5322 message per person, delivery over SMTP, and the sent log.

The sent log, `records/notices.yaml`, lists one entry per version and person delivered
(`version`, `staff`, `email`, `sent`, `message_id`). A person already holding an entry for every
version of a notice is skipped unless `--resend`; the entry is written right after that person's
message was accepted, so a re-run after a partial failure reaches only those not yet reached.
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import Any

from opsmanual import kinds
from opsmanual.changelog import Notice
from opsmanual.errors import OpsError
from opsmanual.i18n import _
from opsmanual.load import parse
from opsmanual.model import Person
from opsmanual.reporters.changelog import letter, subject

SENT_LOG = kinds.record("notices").path
PASSWORD_ENV = "OPSMANUAL_SMTP_PASSWORD"
DEFAULT_FROM = "opsmanual@localhost"
# `getaddresses(strict=True)` exists from Python 3.11.10 and 3.12.6 on; older ones parse loosely,
# and the round trip in `_address` catches what they let through.
_STRICT = "strict" in getaddresses.__code__.co_varnames


@dataclass(frozen=True)
class Delivery:
    """What `changelog` does with a notice's e-mails, decided before anything is written or sent:
    the messages (one per person with an address), the people left out for want of one, and,
    when sending, those still to reach and those skipped because the sent log has them."""

    messages: list[tuple[Person, EmailMessage]]
    without_email: list[Person]
    todo: list[tuple[Person, EmailMessage]]
    skipped: list[Person]


def plan(
    root: Path,
    notice: Notice,
    sender: str | None,
    user: str | None,
    when: Any,
    *,
    send: bool,
    resend: bool,
) -> Delivery:
    """The delivery of `notice`: refused (`Refused`) when sending a version not approved, a
    usage error (`OpsError`) for a bad sender; otherwise what to show, write or send."""
    if send:
        require_approved(notice)
    address = sender_address(sender, user, send)
    batch = messages(notice, address, when, readable=not send)
    todo: list[tuple[Person, EmailMessage]] = batch
    skipped: list[Person] = []
    if send and notice.entries:
        todo, skipped = pending(root, notice, batch, resend)
    return Delivery(batch, without_email(notice), todo, skipped)


def require_approved(notice: Notice) -> None:
    """`--send` sends nothing for a draft: with an approver role, every version is approved."""
    from opsmanual.approval import unapproved
    from opsmanual.errors import Refused

    reasons = unapproved(notice.manual, [e.record for e in notice.entries])
    if reasons:
        raise Refused(
            _(
                "not sending: {reasons}. Approve it first: opsmanual record approve --by STAFF_ID",
                # TRANSLATORS: between the reasons a notice is not sent
                reasons=_("; ").join(reasons),
            )
        )


def sender_address(sender: str | None, user: str | None, send: bool) -> str:
    """The From address: --from, else an SMTP login that is an address; a message only
    written or shown may fall back to DEFAULT_FROM, one that is sent may not."""
    login = user if user and "@" in user else None
    if send and sender is None and login is None:
        raise OpsError(_("--send needs a sender address: --from ADDRESS"))
    # An empty --from is a mistake to report, not a wish for the default.
    address = sender if sender is not None else login or DEFAULT_FROM
    parse_sender(address)  # a usage error (exit 2) before anything is built or sent
    return address


def messages(
    notice: Notice, sender: str, when: Any, readable: bool = False
) -> list[tuple[Person, EmailMessage]]:
    """One message per person of the audience who has an email address.

    `readable` writes the body as 8-bit UTF-8 (for the terminal and .eml files); for SMTP it is
    base64, which every server accepts whether or not it announces 8BITMIME.
    """
    manual_id = notice.manual.info.id if notice.manual.info else "manual"
    versions = "-".join(notice.versions())
    out: list[tuple[Person, EmailMessage]] = []
    for person in notice.staff():
        if not person.email:
            continue
        message = EmailMessage()
        message["From"] = parse_sender(sender)
        message["To"] = recipient(person)
        message["Subject"] = subject(notice)
        message["Date"] = format_datetime(when)
        # Stable per notice and person, so a mail client shows a resend as the same message.
        message["Message-ID"] = f"<{manual_id}.{versions}.{person.id}@opsmanual>"
        encoding = "8bit" if readable else "base64"
        message.set_content(letter(notice, person), charset="utf-8", cte=encoding)
        out.append((person, message))
    return out


def _address(name: str, email: str) -> Address | None:
    """A structured address whose header parses back to exactly this name and address."""
    try:
        address = Address(display_name=name, addr_spec=email)
        probe = EmailMessage()
        probe["To"] = address
        found = probe["To"].addresses
    except (ValueError, IndexError, TypeError):
        return None
    if len(found) != 1 or found[0].addr_spec != email or found[0].display_name != name:
        return None
    return address


def recipient(person: Person) -> Address:
    """The To address, built from its parts: a name can never add or change an address."""
    address = _address(person.name, person.email or "")
    if address is None:
        raise OpsError(
            _(
                "staff/{id}.yaml: the name {name!r} and email {email!r} do not make a safe To "
                "header; run `opsmanual validate`",
                id=person.id,
                name=person.name,
                email=person.email,
            )
        )
    return address


_CONTROLS = {chr(c) for c in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)}


def parse_sender(text: str) -> Address:
    """`--from`: one address, `ops@example.com` or `Ops Office <ops@example.com>`, nothing else.

    Raises OpsError (exit 2) for line breaks or control characters (header injection), a value
    without an address, or more than one address.
    """
    if _CONTROLS & set(text):
        raise OpsError(_("--from: the address holds a line break or control character"))
    found = getaddresses([text], strict=True) if _STRICT else getaddresses([text])
    name, email = found[0] if len(found) == 1 else ("", "")
    address = _address(name, email) if email.count("@") == 1 else None
    if address is None or not address.username or not address.domain:
        raise OpsError(
            _(
                "--from {text!r}: not one email address; write ops@example.com or "
                "'Ops Office <ops@example.com>'",
                text=text,
            )
        )
    return address


def without_email(notice: Notice) -> list[Person]:
    return [p for p in notice.staff() if not p.email]


# --- the sent log --------------------------------------------------------------------------


def sent_log(root: Path) -> set[tuple[str, str]]:
    """(version, staff id) pairs already delivered."""
    path = root / SENT_LOG
    if not (path.exists() or path.is_symlink()):
        return set()
    from opsmanual.source import read_regular

    doc = parse(SENT_LOG, read_regular(path))  # never waits on a FIFO, never follows a link
    data = getattr(doc, "data", None)
    if not isinstance(data, list):
        raise OpsError(_("{path} is not a list of sent notices; fix or remove it", path=path))
    return {(str(e.get("version")), str(e.get("staff"))) for e in data if isinstance(e, dict)}


def pending(
    root: Path, notice: Notice, batch: list[tuple[Person, EmailMessage]], resend: bool
) -> tuple[list[tuple[Person, EmailMessage]], list[Person]]:
    """The messages still to send, and the people skipped because they already have them."""
    if resend:
        return batch, []
    done = sent_log(root)
    versions = notice.versions()
    todo, skipped = [], []
    for person, message in batch:
        if all((v, person.id) in done for v in versions):
            skipped.append(person)
        else:
            todo.append((person, message))
    return todo, skipped


def _log(root: Path, notice: Notice, person: Person, message: EmailMessage, when: str) -> None:
    from opsmanual.yamledit import append_entry, locked

    with locked(root):
        for version in notice.versions():
            append_entry(
                root / SENT_LOG,
                {
                    "version": version,
                    "staff": person.id,
                    "email": person.email or "",
                    "sent": when,
                    "message_id": str(message["Message-ID"]),
                },
            )


# --- SMTP ----------------------------------------------------------------------------------


@dataclass
class Server:
    host: str = "localhost"
    port: int = 25
    user: str | None = None
    starttls: bool = False
    timeout: float = 30.0


def send(
    root: Path,
    notice: Notice,
    batch: list[tuple[Person, EmailMessage]],
    server: Server,
    when: str,
) -> tuple[list[Person], list[tuple[Person, str]]]:
    """Deliver each message; returns who was reached and who was not (with the reason).

    Raises `OpsError` when the server cannot be reached or refuses the login.
    """
    import ssl

    password = os.environ.get(PASSWORD_ENV)
    if server.user and not password:
        raise OpsError(_("--smtp-user is given but {variable} is not set", variable=PASSWORD_ENV))
    try:
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise OpsError(
            _(
                "cannot reach the SMTP server {host}:{port}: {reason}",
                host=server.host,
                port=server.port,
                reason=reason,
            )
        ) from None
    reached: list[Person] = []
    failed: list[tuple[Person, str]] = []
    with smtp:
        try:
            if server.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if server.user and password:
                smtp.login(server.user, password)
        except (OSError, smtplib.SMTPException) as exc:
            raise OpsError(
                _(
                    "the SMTP server {host}:{port} refused: {reason}",
                    host=server.host,
                    port=server.port,
                    reason=exc,
                )
            ) from None
        for person, message in batch:
            try:
                refused = smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused as exc:
                failed.append((person, _reason(exc.recipients)))
                continue
            except (OSError, smtplib.SMTPException) as exc:
                failed.append((person, str(exc) or type(exc).__name__))
                continue
            if refused:
                failed.append((person, _reason(refused)))
                continue
            reached.append(person)
            _log(root, notice, person, message, when)
    return reached, failed


def _reason(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{code} {text.decode('utf-8', 'replace')}" for code, text in refused.values())
