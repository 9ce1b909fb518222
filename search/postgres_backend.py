"""PostgreSQL full-text search: the index lives in the database (SEARCH_BACKEND=postgres).

Tables (migration 0004_search_postgres): `search_documents` holds one row per listing
with a weighted tsvector the database computes from the row (a STORED generated
column, stemmed with the row's language configuration, GIN-indexed); `search_words`
counts the listings using each word (pg_trgm index: typo correction and "did you
mean"); `search_coops` counts co-op names (autocomplete); `search_generation` changes
with every write. Writing is `search.postgres_writes`, one search is
`search.postgres_search` (its SQL is built by `search.postgres_query`); this module
holds the engine itself: its lock, its counts, autocomplete, and the results it keeps
while the index does not change.
"""

# SQL text here is composed from constants only; every value a buyer brings is a bound
# parameter (tsquery operands are quoted by `search.postgres_query.lexeme`).
# ruff: noqa: S608

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from search import postgres_query as pq
from search import postgres_writes as writes
from search.backend import ListingDocument, SearchError, SearchQuery, SearchResult, Suggestion
from search.postgres_schema import COOPS, DOCUMENTS
from search.postgres_search import SETTINGS_SQL, Search, bounded
from search.query import MAX_QUERY_CHARS, MAX_WORD_CHARS, clean, parse

#: pg_advisory_lock key of the one index writer ("search" in ASCII)
WRITER_LOCK = 0x736561726368
#: autocomplete reads at most this many candidate titles per lookup
SUGGEST_CANDIDATES = 100
_WORD = re.compile(r"\w+")


class PostgresBackend:
    """The search index in PostgreSQL's own tables (see the module docstring)."""

    name = "postgres"

    def __init__(self, engine: Engine, cache_size: int = 256) -> None:
        self.engine = engine
        #: results of recent searches, valid while the index generation stays the same
        self._cache: OrderedDict[tuple[int, SearchQuery], SearchResult] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()

    # --- writing ----------------------------------------------------------------------------

    def index(self, documents: Iterable[ListingDocument]) -> None:
        """Add or replace these listings, in one commit."""
        try:
            writes.index(self.engine, documents)
        except SQLAlchemyError as error:
            raise SearchError(f"PostgreSQL search index could not be written: {error}") from error

    def remove(self, ids: Iterable[int]) -> None:
        """Take these listings out (ids not in the index are ignored), in one commit."""
        try:
            writes.remove(self.engine, ids)
        except SQLAlchemyError as error:
            raise SearchError(f"PostgreSQL search index could not be written: {error}") from error

    def rebuild(self, documents: Iterable[ListingDocument]) -> int:
        """Fill new tables aside, then swap them in with one commit; returns the count."""
        try:
            return writes.rebuild(self.engine, documents)
        except SQLAlchemyError as error:
            raise SearchError(f"PostgreSQL search index could not be rebuilt: {error}") from error

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """A session-level advisory lock on a connection of its own, held by the one writer."""
        try:
            conn = self.engine.connect()
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": WRITER_LOCK})
            conn.commit()
        except SQLAlchemyError as error:
            raise SearchError(f"PostgreSQL search writer lock failed: {error}") from error
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": WRITER_LOCK})
                conn.commit()
            except SQLAlchemyError:
                conn.invalidate()  # ending the session frees its locks
            finally:
                conn.close()

    # --- reading ----------------------------------------------------------------------------

    def count(self) -> int:
        """How many listings the index holds: the sum of the per-co-op counts every write
        keeps (count(*) would read every row, seconds at a million listings)."""
        return int(self._scalar(f"SELECT coalesce(sum(documents), 0) FROM {COOPS}"))

    def fingerprints(self) -> dict[int, str]:
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(text(f"SELECT id, fingerprint FROM {DOCUMENTS}"))
                return {int(row.id): row.fingerprint for row in rows}
        except SQLAlchemyError as error:
            raise SearchError(f"PostgreSQL search failed: {error}") from error

    def _scalar(self, sql: str, params: dict[str, object] | None = None) -> object:
        try:
            with self.engine.connect() as conn:
                return conn.execute(text(sql), params or {}).scalar_one()
        except SQLAlchemyError as error:
            raise SearchError(f"PostgreSQL search failed: {error}") from error

    def query(self, query: SearchQuery) -> SearchResult:
        """Results, facet counts and "did you mean" for one search."""
        query = bounded(query)
        parsed = parse(query.text)
        try:
            with self.engine.connect() as conn:
                # a text search reads its matches through the GIN index: a sequential scan
                # would test every vector, and the planner underrates what that costs
                seqscan = "on" if parsed.is_empty else "off"
                settings = conn.execute(text(SETTINGS_SQL), {"seqscan": seqscan}).one()
                key = None if settings.generation is None else (settings.generation, query)
                result = self._cached(key)
                if result is None:
                    result = Search(conn, query, parsed).run()
                    result.notices = parsed.notices
                    self._keep(key, result)
                conn.rollback()
        except SQLAlchemyError as error:
            raise SearchError(f"PostgreSQL search failed: {error}") from error
        return _copy(result)

    def _cached(self, key: tuple[int, SearchQuery] | None) -> SearchResult | None:
        if key is None or not self._cache_size:
            return None
        with self._cache_lock:
            result = self._cache.get(key)
            if result is not None:
                self._cache.move_to_end(key)
            return result

    def _keep(self, key: tuple[int, SearchQuery] | None, result: SearchResult) -> None:
        if key is None or not self._cache_size:
            return
        with self._cache_lock:
            if self._cache and next(iter(self._cache))[0] != key[0]:
                self._cache.clear()  # an older generation: none of it can be asked for again
            self._cache[key] = _copy(result)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Co-op names, then listing titles, whose start or a word's start is the typed text."""
        typed = clean(prefix or "").casefold()[:MAX_QUERY_CHARS]
        words = [w[:MAX_WORD_CHARS] for w in _WORD.findall(typed)]
        if len(typed) < 2 or limit <= 0 or not words:
            return []
        starts = re.compile(rf"(?<!\w){re.escape(typed)}")
        contains = "%" + re.sub(r"([\\%_])", r"\\\1", typed) + "%"
        complete = not typed[-1].isalnum()
        terms = [pq.lexeme(w) for w in words[:-1]]
        terms.append(pq.lexeme(words[-1], prefix=not complete))
        try:
            with self.engine.connect() as conn:
                names = conn.scalars(
                    text(f"SELECT name FROM {COOPS} WHERE name ILIKE :contains"),
                    {"contains": contains},
                ).all()
                names = [n for n in names if starts.search(n.casefold())]
                # titles starting with the typed text come first: often they are enough
                titles = conn.scalars(
                    text(
                        f"SELECT title FROM {DOCUMENTS} WHERE lower(title) LIKE :start"
                        " ORDER BY lower(title) USING ~<~ LIMIT :limit"  # the index's own order
                    ),
                    {"start": contains[1:], "limit": SUGGEST_CANDIDATES},
                ).all()
                titles = [t for t in titles if starts.search(t.casefold())]
                if len(set(titles) - set(names)) < limit - len(set(names)):
                    # then titles with a word starting with it (GIN on the title's words)
                    more = conn.scalars(
                        text(
                            f"SELECT title FROM {DOCUMENTS}"
                            " WHERE title_words @@ CAST(:words AS tsquery) LIMIT :limit"
                        ),
                        {"words": pq.all_of(terms), "limit": SUGGEST_CANDIDATES},
                    ).all()
                    titles += [t for t in more if starts.search(t.casefold())]
        except SQLAlchemyError as error:
            raise SearchError(f"PostgreSQL search failed: {error}") from error
        found: list[Suggestion] = []
        seen: set[str] = set()
        for kind, texts in (("coop", names), ("listing", titles)):
            for value in sorted(set(texts), key=lambda t: _rank(t, typed)):
                if value not in seen and len(found) < limit:
                    seen.add(value)
                    found.append(Suggestion(text=value, kind=kind))
        return found


def _copy(result: SearchResult) -> SearchResult:
    """A result the caller may change without changing the cached one."""
    return replace(
        result,
        hits=list(result.hits),
        facets={name: dict(values) for name, values in result.facets.items()},
    )


def _rank(value: str, typed: str) -> tuple[int, int, str]:
    """Texts starting with the typed text first, then shorter, then alphabetical."""
    folded = value.casefold()
    return (0 if folded.startswith(typed) else 1, len(value), folded)
