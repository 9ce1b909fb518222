"""A `search_backend` for every engine, and `doc()` to build the documents it indexes.

Each test gets an empty index: a Whoosh folder of its own under tmp_path, or, on
PostgreSQL, one migrated database for the whole session whose tables are emptied before
each test (skipped with the reason when no server answers; REQUIRE_POSTGRES=1 makes that
a failure, as in tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from search.backend import ListingDocument, SearchBackend, SearchQuery, SearchResult

BACKENDS = ("whoosh", "postgres")
#: documents made by `doc()` without a created_at are this old plus one day per id
BASE_TIME = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def search_database(postgres) -> Iterator[Engine]:
    """One migrated PostgreSQL database for the search tests (copying one per test is slow)."""
    database = postgres.copy()
    # a statement waiting for a lock that another connection of this process holds (a test
    # left a transaction open, a rebuild blocks readers) would hang the run: fail instead
    engine = create_engine(
        postgres.url(database), connect_args={"options": "-c lock_timeout=10000"}
    )
    try:
        yield engine
    finally:
        engine.dispose()
        postgres.drop(database)


def _empty(engine: Engine) -> None:
    """Empty every table (wherever the engine keeps its index) and refresh views."""
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables"
                " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
                " AND tablename <> 'alembic_version'"
            )
        ).scalars()
        # DELETE, not TRUNCATE: on these small tables it is many times faster
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in list(tables):
            conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - quoted by quote_ident
        views = conn.execute(
            text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(matviewname)"
                " FROM pg_matviews WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            )
        ).scalars()
        for view in list(views):
            conn.execute(text(f"REFRESH MATERIALIZED VIEW {view}"))


@contextmanager
def open_backend(
    name: str, folder: Path, request: pytest.FixtureRequest
) -> Iterator[SearchBackend]:
    """An empty index on the engine called `name` ("whoosh" or "postgres")."""
    if name == "whoosh":
        from search.whoosh_backend import WhooshBackend

        yield WhooshBackend(folder / "index")
        return
    from search.postgres_backend import PostgresBackend

    engine: Engine = request.getfixturevalue("search_database")
    _empty(engine)
    yield PostgresBackend(engine)


@pytest.fixture(params=BACKENDS)
def search_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    """An empty index on one engine."""
    with open_backend(request.param, tmp_path, request) as backend:
        yield backend


@pytest.fixture
def second_backend(
    search_backend: SearchBackend, request: pytest.FixtureRequest, tmp_path: Path
) -> SearchBackend:
    """Another backend object on the same index, as a second web process would open it."""
    if search_backend.name == "whoosh":
        from search.whoosh_backend import WhooshBackend

        return WhooshBackend(tmp_path / "index")
    from search.postgres_backend import PostgresBackend

    return PostgresBackend(request.getfixturevalue("search_database"))


def doc(id: int, title: str = "Plain item", **values: object) -> ListingDocument:  # noqa: A002
    """A listing document with neutral defaults: change only what the test is about."""
    fields: dict[str, object] = {
        "description": "",
        "language": "en",
        "coop_slug": "alder",
        "coop_name": "Alder Works",
        "category_path": ("misc",),
        "category_names": ("Miscellaneous",),
        "labels": (),
        "label_names": (),
        "kind": "good",
        "condition": "new",
        "region": "Leipzig",
        "price_amount": 1000,
        "currency": "EUR",
        "created_at": BASE_TIME + timedelta(days=id),
    }
    fields.update(values)
    return ListingDocument(id=id, title=title, **fields)  # type: ignore[arg-type]


def search(backend: SearchBackend, text: str = "", **values: object) -> SearchResult:
    """Run one query; facet counts only when the test asks for them."""
    values.setdefault("facets", False)
    return backend.query(SearchQuery(text=text, **values))  # type: ignore[arg-type]


def ids(result: SearchResult) -> list[int]:
    return [hit.id for hit in result.hits]


def found(backend: SearchBackend, text: str = "", **values: object) -> set[int]:
    """The ids of every result (on one page of up to 100)."""
    values.setdefault("per_page", 100)
    return set(ids(search(backend, text, **values)))
