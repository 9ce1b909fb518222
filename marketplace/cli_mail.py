"""`flask mail send`: deliver the e-mail that is due, retries included (run it from cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="Outgoing e-mail commands.")


@mail_cli.command("send")
@click.option("--limit", default=100, show_default=True, help="Messages per batch.")
def mail_send_command(limit: int) -> None:
    """Send every message that is due now; exit 1 if some could not be sent."""
    from . import mail

    sent = failed = 0
    try:
        while True:
            batch_sent, batch_failed = mail.deliver_due(limit=limit)
            sent, failed = sent + batch_sent, failed + batch_failed
            # a failure says the server is struggling: the rest wait for their next attempt
            if batch_failed or batch_sent < limit:
                break
    except RuntimeError as error:  # a bad MAIL_* setting
        raise click.ClickException(str(error)) from error
    click.echo(
        f"{sent} message(s) sent, {failed} failed; {mail.waiting()} waiting for a later attempt."
    )
    if failed:
        click.get_current_context().exit(1)


def register(cli: AppGroup) -> None:
    """Add `flask mail ...` to the app's commands (`register(app.cli)`)."""
    cli.add_command(mail_cli)
