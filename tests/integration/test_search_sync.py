"""Never out of sync: index work is recorded in the changing transaction and applied after it.

Most tests run twice per database: against an in-memory engine (what was applied, with
no engine of its own to blame) and against the configured engine (`get_backend()`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from marketplace.extensions import db
from marketplace.models import (
    ClaimStatus,
    CoopStatus,
    IndexTarget,
    Listing,
    ListingStatus,
    SearchOutbox,
    SearchState,
)
from marketplace.models.base import utcnow
from marketplace.services import admission, claim_reviews, listings, search_index
from marketplace.services.search_documents import documents_for
from search.backend import ListingDocument, SearchQuery
from tests.factories import make_category, make_coop, make_listing, make_user
from tests.verified_label_factories import make_claim, make_labelled


class MemoryBackend:
    """Holds documents in a dict: shows exactly what the indexer applied."""

    name = "memory"

    def __init__(self) -> None:
        self.documents: dict[int, ListingDocument] = {}
        self.lock = threading.Lock()
        self.rebuilds = 0

    def index(self, documents: Iterable[ListingDocument]) -> None:
        for document in documents:
            self.documents[document.id] = document

    def remove(self, ids: Iterable[int]) -> None:
        for listing_id in ids:
            self.documents.pop(listing_id, None)

    def count(self) -> int:
        return len(self.documents)

    def fingerprints(self) -> dict[int, str]:
        return {i: document.fingerprint() for i, document in self.documents.items()}

    def rebuild(self, documents: Iterable[ListingDocument]) -> int:
        self.documents = {document.id: document for document in documents}
        self.rebuilds += 1
        return len(self.documents)

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        with self.lock:
            yield


@pytest.fixture
def memory(app: Flask) -> MemoryBackend:
    backend = MemoryBackend()
    app.extensions["search_backend"] = backend
    return backend


def pending() -> list[tuple[str, int | None]]:
    rows = db.session.execute(
        select(SearchOutbox.target, SearchOutbox.target_id).order_by(SearchOutbox.id)
    )
    return [(str(target), target_id) for target, target_id in rows]


@pytest.fixture
def recording_only(app: Flask) -> Iterator[None]:
    """Rows are recorded but not applied: the test sees them in the outbox."""
    app.config["SEARCH_SYNC"] = "off"
    yield
    app.config["SEARCH_SYNC"] = "inline"


def clear_outbox() -> None:
    db.session.execute(delete(SearchOutbox))
    db.session.commit()


# --- recording, in the same transaction ----------------------------------------------------


def test_a_listing_change_is_recorded_in_its_transaction_once(app, recording_only):
    listing = make_listing()
    clear_outbox()
    listing.title = "Rye loaf"
    db.session.flush()
    listing.price_amount = 520
    db.session.flush()
    # the row is there before the commit: it is part of the change's transaction
    assert pending() == [("listing", listing.id)]
    db.session.commit()
    assert pending() == [("listing", listing.id)]


def test_a_rolled_back_change_leaves_no_outbox_row(app, recording_only):
    listing = make_listing()
    clear_outbox()
    listing.title = "Never saved"
    db.session.flush()
    assert pending() == [("listing", listing.id)]
    db.session.rollback()
    assert pending() == []
    # the same change made again after the rollback is recorded again
    listing.title = "Saved after all"
    db.session.commit()
    assert pending() == [("listing", listing.id)]


def test_a_rolled_back_savepoint_takes_its_row_but_a_later_change_is_recorded(app, recording_only):
    listing = make_listing()
    clear_outbox()
    with db.session.begin_nested() as savepoint:
        listing.title = "Inside the savepoint"
        db.session.flush()
        savepoint.rollback()
    listing.title = "After the savepoint"
    db.session.commit()
    assert pending() == [("listing", listing.id)]


def test_drafts_are_not_index_work_until_published(app, recording_only):
    listing = make_listing(status=ListingStatus.DRAFT)
    listing.title = "Still a draft"
    db.session.commit()
    assert pending() == []
    listings.change_status(listing, "publish")
    assert pending() == [("listing", listing.id)]


def test_stock_changes_are_not_index_work(app, recording_only):
    listing = make_listing()
    clear_outbox()
    listing.stock = 3
    db.session.commit()
    assert pending() == []


def test_coop_category_label_and_claim_changes_record_their_targets(app, recording_only):
    parent = make_category(name="Food")
    child = make_category(name="Bread", parent=parent)
    coop = make_coop()
    listing = make_listing(coop=coop, category=child)
    label = make_labelled()
    clear_outbox()

    coop.description = "Not indexed"
    parent.position = 4
    label.summary = "Not indexed either"
    db.session.commit()
    assert pending() == []

    coop.name = "Renamed Co-op"
    parent.name = "Groceries"
    label.name = "Fairer trade"
    db.session.commit()
    assert sorted(pending()) == [
        ("category", parent.id),
        ("coop", coop.id),
        ("label", label.id),
    ]
    clear_outbox()

    # claims that were never approved verify nothing: no index work
    make_claim(label, coop, listing, status=ClaimStatus.SUBMITTED)
    assert pending() == []
    own = make_claim(label, coop, listing)
    whole = make_claim(label, coop, None)
    assert sorted(pending()) == [("coop", coop.id), ("listing", listing.id)]
    clear_outbox()
    own.rereview_due_at = utcnow() + timedelta(days=9)
    db.session.commit()
    assert pending() == [("listing", listing.id)]
    clear_outbox()
    db.session.delete(whole)
    db.session.commit()
    assert pending() == [("coop", coop.id)]


def test_bulk_statements_are_recorded_and_roll_back_with_their_change(app, recording_only):
    coop = make_coop()
    first = make_listing(coop=coop)
    second = make_listing(coop=coop)
    other = make_listing()
    clear_outbox()
    statement = (
        update(Listing)
        .where(Listing.coop_id == coop.id)
        .values(region="Hamburg")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(statement)
    db.session.rollback()
    assert pending() == []
    db.session.execute(statement)
    db.session.commit()
    assert sorted(pending()) == [("listing", first.id), ("listing", second.id)]
    assert other.id not in {target_id for _, target_id in pending()}


# --- applying: every kind of change reaches the index ---------------------------------------


def indexed(backend, listing: Listing) -> bool:
    found = backend.fingerprints().get(listing.id)
    expected = documents_for([listing.id])[listing.id]
    if expected is None:
        return found is None
    return found == expected.fingerprint()


def in_step() -> bool:
    return not search_index.check_index().drift and pending() == []


def test_listing_edits_and_price_changes_reach_the_index(app, memory):
    listing = make_listing(title="Sourdough loaf")
    assert memory.documents[listing.id].title == "Sourdough loaf"
    listings.update_listing(listing, {"title": "Rye loaf"}, listing.version)
    assert memory.documents[listing.id].title == "Rye loaf"
    listings.update_listing(listing, {"price_amount": 620}, listing.version)
    assert memory.documents[listing.id].price_amount == 620
    assert in_step()


def test_pausing_takes_a_listing_out_and_publishing_puts_it_back(app, memory):
    listing = make_listing()
    listings.change_status(listing, "pause")
    assert listing.id not in memory.documents
    listings.change_status(listing, "publish")
    assert listing.id in memory.documents
    assert in_step()


def test_a_suspended_coop_leaves_the_index_with_all_its_listings(app, memory):
    coop = make_coop()
    mine = [make_listing(coop=coop), make_listing(coop=coop)]
    other = make_listing()
    admission.decide(coop, "suspend", "Unpaid dues.", by=None)
    assert not any(listing.id in memory.documents for listing in mine)
    assert other.id in memory.documents
    assert in_step()


def test_renaming_a_parent_category_reaches_listings_in_its_subcategories(app, memory):
    parent = make_category(name="Food")
    child = make_category(name="Bread", parent=parent)
    listing = make_listing(category=child)
    assert memory.documents[listing.id].category_names == ("Food", "Bread")
    parent.name = "Groceries"
    db.session.commit()
    assert memory.documents[listing.id].category_names == ("Groceries", "Bread")
    assert in_step()


def test_a_claim_approval_and_a_coop_wide_label_reach_the_index(app, memory):
    label = make_labelled(name="Fair trade", slug="fair-trade")
    coop = make_coop()
    listing = make_listing(coop=coop)
    sibling = make_listing(coop=coop)
    claim = make_claim(label, coop, listing, status=ClaimStatus.SUBMITTED)
    assert memory.documents[listing.id].labels == ()
    claim_reviews.review(claim, make_user(is_reviewer=True), "approve", "Checked.")
    assert memory.documents[listing.id].labels == ("fair-trade",)
    assert memory.documents[sibling.id].labels == ()

    organic = make_labelled(name="Organic", slug="organic")
    make_claim(organic, coop, None)
    assert memory.documents[sibling.id].labels == ("organic",)
    organic.name = "Organic farming"
    db.session.commit()
    assert memory.documents[sibling.id].label_names == ("Organic farming",)
    assert in_step()


def test_label_expiry_and_a_passed_rereview_deadline_reach_the_index_by_the_sweep(
    app, memory, monkeypatch
):
    label = make_labelled(slug="fair-trade")
    second = make_labelled(slug="organic")
    coop = make_coop()
    listing = make_listing(coop=coop)
    now = utcnow()
    make_claim(label, coop, listing, expires_at=now + timedelta(hours=1))
    make_claim(second, coop, None, rereview_due_at=now + timedelta(hours=2))
    search_index.sync(sweep=True)
    assert memory.documents[listing.id].labels == ("fair-trade", "organic")
    assert db.session.get(SearchState, search_index.SWEPT) is not None

    # no write happens: only time passes
    later = now + timedelta(hours=1, minutes=30)
    monkeypatch.setattr("marketplace.services.labels.utcnow", lambda: later)
    monkeypatch.setattr("marketplace.services.search_index.utcnow", lambda: later)
    assert not in_step()
    report = search_index.sync(sweep=True)
    assert report.swept == 1
    assert memory.documents[listing.id].labels == ("organic",)

    later = now + timedelta(hours=3)
    report = search_index.sync(sweep=True)
    assert report.swept == 1
    assert memory.documents[listing.id].labels == ()
    assert in_step()
    # a sweep finds only what ran out since the last one
    assert search_index.sync(sweep=True).swept == 0


def test_a_due_sweep_runs_at_most_once_a_minute(app, memory):
    assert search_index.sweep_expiries() == 0
    first = db.session.get(SearchState, search_index.SWEPT).value
    search_index.sync(sweep="due")
    db.session.expire_all()
    assert db.session.get(SearchState, search_index.SWEPT).value == first


def test_the_first_apply_builds_an_empty_index_from_the_database(app, memory, recording_only):
    listings_before = [make_listing(), make_listing()]
    clear_outbox()
    report = search_index.sync(rebuild_if_empty=True)
    assert report.rebuilt == 2 and memory.rebuilds == 1
    assert set(memory.documents) == {listing.id for listing in listings_before}
    # not empty any more: no second rebuild
    assert search_index.sync(rebuild_if_empty=True).rebuilt is None


def test_changes_recorded_while_off_are_applied_by_the_next_sync(app, memory, recording_only):
    listing = make_listing()
    coop = listing.coop
    coop.status = CoopStatus.SUSPENDED
    db.session.commit()
    assert listing.id not in memory.documents and pending()
    report = search_index.sync()
    assert report.changes == 2 and pending() == []
    coop.status = CoopStatus.ADMITTED
    db.session.commit()
    search_index.sync()
    assert listing.id in memory.documents
    assert indexed(memory, listing)


def test_an_engine_failure_keeps_the_rows_for_the_next_writer(app, memory, caplog):
    listing = make_listing()

    def broken(documents: object) -> None:
        raise RuntimeError("disk full")

    memory.index = broken  # type: ignore[method-assign]
    listing.title = "Changed while the engine fails"
    db.session.commit()  # the commit itself succeeds
    assert "applying index changes failed" in caplog.text
    assert pending() == [("listing", listing.id)]
    del memory.index
    search_index.sync()
    assert memory.documents[listing.id].title == "Changed while the engine fails"
    assert pending() == []


def test_everything_target_reindexes_all_and_drops_what_is_gone(app, memory, recording_only):
    keep = make_listing()
    search_index.sync()
    memory.documents[999_999] = memory.documents[keep.id]
    db.session.add(SearchOutbox(target=IndexTarget.ALL))
    db.session.commit()
    search_index.sync()
    assert set(memory.documents) == {keep.id}


def test_a_listing_drafted_then_deleted_is_removed(app, memory):
    listing = make_listing()
    listing_id = listing.id
    db.session.delete(listing)
    db.session.commit()
    assert listing_id not in memory.documents
    assert pending() == []


# --- the indexer thread ------------------------------------------------------------------


@pytest.fixture
def threaded(app: Flask) -> Iterator[None]:
    app.config["SEARCH_SYNC"] = "thread"
    yield
    search_index.stop_indexer(app)
    app.config["SEARCH_SYNC"] = "inline"


def test_the_indexer_applies_a_commit_soon_after_and_what_was_left_at_its_start(
    app, memory, threaded
):
    app.config["SEARCH_SYNC"] = "off"
    left = make_listing(title="Left by a killed process")
    app.config["SEARCH_SYNC"] = "thread"
    indexer = search_index.start_indexer(app)
    assert indexer is not None and search_index.start_indexer(app) is indexer
    assert indexer.wait_for_run(0)
    assert left.id in memory.documents

    runs = indexer.runs
    listing = make_listing(title="Committed while the indexer runs")
    # the commit only wakes the thread; the thread applies it
    assert indexer.wait_for_run(runs, timeout=10)
    deadline = utcnow() + timedelta(seconds=10)
    while listing.id not in memory.documents and utcnow() < deadline:
        indexer.wait_for_run(indexer.runs, timeout=1)
    assert listing.id in memory.documents
    assert in_step()


def test_a_web_request_starts_the_indexer_and_a_request_commit_wakes_it(
    app, client, memory, threaded
):
    client.get("/")
    indexer = app.extensions["search_indexer"]
    assert indexer.alive
    assert indexer.wait_for_run(0)


# --- the same through the real engines ----------------------------------------------------


def found(engine, words: str) -> set[int]:
    return {hit.id for hit in engine.query(SearchQuery(text=words, facets=False)).hits}


def test_every_kind_of_change_reaches_the_engine(app, engine, monkeypatch):
    parent = make_category(name="Bakery")
    child = make_category(name="Bread", parent=parent)
    coop = make_coop(name="Crumb Collective")
    listing = make_listing(coop=coop, category=child, title="Sourdough loaf")
    other = make_listing(coop=coop, category=child, title="Rye loaf")
    assert found(engine, "sourdough") == {listing.id} and in_step()

    listings.update_listing(listing, {"title": "Spelt loaf"}, listing.version)
    assert found(engine, "spelt") == {listing.id} and found(engine, "sourdough") == set()
    listings.update_listing(listing, {"price_amount": 990}, listing.version)
    assert in_step()

    listings.change_status(listing, "pause")
    assert found(engine, "spelt") == set() and in_step()
    listings.change_status(listing, "publish")
    assert found(engine, "spelt") == {listing.id}

    parent.name = "Patisserie"
    db.session.commit()
    assert found(engine, "patisserie") == {listing.id, other.id} and in_step()

    label = make_labelled(name="Fair trade", slug="fair-trade")
    claim = make_claim(label, coop, listing, status=ClaimStatus.SUBMITTED)
    claim_reviews.review(claim, make_user(is_reviewer=True), "approve", "Checked.")
    assert in_step()
    assert engine.query(_labelled("fair-trade")).total == 1

    claim.expires_at = utcnow() + timedelta(minutes=5)
    db.session.commit()
    search_index.sync(sweep=True)
    later = utcnow() + timedelta(minutes=10)
    monkeypatch.setattr("marketplace.services.labels.utcnow", lambda: later)
    monkeypatch.setattr("marketplace.services.search_index.utcnow", lambda: later)
    assert search_index.sync(sweep=True).swept == 1
    assert engine.query(_labelled("fair-trade")).total == 0 and in_step()

    admission.decide(coop, "suspend", "Unpaid dues.", by=None)
    assert found(engine, "loaf") == set() and engine.count() == 0 and in_step()


def _labelled(slug: str) -> SearchQuery:
    return SearchQuery(labels=(slug,), facets=False)
