"""Background work, started after the database commit that it depends on.

`JOBS_BACKEND` chooses where a job runs:

- ``thread`` (default without Redis): a thread of the web process, in a new app context.
  A job lost with its process (a restart) is noticed by its own heartbeat going stale.
- ``rq`` (default when ``REDIS_URL`` is set): the queue ``JOBS_QUEUE`` ("marketplace") on
  Redis; ``rq worker marketplace`` runs it. The worker builds its own app with
  ``create_app()`` from its environment, which must name the same database and instance
  folder as the web's (the uploaded files live there). The job carries a fingerprint of
  both, without passwords, and refuses to run against another database.
- ``inline``: at once, in the caller's process (the CLI; tests that need no concurrency).
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from sqlalchemy import make_url

log = logging.getLogger(__name__)

BACKENDS = ("thread", "rq", "inline")
#: how long an RQ worker lets one job run before stopping it
JOB_TIMEOUT_SECONDS = 3600


def enqueue(func: Callable[..., Any], *args: Any) -> None:
    """Run `func(*args)` in the background; call it after committing what the job reads."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    path = f"{func.__module__}:{func.__qualname__}"
    backend = app.config.get("JOBS_BACKEND") or "thread"
    if backend not in BACKENDS:
        raise ValueError(f"JOBS_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend == "inline":
        _run(app, path, args)
    elif backend == "rq":
        rq_queue(app).enqueue(
            run_job,
            path,
            list(args),
            fingerprint(app),
            job_timeout=JOB_TIMEOUT_SECONDS,
            description=f"{path}{tuple(args)!r}",
        )
    else:
        threading.Thread(
            target=_run_logged, args=(app, path, args), name=f"job {path}", daemon=True
        ).start()
    log.info("job %s%r started (%s)", path, tuple(args), backend)


def rq_queue(app: Flask) -> Any:
    """The RQ queue jobs go to, on the Redis at REDIS_URL."""
    from redis import Redis
    from rq import Queue

    url = app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("JOBS_BACKEND is rq but REDIS_URL is not set")
    return Queue(app.config.get("JOBS_QUEUE", "marketplace"), connection=Redis.from_url(url))


def fingerprint(app: Flask) -> dict[str, str]:
    """Which database and instance folder a job belongs to (no passwords)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    return {"database": url, "instance": str(app.instance_path)}


def run_job(path: str, args: list[Any], expected: dict[str, str]) -> None:
    """Entry point of an RQ worker: build the app, check it is the right one, run the job."""
    from . import create_app
    from .extensions import db

    app = create_app()
    try:
        found = fingerprint(app)
        if found != expected:
            raise RuntimeError(
                f"this worker uses {found}, the job was made for {expected}: "
                "start `rq worker` with the web's DATABASE_URL and INSTANCE_PATH"
            )
        _run(app, path, tuple(args))
    finally:
        with app.app_context():
            db.engine.dispose()


def _resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def _run(app: Flask, path: str, args: tuple[Any, ...]) -> None:
    from .extensions import db

    with app.app_context():
        try:
            _resolve(path)(*args)
        finally:
            db.session.remove()


def _run_logged(app: Flask, path: str, args: tuple[Any, ...]) -> None:
    """A thread has nobody to raise to: log what escapes the job."""
    try:
        _run(app, path, args)
    except Exception:
        log.exception("job %s%r failed", path, args)
