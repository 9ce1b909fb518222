"""The checkout benchmark (bench/checkout.py) still runs end to end, with a handful of buyers.

Not a measurement: it keeps the script from rotting while the API and the checkout change.
It needs PostgreSQL (the benchmark's subject); without TEST_DATABASE_URL answering it is
skipped, unless REQUIRE_POSTGRES=1 makes that a failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench.checkout import failures
from marketplace.config import normalise_database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server_url() -> str:
    """The test PostgreSQL server, when one answers."""
    url = os.environ.get("TEST_DATABASE_URL")
    reason = None if url else "TEST_DATABASE_URL is not set"
    if url:
        try:
            engine = create_engine(normalise_database_url(url))
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
        except Exception as error:  # noqa: BLE001 - any failure means "no server"
            reason = f"PostgreSQL unreachable: {error}"
    if reason:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
        pytest.skip(f"{reason}: the checkout benchmark runs on PostgreSQL only")
    assert url is not None
    return url


def _database_exists(server: str, name: str) -> bool:
    engine = create_engine(normalise_database_url(server))
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
    engine.dispose()
    return found is not None


def test_the_benchmark_places_orders_over_http_and_finds_nothing_oversold(server_url, tmp_path):
    out = tmp_path / "bench-checkout.json"
    # 6 buyers asking for about 27 units of 3 listings with 2 each: most of them lose the race
    command = [sys.executable, "bench/checkout.py", "--buyers", "6", "--orders-per-buyer", "3",
               "--listings", "3", "--stock", "2", "--workers", "2",
               "--database-url", server_url, "--out", str(out)]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)

    printed = result.stdout
    assert result.returncode == 0, printed + result.stderr
    assert re.search(r"orders placed: [1-6] in [\d.]+ s = [\d.]+ orders/s; checkout p50 [\d.]+ "
                     r"ms, p99 [\d.]+ ms", printed), printed  # fmt: skip
    assert re.search(r"reference GET /cart: [\d.]+ req/s, p50 [\d.]+ ms, p99 [\d.]+ ms", printed)
    assert re.search(r"machine: \d+ CPUs \(nproc\).*gunicorn 2 sync workers", printed)
    assert printed.rstrip().endswith("oversold: 0")

    report = json.loads(out.read_text())
    check = report["verification"]
    assert check["ok"], check
    assert check["units_sold"] + check["units_left"] == 3 * 2
    assert check["orders_in_database"] == report["checkout"]["orders"] >= 1
    answers = report["checkout"]["answers"]
    lost = answers.get("add cart_problem", 0) + answers.get("checkout sold_out", 0)
    assert lost + answers.get("checkout cart_changed", 0) > 0, answers
    assert report["reference"]["latency_ms"]["n"] > 0
    assert report["unexpected"]["count"] == 0
    # the throwaway database is gone
    assert report["database"].startswith("bench_checkout_")
    assert not _database_exists(server_url, report["database"])


def test_a_run_fails_on_oversold_stock_and_on_unexpected_answers():
    report = {
        "verification": {
            "oversold_units": 2,
            "listings_below_zero": 1,
            "stock_mismatches": ["listing 3: 5 - -2 in stock, 7 sold"],
            "orders_in_database": 4,
            "orders_answered_201": 4,
        },
        "unexpected": {
            "count": 1,
            "samples": ['POST /checkout -> 500: {"code": "server_error"}'],
            "server_log_tail": "",
        },
    }

    found = failures(report)

    assert found[0] == "2 units oversold, 1 listings below zero stock"
    assert "1 stock figures do not add up" in found
    assert any("POST /checkout -> 500" in failure for failure in found)
    report["verification"].update(
        oversold_units=0, listings_below_zero=0, stock_mismatches=[], orders_answered_201=3
    )
    report["unexpected"]["count"] = 0
    assert failures(report) == ["4 orders in the database for 3 answers 201"]
