"""Work that falls due with time rather than with a request.

Unpaid orders pass their payment time and must give their stock back; e-mail that
failed waits for its next attempt; with Stripe, transfers, reversals and refunds that
failed (or were never tried, after a crash) wait for theirs. With `HOUSEKEEPING=thread`
(the default) each web process runs all of it every minute in a background thread,
started with its first request; several processes doing so is safe (rows are claimed
or locked). With `off`, run `flask orders expire`, `flask mail send` and `flask payouts
run` from cron instead.
"""

from __future__ import annotations

import atexit
import logging
import threading

from flask import Flask

from search.sync import Indexer

log = logging.getLogger(__name__)

MODES = ("thread", "off")
#: how often the housekeeper looks for due work
EVERY_SECONDS = 60.0
_KEY = "housekeeper"
_lock = threading.Lock()


def mode(app: Flask) -> str:
    value = app.config.get("HOUSEKEEPING") or "thread"
    if value not in MODES:
        raise RuntimeError(f"HOUSEKEEPING must be one of {', '.join(MODES)}, not {value!r}")
    return value


def run_once(app: Flask) -> None:
    """Expire unpaid orders past their time; deliver mail that is due (retries included);
    with Stripe, send the transfers, reversals and refunds that are due."""
    from . import mail
    from .extensions import db
    from .services.coop_orders import expire_due

    with app.app_context():
        try:
            expire_due()
            due = mail.delivery_mode(app) != "off" and mail.waiting() > 0
            db.session.rollback()
            if due:
                mail.deliver_due()
            if app.config.get("STRIPE_SECRET_KEY"):
                from .services import stripe_payouts

                stripe_payouts.run()
        finally:
            db.session.remove()


def start(app: Flask) -> Indexer | None:
    """Start this process's housekeeper once (again after a fork); None when off."""
    if mode(app) != "thread":
        return None
    running: Indexer | None = app.extensions.get(_KEY)
    if running is not None and running.alive:
        return running
    with _lock:
        running = app.extensions.get(_KEY)
        if running is not None and running.alive:
            return running
        running = Indexer(lambda: run_once(app), poll_seconds=EVERY_SECONDS, name="housekeeper")
        app.extensions[_KEY] = running.start()
        atexit.register(running.stop, 5.0)
        return running


def init_app(app: Flask) -> None:
    """Check the setting; start the housekeeper with the first request of a web process."""
    mode(app)

    @app.before_request
    def _ensure_housekeeper() -> None:
        start(app)
