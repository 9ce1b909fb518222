"""The application's search engine, and keeping it in step with the database.

- `get_backend()`: the engine chosen by `SEARCH_BACKEND`, one per app.
- Recording: session events write a `SearchOutbox` row, in the same transaction, for every
  change that alters what search shows (listings; a co-op's status, name or slug; a
  category's name, slug or parent; a label's name or slug; a label claim's status, expiry,
  re-review deadline or subject). A rolled-back change leaves no row; a committed one
  always does.
- Applying: after a commit that wrote rows, the rows are applied by one writer at a time
  (the holder of `backend.writer_lock()`), which deletes them only after the engine
  committed. `SEARCH_SYNC` says who applies them: `thread` (a background indexer per
  web process, woken after each such commit and polling every two seconds for rows other
  processes left; processes without one, such as the CLI or an RQ worker, apply their
  own rows right after committing), `inline` (always right after the commit, in the
  committing thread) or `off` (only recorded; `flask search sync` applies them).
- Time: label approvals run out and re-review deadlines pass without any write; a sweep
  (at most once a minute by the indexer, and by `flask search sync`) records the listings
  whose labels ran out since the last sweep.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import and_, delete, event, func, insert, inspect, or_, select
from sqlalchemy.orm import Session

from search import sync as search_sync
from search.backend import Drift, ListingDocument, SearchBackend, check
from search.sync import Change, SyncReport

from ..extensions import db
from ..models import (
    Category,
    ClaimStatus,
    Coop,
    IndexTarget,
    Label,
    LabelClaim,
    Listing,
    ListingStatus,
    SearchOutbox,
    SearchState,
)
from ..models.base import utcnow
from .search_documents import all_documents, documents_for, expected_fingerprints, searchable

log = logging.getLogger(__name__)

BACKENDS = ("whoosh", "postgres")
SYNC_MODES = ("thread", "inline", "off")
#: how often the indexer looks for rows other processes left
POLL_SECONDS = 2.0
#: the indexer sweeps for label approvals that ran out at most this often
SWEEP_EVERY = timedelta(minutes=1)
#: SearchState name: label expiries and re-review deadlines up to here are recorded
SWEPT = "labels_swept_at"
#: more targets than this in one sweep are recorded as "everything"
SWEEP_ALL_ABOVE = 1000

_INDEXER = "search_indexer"
_CHECKED_EMPTY = "search_checked_empty"


def get_backend() -> SearchBackend:
    """The app's `SearchBackend` (built on first use, then kept on the app)."""
    app = current_app
    backend = app.extensions.get("search_backend")
    if backend is None:
        name = app.config.get("SEARCH_BACKEND") or "whoosh"
        if name == "whoosh":
            from search.whoosh_backend import WhooshBackend

            folder = app.config.get("SEARCH_INDEX_DIR") or Path(app.instance_path) / "search"
            backend = WhooshBackend(Path(folder))
        elif name == "postgres":
            if db.engine.dialect.name != "postgresql":
                raise RuntimeError("SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL")
            from search.postgres_backend import PostgresBackend

            backend = PostgresBackend(db.engine)
        else:
            raise RuntimeError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
        app.extensions["search_backend"] = backend
    return backend


def sync_mode(app: Flask) -> str:
    mode = app.config.get("SEARCH_SYNC") or "thread"
    if mode not in SYNC_MODES:
        raise RuntimeError(f"SEARCH_SYNC must be one of {', '.join(SYNC_MODES)}, not {mode!r}")
    return mode


def init_app(app: Flask) -> None:
    """Check the settings; start the indexer with the first request of a web process."""
    sync_mode(app)

    @app.before_request
    def _ensure_indexer() -> None:
        start_indexer(app)


# --- recording ---------------------------------------------------------------------------

#: session.info keys: targets written in the current transaction; rows written since commit
_SEEN = "search_outbox_seen"
_PENDING = "search_outbox_pending"

#: listing columns that never change what the index holds (and change often)
_LISTING_IGNORED = frozenset({"updated_at", "version", "stock", "capacity", "vat_rate_bp"})
#: attributes whose change matters, for the other recorded models
_WATCHED: dict[type, tuple[str, ...]] = {
    Coop: ("status", "name", "slug"),
    Category: ("name", "slug", "parent_id", "parent"),
    Label: ("name", "slug"),
    LabelClaim: (
        "status",
        "expires_at",
        "rereview_due_at",
        "listing_id",
        "listing",
        "coop_id",
        "coop",
        "label_id",
        "label",
    ),
}
_KIND: dict[type, IndexTarget] = {
    Coop: IndexTarget.COOP,
    Category: IndexTarget.CATEGORY,
    Label: IndexTarget.LABEL,
}

Target = tuple[IndexTarget, int | None]


def _id(obj: Any) -> int:
    """The object's primary key, also in `after_flush` (before it has an identity key)."""
    value = inspect(obj).dict.get("id")
    return int(value if value is not None else inspect(obj).identity[0])


@cache
def _listing_keys() -> tuple[str, ...]:
    columns = [prop.key for prop in inspect(Listing).column_attrs]
    return (*(key for key in columns if key not in _LISTING_IGNORED), "coop", "category")


def _changed(obj: Any, keys: Iterable[str]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[key].history.has_changes() for key in keys)


def _values(obj: Any, key: str) -> set[Any]:
    """The attribute's value now and before the flush (both, when it changed)."""
    history = inspect(obj).attrs[key].history
    found = {*history.added, *history.unchanged, *history.deleted}
    if not found:
        found = {inspect(obj).dict.get(key)}
    return found


def _never(obj: Any, status: StrEnum) -> bool:
    """Neither before nor after the flush had `obj` this status (False when not loaded)."""
    history = inspect(obj).attrs["status"].history
    values = {*history.added, *history.unchanged, *history.deleted}
    return bool(values) and all(
        value is not None and type(status)(value) is not status for value in values
    )


def _claim_targets(obj: LabelClaim) -> set[Target]:
    listings = {value for value in _values(obj, "listing_id") if value is not None}
    targets: set[Target] = {(IndexTarget.LISTING, listing_id) for listing_id in listings}
    if None in _values(obj, "listing_id") or not listings:
        coops = {value for value in _values(obj, "coop_id") if value is not None}
        targets |= {(IndexTarget.COOP, coop_id) for coop_id in coops}
    return targets or {(IndexTarget.ALL, None)}


def _targets(obj: Any, change: str) -> set[Target]:
    """What a flushed insert, update or delete of `obj` means for the index."""
    if isinstance(obj, Listing):
        if change == "update" and not _changed(obj, _listing_keys()):
            return set()
        if _never(obj, ListingStatus.ACTIVE):
            # a draft being written, an archived listing deleted: not in the index
            return set()
        return {(IndexTarget.LISTING, _id(obj))}
    if isinstance(obj, LabelClaim):
        if change == "update" and not _changed(obj, _WATCHED[LabelClaim]):
            return set()
        if _never(obj, ClaimStatus.APPROVED):
            # a claim being drafted, submitted or rejected verifies nothing
            return set()
        return _claim_targets(obj)
    kind = _KIND.get(type(obj))
    if kind is None or change != "update" or not _changed(obj, _WATCHED[type(obj)]):
        # a new co-op, category or label has no listings yet; one with listings cannot
        # be deleted (the listings' and claims' foreign keys restrict it)
        return set()
    return {(kind, _id(obj))}


def _write(session: Session, targets: set[Target]) -> None:
    """Insert outbox rows on the session's connection: inside its transaction."""
    seen: set[Target] = session.info.setdefault(_SEEN, set())
    new = targets - seen
    if not new:
        return
    now = utcnow()
    rows = [
        {"target": target, "target_id": target_id, "created_at": now}
        for target, target_id in sorted(new, key=lambda t: (t[0].value, t[1] or 0))
    ]
    session.connection().execute(insert(SearchOutbox.__table__), rows)
    seen |= new
    session.info[_PENDING] = True


@event.listens_for(Session, "after_flush")
def _record_flush(session: Session, flush_context: Any) -> None:
    targets: set[Target] = set()
    for change, objects in (
        ("insert", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if isinstance(obj, (Listing, LabelClaim, Coop, Category, Label)):
                targets |= _targets(obj, change)
    if targets:
        _write(session, targets)


_BULK_KIND: dict[type, IndexTarget] = {Listing: IndexTarget.LISTING, **_KIND}


@event.listens_for(Session, "do_orm_execute")
def _record_bulk(state: Any) -> None:
    """ORM `update(...)`/`delete(...)`/`insert(...)` statements skip the flush: record them here."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    tracked = [m.class_ for m in state.all_mappers if m.class_ in (*_BULK_KIND, LabelClaim)]
    if not tracked:
        return
    cls = tracked[0]
    statement = state.statement
    connection = state.session.connection()
    where = getattr(statement, "whereclause", None)
    targets: set[Target]
    if state.is_insert:
        # new listings or claims, ids not known yet: everything (a new co-op, category
        # or label has no listings)
        if cls not in (Listing, LabelClaim):
            return
        targets = {(IndexTarget.ALL, None)}
    elif where is None:
        targets = {(IndexTarget.ALL, None)}
    elif cls is LabelClaim:
        rows = connection.execute(select(LabelClaim.listing_id, LabelClaim.coop_id).where(where))
        targets = {
            (IndexTarget.LISTING, row.listing_id)
            if row.listing_id is not None
            else (IndexTarget.COOP, row.coop_id)
            for row in rows
        }
    else:
        ids = connection.execute(select(cls.id).where(where)).scalars()
        targets = {(_BULK_KIND[cls], target_id) for target_id in ids}
    if targets:
        _write(state.session, targets)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    # (a flush runs in a subtransaction of its own: that one ending changes nothing)
    if transaction.nested:
        # a savepoint rolled back takes its rows with it: forget what was written
        # (a duplicate row after a savepoint is harmless, a missing one is not)
        session.info.pop(_SEEN, None)
    elif transaction.parent is None:
        session.info.pop(_SEEN, None)
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.info.pop(_PENDING, False) or not has_app_context():
        return
    if session.info.get("search_indexer"):
        return
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    mode = sync_mode(app)
    if mode == "off":
        return
    if mode == "thread":
        indexer = app.extensions.get(_INDEXER)
        if indexer is not None and indexer.alive:
            indexer.wake()
            return
    _apply_now(app)


_local = threading.local()


def _apply_now(app: Flask) -> None:
    """Apply pending rows in this thread, in a session of its own; failures only logged:
    the change is committed and its rows stay for the next writer."""
    if getattr(_local, "applying", False):
        return
    _local.applying = True
    try:
        sync(rebuild_if_empty=not app.extensions.get(_CHECKED_EMPTY, False))
    except Exception:
        log.exception("search: applying index changes failed; they stay in the outbox")
    finally:
        _local.applying = False


# --- applying ----------------------------------------------------------------------------


def _chunks(values: Iterable[int], size: int = 500) -> Iterator[list[int]]:
    items = sorted(set(values))
    for start in range(0, len(items), size):
        yield items[start : start + size]


class DatabaseOutbox:
    """The `search.sync.Outbox` over `search_outbox`, in the app's session."""

    def pending(self, limit: int) -> Sequence[Change]:
        rows = db.session.execute(
            select(SearchOutbox.id, SearchOutbox.target, SearchOutbox.target_id)
            .order_by(SearchOutbox.id)
            .limit(limit)
        )
        return [Change(row.id, str(row.target), row.target_id) for row in rows]

    def listing_ids(self, targets: set[tuple[str, int | None]]) -> set[int]:
        wanted: dict[str, set[int]] = {kind.value: set() for kind in IndexTarget}
        for target, target_id in targets:
            if target_id is not None:
                wanted[target].add(target_id)
        ids = set(wanted[IndexTarget.LISTING])
        coops = set(wanted[IndexTarget.COOP])
        for chunk in _chunks(wanted[IndexTarget.LABEL]):
            for listing_id, coop_id in db.session.execute(
                select(LabelClaim.listing_id, LabelClaim.coop_id)
                .where(LabelClaim.label_id.in_(chunk))
                .distinct()
            ):
                if listing_id is not None:
                    ids.add(listing_id)
                else:
                    coops.add(coop_id)
        for chunk in _chunks(coops):
            ids.update(db.session.scalars(select(Listing.id).where(Listing.coop_id.in_(chunk))))
        categories = _with_subcategories(wanted[IndexTarget.CATEGORY])
        for chunk in _chunks(categories):
            ids.update(db.session.scalars(select(Listing.id).where(Listing.category_id.in_(chunk))))
        return ids

    def documents(self, ids: Iterable[int]) -> dict[int, ListingDocument | None]:
        documents = documents_for(ids)
        # end the read before the engine works: no transaction stays open meanwhile
        db.session.rollback()
        return documents

    def all_documents(self) -> Iterable[ListingDocument]:
        return all_documents()

    def done(self, change_ids: Sequence[int]) -> None:
        for chunk in _chunks(change_ids):
            db.session.execute(
                delete(SearchOutbox)
                .where(SearchOutbox.id.in_(chunk))
                .execution_options(synchronize_session=False)
            )
        db.session.commit()


def _with_subcategories(roots: set[int]) -> set[int]:
    if not roots:
        return set()
    children: dict[int, list[int]] = {}
    for category_id, parent_id in db.session.execute(select(Category.id, Category.parent_id)):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(category_id)
    found, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@contextmanager
def writing(backend: SearchBackend) -> Iterator[None]:
    """Hold the backend's writer lock (once per thread: nested use does not lock again)."""
    held: set[int] = getattr(_local, "held", None) or set()
    _local.held = held
    if id(backend) in held:
        yield
        return
    with backend.writer_lock():
        held.add(id(backend))
        try:
            yield
        finally:
            held.discard(id(backend))


@contextmanager
def _own_session() -> Iterator[None]:
    """A fresh app context, hence a database session of the indexer's own: the caller's
    session (a request's, a test's) is neither rolled back nor committed by it."""
    with current_app.app_context():
        # commits of the indexer's session never trigger another pass
        db.session().info["search_indexer"] = True
        yield


def sync(*, sweep: bool | str = False, rebuild_if_empty: bool = False) -> SyncReport:
    """Apply every pending outbox row, holding the writer lock; what it did.

    `sweep`: True records label expiries since the last sweep first; "due" does so only
    if no process swept in the last minute. `rebuild_if_empty`: build the index from the
    database first when it holds nothing but the database has searchable listings.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    backend = get_backend()
    report = SyncReport()
    with _own_session(), writing(backend):
        if rebuild_if_empty:
            report.rebuilt = _rebuild_if_empty(backend)
            app.extensions[_CHECKED_EMPTY] = True
        if sweep:
            report.swept = sweep_expiries(only_if_due=sweep == "due")
        report.add(search_sync.drain(backend, DatabaseOutbox()))
    return report


def _rebuild_if_empty(backend: SearchBackend) -> int | None:
    if backend.count() > 0:
        return None
    has_listings = db.session.scalar(searchable().with_only_columns(Listing.id).limit(1))
    db.session.rollback()
    if has_listings is None:
        return None
    count = backend.rebuild(all_documents())
    db.session.rollback()
    log.info("search: the index was empty; rebuilt it with %d listing(s)", count)
    return count


def sweep_expiries(now: datetime | None = None, only_if_due: bool = False) -> int:
    """Record the listings whose label approvals ran out or passed their re-review deadline
    since the last sweep; how many outbox rows that wrote. Call it holding the writer lock."""
    now = now or utcnow()
    state = db.session.get(SearchState, SWEPT)
    since = state.value if state is not None else None
    if only_if_due and since is not None and now - since < SWEEP_EVERY:
        db.session.rollback()
        return 0

    def passed(column: Any) -> Any:
        return column <= now if since is None else and_(column > since, column <= now)

    rows = db.session.execute(
        select(LabelClaim.listing_id, LabelClaim.coop_id)
        .where(
            LabelClaim.status == ClaimStatus.APPROVED,
            or_(passed(LabelClaim.expires_at), passed(LabelClaim.rereview_due_at)),
        )
        .distinct()
    ).all()
    targets: set[Target] = {
        (IndexTarget.LISTING, row.listing_id)
        if row.listing_id is not None
        else (IndexTarget.COOP, row.coop_id)
        for row in rows
    }
    if len(targets) > SWEEP_ALL_ABOVE:
        targets = {(IndexTarget.ALL, None)}
    if targets:
        db.session.execute(
            insert(SearchOutbox),
            [{"target": t, "target_id": i, "created_at": now} for t, i in sorted(targets)],
        )
    if state is None:
        db.session.add(SearchState(name=SWEPT, value=now))
    elif now > state.value:
        state.value = now
    db.session.commit()
    return len(targets)


@dataclass
class Reindexed:
    count: int
    seconds: float
    #: changes made while the new index was built, applied after the swap
    after: SyncReport


def reindex() -> Reindexed:
    """Build a new index from the database aside, swap it in, then apply what changed meanwhile.

    Searches are answered from the old index until the swap. Other writers wait for the
    lock meanwhile, so none of their changes can go into the old index and be lost.
    """
    backend = get_backend()
    started = time.monotonic()
    with _own_session(), writing(backend):
        count = backend.rebuild(all_documents())
        seconds = time.monotonic() - started
        db.session.rollback()
        after = search_sync.drain(backend, DatabaseOutbox())
    current_app.extensions[_CHECKED_EMPTY] = True
    return Reindexed(count, seconds, after)


@dataclass
class Checked:
    drift: Drift
    #: listings the database says the index should hold
    expected: int
    #: outbox rows not applied yet (drift they explain goes away with `flask search sync`)
    pending: int


def check_index() -> Checked:
    """Compare the index with what the database says it should hold."""
    with _own_session():
        expected = expected_fingerprints()
        drift = check(get_backend(), expected)
        pending = db.session.scalar(select(func.count()).select_from(SearchOutbox)) or 0
    return Checked(drift, len(expected), pending)


def repair(drift: Drift) -> tuple[int, int]:
    """Re-index the missing and stale listings of a `check`, remove the extra ones."""
    backend = get_backend()
    with _own_session(), writing(backend):
        documents = documents_for([*drift.missing, *drift.stale])
        db.session.rollback()
        documents.update(dict.fromkeys(drift.extra))
        return search_sync.apply_documents(backend, documents)


# --- the indexer thread --------------------------------------------------------------------

_start_lock = threading.Lock()


class _Pass:
    """One run of a process's indexer: at start everything, then only when there is work."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.started = False
        self.next_sweep = 0.0

    def __call__(self) -> None:
        with self.app.app_context():
            sweep_due = time.monotonic() >= self.next_sweep
            pending = db.session.scalar(select(SearchOutbox.id).limit(1)) is not None
            db.session.rollback()
            if not (pending or sweep_due or not self.started):
                return
            report = sync(sweep="due" if sweep_due else False, rebuild_if_empty=not self.started)
            self.started = True
            if sweep_due:
                self.next_sweep = time.monotonic() + SWEEP_EVERY.total_seconds()
            if report.changes or report.rebuilt is not None:
                log.info(
                    "search: %d change(s) applied, %d listing(s) indexed, %d removed",
                    report.changes,
                    report.indexed,
                    report.removed,
                )


def start_indexer(app: Flask) -> search_sync.Indexer | None:
    """Start this process's background indexer (with `SEARCH_SYNC=thread`; else None).

    Idempotent, and safe after a fork: a child process starts its own.
    """
    if sync_mode(app) != "thread":
        return None
    indexer: search_sync.Indexer | None = app.extensions.get(_INDEXER)
    if indexer is not None and indexer.alive:
        return indexer
    with _start_lock:
        indexer = app.extensions.get(_INDEXER)
        if indexer is not None and indexer.alive:
            return indexer
        indexer = search_sync.Indexer(_Pass(app), poll_seconds=POLL_SECONDS)
        app.extensions[_INDEXER] = indexer.start()
        # a clean shutdown lets the current run finish (what it leaves, the next start does)
        atexit.register(indexer.stop, 5.0)
        return indexer


def stop_indexer(app: Flask, timeout: float = 10.0) -> None:
    indexer: search_sync.Indexer | None = app.extensions.pop(_INDEXER, None)
    if indexer is not None:
        indexer.stop(timeout)
