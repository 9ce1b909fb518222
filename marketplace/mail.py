"""Outgoing e-mail. For now every message is written as an .eml file under `<instance>/mail/`."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app


def mail_folder() -> Path:
    """Where messages are written: `<instance>/mail`."""
    return Path(current_app.instance_path) / "mail"


def send(to: list[str], subject: str, body: str) -> Path | None:
    """Write one message to `to` (nothing when the list is empty); return its file."""
    recipients = [address for address in to if address]
    if not recipients:
        return None
    message = EmailMessage()
    message["From"] = current_app.config.get("MAIL_DEFAULT_SENDER", "marketplace@localhost")
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="marketplace.local")
    message.set_content(body)
    folder = mail_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(bytes(message))
    return path
