"""search index in PostgreSQL (SEARCH_BACKEND=postgres)

The index of the PostgreSQL search backend (search/postgres_backend.py) lives in
these tables. They are not SQLAlchemy models (tsvector and regconfig exist only in
PostgreSQL), so migrations/env.py leaves them out of autogenerate. On SQLite this
migration does nothing.

- search_documents: one row per searchable listing; `document` is a weighted tsvector
  kept by the database: the stems of the title (A), of the co-op, category and label
  names (B) and of the description (C), in the row's own text search configuration,
  and its words as written (D: exact matches, prefixes, the vocabulary); `title_words`
  holds the title's words as written (exact-match bonus, autocomplete); `facet_keys`
  lists what the listing counts under in facet counts (one pass over the matches). Rows stay
  inline up to a page (toast_tuple_target): a search reads thousands of vectors.
- search_words: every distinct word of the indexed text with the number of listings
  using it (typo correction through pg_trgm, "did you mean").
- search_coops: co-op names of the indexed listings (autocomplete).
- search_generation: one row whose value every write changes (from a sequence, so a
  value never comes back): processes keep query results while it stays the same.
- search_en, search_de, search_sv: Snowball stemming without stop words, so that
  every word is indexed ("while", "ohne", "det" are found) and phrases keep theirs.

Revision ID: 0004_search_postgres
Revises: 0003_search_outbox
Create Date: 2026-11-27 11:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004_search_postgres'
down_revision = '0003_search_outbox'
branch_labels = None
depends_on = None

LANGUAGES = {'en': 'english', 'de': 'german', 'sv': 'swedish'}
WORD_TOKENS = 'asciiword, asciihword, hword_asciipart, word, hword, hword_part'

TABLES = """
CREATE TABLE search_documents (
    id bigint NOT NULL,
    title text NOT NULL,
    description text NOT NULL,
    language regconfig NOT NULL,
    coop_slug text NOT NULL,
    coop_name text NOT NULL,
    category_path text[] NOT NULL,
    category_names text NOT NULL,
    labels text[] NOT NULL,
    label_names text NOT NULL,
    kind text NOT NULL,
    condition text NOT NULL,
    region text NOT NULL,
    price_amount bigint NOT NULL,
    currency text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    fingerprint text NOT NULL,
    facet_keys text[] NOT NULL,
    document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(language, title), 'A')
        || setweight(to_tsvector(language, coop_name || ' ' || category_names || ' '
                                 || label_names), 'B')
        || setweight(to_tsvector(language, description), 'C')
        || setweight(to_tsvector('simple'::regconfig, title || ' ' || coop_name || ' '
                                 || category_names || ' ' || label_names || ' '
                                 || description), 'D')
    ) STORED,
    title_words tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, title)) STORED,
    CONSTRAINT pk_search_documents PRIMARY KEY (id)
) WITH (toast_tuple_target = 8160);
CREATE INDEX ix_search_documents_document ON search_documents USING gin (document);
CREATE INDEX ix_search_documents_title_words ON search_documents USING gin (title_words);
CREATE INDEX ix_search_documents_title_start
    ON search_documents (lower(title) text_pattern_ops);
CREATE INDEX ix_search_documents_labels ON search_documents USING gin (labels);
CREATE INDEX ix_search_documents_category_path ON search_documents USING gin (category_path);
CREATE INDEX ix_search_documents_newest ON search_documents (created_at DESC, id DESC);
CREATE INDEX ix_search_documents_price ON search_documents (price_amount, id);

CREATE TABLE search_words (
    word text COLLATE "C" NOT NULL,
    documents integer NOT NULL,
    CONSTRAINT pk_search_words PRIMARY KEY (word)
);
CREATE INDEX ix_search_words_trigrams ON search_words USING gin (word gin_trgm_ops);

CREATE TABLE search_coops (
    name text NOT NULL,
    documents integer NOT NULL,
    CONSTRAINT pk_search_coops PRIMARY KEY (name)
);

CREATE SEQUENCE search_generation_seq;
CREATE TABLE search_generation (
    id integer NOT NULL,
    value bigint NOT NULL,
    CONSTRAINT pk_search_generation PRIMARY KEY (id),
    CONSTRAINT ck_search_generation_one_row CHECK (id = 1)
);
INSERT INTO search_generation (id, value) VALUES (1, nextval('search_generation_seq'));
"""


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    # levenshtein_less_equal: typos trigrams miss ("bycicle" shares two with "bicycles")
    op.execute('CREATE EXTENSION IF NOT EXISTS fuzzystrmatch')
    for code, language in LANGUAGES.items():
        # the language's Snowball stemmer, without stop words: every word is indexed
        op.execute(
            f'CREATE TEXT SEARCH DICTIONARY search_{code}_stem '
            f'(TEMPLATE = snowball, LANGUAGE = {language})'
        )
        op.execute(f'CREATE TEXT SEARCH CONFIGURATION search_{code} (COPY = {language})')
        op.execute(
            f'ALTER TEXT SEARCH CONFIGURATION search_{code} '
            f'ALTER MAPPING FOR {WORD_TOKENS} WITH search_{code}_stem'
        )
    op.execute(TABLES)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        'DROP TABLE IF EXISTS search_generation, search_coops, search_words, search_documents'
    )
    op.execute('DROP SEQUENCE IF EXISTS search_generation_seq')
    for code in LANGUAGES:
        op.execute(f'DROP TEXT SEARCH CONFIGURATION IF EXISTS search_{code}')
        op.execute(f'DROP TEXT SEARCH DICTIONARY IF EXISTS search_{code}_stem')
    # pg_trgm stays: other schemas may use it, and it holds no data of ours.
