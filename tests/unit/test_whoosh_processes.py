"""Several processes on one Whoosh folder: one writer at a time, readers see every commit."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from search.backend import SearchQuery
from search.whoosh_backend import WhooshBackend

WRITER = """
import sys, time
from datetime import datetime
from pathlib import Path
from search.backend import ListingDocument
from search.whoosh_backend import WhooshBackend

folder, first, count, hold = Path(sys.argv[1]), *map(int, sys.argv[2:4]), float(sys.argv[4])
backend = WhooshBackend(folder)

def doc(i):
    return ListingDocument(
        id=i, title=f"Bike number w{i}", description="", language="en", coop_slug="c",
        coop_name="C", category_path=("misc",), category_names=("Misc",), labels=(),
        label_names=(), kind="good", condition="new", region="", price_amount=i,
        currency="EUR", created_at=datetime(2025, 1, 1),
    )

if hold:
    with backend.writer_lock():
        print("locked", flush=True)
        time.sleep(hold)
        backend.index([doc(first)])
else:
    for i in range(first, first + count):
        backend.index([doc(i)])
backend.close()
"""


def _writer(folder: Path, first: int, count: int, hold: float = 0.0) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", WRITER, str(folder), str(first), str(count), str(hold)],
        stdout=subprocess.PIPE if hold else subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_the_writer_lock_makes_another_process_wait_and_its_commit_is_then_visible(tmp_path):
    backend = WhooshBackend(tmp_path / "search")
    try:
        other = _writer(backend.folder, 1, 1, hold=0.5)
        assert other.stdout is not None and other.stdout.readline().strip() == "locked"
        started = time.perf_counter()
        with backend.writer_lock():
            waited = time.perf_counter() - started
            assert backend.count() == 1
        other.stdout.close()
        assert other.wait(timeout=30) == 0
        assert waited > 0.2
        assert backend.query(SearchQuery(text="w1")).total == 1
    finally:
        backend.close()


def test_processes_indexing_at_once_never_fail_on_a_lock_or_lose_an_update(tmp_path):
    backend = WhooshBackend(tmp_path / "search")
    try:
        writers = [_writer(backend.folder, first, 15) for first in (1, 101)]
        assert [w.wait(timeout=120) for w in writers] == [0, 0]
        assert backend.count() == 30
        assert set(backend.fingerprints()) == {*range(1, 16), *range(101, 116)}
    finally:
        backend.close()
