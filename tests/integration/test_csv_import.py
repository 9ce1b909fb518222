"""CSV import and export through the services, on SQLite and PostgreSQL.

Most tests run the background jobs inline; one runs 10,000 rows through the thread
backend while watching the progress, one runs the jobs on a real RQ worker.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import (
    Condition,
    ImportStatus,
    Listing,
    ListingImport,
    ListingKind,
    ListingStatus,
)
from marketplace.models.base import utcnow
from marketplace.services import csv_io, listings
from marketplace.services.csv_format import COLUMNS, CsvUnreadable, decode, parse
from tests.factories import make_category, make_coop, make_listing, make_user

GOOD = {
    "kind": "good",
    "category": "bread",
    "price": "4.50",
    "currency": "EUR",
    "vat_rate": "7",
    "stock": "10",
}


def csv_file(rows, columns=COLUMNS, delimiter=",", encoding="utf-8", bom=False) -> bytes:
    """A CSV file of `rows` (dicts; missing cells empty) with `columns` as its header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return ("\ufeff" if bom else "").encode(encoding) + buffer.getvalue().encode(encoding)


def good(sku: str, **cells: str) -> dict[str, str]:
    return {"sku": sku, "title": f"Loaf {sku}", **GOOD, **cells}


@pytest.fixture
def shop(app):
    app.config["JOBS_BACKEND"] = "inline"
    coop = make_coop(slug="kornblume", name="Kornblume Bakery")
    return {
        "coop": coop,
        "user": make_user(),
        "bread": make_category(slug="bread", name="Bread"),
        "repairs": make_category(slug="repairs", name="Repairs"),
    }


def upload(shop, data: bytes, name: str = "listings.csv") -> ListingImport:
    started = csv_io.start_import(shop["coop"], shop["user"], name, data)
    return db.session.get(ListingImport, started.id)


def errors_of(job: ListingImport) -> list[tuple[int, str]]:
    return [(e["line"], e["column"]) for e in json.loads(job.errors_json)]


def coop_listings(coop) -> dict[str, Listing]:
    query = select(Listing).where(Listing.coop_id == coop.id)
    return {listing.sku: listing for listing in db.session.scalars(query)}


def count_listings() -> int:
    return db.session.scalar(select(func.count()).select_from(Listing))


def test_a_valid_file_is_checked_first_and_written_only_when_confirmed(shop):
    rows = [
        good("RYE-1", status="active", ships_to="de at", region="Berlin"),
        {"sku": "FIX-1", "title": "Bike repair", "kind": "service", "category": "repairs",
         "price": "35", "currency": "EUR", "vat_rate": "19", "capacity": ""},
        good("OAT-1", condition="used", language="de", description="Fresh"),
    ]  # fmt: skip
    job = upload(shop, csv_file(rows))
    assert job.status is ImportStatus.READY
    assert (job.total_rows, job.processed_rows, job.encoding, job.delimiter) == (3, 3, "utf-8", ",")
    assert json.loads(job.summary_json)["plan"] == {
        "create": 3,
        "update": 0,
        "archive": 0,
        "unchanged": 0,
    }
    assert count_listings() == 0

    job = csv_io.confirm_import(job, shop["user"])
    assert job.status is ImportStatus.DONE
    assert json.loads(job.summary_json) == {
        "created": 3,
        "updated": 0,
        "archived": 0,
        "unchanged": 0,
    }
    found = coop_listings(shop["coop"])
    rye, fix, oat = found["RYE-1"], found["FIX-1"], found["OAT-1"]
    assert (rye.price_amount, rye.vat_rate_bp, rye.stock, rye.ships_to) == (450, 700, 10, "DE AT")
    assert rye.status is ListingStatus.ACTIVE and rye.published_at is not None
    assert (fix.kind, fix.capacity, fix.stock, fix.status) == (
        ListingKind.SERVICE,
        None,
        None,
        ListingStatus.DRAFT,
    )
    assert (oat.condition, oat.language, oat.description) == (Condition.USED, "de", "Fresh")
    assert all(listing.version == 1 for listing in found.values())


def test_bom_cp1252_semicolons_and_decimal_commas_are_read_as_meant(shop):
    rows = [good("CAFE-1", title="Café au lait", description="Preis in €", price="4,50")]
    job = upload(shop, csv_file(rows, delimiter=";", encoding="cp1252"))
    assert (job.status, job.encoding, job.delimiter) == (ImportStatus.READY, "cp1252", ";")
    job = upload(shop, csv_file([good("CAFE-2", title="Café crème")], bom=True))
    assert (job.status, job.encoding) == (ImportStatus.READY, "utf-8-sig")
    csv_io.confirm_import(job, shop["user"])
    assert coop_listings(shop["coop"])["CAFE-2"].title == "Café crème"


def test_blank_lines_and_lines_of_only_separators_are_ignored(shop):
    text = csv_file([good("A1"), good("A2")], delimiter=";").decode()
    header, first, second = text.strip().split("\r\n")
    data = "\r\n".join([header, "", ";;;;;;;;", first, "   ", "", second, ";;", ""]).encode()
    job = upload(shop, data)
    assert job.status is ImportStatus.READY and job.total_rows == 2
    csv_io.confirm_import(job, shop["user"])
    assert sorted(coop_listings(shop["coop"])) == ["A1", "A2"]


def test_every_error_is_reported_with_its_line_and_column_and_nothing_is_written(shop):
    make_listing(coop=shop["coop"], sku="OLD-1", category=shop["bread"])
    rows = [
        good("OK-1"),  # line 2
        good("BAD-1", price="-3", currency="XYZ"),  # 3: currency first, then no price check
        good("BAD-2", price="0", vat_rate="120", stock="many"),  # 4
        good("BAD-3", kind="thing", category="nope", title="x" * 10_000),  # 5
        good("OK-1"),  # 6: twice in the file
        good("OLD-1", action="create"),  # 7: exists already
        {"action": "update", "sku": "GHOST"},  # 8
        {"action": "archive", "sku": "GHOST-2"},  # 9
        good("bad sku!"),  # 10
        good("", title="No sku"),  # 11
        good("ST-1", status="paused"),  # 12: a new listing cannot be paused
        good("AC-1", action="delete"),  # 13
        good("GOOD-2", price="12.345"),  # 14
    ]
    job = upload(shop, csv_file(rows))
    assert job.status is ImportStatus.INVALID
    assert errors_of(job) == [
        (3, "currency"),
        (4, "price"),
        (4, "vat_rate"),
        (4, "stock"),
        (5, "title"),
        (5, "kind"),
        (5, "category"),
        (6, "sku"),
        (7, "sku"),
        (8, "sku"),
        (9, "sku"),
        (10, "sku"),
        (11, "sku"),
        (12, "status"),
        (13, "action"),
        (14, "price"),
    ]
    by_line: dict[int, str] = {}
    for error in json.loads(job.errors_json):
        by_line.setdefault(error["line"], error["message"])
    assert by_line[5] == "must be at most 200 characters (it has 10000)"
    assert by_line[6] == "OK-1 is on line 2 already; a sku may appear once"
    assert by_line[7] == "a listing with sku OLD-1 exists already: use the action update"
    assert by_line[8] == "no listing of this co-op has sku GHOST"
    assert by_line[12] == "cannot change from draft to paused"
    assert by_line[14] == "is not a price in EUR (for example 12.50)"
    with pytest.raises(csv_io.ImportNotReady):
        csv_io.confirm_import(job, shop["user"])
    assert count_listings() == 1


@pytest.mark.parametrize(
    "price", ["0", "-1", "100000000.01", "1e12", "NaN", "Infinity", "abc", "12.345", "4.5.0"]
)
def test_absurd_prices_are_errors_not_crashes(shop, price):
    job = upload(shop, csv_file([good("P-1", price=price)]))
    assert job.status is ImportStatus.INVALID
    assert errors_of(job) == [(2, "price")]


def test_html_in_text_fields_is_stored_as_the_text_it_is(shop):
    script = '<script>alert("x")</script><b>bold</b>'
    rows = [good("H-1", title=script, description=script, region=script)]
    job = csv_io.confirm_import(upload(shop, csv_file(rows)), shop["user"])
    assert job.status is ImportStatus.DONE
    listing = coop_listings(shop["coop"])["H-1"]
    assert listing.title == listing.description == listing.region == script


def test_a_bad_row_at_line_9000_of_10000_means_nothing_is_written(shop):
    rows = [good(f"SKU-{n:05d}") for n in range(10_000)]
    rows[8998] = good("SKU-BAD", vat_rate="nineteen")  # line 9,000 (the header is line 1)
    job = upload(shop, csv_file(rows))
    assert job.status is ImportStatus.INVALID
    assert errors_of(job) == [(9000, "vat_rate")]
    assert job.total_rows == job.processed_rows == 10_000
    assert count_listings() == 0


def test_the_valid_rows_are_imported_only_when_that_subset_is_confirmed_with_its_size(shop):
    rows = [good("A1"), good("A2", price="free"), good("A3")]
    job = upload(shop, csv_file(rows))
    assert job.status is ImportStatus.INVALID
    report = csv_io.import_report(job)
    assert (report.valid_rows, report.error_count) == (2, 1)
    assert [step["sku"] for step in report.preview] == ["A1", "A3"]
    with pytest.raises(csv_io.ImportNotReady):
        csv_io.confirm_import(job, shop["user"])  # not without saying "only the valid rows"
    with pytest.raises(csv_io.ImportNotReady):
        csv_io.confirm_import(job, shop["user"], valid_rows=3)  # not another number than shown
    assert count_listings() == 0
    job = csv_io.confirm_import(job, shop["user"], valid_rows=2)
    assert job.status is ImportStatus.DONE
    assert sorted(coop_listings(shop["coop"])) == ["A1", "A3"]
    assert json.loads(job.confirmed_lines_json) == [2, 4]
    assert csv_io.import_report(job).error_count == 1  # still shown: what was left out


def _varied_listings(shop) -> list[Listing]:
    coop, bread, repairs = shop["coop"], shop["bread"], shop["repairs"]
    tricky = 'Rye, "seeded"\nsecond line; with <b>html</b> & Ümlaut €'
    return [
        make_listing(coop=coop, category=bread, sku="A-1", description=tricky, vat_rate_bp=550),
        make_listing(coop=coop, category=bread, sku="A-2", status=ListingStatus.PAUSED,
                     condition=Condition.REFURBISHED, ships_to="EU", region="Skåne"),
        make_listing(coop=coop, category=bread, sku="A-3", status=ListingStatus.ARCHIVED,
                     stock=0, currency="JPY", price_amount=500, vat_rate_bp=1000),
        make_listing(coop=coop, category=repairs, sku="S-1", kind=ListingKind.SERVICE,
                     capacity=None, status=ListingStatus.DRAFT, language="sv"),
        make_listing(coop=coop, category=repairs, sku="S-2", kind=ListingKind.SERVICE,
                     capacity=3, price_amount=10_000_000_000),
    ]  # fmt: skip


def _fields(listing: Listing) -> dict:
    columns = Listing.__table__.columns.keys()
    return {name: getattr(listing, name) for name in columns}


def test_export_then_import_changes_nothing_not_even_the_versions(shop):
    originals = _varied_listings(shop)
    make_listing(coop=shop["coop"], category=shop["bread"], sku=None)  # cannot be matched
    make_listing(sku="OTHER-COOP", category=shop["bread"])
    before = {listing.id: _fields(listing) for listing in originals}
    exported = csv_io.export_csv(shop["coop"])
    assert exported.startswith(b"\xef\xbb\xbf")
    rows = [cells for _, cells in parse(decode(exported)[0]).rows]
    assert [(row[0], row[1]) for row in rows] == [
        ("update", sku) for sku in ("A-1", "A-2", "A-3", "S-1", "S-2")
    ]
    assert rows[2][6:9] == ["500", "JPY", "10"] and rows[0][8] == "5.5"
    job = upload(shop, exported, "export.csv")
    assert job.status is ImportStatus.READY, job.errors_json
    assert json.loads(job.summary_json)["plan"]["unchanged"] == 5
    job = csv_io.confirm_import(job, shop["user"])
    assert json.loads(job.summary_json) == {
        "created": 0,
        "updated": 0,
        "archived": 0,
        "unchanged": 5,
    }
    db.session.expire_all()
    after = {listing.id: _fields(listing) for listing in coop_listings(shop["coop"]).values()}
    for listing_id, fields in before.items():
        assert after[listing_id] == fields
    assert csv_io.listings_without_sku(shop["coop"]) == 1
    assert b"OTHER-COOP" not in exported


def test_a_file_of_sku_and_stock_changes_only_the_stock_and_bumps_the_version_once(shop):
    kept = make_listing(coop=shop["coop"], category=shop["bread"], sku="K-1", stock=3)
    same = make_listing(coop=shop["coop"], category=shop["bread"], sku="K-2", stock=8)
    before = _fields(kept)
    job = upload(shop, csv_file([{"sku": "K-1", "stock": "12"}, {"sku": "K-2", "stock": "8"}],
                                columns=("sku", "stock")))  # fmt: skip
    assert json.loads(job.summary_json)["preview"] == [
        {"line": 2, "kind": "update", "sku": "K-1", "title": kept.title, "changes": ["stock"]}
    ]
    csv_io.confirm_import(job, shop["user"])
    db.session.expire_all()
    changed = {k for k, v in _fields(kept).items() if before[k] != v}
    assert changed == {"stock", "version", "updated_at"}
    assert (kept.stock, kept.version, same.version) == (12, 2, 1)


def test_status_changes_follow_the_listing_rules(shop):
    coop, bread = shop["coop"], shop["bread"]
    make_listing(coop=coop, category=bread, sku="ACT", status=ListingStatus.ACTIVE)
    make_listing(coop=coop, category=bread, sku="ARC", status=ListingStatus.ARCHIVED,
                 published_at=None)  # fmt: skip
    make_listing(coop=coop, category=bread, sku="DRA", status=ListingStatus.DRAFT)
    make_listing(coop=coop, category=bread, sku="GONE", status=ListingStatus.ARCHIVED)
    rows = [
        {"sku": "ACT", "status": "draft"},
        {"sku": "ARC", "status": "active"},
        {"sku": "DRA", "action": "archive", "status": "nonsense"},  # archive reads sku only
        {"sku": "GONE", "action": "archive"},
    ]
    job = upload(shop, csv_file(rows, columns=("action", "sku", "status")))
    assert errors_of(job) == [(2, "status")]
    job = csv_io.confirm_import(job, shop["user"], valid_rows=3)
    assert json.loads(job.summary_json) == {
        "created": 0,
        "updated": 1,
        "archived": 1,
        "unchanged": 1,
    }
    found = coop_listings(coop)
    assert found["ACT"].status is ListingStatus.ACTIVE
    assert found["ARC"].status is ListingStatus.ACTIVE and found["ARC"].published_at is not None
    assert found["DRA"].status is ListingStatus.ARCHIVED
    assert found["GONE"].version == 1


def test_a_listing_edited_after_the_check_is_not_overwritten(shop):
    listing = make_listing(coop=shop["coop"], category=shop["bread"], sku="E-1", stock=1)
    job = upload(shop, csv_file([{"sku": "E-1", "stock": "5"}], columns=("sku", "stock")))
    assert job.status is ImportStatus.READY
    listings.update_listing(listing, {"title": "Edited meanwhile"}, expected_version=1)
    job = csv_io.confirm_import(job, shop["user"])
    assert job.status is ImportStatus.INVALID
    assert errors_of(job) == [(2, "sku")]
    assert json.loads(job.summary_json)["recheck"] is True
    db.session.expire_all()
    assert (listing.title, listing.stock, listing.version) == ("Edited meanwhile", 1, 2)


def test_unreadable_uploads_are_refused_before_anything_is_stored(shop):
    cases = {
        b"": "empty",
        b"\x89PNG\r\n\x1a\n\x00\x00": "binary",
        b"sku,title,prize\r\nA,B,C\r\n": "Unknown column",
        b"title,price\r\nRye,4\r\n": "no “sku” column",
        b"action,sku,title\r\n\r\n": "no rows",
    }
    for data, says in cases.items():
        with pytest.raises(CsvUnreadable) as refused:
            upload(shop, data)
        assert says in str(refused.value)
    assert db.session.scalar(select(func.count()).select_from(ListingImport)) == 0


def test_a_job_that_crashes_is_marked_failed_with_its_reason(shop, app):
    job = upload(shop, csv_file([good("A1")]))
    (Path(app.instance_path) / job.stored_path).unlink()
    job = csv_io.confirm_import(job, shop["user"])
    assert job.status is ImportStatus.FAILED
    failure = json.loads(job.summary_json)["failure"]
    assert failure["params"] == {"error": "FileNotFoundError"}
    assert count_listings() == 0


def test_a_job_that_stopped_reporting_is_failed_when_its_page_is_opened(shop):
    job = upload(shop, csv_file([good("A1")]))
    stale = (utcnow() - csv_io.STALE_AFTER - timedelta(seconds=1)).isoformat()
    job.status = ImportStatus.RUNNING
    job.summary_json = json.dumps({"heartbeat": stale})
    db.session.commit()
    found = csv_io.import_for_page(shop["coop"], job.id)
    assert found.status is ImportStatus.FAILED
    assert "stopped reporting" in json.loads(found.summary_json)["failure"]["template"]
    fresh = upload(shop, csv_file([good("A2")]))
    fresh.status = ImportStatus.RUNNING
    db.session.commit()
    assert csv_io.import_for_page(shop["coop"], fresh.id).status is ImportStatus.RUNNING


def test_an_unreachable_redis_fails_the_import_at_once_instead_of_hanging(shop, app):
    app.config.update(JOBS_BACKEND="rq", REDIS_URL="redis://127.0.0.1:1/0")
    job = upload(shop, csv_file([good("A1")]))
    assert job.status is ImportStatus.FAILED
    assert "could not be reached" in json.loads(job.summary_json)["failure"]["template"]


def test_another_coops_import_is_not_found(shop):
    job = upload(shop, csv_file([good("A1")]))
    with pytest.raises(csv_io.ImportNotFound):
        csv_io.import_for_page(make_coop(), job.id)


def test_a_failed_import_can_be_checked_again_from_its_stored_file(shop):
    job = upload(shop, csv_file([good("A1")]))
    job.status = ImportStatus.FAILED
    db.session.commit()
    job = csv_io.recheck_import(job)
    assert job.status is ImportStatus.READY


def _wait_for(job_id: int, statuses: set[ImportStatus], seen: list[int], timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        job = db.session.get(ListingImport, job_id)
        db.session.refresh(job)
        seen.append(job.processed_rows)
        if job.status in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(f"import {job_id} still {job.status} after {timeout} s")


def test_ten_thousand_rows_go_through_a_background_thread_with_visible_progress(shop, app):
    app.config["JOBS_BACKEND"] = "thread"
    # the job thread would go on to index 10,000 listings after the test ends
    app.config["SEARCH_SYNC"] = "off"
    rows = [good(f"T-{n:05d}", status="active" if n % 2 else "") for n in range(10_000)]
    job = upload(shop, csv_file(rows))
    seen: list[int] = []
    job = _wait_for(job.id, {ImportStatus.READY, ImportStatus.INVALID}, seen)
    assert job.status is ImportStatus.READY, job.errors_json[:500]
    assert any(0 < n < 10_000 for n in seen), "no progress between start and end was visible"
    csv_io.confirm_import(job, shop["user"])
    seen.clear()
    job = _wait_for(job.id, {ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.INVALID}, seen)
    assert job.status is ImportStatus.DONE, job.summary_json
    assert any(0 < n < 10_000 for n in seen)
    assert count_listings() == 10_000
    assert json.loads(job.summary_json)["created"] == 10_000


@pytest.fixture
def rq_queue(app, monkeypatch):
    redis_module = pytest.importorskip("redis")
    from rq import Queue

    connection = redis_module.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        connection.ping()
    except redis_module.exceptions.ConnectionError as error:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but Redis at 127.0.0.1:6379 is unreachable: {error}")
        pytest.skip(f"Redis at 127.0.0.1:6379 unreachable: {error}")
    name = f"marketplace-test-{uuid.uuid4().hex[:10]}"
    app.config.update(JOBS_BACKEND="rq", REDIS_URL="redis://127.0.0.1:6379/0", JOBS_QUEUE=name)
    # The worker builds its own app from its environment, as `rq worker` does.
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("INSTANCE_PATH", app.instance_path)
    queue = Queue(name, connection=connection)
    yield queue
    job_ids = set(queue.get_job_ids())
    for registry in (queue.finished_job_registry, queue.failed_job_registry):
        job_ids.update(registry.get_job_ids())
    for job_id in job_ids:
        connection.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)
    connection.srem("rq:queues", queue.key)
    connection.close()


def _work(queue) -> None:
    from rq import SimpleWorker

    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_on_rq_a_worker_with_its_own_app_checks_and_imports_the_file(shop, rq_queue):
    job = upload(shop, csv_file([good("R-1"), good("R-2", status="active")]))
    assert job.status is ImportStatus.UPLOADED and rq_queue.count == 1
    _work(rq_queue)
    db.session.expire_all()
    assert job.status is ImportStatus.READY
    job = csv_io.confirm_import(job, shop["user"])
    assert job.status is ImportStatus.RUNNING
    _work(rq_queue)
    db.session.expire_all()
    assert job.status is ImportStatus.DONE
    assert sorted(coop_listings(shop["coop"])) == ["R-1", "R-2"]
    assert not rq_queue.failed_job_registry.get_job_ids()


def test_an_rq_worker_on_another_database_refuses_the_job(shop, rq_queue, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    job = upload(shop, csv_file([good("R-1")]))
    _work(rq_queue)
    assert rq_queue.failed_job_registry.get_job_ids()
    db.session.expire_all()
    assert job.status is ImportStatus.UPLOADED  # left for the stale check; nothing written
