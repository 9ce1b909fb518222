"""Outgoing e-mail: written with the change it reports, delivered after the commit, kept and
retried while the mail server fails, never sent twice, never in the caller's way."""

from __future__ import annotations

import email
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace import mail
from marketplace.cli_mail import mail_cli
from marketplace.extensions import db
from marketplace.models import OutgoingMail, User
from marketplace.models.base import utcnow
from tests.factories import make_user
from tests.smtp_server import SmtpServer


@pytest.fixture
def smtp(app: Flask) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback, and the app set to send through it right after commits."""
    server = SmtpServer().start()
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_DELIVERY="inline",
        MAIL_SERVER=server.host,
        MAIL_PORT=server.port,
        MAIL_DEFAULT_SENDER="Marketplace <orders@coops.example>",
        MAIL_TIMEOUT=5,
    )
    yield server
    server.stop()


def eml_files(app: Flask) -> list[Path]:
    return sorted((Path(app.instance_path) / "mail").glob("*.eml"))


def read_eml(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[return-value]


def fresh(mail_id: int) -> OutgoingMail:
    """The row as the database has it now (delivery ran in a session of its own)."""
    db.session.expire_all()
    row = db.session.get(OutgoingMail, mail_id)
    assert row is not None
    return row


def test_queued_mail_is_not_written_when_the_transaction_rolls_back(app):
    app.config["MAIL_DELIVERY"] = "inline"
    mail.queue(["buyer@example.org"], "Your order", "Thanks.")
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0
    make_user()  # a later commit without mail sends nothing either
    assert eml_files(app) == []


def test_mail_is_delivered_only_after_the_commit_that_queued_it(app):
    app.config["MAIL_DELIVERY"] = "inline"
    queued = mail.queue(["buyer@example.org", " ", "Buyer@example.org"], "Order\nK7Q4", "Thanks.")
    assert queued is not None
    db.session.flush()
    assert eml_files(app) == []  # inside the transaction: nothing is sent
    db.session.commit()

    (path,) = eml_files(app)
    message = read_eml(path)
    assert message["To"] == "buyer@example.org"
    assert message["Subject"] == "Order K7Q4"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message["Date"] and message["Message-ID"]
    assert message.get_content().strip() == "Thanks."
    row = fresh(queued.id)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error is None


def test_nobody_to_write_to_queues_nothing(app):
    assert mail.queue([], "Subject", "Body") is None
    assert mail.queue(["", "  ", "not an address"], "Subject", "Body") is None
    assert not db.session.new


def test_the_smtp_backend_delivers_to_the_mail_server(app, smtp):
    queued = mail.queue(["buyer@example.org", "coop@example.org"], "Bestellung für Jörg", "Grüße\n")
    db.session.commit()

    (received,) = smtp.messages
    assert received.mail_from == "orders@coops.example"
    assert received.rcpt_tos == ["buyer@example.org", "coop@example.org"]
    message = received.message
    assert message["Subject"] == "Bestellung für Jörg"
    assert message["To"] == "buyer@example.org, coop@example.org"
    assert message["From"] == "Marketplace <orders@coops.example>"
    assert message["Message-ID"].endswith("@coops.example>")
    assert message["Date"]
    assert message.get_content() == "Grüße\n"
    assert eml_files(app) == []
    assert queued is not None and fresh(queued.id).sent_at is not None


def test_smtp_credentials_are_sent_to_the_server(app, smtp):
    app.config.update(MAIL_USERNAME="market", MAIL_PASSWORD="s3cret")
    mail.queue(["buyer@example.org"], "Hello", "Body")
    db.session.commit()
    assert smtp.logins == [("market", "s3cret")]
    assert len(smtp.messages) == 1


@pytest.mark.parametrize(
    "failure",
    ["down", "temporary refusal", "permanent refusal of the recipient"],
)
def test_a_failing_mail_server_keeps_the_mail_and_the_callers_commit(app, smtp, failure):
    if failure == "down":
        smtp.stop()
    elif failure == "temporary refusal":
        smtp.refuse(451)
    else:
        smtp.refused_recipients["buyer@example.org"] = 554
    before = utcnow()
    queued = mail.queue(["buyer@example.org"], "Your order", "Thanks.")
    user = make_user(email="buyer@example.org")  # the change the mail reports, same commit

    db.session.expire_all()
    assert db.session.get(User, user.id) is not None
    assert queued is not None
    row = fresh(queued.id)
    assert row.sent_at is None and row.attempts == 1
    expected = {
        "down": "ConnectionRefusedError",
        "temporary refusal": "SMTPDataError: (451",
        "permanent refusal of the recipient": "SMTPRecipientsRefused",
    }[failure]
    assert expected in (row.last_error or "")
    assert before + timedelta(minutes=1) <= row.next_attempt_at <= utcnow() + timedelta(minutes=1)
    assert smtp.messages == []


def test_a_later_delivery_after_the_server_is_back_sends_it_exactly_once(app, smtp):
    smtp.stop()
    queued = mail.queue(["buyer@example.org"], "Your order", "Thanks.")
    db.session.commit()
    assert queued is not None
    failed_at = fresh(queued.id).next_attempt_at - timedelta(minutes=1)

    smtp.start()
    assert mail.deliver_due(failed_at + timedelta(seconds=30)) == (0, 0)  # not due yet
    assert mail.deliver_due(failed_at + timedelta(minutes=1)) == (1, 0)
    assert mail.deliver_due(failed_at + timedelta(hours=5)) == (0, 0)
    assert len(smtp.messages) == 1
    row = fresh(queued.id)
    assert row.sent_at == failed_at + timedelta(minutes=1)
    assert row.attempts == 2
    assert "ConnectionRefusedError" in (row.last_error or "")  # what happened stays visible


def test_retries_back_off_1_5_15_60_minutes_then_hourly_and_never_give_up(app, smtp):
    app.config["MAIL_DELIVERY"] = "off"
    smtp.refuse(451, at="mail")
    queued = mail.queue(["buyer@example.org"], "Your order", "Thanks.")
    db.session.commit()
    assert queued is not None
    now = fresh(queued.id).next_attempt_at
    waits = []
    for _ in range(7):
        assert mail.deliver_due(now) == (0, 1)
        row = fresh(queued.id)
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert waits == [timedelta(minutes=m) for m in (1, 5, 15, 60, 60, 60, 60)]
    assert fresh(queued.id).attempts == 7

    smtp.accept()
    assert mail.deliver_due(now) == (1, 0)
    assert len(smtp.messages) == 1


def test_one_refused_message_does_not_hold_up_the_others(app, smtp):
    app.config["MAIL_DELIVERY"] = "off"
    smtp.refused_recipients["gone@example.org"] = 550
    mail.queue(["first@example.org"], "First", "1")
    refused = mail.queue(["gone@example.org"], "Second", "2")
    mail.queue(["third@example.org"], "Third", "3")
    db.session.commit()

    assert mail.deliver_due() == (2, 1)
    assert smtp.subjects() == ["First", "Third"]
    assert smtp.connections == 1  # one connection for the batch
    assert refused is not None and fresh(refused.id).sent_at is None


def test_an_unreachable_server_fails_the_whole_batch_at_once(app, smtp):
    app.config["MAIL_DELIVERY"] = "off"
    smtp.stop()
    for n in range(3):
        mail.queue([f"buyer{n}@example.org"], f"Order {n}", "Thanks.")
    db.session.commit()
    assert mail.deliver_due() == (0, 3)
    rows = db.session.scalars(select(OutgoingMail)).all()
    assert [row.attempts for row in rows] == [1, 1, 1]


def test_a_hung_mail_server_holds_up_the_commit_no_longer_than_the_timeout(app, smtp):
    smtp.silent = True
    app.config["MAIL_TIMEOUT"] = 0.5
    queued = mail.queue(["buyer@example.org"], "Your order", "Thanks.")
    started = time.monotonic()
    db.session.commit()
    assert time.monotonic() - started < 3
    assert queued is not None
    row = fresh(queued.id)
    assert row.sent_at is None and row.attempts == 1
    assert "timed out" in (row.last_error or "")


def test_deliverers_running_at_once_never_send_one_message_twice(app, smtp):
    app.config["MAIL_DELIVERY"] = "off"
    subjects = [f"Order {n}" for n in range(40)]
    for subject in subjects:
        mail.queue(["buyer@example.org"], subject, "Thanks.")
    db.session.commit()

    start = threading.Barrier(4)
    totals: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def deliverer() -> None:
        try:
            with app.app_context():
                start.wait()
                # small batches: the deliverers claim often, and at the same moments
                while (done := mail.deliver_due(limit=1)) != (0, 0):
                    totals.append(done)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=deliverer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(smtp.subjects()) == sorted(subjects)
    assert sum(sent for sent, _ in totals) == len(subjects)
    assert mail.waiting() == 0


def test_a_message_being_sent_is_not_offered_to_another_deliverer(app, smtp):
    app.config["MAIL_DELIVERY"] = "off"
    smtp.delay = 1.0  # the first deliverer is still busy when the second looks
    mail.queue(["buyer@example.org"], "Your order", "Thanks.")
    db.session.commit()

    def first() -> None:
        with app.app_context():
            mail.deliver_due()

    thread = threading.Thread(target=first)
    thread.start()
    deadline = time.monotonic() + 10
    while smtp.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert mail.deliver_due() == (0, 0)
    thread.join(10)
    assert smtp.subjects() == ["Your order"]
    assert mail.waiting() == 0


def test_the_default_delivery_runs_as_a_background_job_after_the_commit(app):
    app.config.update(MAIL_DELIVERY="job", JOBS_BACKEND="thread")
    queued = mail.queue(["buyer@example.org"], "Your order", "Thanks.")
    db.session.commit()
    assert queued is not None
    deadline = time.monotonic() + 10
    while fresh(queued.id).sent_at is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fresh(queued.id).sent_at is not None
    assert len(eml_files(app)) == 1
    for thread in threading.enumerate():
        if thread.name == "job marketplace.mail:deliver_due":
            thread.join(10)  # its session is closed before the test's database goes


def test_a_job_queue_that_is_down_neither_fails_the_commit_nor_loses_the_mail(app):
    app.config.update(MAIL_DELIVERY="job", JOBS_BACKEND="rq", REDIS_URL="redis://127.0.0.1:1/0")
    queued = mail.queue(["buyer@example.org"], "Your order", "Thanks.")
    user = make_user()
    db.session.expire_all()
    assert db.session.get(User, user.id) is not None
    assert queued is not None and fresh(queued.id).sent_at is None

    app.config["JOBS_BACKEND"] = "inline"
    assert mail.deliver_due() == (1, 0)  # the next delivery (or `flask mail send`) sends it


def test_flask_mail_send_delivers_what_is_due_and_reports_failures(app, smtp):
    app.config["MAIL_DELIVERY"] = "off"
    mail.queue(["buyer@example.org"], "Your order", "Thanks.")
    db.session.commit()
    assert smtp.messages == []  # off: only the command sends

    runner = app.test_cli_runner()
    result = runner.invoke(mail_cli, ["send"])
    assert result.exit_code == 0, result.output
    assert "1 message(s) sent, 0 failed; 0 waiting" in result.output
    assert len(smtp.messages) == 1

    smtp.stop()
    mail.queue(["buyer@example.org"], "Shipped", "On its way.")
    db.session.commit()
    result = runner.invoke(mail_cli, ["send"])
    assert result.exit_code == 1, result.output
    assert "0 message(s) sent, 1 failed; 1 waiting" in result.output


def test_a_bad_mail_setting_claims_nothing_and_says_what_is_wrong(app):
    app.config.update(MAIL_DELIVERY="off", MAIL_BACKEND="carrier-pigeon")
    queued = mail.queue(["buyer@example.org"], "Your order", "Thanks.")
    db.session.commit()
    with pytest.raises(RuntimeError, match="MAIL_BACKEND must be one of file, smtp"):
        mail.deliver_due()
    assert queued is not None
    row = fresh(queued.id)
    assert row.attempts == 0 and row.next_attempt_at <= utcnow()

    result = app.test_cli_runner().invoke(mail_cli, ["send"])
    assert result.exit_code == 1
    assert "MAIL_BACKEND must be one of file, smtp" in result.output
