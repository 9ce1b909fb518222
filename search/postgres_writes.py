"""Writing the PostgreSQL search index: index(), remove() and rebuild().

A listing's row carries its text and filter values; the database computes its
tsvectors (generated columns). Every write adjusts, in the same statement, how many
listings use each word (`search_words`, for typo correction) and each co-op name
(`search_coops`, for autocomplete), and gives the index a new generation (processes
keep query results only while it stays the same). A rebuild fills copies of the
tables and swaps them in with one commit: searches keep being answered meanwhile.
"""

# SQL text here is composed from constants only; every value a listing brings is a
# bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC

from sqlalchemy import Connection, Engine, text

from search import postgres_query as pq
from search.backend import LANGUAGES, ListingDocument, SearchError, batched
from search.postgres_schema import (
    CONFIGS,
    COOPS,
    DOCUMENTS,
    GENERATION,
    GENERATION_SEQUENCE,
    NEW,
    TABLES,
    WORDS,
)

#: what the vocabulary counts need of a document: its words as written, its co-op name
_TEXT_COLUMNS = "tsvector_to_array(ts_filter(document, '{d}')) AS words, coop_name"
_COLUMNS = (
    "id, title, description, language, coop_slug, coop_name, category_path, category_names,"
    " labels, label_names, kind, condition, region, price_amount, currency, created_at,"
    " fingerprint, facet_keys"
)
_RECORD = (
    "id bigint, title text, description text, language text, coop_slug text, coop_name text,"
    " category_path text[], category_names text, labels text[], label_names text, kind text,"
    " condition text, region text, price_amount bigint, currency text, created_at timestamptz,"
    " fingerprint text, facet_keys text[]"
)
_UPDATES = ", ".join(
    f"{c} = excluded.{c}" for c in _COLUMNS.replace(" ", "").split(",") if c != "id"
)


def _counts_sql(changes: str) -> str:
    """The tail of a write: adjust word and co-op counts by the listings added and removed.

    `changes` defines CTEs `added` and `removed` (rows with `words` and `coop_name`).
    Returns the words and co-op names no listing uses any more, for deleting.
    """
    return f"""
    {changes},
    word_changes AS (
        SELECT word, sum(n) AS n FROM (
            SELECT w AS word, 1 AS n FROM added, unnest(added.words) AS w
            UNION ALL
            SELECT w, -1 FROM removed, unnest(removed.words) AS w
        ) AS c GROUP BY word HAVING sum(n) <> 0
    ),
    coop_changes AS (
        SELECT name, sum(n) AS n FROM (
            SELECT coop_name AS name, 1 AS n FROM added
            UNION ALL SELECT coop_name, -1 FROM removed
        ) AS c GROUP BY name HAVING sum(n) <> 0
    ),
    words AS (
        INSERT INTO {WORDS} AS s (word, documents)
        SELECT word, n FROM word_changes ORDER BY word
        ON CONFLICT (word) DO UPDATE SET documents = s.documents + excluded.documents
        RETURNING s.word, s.documents
    ),
    coops AS (
        INSERT INTO {COOPS} AS s (name, documents)
        SELECT name, n FROM coop_changes ORDER BY name
        ON CONFLICT (name) DO UPDATE SET documents = s.documents + excluded.documents
        RETURNING s.name, s.documents
    )
    SELECT 'word' AS kind, word AS value FROM words WHERE documents <= 0
    UNION ALL SELECT 'coop', name FROM coops WHERE documents <= 0
    """


_INDEX_SQL = _counts_sql(
    f"""
    WITH incoming AS MATERIALIZED (
        SELECT * FROM jsonb_to_recordset(CAST(:documents AS jsonb)) AS d({_RECORD})
    ),
    removed AS MATERIALIZED (
        SELECT {_TEXT_COLUMNS} FROM {DOCUMENTS} WHERE id IN (SELECT id FROM incoming)
    ),
    added AS (
        INSERT INTO {DOCUMENTS} ({_COLUMNS})
        SELECT {_COLUMNS.replace("language", "CAST(language AS regconfig)")} FROM incoming
        ON CONFLICT (id) DO UPDATE SET {_UPDATES}
        RETURNING {_TEXT_COLUMNS}
    )"""
)
_REMOVE_SQL = _counts_sql(
    f"""
    WITH removed AS MATERIALIZED (
        DELETE FROM {DOCUMENTS} WHERE id = ANY(CAST(:ids AS bigint[])) RETURNING {_TEXT_COLUMNS}
    ),
    added AS (SELECT words, coop_name FROM removed WHERE FALSE)"""
)
_DELETE_UNUSED = {
    "word": f"DELETE FROM {WORDS} WHERE word = ANY(CAST(:values AS text[])) AND documents <= 0",
    "coop": f"DELETE FROM {COOPS} WHERE name = ANY(CAST(:values AS text[])) AND documents <= 0",
}
_NEW_GENERATION_SQL = (
    f"INSERT INTO {GENERATION} (id, value) VALUES (1, nextval('{GENERATION_SEQUENCE}'))"
    " ON CONFLICT (id) DO UPDATE SET value = excluded.value"
)


def _text(value: str) -> str:
    """PostgreSQL text cannot hold NUL: it goes (the fingerprint still has the original)."""
    return value.replace("\x00", "")


def _row(doc: ListingDocument) -> dict[str, object]:
    """A document's column values (created_at as an aware datetime)."""
    language = doc.language if doc.language in LANGUAGES else "en"
    created = doc.created_at if doc.created_at.tzinfo else doc.created_at.replace(tzinfo=UTC)
    row: dict[str, object] = {
        "id": doc.id,
        "title": _text(doc.title),
        "description": _text(doc.description),
        "language": CONFIGS[language],
        "coop_slug": _text(doc.coop_slug),
        "coop_name": _text(doc.coop_name),
        "category_path": [_text(v) for v in doc.category_path],
        "category_names": _text(" ; ".join(doc.category_names)),
        "labels": [_text(v) for v in doc.labels],
        "label_names": _text(" ; ".join(doc.label_names)),
        "kind": _text(doc.kind),
        "condition": _text(doc.condition),
        "region": _text(doc.region),
        "price_amount": doc.price_amount,
        "currency": _text(doc.currency),
        "created_at": created,
        "fingerprint": doc.fingerprint(),
    }
    row["facet_keys"] = pq.facet_keys(
        row["labels"],
        row["category_path"],
        row["coop_slug"],
        row["region"],
        row["kind"],
        row["condition"],
        row["currency"],
    )
    return row


def index(engine: Engine, documents: Iterable[ListingDocument]) -> None:
    """Add or replace these listings, in one commit."""
    with engine.begin() as conn:
        for batch in batched(documents, 500):
            rows = {doc.id: _row(doc) for doc in batch}  # the last version of an id wins
            # in id order: concurrent writers lock rows in the same order
            ordered = [rows[i] for i in sorted(rows)]
            payload = json.dumps(ordered, ensure_ascii=False, default=str)
            _apply(conn, _INDEX_SQL, {"documents": payload})
        conn.execute(text(_NEW_GENERATION_SQL))


def remove(engine: Engine, ids: Iterable[int]) -> None:
    """Take these listings out (ids not in the index are ignored), in one commit."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    with engine.begin() as conn:
        for start in range(0, len(wanted), 1000):
            _apply(conn, _REMOVE_SQL, {"ids": wanted[start : start + 1000]})
        conn.execute(text(_NEW_GENERATION_SQL))


def _apply(conn: Connection, sql: str, params: dict[str, object]) -> None:
    unused: dict[str, list[str]] = {"word": [], "coop": []}
    for kind, value in conn.execute(text(sql), params):
        unused[kind].append(value)
    for kind, values in unused.items():
        if values:
            conn.execute(text(_DELETE_UNUSED[kind]), {"values": values})


def rebuild(engine: Engine, documents: Iterable[ListingDocument]) -> int:
    """Fill new tables aside, then swap them in with one commit; returns the count."""
    with engine.begin() as conn:
        for table in TABLES:
            conn.execute(text(f"DROP TABLE IF EXISTS {table}{NEW}"))
            conn.execute(
                text(
                    f"CREATE TABLE {table}{NEW} (LIKE {table} INCLUDING DEFAULTS"
                    " INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE)"
                )
            )
            options = conn.execute(
                text("SELECT reloptions FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                {"t": table},
            ).scalar_one()
            if options:  # LIKE leaves storage parameters behind (toast_tuple_target)
                conn.execute(text(f"ALTER TABLE {table}{NEW} SET ({', '.join(options)})"))
        count = _copy(conn, documents)
        conn.execute(
            text(
                f"INSERT INTO {WORDS}{NEW} (word, documents)"
                f" SELECT w, count(*) FROM {DOCUMENTS}{NEW},"
                " unnest(tsvector_to_array(ts_filter(document, '{d}'))) AS w GROUP BY w"
            )
        )
        conn.execute(
            text(
                f"INSERT INTO {COOPS}{NEW} (name, documents)"
                f" SELECT coop_name, count(*) FROM {DOCUMENTS}{NEW} GROUP BY coop_name"
            )
        )
        # indexes after the rows: building them whole is much faster than row by row
        renames = [_copy_indexes(conn, table) for table in TABLES]
        for table in TABLES:
            conn.execute(text(f"ANALYZE {table}{NEW}"))
        for table, names in zip(TABLES, renames, strict=True):
            conn.execute(text(f"DROP TABLE {table}"))
            conn.execute(text(f"ALTER TABLE {table}{NEW} RENAME TO {table}"))
            for statement in names:
                conn.execute(text(statement))
        conn.execute(text(_NEW_GENERATION_SQL))
    return count


def _copy(conn: Connection, documents: Iterable[ListingDocument]) -> int:
    """COPY the documents into the new documents table (the database computes the rest)."""
    count = 0
    columns = [c.strip() for c in _COLUMNS.split(",")]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f"COPY {DOCUMENTS}{NEW} ({_COLUMNS}) FROM STDIN") as copy:
        for doc in documents:
            row = _row(doc)
            copy.write_row([row[c] for c in columns])
            count += 1
    return count


def _copy_indexes(conn: Connection, table: str) -> list[str]:
    """Create the live table's indexes on its new copy; returns the renames for the swap."""
    rows = conn.execute(
        text(
            "SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition,"
            " i.indisprimary AS is_primary FROM pg_index AS i"
            " JOIN pg_class AS c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = CAST(:table AS regclass)"
        ),
        {"table": table},
    ).all()
    renames = []
    for row in rows:
        found = re.match(r"CREATE (UNIQUE )?INDEX \S+ ON \S+ (USING .+)$", row.definition)
        if found is None:
            raise SearchError(f"Unexpected index definition: {row.definition}")
        new_name = f"{row.name}{NEW}"
        conn.execute(text(f"CREATE {found[1] or ''}INDEX {new_name} ON {table}{NEW} {found[2]}"))
        if row.is_primary:
            conn.execute(
                text(
                    f"ALTER TABLE {table}{NEW} ADD CONSTRAINT {new_name}"
                    f" PRIMARY KEY USING INDEX {new_name}"
                )
            )
            renames.append(f"ALTER TABLE {table} RENAME CONSTRAINT {new_name} TO {row.name}")
        else:
            renames.append(f"ALTER INDEX {new_name} RENAME TO {row.name}")
    return renames
