"""The search benchmark (bench/search.py) still runs end to end, on a tiny corpus.

Not a measurement: it keeps the script from rotting while the engines and the app change.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench import search as bench
from bench.search_corpus import Corpus
from marketplace.config import normalise_database_url


def _postgres_url() -> str | None:
    """The test server when TEST_DATABASE_URL names one that answers and the backend exists."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or importlib.util.find_spec("search.postgres_backend") is None:
        return None
    try:
        engine = create_engine(normalise_database_url(url))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:  # noqa: BLE001 - no server: the other engines still run
        return None
    return url


def test_the_corpus_and_the_query_mix_are_the_same_for_the_same_seed():
    first, second = Corpus(2500), Corpus(2500)
    assert first.batch(2) == second.batch(2)
    assert [c.query for c in first.query_mix(40)] == [c.query for c in second.query_mix(40)]
    documents = list(first.documents())
    assert [d.id for d in documents] == list(range(1, 2501))
    assert {d.language for d in documents} == {"en", "de", "sv"}
    assert {d.currency for d in documents} == {"EUR", "SEK", "GBP"}
    assert all(3 <= len(d.title.split()) <= 8 for d in documents)
    assert 0.2 < sum(1 for d in documents if d.labels) / len(documents) < 0.4


def test_the_benchmark_measures_every_engine_on_the_same_queries(tmp_path, monkeypatch, capsys):
    engines = ["whoosh", "fts5"]
    postgres = _postgres_url()
    if postgres:
        engines.append("postgres")
        monkeypatch.setattr(bench, "POSTGRES", postgres)
        monkeypatch.setattr(bench, "SCRATCH_DATABASE", f"bench_search_{uuid.uuid4().hex[:8]}")

    report = bench.run_size(500, engines, 20, tmp_path)

    for name in engines:
        row = report["engines"][name]
        assert row["error"] is None, row["error"]
        assert row["documents"] == 500
        assert row["size_bytes"] > 0
        assert row["latency"]["all"]["n"] == 20
        assert row["latency"]["no_facets"]["n"] == report["mix"]["plain"]
        assert row["results_found"] > 0
    out = capsys.readouterr().out
    assert "== 500 listings" in out
    assert "full page, all queries (20)" in out


def test_the_benchmark_measures_freshness_and_requests_per_second(tmp_path: Path, capsys):
    args = argparse.Namespace(
        app_listings=300,
        parts=["freshness", "rps"],
        edits=2,
        fresh_limit=10.0,
        settle=1.0,
        search_path="/search",
        queries=20,
        rps_seconds=2.0,
        connections=2,
        rps_urls=200,
    )
    report = bench.run_app(args, tmp_path)

    assert report["mismatched_documents"] == 0
    assert report["freshness"]["edits"] == 2
    assert report["freshness"]["not_found"] == 0
    assert report["rps"]["hello"]["requests"] > 0
    assert report["rps"]["search"]["requests"] > 0
    assert not [note for note in report["rps"]["notes"] if "instead" in note]
    rows = bench.targets({"sizes": [], "app": report})
    assert {r["figure"] for r in rows if r["measured"] is not None} == {
        "edit findable (max)",
        "search page / hello-world",
    }
    bench.print_targets(rows)
    assert "search page / hello-world" in capsys.readouterr().out


@pytest.mark.parametrize("word", ["bicycle", "kaffe"])
def test_the_fts5_reference_corrects_a_typo(tmp_path, word):
    from bench.search_fts5 import Fts5Reference
    from search.backend import SearchQuery

    corpus = Corpus(500)
    fts5 = Fts5Reference(tmp_path / "fts5.db")
    assert fts5.rebuild(corpus.documents()) == 500
    exact = fts5.query(SearchQuery(text=word))
    typo = fts5.query(SearchQuery(text=word[:2] + word[3:]))
    fts5.close()
    assert exact.total > 0
    assert typo.total >= exact.total
    assert typo.suggestion is not None
