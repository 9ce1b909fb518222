"""What only the PostgreSQL engine has: its tables, its counts, its lock and its rebuild.

The behaviour both engines share is tested in tests/integration/search/.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, inspect, text

from marketplace.extensions import db
from search.backend import SearchQuery
from search.postgres_backend import WRITER_LOCK, PostgresBackend
from search.postgres_schema import INDEX_TABLES, TABLES
from tests.integration.search.conftest import doc

postgres_only = pytest.mark.parametrize("database_uri", ["postgresql"], indirect=True)


@pytest.fixture
def engine(app):
    assert db.engine.dialect.name == "postgresql", "a test of this engine needs @postgres_only"
    return PostgresBackend(db.engine)


def _rows(sql: str, **params: object) -> list:
    with db.engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def _words() -> dict[str, int]:
    return {row.word: row.documents for row in _rows("SELECT word, documents FROM search_words")}


def test_the_index_tables_exist_only_on_postgresql(app, backend):
    tables = set(inspect(db.engine).get_table_names())
    if backend == "postgresql":
        assert set(INDEX_TABLES) <= tables
    else:
        assert not set(INDEX_TABLES) & tables


@postgres_only
def test_the_database_keeps_the_weighted_vector_in_the_listings_language(engine):
    engine.index(
        [
            doc(1, "Fahrräder", language="de", description="Gebraucht"),
            doc(2, "Cyklar", language="sv", coop_name="Ekhagen"),
        ]
    )
    rows = {
        r.id: r for r in _rows("SELECT id, language::text, document::text FROM search_documents")
    }
    assert rows[1].language == "search_de" and rows[2].language == "search_sv"
    assert "'fahrrad':1A" in rows[1].document and "'gebraucht':" in rows[1].document
    assert "'ekhag':" in rows[2].document and ":2B" in rows[2].document
    # the vector follows the row: the database computes it, not the application
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE search_documents SET title = 'Lastenrad' WHERE id = 1"))
    (row,) = _rows("SELECT document::text AS document FROM search_documents WHERE id = 1")
    assert "'lastenrad':1A" in row.document and "fahrrad" not in row.document


@postgres_only
def test_stop_words_are_indexed_so_phrases_keep_their_words(engine):
    engine.index([doc(1, "Cup of tea"), doc(2, "Cup for tea"), doc(3, "Tea cup")])
    (row,) = _rows("SELECT document::text AS document FROM search_documents WHERE id = 1")
    assert "'of':2A" in row.document
    assert {h.id for h in engine.query(SearchQuery(text='"cup of tea"')).hits} == {1}
    # a stop word in a query with other words is optional: "the" does not empty the results
    assert {h.id for h in engine.query(SearchQuery(text="the tea")).hits} == {1, 2, 3}


@postgres_only
def test_the_vocabulary_counts_listings_per_word_through_every_change(engine):
    engine.index([doc(1, "Oak chair"), doc(2, "Oak table", coop_name="Birch Makers")])
    words = _words()
    assert words["oak"] == 2 and words["chair"] == 1 and words["birch"] == 1
    engine.index([doc(1, "Pine chair")])
    words = _words()
    assert words["oak"] == 1 and words["pine"] == 1 and words["chair"] == 1
    engine.remove([2, 3])
    words = _words()
    assert "oak" not in words and "birch" not in words and words["pine"] == 1
    assert {r.name for r in _rows("SELECT name FROM search_coops")} == {"Alder Works"}
    engine.rebuild([doc(5, "Oak stool"), doc(6, "Oak bench")])
    assert _words()["oak"] == 2 and "pine" not in _words()
    # the count is the sum of the co-op counts: it must be the number of rows
    (row,) = _rows("SELECT count(*) AS n FROM search_documents")
    assert engine.count() == row.n == 2


@postgres_only
def test_the_same_listing_twice_in_one_call_keeps_the_last(engine):
    engine.index([doc(1, "Oak chair"), doc(1, "Pine chair")])
    assert engine.count() == 1
    assert _words().get("oak") is None and _words()["pine"] == 1


@postgres_only
def test_searches_are_answered_from_the_old_index_while_a_rebuild_runs(engine):
    engine.index([doc(1, "Oak chair"), doc(2, "Oak table")])
    seen_during: list[set[int]] = []

    def documents():
        yield doc(3, "Oak stool")
        seen_during.append({h.id for h in engine.query(SearchQuery(text="oak")).hits})
        seen_during.append({s.text for s in engine.suggest("oak")})
        yield doc(4, "Pine bench")

    assert engine.rebuild(documents()) == 2
    assert seen_during == [{1, 2}, {"Oak chair", "Oak table"}]
    assert {h.id for h in engine.query(SearchQuery(text="oak")).hits} == {3}


@postgres_only
def test_a_rebuild_keeps_the_tables_indexes_and_their_names(engine):
    def indexes() -> set[tuple[str, str]]:
        rows = _rows(
            "SELECT tablename, indexname FROM pg_indexes WHERE tablename = ANY(:tables)",
            tables=list(TABLES),
        )
        return {(r.tablename, r.indexname) for r in rows}

    before = indexes()
    assert ("search_documents", "ix_search_documents_document") in before
    engine.rebuild([doc(1, "Oak chair")])
    engine.rebuild([doc(2, "Pine chair")])
    assert indexes() == before
    assert not _rows("SELECT relname FROM pg_class WHERE relname LIKE 'search%new'")
    pk = inspect(db.engine).get_pk_constraint("search_documents")
    assert pk["name"] == "pk_search_documents"


@postgres_only
def test_a_failed_rebuild_leaves_the_old_index_in_place(engine):
    engine.index([doc(1, "Oak chair")])

    def documents():
        yield doc(2, "Pine chair")
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        engine.rebuild(documents())
    assert set(engine.fingerprints()) == {1}
    assert not _rows("SELECT relname FROM pg_class WHERE relname LIKE 'search%new'")


@postgres_only
def test_the_writer_lock_is_an_advisory_lock_other_sessions_wait_for(engine):
    def free() -> bool:
        with db.engine.connect() as conn:
            taken = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": WRITER_LOCK})
            if taken.scalar_one():
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": WRITER_LOCK})
                return True
            return False

    with engine.writer_lock():
        assert not free()
        engine.index([doc(1, "Oak chair")])
    assert free()


@postgres_only
def test_a_full_results_page_takes_a_few_statements(engine):
    engine.index(
        [doc(i, f"Oak chair {i}", labels=("organic",), coop_slug=f"c{i % 3}") for i in range(1, 40)]
    )
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = engine.query(
            SearchQuery(text="oak chair", labels=("organic",), coops=("c1",), sort="price_asc")
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert result.total == 13 and len(result.hits) == 13
    assert result.facets["coop"] == {"c0": 13, "c1": 13, "c2": 13}
    # settings, the words' stems, then total + page + snippets + every facet in one
    assert len(statements) <= 3


@postgres_only
def test_a_text_search_can_use_the_gin_index(engine):
    engine.index([doc(i, f"Chair {i}") for i in range(1, 50)] + [doc(99, "Oak stool")])
    with db.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = conn.execute(
            text("EXPLAIN SELECT id FROM search_documents WHERE document @@ CAST('oak' AS tsquery)")
        ).scalars()
        assert "ix_search_documents_document" in "\n".join(plan)


@postgres_only
def test_control_characters_in_a_description_cannot_forge_marks(engine):
    engine.index([doc(1, "Coffee", description="Coffee \x02<b>x</b>\x03 beans")])
    snippet = engine.query(SearchQuery(text="coffee")).hits[0].snippet
    assert snippet.count("<mark>") == 1 and "&lt;b&gt;" in snippet
    browsing = engine.query(SearchQuery(text="")).hits[0].snippet
    assert "<mark>" not in browsing and "&lt;b&gt;" in browsing


@postgres_only
def test_text_postgresql_cannot_store_is_indexed_without_it(engine):
    odd = doc(1, "Oak\x00 chair", description="Solid\x00 oak", created_at=datetime(2026, 2, 1))
    engine.index([odd])
    engine.rebuild([odd, doc(2, "Pine chair", coop_name="Pine\x00 Makers")])
    assert {h.id for h in engine.query(SearchQuery(text="oak")).hits} == {1}
    assert engine.fingerprints()[1] == odd.fingerprint()
    (row,) = _rows("SELECT created_at FROM search_documents WHERE id = 1")
    assert row.created_at == datetime(2026, 2, 1, tzinfo=UTC)  # a naive time is UTC


def test_the_migration_can_be_undone_and_done_again(app, backend):
    downgrade(revision="0003_search_outbox")
    assert not set(INDEX_TABLES) & set(inspect(db.engine).get_table_names())
    upgrade()
    tables = set(inspect(db.engine).get_table_names())
    expected = (
        set(INDEX_TABLES) <= tables if backend == "postgresql" else not set(INDEX_TABLES) & tables
    )
    assert expected


@postgres_only
def test_kept_results_are_never_older_than_the_index(engine):
    engine.index([doc(1, "Oak chair")])
    query = SearchQuery(text="oak", facets=True)
    assert engine.query(query).total == 1
    assert engine.query(query).total == 1  # answered from the kept results
    engine.index([doc(2, "Oak table")])
    assert engine.query(query).total == 2
    other = PostgresBackend(db.engine)  # another process changing the index
    other.remove([1])
    assert [h.id for h in engine.query(query).hits] == [2]
    other.rebuild([doc(3, "Oak stool")])
    assert [h.id for h in engine.query(query).hits] == [3]
    # a result handed out can be changed by the caller without changing the kept one
    engine.query(query).facets["coop"].clear()
    assert engine.query(query).facets["coop"] == {"alder": 1}
    # without the generation row nothing is kept, and answers stay right
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM search_generation"))
    engine.index([doc(4, "Oak bench")])
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM search_generation"))
    engine.remove([4])
    assert [h.id for h in engine.query(query).hits] == [3]
