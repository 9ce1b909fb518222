"""E-mail waiting to be sent, written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import Timestamp, utcnow


class OutgoingMail(db.Model):
    """One message. Sent after the commit that wrote it; kept and retried while the mail
    server fails, so an order is never lost or held up by e-mail."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: addresses separated by ", "
    recipients: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    #: not tried before this moment (backs off after failures)
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp, index=True)
