"""Applying recorded index work to a search engine: the part that needs neither Flask nor SQL.

The application writes one outbox row per change (a listing, a co-op, a category, a label,
or everything) in the same database transaction as the change. One writer at a time, holding
`SearchBackend.writer_lock()`, reads the pending rows in order, works out which listings they
touch, builds those listings' documents from the database, gives them to the engine and only
then deletes the rows it applied. Applying a row twice is harmless, so a process that dies
anywhere in between leaves work that the next writer simply does again.

`Indexer` is the background thread of one process that runs such a pass when woken (after
a commit that wrote outbox rows) and every few seconds (for rows other processes left).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .backend import ListingDocument, SearchBackend, batched

log = logging.getLogger(__name__)

#: the outbox target meaning "every listing"
ALL = "all"


@dataclass(frozen=True)
class Change:
    """One outbox row: something changed that the index may show."""

    id: int
    #: listing, coop, category, label or all
    target: str
    target_id: int | None


@dataclass
class SyncReport:
    """What one pass did."""

    #: outbox rows applied (and deleted)
    changes: int = 0
    #: documents given to the engine
    indexed: int = 0
    #: listings taken out of the index
    removed: int = 0
    #: set when the index was rebuilt from scratch: how many documents it holds
    rebuilt: int | None = None
    #: changes the expiry sweep recorded (label approvals that ran out since the last sweep)
    swept: int = 0

    def add(self, other: SyncReport) -> None:
        self.changes += other.changes
        self.indexed += other.indexed
        self.removed += other.removed
        self.swept += other.swept
        if other.rebuilt is not None:
            self.rebuilt = other.rebuilt


class Outbox(Protocol):
    """The database side of a pass, as the application provides it."""

    def pending(self, limit: int) -> Sequence[Change]:
        """The oldest `limit` rows, in id order."""

    def listing_ids(self, targets: set[tuple[str, int | None]]) -> set[int]:
        """Every listing a set of (target, id) pairs touches (never called with ALL)."""

    def documents(self, ids: Iterable[int]) -> dict[int, ListingDocument | None]:
        """Each listing's document, or None where it must not be found."""

    def all_documents(self) -> Iterable[ListingDocument]:
        """Every searchable listing's document."""

    def done(self, change_ids: Sequence[int]) -> None:
        """Delete exactly these rows, committed."""


def coalesce(changes: Iterable[Change]) -> set[tuple[str, int | None]]:
    """The distinct targets of some changes; one ALL makes every other target redundant."""
    targets = {(change.target, change.target_id) for change in changes}
    if any(target == ALL for target, _ in targets):
        return {(ALL, None)}
    return targets


def apply_documents(
    backend: SearchBackend, documents: dict[int, ListingDocument | None]
) -> tuple[int, int]:
    """Index the documents that exist, remove the ids that must not be found."""
    present = [document for document in documents.values() if document is not None]
    absent = sorted(i for i, document in documents.items() if document is None)
    for batch in batched(present):
        backend.index(batch)
    if absent:
        backend.remove(absent)
    return len(present), len(absent)


def apply_all(backend: SearchBackend, documents: Iterable[ListingDocument]) -> tuple[int, int]:
    """Index every document and remove whatever else the index holds (no rebuild)."""
    seen: set[int] = set()
    for batch in batched(documents):
        backend.index(batch)
        seen.update(document.id for document in batch)
    extra = sorted(set(backend.fingerprints()) - seen)
    if extra:
        backend.remove(extra)
    return len(seen), len(extra)


def drain(backend: SearchBackend, outbox: Outbox, batch_size: int = 500) -> SyncReport:
    """Apply every pending change; the caller holds the backend's writer lock.

    Rows are deleted only after the engine has committed their effect, and only the rows
    read: a change committed meanwhile stays for the next round.
    """
    report = SyncReport()
    while True:
        changes = list(outbox.pending(batch_size))
        if not changes:
            return report
        targets = coalesce(changes)
        if (ALL, None) in targets:
            indexed, removed = apply_all(backend, outbox.all_documents())
        else:
            indexed, removed = apply_documents(
                backend, outbox.documents(outbox.listing_ids(targets))
            )
        outbox.done([change.id for change in changes])
        report.add(SyncReport(changes=len(changes), indexed=indexed, removed=removed))


class Indexer:
    """A daemon thread running `work` when woken and every `poll_seconds`.

    `work` runs once at start (recovering what a killed process left), again whenever
    `wake()` is called (even during a run: the wake is not lost) and after each quiet poll
    interval. A failing run is logged and retried later, waiting longer after each failure.
    """

    def __init__(
        self, work: Callable[[], None], poll_seconds: float = 2.0, name: str = "search indexer"
    ) -> None:
        self.work = work
        self.poll_seconds = poll_seconds
        self.name = name
        #: the process that started the thread (a fork does not inherit running threads)
        self.pid = os.getpid()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: set after each finished run (tests and shutdown wait on it)
        self.runs = 0
        self._idle = threading.Condition()

    @property
    def alive(self) -> bool:
        return (
            self._thread is not None and self._thread.is_alive() and self.pid == os.getpid()
        ) and not self._stop.is_set()

    def start(self) -> Indexer:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish its current run and end; wait up to `timeout` seconds."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def wait_for_run(self, after: int, timeout: float = 10.0) -> bool:
        """Wait until more than `after` runs have finished; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self.runs > after, timeout)

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.work()
                failures = 0
            except Exception:
                failures += 1
                log.exception("%s: run failed (%d in a row); retrying later", self.name, failures)
            with self._idle:
                self.runs += 1
                self._idle.notify_all()
            delay = self.poll_seconds if not failures else min(60.0, self.poll_seconds * failures)
            self._wake.wait(delay)
