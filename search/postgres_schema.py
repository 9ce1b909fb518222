"""Names of the PostgreSQL search index's tables (migration 0004_search_postgres).

They are not SQLAlchemy models, so autogenerate and the schema test must leave them
alone: `is_index_table` says which database tables those are, including the copies
a rebuild fills before swapping them in.
"""

from __future__ import annotations

DOCUMENTS = "search_documents"
WORDS = "search_words"
COOPS = "search_coops"
#: the index tables, in the order a rebuild swaps them
TABLES: tuple[str, ...] = (DOCUMENTS, WORDS, COOPS)
#: one row: changes with every write (a new value from GENERATION_SEQUENCE), so a
#: process may keep query results for as long as it reads the same value
GENERATION = "search_generation"
GENERATION_SEQUENCE = "search_generation_seq"
#: every table of the PostgreSQL search index
INDEX_TABLES: tuple[str, ...] = (*TABLES, GENERATION)
#: suffix of the tables a rebuild fills aside
NEW = "_new"
#: text search configuration per listing language (stemming without stop words)
CONFIGS: dict[str, str] = {"en": "search_en", "de": "search_de", "sv": "search_sv"}
#: PostgreSQL's own configurations, whose stop word lists say which query words are optional
STOPWORD_CONFIGS: tuple[str, ...] = ("english", "german", "swedish")


def is_index_table(name: str | None) -> bool:
    """A table of the PostgreSQL search index (not a model table)."""
    return name in INDEX_TABLES or name in {table + NEW for table in TABLES}
