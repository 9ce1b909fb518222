"""The split benchmark (bench/split.py) still runs end to end with --quick, on both databases.

Not a measurement: it keeps the script from rotting while the money code and the ledger
change. On SQLite it needs nothing; the PostgreSQL run makes a throwaway database on the
TEST_DATABASE_URL server and drops it (skipped when none answers, unless REQUIRE_POSTGRES=1).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from bench.split import SIZES, split_paid_order, synthetic_order
from marketplace.config import normalise_database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for the script's own SQLite; else an empty PostgreSQL database, dropped after."""
    if request.param == "sqlite":
        yield None
        return
    url = os.environ.get("TEST_DATABASE_URL")
    reason = None if url else "TEST_DATABASE_URL is not set"
    engine = None
    if url:
        try:
            engine = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:  # noqa: BLE001 - any failure means "no server"
            reason = f"PostgreSQL unreachable: {error}"
    if reason:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    assert url is not None and engine is not None
    name = f"bench_split_{uuid.uuid4().hex[:10]}"
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        server = make_url(normalise_database_url(url))
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def test_the_benchmark_splits_posts_and_checks_the_ledger_without_a_breach(database_url, tmp_path):
    out = tmp_path / "bench-split.json"
    command = [sys.executable, "bench/split.py", "--quick", "--out", str(out)]
    if database_url:
        command += ["--database-url", database_url]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    printed = result.stdout
    assert result.returncode == 0, printed + result.stderr
    name = "PostgreSQL" if database_url else "SQLite"
    assert re.search(rf"split \+ ledger bench: {name}; 20 paid orders per size", printed), printed
    for size in SIZES:
        assert re.search(rf"^\s+{size}(\s+[\d,]+){{5}}\s+[\d.]+x$", printed, re.M), printed
    assert re.search(r"ledger check over 500 paid orders: [\d,]+ co-op orders", printed), printed
    assert re.search(r"ledger check: best of 3 [\d.]+ s \(runs: ", printed), printed
    assert printed.rstrip().endswith("breaches: 0")

    report = json.loads(out.read_text())
    assert report["database"] == ("postgresql" if database_url else "sqlite")
    assert [row["coops_per_order"] for row in report["split"]["sizes"]] == list(SIZES)
    for row in report["split"]["sizes"]:
        assert row["orders"] == 20 and row["orders_per_second"] > 0
        # every event posts: payment received, applied, a fee per co-op order, at least
        assert row["postings"] >= 20 * (2 + 2 + 2 * row["coops_per_order"])
    check = report["check"]
    assert check["breaches"] == [] and len(check["runs_seconds"]) == 3
    rows = check["rows"]
    assert rows["orders"] == 500 and rows["coop_orders"] == rows["transfers"] > 500
    assert rows["refunds"] > 0 and rows["transfer_reversals"] > 0
    assert rows["payment_receipts"] > 500  # some orders were paid in two transfers


def test_the_benchmarks_split_leaves_nothing_over_and_nothing_negative():
    rng = random.Random(3)
    for size in SIZES:
        for _ in range(50):
            order = synthetic_order(rng, list(range(1, 21)), size)
            paid = split_paid_order(order)
            assert len(paid.parts) == size
            for part, settled in zip(paid.parts, paid.settlements, strict=True):
                assert settled.payout + settled.fee + settled.processor_fee == part.total
                assert min(settled.payout, settled.fee, settled.processor_fee) >= 0
            assert sum(p.processor_fee for p in paid.parts) <= paid.processor_fee
            assert sum(p.total for p in paid.parts) == paid.total
