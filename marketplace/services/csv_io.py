"""CSV import and export of a co-op's listings.

An upload is stored, then checked whole in the background; nothing is written until the
co-op presses "Import" (every row, or explicitly the valid rows it was shown). The import
checks the file again and writes all its rows in ONE transaction, or nothing. Jobs report
progress and a heartbeat through a connection of their own; a job whose heartbeat stops
(its process died) is marked failed when its page is opened, never left "running".
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from .. import jobs
from ..domain.listing_rules import next_status
from ..domain.messages import N_, FieldError
from ..extensions import db
from ..models import Coop, ImportStatus, Listing, ListingImport, ListingStatus, User
from ..models.base import utcnow
from . import csv_format
from .csv_check import Step, check_file
from .csv_format import CsvUnreadable, RowError

log = logging.getLogger(__name__)

#: a job that has not reported for this long is taken for dead
STALE_AFTER = timedelta(minutes=3)
ACTIVE = (ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.RUNNING)
_S = ImportStatus
CRASHED = N_("An unexpected error stopped the import (%(error)s). Nothing was written.")
STOPPED_REPORTING = N_(
    "The import stopped reporting progress for %(minutes)d minutes and was stopped. "
    "Nothing was written."
)
CHANGED_WHILE_WRITING = N_(
    "Some listings were changed by someone else while the import was writing. "
    "Nothing was written; check the file again."
)
NO_WORKER = N_("The background worker could not be reached. Nothing was written; try again.")


class ImportNotFound(LookupError):
    pass


class ImportNotReady(Exception):
    """The import is not waiting for that confirmation (or the row count differs)."""


def start_import(coop: Coop, by: User | None, filename: str, data: bytes) -> ListingImport:
    """Store an uploaded CSV and check it in the background; CsvUnreadable if it is no CSV."""
    text, encoding = csv_format.decode(data)
    parsed = csv_format.parse(text)
    if not parsed.rows:
        raise CsvUnreadable([FieldError("", N_("The file has a header but no rows."))])
    name = f"imports/{coop.id}-{uuid.uuid4().hex}.csv"
    path = Path(current_app.instance_path) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    listing_import = ListingImport(
        coop_id=coop.id,
        created_by_id=by.id if by is not None else None,
        filename=(filename.replace("\\", "/").rsplit("/", 1)[-1] or "upload.csv")[:200],
        stored_path=name,
        status=_S.UPLOADED,
        encoding=encoding,
        delimiter=parsed.delimiter,
        total_rows=len(parsed.rows),
        summary_json=json.dumps({"heartbeat": utcnow().isoformat()}),
    )
    db.session.add(listing_import)
    db.session.commit()
    log.info("import %s of co-op %s uploaded by %s", listing_import.id, coop.slug, _who(by))
    return _start(listing_import, validate_import)


def recheck_import(listing_import: ListingImport, by: User | None = None) -> ListingImport:
    """Check a stored file again (after a failure, or when listings changed meanwhile)."""
    if listing_import.status in ACTIVE or listing_import.status is _S.DONE:
        raise ImportNotReady(listing_import.status)
    _reset(listing_import.id, processed_rows=0, errors_json="[]", confirmed_lines_json=None)
    db.session.commit()
    return _start(listing_import, validate_import)


def confirm_import(
    listing_import: ListingImport, by: User | None, valid_rows: int | None = None
) -> ListingImport:
    """Write a checked import: all rows, or, given `valid_rows`, only the valid rows shown."""
    summary = json.loads(listing_import.summary_json)
    valid = summary.get("valid_lines", [])
    confirmed: list[int] | None = None
    if valid_rows is None and listing_import.status is _S.READY:
        pass
    elif valid_rows is not None and listing_import.status is _S.INVALID and valid:
        if valid_rows != len(valid):
            raise ImportNotReady("the number of valid rows differs from the one confirmed")
        confirmed = valid
    else:
        raise ImportNotReady(listing_import.status)
    heartbeat = {**summary, "heartbeat": utcnow().isoformat()}
    claimed = _set(
        listing_import.id,
        (listing_import.status,),
        status=_S.RUNNING,
        processed_rows=0,
        summary_json=json.dumps(heartbeat),
        confirmed_lines_json=None if confirmed is None else json.dumps(confirmed),
    )
    if not claimed:
        db.session.rollback()
        raise ImportNotReady("the import changed meanwhile")
    db.session.commit()
    log.info("import %s confirmed by %s", listing_import.id, _who(by))
    return _start(listing_import, apply_import)


def _guarded(job: Callable[[int], None]) -> Callable[[int], None]:
    """A job that fails marks its import failed, with the reason; it never stays running."""

    @wraps(job)
    def run(import_id: int) -> None:
        try:
            job(import_id)
        except Exception as error:
            db.session.rollback()
            log.exception("import %s failed", import_id)
            _fail(import_id, CRASHED, error=type(error).__name__)

    return run


@_guarded
def validate_import(import_id: int) -> None:
    """Job: check an uploaded file whole and record its errors and what it would do."""
    if not _set(import_id, (_S.UPLOADED,), status=_S.VALIDATING, processed_rows=0):
        db.session.rollback()
        return  # already taken, or marked failed
    db.session.commit()
    listing_import = db.session.get(ListingImport, import_id)
    assert listing_import is not None
    coop = db.session.get(Coop, listing_import.coop_id)
    check = check_file(coop, _read(listing_import), _progress(import_id, _S.VALIDATING))  # type: ignore[arg-type]
    outcome = _S.INVALID if check.errors else _S.READY
    _set(import_id, (_S.VALIDATING,), status=outcome, **check.recorded())
    db.session.commit()
    log.info("import %s checked: %s, %d errors", import_id, outcome, len(check.errors))


@_guarded
def apply_import(import_id: int) -> None:
    """Job: check the file again, then write every planned row in one transaction, or none."""
    listing_import = db.session.get(ListingImport, import_id)
    if listing_import is None or listing_import.status is not _S.RUNNING:
        return
    versions = json.loads(listing_import.summary_json).get("versions", {})
    confirmed = listing_import.confirmed_lines_json
    wanted = None if confirmed is None else set(json.loads(confirmed))
    coop = db.session.get(Coop, listing_import.coop_id)
    check = check_file(coop, _read(listing_import), _progress(import_id, _S.RUNNING))  # type: ignore[arg-type]
    steps = [s for s in check.steps if wanted is None or s.line in wanted]
    changed = _changed_meanwhile(steps, versions)
    check.errors += changed
    incomplete = wanted is not None and {step.line for step in steps} != wanted
    if changed or incomplete or (wanted is None and check.errors):
        recorded = check.recorded(recheck=True)
        _set(import_id, (_S.RUNNING,), status=_S.INVALID, confirmed_lines_json=None, **recorded)
        db.session.commit()
        log.info("import %s no longer checks out; nothing written", import_id)
        return
    counts = {"created": 0, "updated": 0, "archived": 0, "unchanged": 0}
    for step in steps:
        counts[_write(coop, step)] += 1  # type: ignore[arg-type]
    try:
        db.session.flush()
    except (IntegrityError, StaleDataError):  # another import or editor got there first
        db.session.rollback()
        _fail(import_id, CHANGED_WHILE_WRITING)
        return
    done = _set(
        import_id,
        (_S.RUNNING,),
        status=_S.DONE,
        processed_rows=check.total,
        summary_json=json.dumps(counts),
        finished_at=utcnow(),
    )
    if not done:
        db.session.rollback()  # marked failed meanwhile: write nothing
        return
    db.session.commit()
    log.info("import %s of co-op %s done: %s", import_id, coop.slug, counts)  # type: ignore[union-attr]


def _write(coop: Coop, step: Step) -> str:
    if step.kind == "unchanged":
        return "unchanged"
    listing = step.listing
    if listing is None:
        # published_at given for every row: same columns, so the INSERTs are batched
        listing = Listing(
            coop_id=coop.id, status=ListingStatus.DRAFT, published_at=None, **step.values
        )
        db.session.add(listing)
    else:
        for name, value in step.values.items():
            setattr(listing, name, value)
    for action in step.actions:
        new = next_status(str(listing.status), action)
        listing.status = ListingStatus(new)
        if new == "active" and listing.published_at is None:
            listing.published_at = utcnow()
    return {"create": "created", "archive": "archived"}.get(step.kind, "updated")


def _changed_meanwhile(steps: list[Step], versions: dict[str, int]) -> list[RowError]:
    message = N_("this listing was changed by someone else after the file was checked")
    return [
        RowError(step.line, "sku", message)
        for step in steps
        if (step.listing is not None and versions.get(step.sku) != step.listing.version)
        # checked as an update, but the listing's sku is gone now: it would become a create
        or (step.listing is None and step.sku in versions)
    ]


def import_for_page(coop: Coop, import_id: int) -> ListingImport:
    """One of the co-op's imports (ImportNotFound); a job that stopped reporting is failed."""
    listing_import = db.session.get(ListingImport, import_id)
    if listing_import is None or listing_import.coop_id != coop.id:
        raise ImportNotFound(import_id)
    if listing_import.status in ACTIVE and _last_beat(listing_import) < utcnow() - STALE_AFTER:
        minutes = int(STALE_AFTER.total_seconds() // 60)
        _fail(import_id, STOPPED_REPORTING, minutes=minutes)
        db.session.refresh(listing_import)
    return listing_import


@dataclass
class ImportReport:
    """What an import's page shows, read from what the jobs recorded."""

    errors: list[dict[str, Any]]
    error_count: int
    #: how many rows have at least one error
    error_rows: int
    summary: dict[str, Any]

    @property
    def failure(self) -> dict[str, Any] | None:
        return self.summary.get("failure")

    @property
    def valid_rows(self) -> int:
        return len(self.summary.get("valid_lines", []))

    @property
    def plan(self) -> dict[str, int]:
        return self.summary.get("plan", {})

    @property
    def preview(self) -> list[dict[str, Any]]:
        return self.summary.get("preview", [])


def import_report(listing_import: ListingImport, limit: int | None = None) -> ImportReport:
    """The import's errors (the first `limit` of them), their number, and its summary."""
    errors = json.loads(listing_import.errors_json or "[]")
    summary = json.loads(listing_import.summary_json or "{}")
    count = len(errors) + summary.get("more_errors", 0)
    rows = len({error["line"] for error in errors})
    return ImportReport(errors[:limit] if limit else errors, count, rows, summary)


def imports_of(coop: Coop, limit: int = 20) -> list[ListingImport]:
    """The co-op's latest imports, newest first."""
    query = select(ListingImport).where(ListingImport.coop_id == coop.id)
    return list(db.session.scalars(query.order_by(ListingImport.id.desc()).limit(limit)))


def listings_without_sku(coop: Coop) -> int:
    """How many of the co-op's listings have no sku (they cannot be in the CSV export)."""
    query = select(func.count()).where(Listing.coop_id == coop.id, Listing.sku.is_(None))
    return db.session.scalar(query.select_from(Listing)) or 0


def export_csv(coop: Coop) -> bytes:
    """The co-op's listings that have a sku, in the import format (action: update)."""
    query = (
        select(Listing)
        .options(joinedload(Listing.category))
        .where(Listing.coop_id == coop.id, Listing.sku.is_not(None))
        .order_by(Listing.sku)
    )
    return csv_format.write(
        csv_format.listing_row(listing) for listing in db.session.scalars(query)
    )


def template_csv() -> bytes:
    """An empty file with every column, and two example rows."""
    return csv_format.write(csv_format.example_rows())


def _start(listing_import: ListingImport, job: Callable[[int], None]) -> ListingImport:
    """Hand the import to a job; the caller's copy is reloaded on its next use."""
    try:
        jobs.enqueue(job, listing_import.id)
    except Exception:  # Redis unreachable, a thread that cannot start: say so, do not hang
        log.exception("could not start the job for import %s", listing_import.id)
        db.session.rollback()
        _fail(listing_import.id, NO_WORKER)
    db.session.expire(listing_import)
    return listing_import


def _read(listing_import: ListingImport) -> str:
    data = (Path(current_app.instance_path) / listing_import.stored_path).read_bytes()
    return csv_format.decode(data)[0]


def _set(import_id: int, expected: tuple[ImportStatus, ...], **values: Any) -> bool:
    """Update the import in the session's transaction if its status is still one of `expected`."""
    statement = (
        update(ListingImport)
        .where(ListingImport.id == import_id, ListingImport.status.in_(expected))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(db.session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _reset(import_id: int, **values: Any) -> None:
    beat = json.dumps({"heartbeat": utcnow().isoformat()})
    finished = (_S.INVALID, _S.READY, _S.FAILED)
    _set(import_id, finished, status=_S.UPLOADED, summary_json=beat, finished_at=None, **values)


def _fail(import_id: int, template: str, **params: object) -> None:
    failure = {"failure": {"template": template, "params": params}}
    _set(
        import_id, ACTIVE, status=_S.FAILED, summary_json=json.dumps(failure), finished_at=utcnow()
    )
    db.session.commit()


def _progress(import_id: int, status: ImportStatus) -> Callable[[int], None]:
    """Report rows done and a heartbeat on a connection of its own, committed at once."""

    def report(done: int) -> None:
        now = utcnow().isoformat()
        with db.engine.begin() as connection:
            connection.execute(
                update(ListingImport)
                .where(ListingImport.id == import_id, ListingImport.status == status)
                .values(processed_rows=done, summary_json=json.dumps({"heartbeat": now}))
            )

    return report


def _last_beat(listing_import: ListingImport) -> datetime:
    beat = json.loads(listing_import.summary_json or "{}").get("heartbeat")
    return datetime.fromisoformat(beat) if beat else listing_import.created_at


def _who(user: User | None) -> str:
    return f"user {user.id}" if user is not None else "the system"
