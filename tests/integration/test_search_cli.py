"""`flask search sync|reindex|check` against the configured engine, and processes that
write at once, die between commit and indexing, or search while the index is rebuilt."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, text

from marketplace import create_app
from marketplace.extensions import db
from marketplace.models import Listing, SearchOutbox
from marketplace.services import search_index
from search.backend import SearchQuery
from tests import conftest
from tests.factories import make_category, make_coop, make_listing

ROOT = Path(__file__).resolve().parents[2]


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["search", *args])


def outbox_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchOutbox)) or 0


def test_check_reports_no_drift_for_an_index_kept_in_step(app, engine):
    for _ in range(3):
        make_listing()
    result = run(app, "check")
    assert result.exit_code == 0, result.output
    assert "index matches the database: 3 listings" in result.output


def test_check_names_missing_extra_and_stale_listings_and_reindex_repairs_them(app, engine):
    missing, stale, gone = (make_listing().id for _ in range(3))
    engine.remove([missing])
    # changes made behind the application's back: no outbox row, no event
    db.session.execute(
        text("UPDATE listings SET title = 'Edited by hand' WHERE id = :id"), {"id": stale}
    )
    db.session.execute(text("DELETE FROM listings WHERE id = :id"), {"id": gone})
    db.session.commit()
    assert outbox_rows() == 0

    result = run(app, "check")
    assert result.exit_code == 1, result.output
    assert f"1 missing: listing {missing}" in result.output
    assert f"1 extra: listing {gone}" in result.output
    assert f"1 stale: listing {stale}" in result.output

    result = run(app, "reindex")
    assert result.exit_code == 0, result.output
    assert "Rebuilt the index: 2 listing(s) in" in result.output
    result = run(app, "check")
    assert result.exit_code == 0, result.output
    assert "2 listings" in result.output


def test_check_repair_fixes_only_what_differs(app, engine):
    kept, stale = make_listing(), make_listing()
    db.session.execute(
        text("UPDATE listings SET price_amount = 999 WHERE id = :id"), {"id": stale.id}
    )
    db.session.commit()
    result = run(app, "check", "--repair")
    assert result.exit_code == 1 and f"1 stale: listing {stale.id}" in result.output
    assert "Repaired: 1 listing(s) indexed, 0 removed." in result.output
    assert run(app, "check").exit_code == 0
    assert kept.id in engine.fingerprints()


def test_sync_applies_changes_left_in_the_outbox_and_check_says_so_first(app, engine):
    listing = make_listing(title="Before")
    app.config["SEARCH_SYNC"] = "off"
    listing.title = "After"
    db.session.commit()
    assert outbox_rows() == 1
    result = run(app, "check")
    assert result.exit_code == 1
    assert f"1 stale: listing {listing.id}" in result.output
    assert "1 change(s) are waiting to be applied" in result.output

    result = run(app, "sync")
    assert result.exit_code == 0, result.output
    assert "1 listing(s) indexed, 0 removed (1 change(s) applied" in result.output
    assert outbox_rows() == 0
    assert run(app, "check").exit_code == 0


def test_sync_builds_an_empty_index_from_the_database(app, engine):
    app.config["SEARCH_SYNC"] = "off"
    for _ in range(2):
        make_listing()
    db.session.execute(SearchOutbox.__table__.delete())
    db.session.commit()
    result = run(app, "sync")
    assert result.exit_code == 0, result.output
    assert "The index was empty: built it with 2 listing(s)." in result.output
    assert engine.count() == 2


def test_seed_demo_leaves_a_current_index(app, engine):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert outbox_rows() == 0
    result = run(app, "check")
    assert result.exit_code == 0, result.output
    assert engine.count() > 0


def test_reindex_while_searching_never_fails_or_finds_nothing(app, engine):
    coop = make_coop(name="Bakers Together")
    category = make_category(name="Bread")
    for n in range(30):
        make_listing(coop=coop, category=category, title=f"Sourdough loaf number {n}")
    queries = [
        SearchQuery(text=text, facets=True, page=page)
        for text in ("sourdough", "loaf number", "bakers")
        for page in (1, 2)
    ]
    assert {engine.query(query).total for query in queries} == {30}

    failures: list[str] = []
    answers: list[int] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            try:
                answers.extend(engine.query(query).total for query in queries)
            except Exception as error:  # noqa: BLE001 - every failure is reported
                failures.append(repr(error))

    searcher = threading.Thread(target=search)
    searcher.start()
    try:
        for _ in range(3):
            done = search_index.reindex()
            assert done.count == 30
    finally:
        stop.set()
        searcher.join(30)
    assert failures == []
    assert answers and set(answers) == {30}


# --- other processes ---------------------------------------------------------------------

SCRIPT = """
import json, os, signal, sys, time
settings = json.loads(sys.argv[1])
task = json.loads(sys.argv[2])
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from marketplace import create_app
from marketplace.extensions import db
from marketplace.models import Listing, SearchOutbox
from marketplace.services import search_index

app = create_app(settings)
with app.app_context():
    if task["kill_before_indexing"]:
        backend = search_index.get_backend()
        def die(documents):
            os.kill(os.getpid(), signal.SIGKILL)
        backend.index = die
        backend.remove = die
    indexer = search_index.start_indexer(app)
    for round in range(task["rounds"]):
        for listing_id in task["listings"]:
            for attempt in range(20):
                try:
                    listing = db.session.get(Listing, listing_id)
                    listing.title = f"Edited by {os.getpid()} in round {round}"
                    listing.price_amount = 100 + round
                    db.session.commit()
                    break
                except OperationalError:  # SQLite: another process holds the write lock
                    db.session.rollback()
                    time.sleep(0.05)
            else:
                raise SystemExit("could not write")
    deadline = time.monotonic() + 120
    while db.session.scalar(select(func.count()).select_from(SearchOutbox)):
        db.session.rollback()
        if time.monotonic() > deadline:
            raise SystemExit("outbox never emptied")
        time.sleep(0.1)
    if indexer is not None:
        indexer.stop()
print("done")
"""


def settings_like(app: Flask, sync: str) -> dict[str, object]:
    """Another process's settings: the same database, index and engine."""
    settings = conftest.test_settings(
        app.config["SQLALCHEMY_DATABASE_URI"], Path(app.instance_path)
    )
    settings["SEARCH_SYNC"] = sync
    settings["SEARCH_INDEX_DIR"] = str(search_index_dir(app))
    settings["SEARCH_BACKEND"] = app.config.get("SEARCH_BACKEND") or "whoosh"
    return settings


def spawn(app: Flask, sync: str, listings: list[int], rounds: int, kill: bool = False):
    settings = settings_like(app, sync)
    task = {"listings": listings, "rounds": rounds, "kill_before_indexing": kill}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("FLASK_RUN_FROM_CLI", None)
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, json.dumps(settings), json.dumps(task)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def search_index_dir(app: Flask) -> Path:
    return Path(app.config.get("SEARCH_INDEX_DIR") or Path(app.instance_path) / "search")


def test_a_process_killed_between_commit_and_indexing_is_recovered_at_the_next_start(app, engine):
    listing = make_listing(title="Before the crash")
    db.session.commit()
    process = spawn(app, "thread", [listing.id], rounds=1, kill=True)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, err
    db.session.expire_all()
    assert outbox_rows() == 1
    assert run(app, "check").exit_code == 1

    # a new web process: its indexer applies what was left before anything else
    restarted = create_app(settings_like(app, "thread"))
    with restarted.app_context():
        indexer = search_index.start_indexer(restarted)
        assert indexer is not None and indexer.wait_for_run(0, timeout=60)
        search_index.stop_indexer(restarted)
        db.engine.dispose()
    db.session.expire_all()
    assert outbox_rows() == 0
    result = run(app, "check")
    assert result.exit_code == 0, result.output


def test_a_killed_process_is_recovered_by_flask_search_sync(app, engine):
    listing = make_listing(title="Before the crash")
    process = spawn(app, "thread", [listing.id], rounds=1, kill=True)
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL
    result = run(app, "sync")
    assert result.exit_code == 0, result.output
    assert "1 change(s) applied" in result.output
    assert run(app, "check").exit_code == 0


def test_several_processes_writing_at_once_never_fail_on_the_lock_nor_drift(app, engine):
    coop = make_coop()
    category = make_category()
    ids = [make_listing(coop=coop, category=category).id for _ in range(12)]
    processes = [spawn(app, "thread", ids[n::4], rounds=8) for n in range(4)]
    results = [process.communicate(timeout=300) for process in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert "LockError" not in err and "failed" not in err, err
        assert "done" in out
    db.session.expire_all()
    assert outbox_rows() == 0
    result = run(app, "check")
    assert result.exit_code == 0, result.output
    titles = {listing.title for listing in db.session.scalars(select(Listing))}
    assert all("round 7" in title for title in titles)


def test_an_engine_that_cannot_work_exits_2_with_the_reason(app):
    app.config["SEARCH_BACKEND"] = "elasticsearch"
    result = run(app, "sync")
    assert result.exit_code == 2
    assert "SEARCH_BACKEND must be one of whoosh, postgres" in result.output
