"""Outgoing e-mail: queued in the transaction that causes it, delivered after the commit.

- `queue(to, subject, body)` adds an `OutgoingMail` row to the session: the caller's commit
  writes it together with the change it reports; a rollback takes it away.
- After a commit that wrote mail, delivery starts as `MAIL_DELIVERY` says: `job` (default:
  a background job, see `jobs.py`; nobody waits for the mail server), `inline` (right after
  the commit, in the committing thread: tests) or `off` (only `flask mail send`). Nothing
  about delivery raises into the caller: its commit has happened.
- `deliver_due()` claims the messages that are due, so that two deliverers never send one
  twice, and sends them through `MAIL_BACKEND`: `file` (an .eml file under `<instance>/mail/`,
  for development) or `smtp`. A failure is written on the row, which is tried again after
  1, 5, 15 and 60 minutes, then hourly, for as long as it takes: a message is never dropped.
  Retries run with the next delivery and with `flask mail send` (run it from cron).
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from . import jobs
from .extensions import db
from .models.base import utcnow
from .models.mail import OutgoingMail

log = logging.getLogger(__name__)

BACKENDS = ("file", "smtp")
DELIVERY_MODES = ("job", "inline", "off")
#: wait after the 1st, 2nd, 3rd ... failed attempt; the last one repeats
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
#: a claimed message is offered to no other deliverer for this long; if its deliverer
#: dies before recording the outcome, it is tried again after that
CLAIM_LEASE = timedelta(minutes=30)
SUBJECT_MAX = 300
#: the server refused this one message: the connection serves the next one
_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
#: session.info key: this transaction wrote mail
_QUEUED = "outgoing_mail_queued"

Send = Callable[[EmailMessage], None]


def mail_folder() -> Path:
    """Where the `file` backend writes messages: `<instance>/mail`."""
    return Path(current_app.instance_path) / "mail"


def queue(to: Iterable[str], subject: str, body: str) -> OutgoingMail | None:
    """Add one message to `to` to the session (the caller's commit writes it); None if nobody.

    Everyone in `to` sees the other addresses: queue one message per party.
    """
    recipients = _recipients(to)
    if not recipients:
        return None
    now = utcnow()
    mail = OutgoingMail(
        recipients=", ".join(recipients),
        # one header line: a line break in a subject would end the header
        subject=" ".join(subject.split())[:SUBJECT_MAX],
        body=body,
        created_at=now,
        next_attempt_at=now,
        attempts=0,
    )
    db.session.add(mail)
    return mail


def _recipients(to: Iterable[str]) -> list[str]:
    found: dict[str, str] = {}
    for raw in to:
        address = (raw or "").strip()
        if not address:
            continue
        if "@" not in address or any(c.isspace() or c in ",;<>" for c in address):
            log.warning("mail: %r is not an e-mail address; left out", address)
            continue
        found.setdefault(address.lower(), address)
    return list(found.values())


def waiting() -> int:
    """How many messages are not sent yet."""
    count = db.session.scalar(
        select(func.count()).select_from(OutgoingMail).where(OutgoingMail.sent_at.is_(None))
    )
    return count or 0


# --- starting delivery after the commit ----------------------------------------------------


@event.listens_for(Session, "after_flush")
def _note_queued(session: Session, flush_context: Any) -> None:
    if any(isinstance(obj, OutgoingMail) for obj in session.new):
        session.info[_QUEUED] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_QUEUED, False) and has_app_context():
        start_delivery()


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    # the outermost transaction ended: committed (delivery started above) or rolled back
    if transaction.parent is None:
        session.info.pop(_QUEUED, None)


def delivery_mode(app: Flask) -> str:
    mode = app.config.get("MAIL_DELIVERY") or "job"
    if mode not in DELIVERY_MODES:
        raise RuntimeError(
            f"MAIL_DELIVERY must be one of {', '.join(DELIVERY_MODES)}, not {mode!r}"
        )
    return mode


def start_delivery() -> None:
    """Deliver what is due, as `MAIL_DELIVERY` says; a failure is logged, never raised."""
    try:
        mode = delivery_mode(current_app)
        if mode == "job":
            jobs.enqueue(deliver_due)
        elif mode == "inline":
            deliver_due()
    except Exception:
        log.exception("mail: delivery failed to start; the messages wait for the next attempt")


# --- delivering ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Claimed:
    id: int
    recipients: str
    subject: str
    body: str
    created_at: datetime
    attempts: int


def deliver_due(now: datetime | None = None, limit: int = 100) -> tuple[int, int]:
    """Send up to `limit` messages that are due; (sent, failed). Uses a session of its own."""
    now = now or utcnow()
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    transport = _transport(app)  # a bad setting fails before anything is claimed
    sender = app.config.get("MAIL_DEFAULT_SENDER") or "marketplace@localhost"
    # a fresh app context, hence a fresh session: the caller's is neither used nor committed
    with app.app_context():
        claimed = _claim(now, limit)
        if not claimed:
            return 0, 0
        sent = failed = 0
        with transport() as send:
            for index, item in enumerate(claimed):
                try:
                    send(_message(item, sender))
                except _REFUSED as error:
                    _record_failure(item, now, error)
                    failed += 1
                except Exception as error:
                    # the server is unreachable or the folder unwritable: the rest would
                    # fail alike, and each try could take the whole timeout
                    for rest in claimed[index:]:
                        _record_failure(rest, now, error)
                    failed += len(claimed) - index
                    break
                else:
                    _record_sent(item, now)
                    sent += 1
        return sent, failed


def _claim(now: datetime, limit: int) -> list[_Claimed]:
    """Lease the due messages to this deliverer, in a transaction of their own."""
    is_due = (OutgoingMail.sent_at.is_(None), OutgoingMail.next_attempt_at <= now)
    due = (
        select(OutgoingMail.id)
        .where(*is_due)
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        # rows another deliverer is claiming right now are passed over, not waited for;
        # SQLite runs one write at a time, and the repeated condition below holds there
        due = due.with_for_update(skip_locked=True)
    rows = db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id.in_(due), *is_due)
        .values(next_attempt_at=now + CLAIM_LEASE)
        .returning(
            OutgoingMail.id,
            OutgoingMail.recipients,
            OutgoingMail.subject,
            OutgoingMail.body,
            OutgoingMail.created_at,
            OutgoingMail.attempts,
        )
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted((_Claimed(*row) for row in rows), key=lambda item: item.id)


def _message(item: _Claimed, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = item.recipients
    message["Subject"] = item.subject
    message["Date"] = format_datetime(item.created_at)
    # the same on every attempt: a receiver can drop a copy sent twice
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<{item.created_at:%Y%m%d%H%M%S%f}.{item.id}@{domain}>"
    message.set_content(item.body)
    return message


def backoff(failures: int) -> timedelta:
    """How long to wait after the `failures`-th failed attempt."""
    return BACKOFF[min(max(failures, 1), len(BACKOFF)) - 1]


def _record_sent(item: _Claimed, now: datetime) -> None:
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == item.id, OutgoingMail.sent_at.is_(None))
        .values(sent_at=now, attempts=OutgoingMail.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _record_failure(item: _Claimed, now: datetime, error: BaseException) -> None:
    failures = item.attempts + 1
    retry_at = now + backoff(failures)
    reason = f"{type(error).__name__}: {error}"[:2000]
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == item.id, OutgoingMail.sent_at.is_(None))
        .values(attempts=OutgoingMail.attempts + 1, last_error=reason, next_attempt_at=retry_at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    log.warning(
        "mail %d to %s not sent (attempt %d): %s; next attempt at %s",
        item.id,
        item.recipients,
        failures,
        reason,
        retry_at.isoformat(timespec="seconds"),
    )


# --- transports ----------------------------------------------------------------------------


def _transport(app: Flask) -> Callable[[], AbstractContextManager[Send]]:
    name = app.config.get("MAIL_BACKEND") or "file"
    if name == "file":
        return partial(_file_transport, Path(app.instance_path) / "mail")
    if name == "smtp":
        return partial(_smtp_transport, SmtpSettings.from_config(app.config))
    raise RuntimeError(f"MAIL_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")


@contextmanager
def _file_transport(folder: Path) -> Iterator[Send]:
    def send(message: EmailMessage) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{uuid.uuid4().hex}.eml"
        # written aside, then renamed: a reader never sees half a message
        partial_path = path.with_suffix(".part")
        partial_path.write_bytes(bytes(message))
        os.replace(partial_path, path)

    yield send


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str | None
    password: str | None
    timeout: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        use_tls, use_ssl = bool(config.get("MAIL_USE_TLS")), bool(config.get("MAIL_USE_SSL"))
        if use_tls and use_ssl:
            raise RuntimeError("set MAIL_USE_TLS (STARTTLS) or MAIL_USE_SSL, not both")
        port = config.get("MAIL_PORT") or (465 if use_ssl else 587 if use_tls else 25)
        return cls(
            host=config.get("MAIL_SERVER") or "localhost",
            port=int(port),
            use_tls=use_tls,
            use_ssl=use_ssl,
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            timeout=float(config.get("MAIL_TIMEOUT") or 10),
        )


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.use_ssl:
        smtp = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.use_tls:
            smtp.starttls(context=context)
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


@contextmanager
def _smtp_transport(settings: SmtpSettings) -> Iterator[Send]:
    """One connection for the batch, opened with the first message."""
    connection: smtplib.SMTP | None = None

    def send(message: EmailMessage) -> None:
        nonlocal connection
        if connection is None or connection.sock is None:  # (closed by a 421 reply)
            connection = _connect(settings)
        connection.send_message(message)

    try:
        yield send
    finally:
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
