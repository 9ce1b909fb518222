"""SQLite FTS5 answering the benchmark's searches: the reference for what an embedded engine can do.

Not a backend of the application: a yardstick with the same inputs and the same shape of answer
(`SearchQuery` in, `SearchResult` out). It follows the agreed semantics where FTS5 makes it
plain, and says where it is simpler:

- text: every positive word must match (FTS5's implicit AND across all columns); weighted bm25
  (title 10, co-op, category and label names 3, description 1); phrases, -exclusions, prefix*;
- stemming: the Porter stemmer (English) for every language, diacritics folded;
- typos: a word found nowhere in the index is replaced by the words one edit away (deletion,
  insertion, substitution or transposition: symmetric-delete lookup in a word list read from the
  index), at most 8 of them, most frequent first; "did you mean" is the corrected text;
- filters: labels AND (a bit mask), other facets OR within, category with its subcategories;
- facet counts: one GROUP BY per facet over the matches, with every filter but the facet's own;
- sorts relevance, price up and down, newest; LIMIT/OFFSET pages; snippets by FTS5's
  `snippet()`, escaped, matches in <mark>.
"""

from __future__ import annotations

import html
import os
import sqlite3
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from search.backend import FACETS, Hit, ListingDocument, SearchQuery, SearchResult
from search.query import parse

#: facet name -> column of the `docs` table (labels are a bit mask, category has two columns)
_COLUMNS = {
    "coop": "coop",
    "region": "region",
    "kind": "kind",
    "condition": "cond",
    "currency": "currency",
}
_ORDER = {
    "relevance": "score, id",
    "price_asc": "price, id",
    "price_desc": "price DESC, id",
    "newest": "created DESC, id DESC",
}
_MAX_CORRECTIONS = 8
_START, _END = "\x02", "\x03"


def _fold(word: str) -> str:
    """Lower case without diacritics, as FTS5's unicode61 tokenizer with remove_diacritics 2."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance of at most 1."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


class Fts5Reference:
    """An FTS5 index in one SQLite file, rebuilt aside and swapped in like the real backends."""

    name = "fts5"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._values: dict[str, list[str]] = {}
        self._codes: dict[str, dict[str, int]] = {}
        self._label_bits: dict[str, int] = {}
        self._parents: dict[int, int] = {}
        self._words: dict[str, int] = {}
        self._delete_index: dict[str, list[str]] = {}

    # -- building -------------------------------------------------------------------------

    def rebuild(self, documents: Iterable[ListingDocument]) -> int:
        """Write a new index file beside the current one, then rename it over."""
        aside = self.path.with_name(self.path.name + ".new")
        aside.unlink(missing_ok=True)
        db = sqlite3.connect(aside)
        db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE vals (facet TEXT, code INTEGER, value TEXT, parent INTEGER,
                               PRIMARY KEY (facet, code));
            CREATE TABLE docs (id INTEGER PRIMARY KEY, coop INTEGER, cat INTEGER,
                               cat_parent INTEGER, region INTEGER, kind INTEGER,
                               cond INTEGER, currency INTEGER, labels INTEGER,
                               price INTEGER, created INTEGER);
            CREATE VIRTUAL TABLE fts USING fts5(
                title, description, coop_name, category_names, label_names,
                tokenize = 'porter unicode61 remove_diacritics 2');
            -- The words as written (not stemmed): what typo correction looks up.
            CREATE VIRTUAL TABLE words_src USING fts5(
                words, content = '', detail = none, tokenize = 'unicode61 remove_diacritics 2');
            CREATE VIRTUAL TABLE words USING fts5vocab(words_src, 'row');
            """
        )
        codes: dict[str, dict[str, int]] = {f: {} for f in (*_COLUMNS, "category", "label")}
        parents: dict[int, int] = {}

        def code(facet: str, value: str) -> int:
            table = codes[facet]
            if value not in table:
                table[value] = len(table)
            return table[value]

        count = 0
        batch_docs: list[tuple] = []
        batch_text: list[tuple] = []
        for doc in documents:
            category = code("category", doc.category)
            root = code("category", doc.category_path[0]) if doc.category_path else category
            parents.setdefault(category, root)
            mask = 0
            for slug in doc.labels:
                mask |= 1 << code("label", slug)
            batch_docs.append(
                (
                    doc.id,
                    code("coop", doc.coop_slug),
                    category,
                    root,
                    code("region", doc.region),
                    code("kind", doc.kind),
                    code("condition", doc.condition),
                    code("currency", doc.currency),
                    mask,
                    doc.price_amount,
                    int(doc.created_at.timestamp()),
                )
            )
            names = (doc.coop_name, " ".join(doc.category_names), " ".join(doc.label_names))
            batch_text.append((doc.id, doc.title, doc.description, *names))
            count += 1
            if len(batch_docs) >= 5000:
                self._write(db, batch_docs, batch_text)
                batch_docs, batch_text = [], []
        self._write(db, batch_docs, batch_text)
        db.executemany(
            "INSERT INTO vals VALUES (?, ?, ?, ?)",
            [
                (facet, number, value, parents.get(number) if facet == "category" else None)
                for facet, table in codes.items()
                for value, number in table.items()
            ],
        )
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        db.execute("INSERT INTO words_src(words_src) VALUES ('optimize')")
        db.commit()
        db.close()
        self.close()
        os.replace(aside, self.path)
        return count

    @staticmethod
    def _write(db: sqlite3.Connection, docs: list[tuple], text: list[tuple]) -> None:
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", docs)
        db.executemany("INSERT INTO fts(rowid, title, description, coop_name, category_names, "
                       "label_names) VALUES (?, ?, ?, ?, ?, ?)", text)  # fmt: skip
        db.executemany(
            "INSERT INTO words_src(rowid, words) VALUES (?, ?)",
            [(row[0], " ".join(row[1:])) for row in text],
        )

    # -- reading --------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(self.path, check_same_thread=False)
            db.execute("PRAGMA temp_store = MEMORY")
            db.execute("PRAGMA cache_size = -262144")
            self._values = {}
            self._codes = {}
            self._parents = {}
            for facet, number, value, parent in db.execute("SELECT * FROM vals ORDER BY code"):
                self._values.setdefault(facet, []).append(value)
                self._codes.setdefault(facet, {})[value] = number
                if facet == "category":
                    self._parents[number] = parent
            self._label_bits = self._codes.get("label", {})
            self._words = dict(db.execute("SELECT term, doc FROM words"))
            index: dict[str, list[str]] = {}
            for word in self._words:
                for key in (word, *_deletes(word)):
                    index.setdefault(key, []).append(word)
            self._delete_index = index
            self._db = db
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def count(self) -> int:
        return self._open().execute("SELECT count(*) FROM docs").fetchone()[0]

    def size_bytes(self) -> int:
        return self.path.stat().st_size

    def _corrections(self, word: str) -> list[str]:
        """Words of the index one edit away from `word`, most frequent first."""
        if len(word) < 4:
            return []
        found = {
            candidate
            for key in (word, *_deletes(word))
            for candidate in self._delete_index.get(key, ())
            if _within_one_edit(word, candidate)
        }
        return sorted(found, key=lambda w: (-self._words[w], w))[:_MAX_CORRECTIONS]

    def _match(self, text: str) -> tuple[str | None, str | None]:
        """The FTS5 MATCH expression and the corrected text, if a word was corrected."""
        parsed = parse(text)
        if parsed.is_empty:
            return None, None
        parts: list[str] = []
        corrected: list[str] = []
        changed = False
        for term in parsed.terms:
            folded = _fold(term)
            if folded in self._words:
                parts.append(f'"{folded}"')
                corrected.append(term)
                continue
            options = self._corrections(folded)
            if options:
                changed = True
                parts.append("(" + " OR ".join(f'"{w}"' for w in options) + ")")
                corrected.append(options[0])
            else:
                parts.append(f'"{folded}"')
                corrected.append(term)
        parts += ['"' + " ".join(_fold(w) for w in phrase) + '"' for phrase in parsed.phrases]
        parts += [f'"{_fold(prefix)}"*' for prefix in parsed.prefixes]
        expression = " AND ".join(parts)
        if parsed.excluded:
            excluded = " OR ".join(f'"{_fold(w)}"' for w in parsed.excluded)
            expression = f"({expression}) NOT ({excluded})"
        return expression, (" ".join(corrected) if changed else None)

    def _where(self, query: SearchQuery, leave_out: str | None) -> tuple[str, list[object]]:
        """SQL conditions on the matches for every filter except `leave_out`'s."""
        clauses = ["1"]
        params: list[object] = []
        for facet, chosen in query.filters().items():
            if not chosen or facet == leave_out:
                continue
            if facet == "label":
                mask = 0
                for slug in chosen:
                    bit = self._label_bits.get(slug)
                    if bit is None:
                        clauses.append("0")
                        break
                    mask |= 1 << bit
                clauses.append("labels & ? = ?")
                params += [mask, mask]
            elif facet == "category":
                numbers = [
                    self._codes["category"][s] for s in chosen if s in self._codes["category"]
                ]
                marks = ",".join("?" * len(numbers)) or "NULL"
                clauses.append(f"(cat IN ({marks}) OR cat_parent IN ({marks}))")
                params += numbers + numbers
            else:
                table = self._codes.get(facet, {})
                numbers = [table[v] for v in chosen if v in table]
                clauses.append(f"{_COLUMNS[facet]} IN ({','.join('?' * len(numbers)) or 'NULL'})")
                params += numbers
        if query.min_price is not None:
            clauses.append("price >= ?")
            params.append(query.min_price)
        if query.max_price is not None:
            clauses.append("price <= ?")
            params.append(query.max_price)
        return " AND ".join(clauses), params

    def query(self, query: SearchQuery) -> SearchResult:
        """Matches into a temporary table, then total, page, facets and snippets from it."""
        db = self._open()
        expression, suggestion = self._match(query.text)
        db.execute("DROP TABLE IF EXISTS temp.m")
        if expression is None:
            db.execute("CREATE TEMP TABLE m AS SELECT docs.*, 0.0 AS score FROM docs")
        else:
            db.execute(
                "CREATE TEMP TABLE m AS SELECT docs.*, bm25(fts, 10.0, 1.0, 3.0, 3.0, 3.0) AS score"
                " FROM fts JOIN docs ON docs.id = fts.rowid WHERE fts MATCH ?",
                (expression,),
            )
        where, params = self._where(query, None)
        total = db.execute(f"SELECT count(*) FROM m WHERE {where}", params).fetchone()[0]  # noqa: S608
        order = _ORDER["newest" if expression is None and query.sort == "relevance" else query.sort]
        rows = db.execute(
            f"SELECT id, score FROM m WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",  # noqa: S608
            [*params, query.per_page, (query.page - 1) * query.per_page],
        ).fetchall()
        snippets = self._snippets(db, [row[0] for row in rows], expression)
        hits = [Hit(id=row[0], score=-row[1], snippet=snippets.get(row[0], "")) for row in rows]
        facets = self._facets(db, query) if query.facets else {}
        db.execute("DROP TABLE temp.m")
        return SearchResult(total=total, hits=hits, facets=facets, suggestion=suggestion)

    def _snippets(self, db: sqlite3.Connection, ids: list[int], expression: str | None) -> dict:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        if expression is None:
            rows = db.execute(
                f"SELECT rowid, substr(description, 1, 160) FROM fts WHERE rowid IN ({marks})",  # noqa: S608
                ids,
            )
        else:
            rows = db.execute(
                f"SELECT rowid, snippet(fts, 1, '{_START}', '{_END}', '…', 32) FROM fts "  # noqa: S608
                f"WHERE fts MATCH ? AND rowid IN ({marks})",
                [expression, *ids],
            )
        return {
            rowid: html.escape(text or "").replace(_START, "<mark>").replace(_END, "</mark>")
            for rowid, text in rows
        }

    def _facets(self, db: sqlite3.Connection, query: SearchQuery) -> dict[str, dict[str, int]]:
        facets: dict[str, dict[str, int]] = {}
        chosen = query.filters()
        for facet in FACETS:
            where, params = self._where(query, None if facet == "label" else facet)
            counts: dict[str, int] = {}
            if facet == "label":
                bits = sorted(self._label_bits.items(), key=lambda item: item[1])
                sums = ", ".join(f"sum(labels & {1 << bit} != 0)" for _, bit in bits)
                row = db.execute(f"SELECT {sums} FROM m WHERE {where}", params).fetchone()  # noqa: S608
                counts = {slug: n for (slug, _), n in zip(bits, row or (), strict=False) if n}
            elif facet == "category":
                names = self._values.get("category", [])
                sql = f"SELECT cat, cat_parent, count(*) FROM m WHERE {where} GROUP BY cat"  # noqa: S608
                for leaf, root, n in db.execute(sql, params):
                    counts[names[leaf]] = counts.get(names[leaf], 0) + n
                    if root != leaf:
                        counts[names[root]] = counts.get(names[root], 0) + n
            else:
                names = self._values.get(facet, [])
                column = _COLUMNS[facet]
                sql = f"SELECT {column}, count(*) FROM m WHERE {where} GROUP BY {column}"  # noqa: S608
                counts = {names[value]: n for value, n in db.execute(sql, params)}
            for value in chosen[facet]:
                counts.setdefault(value, 0)
            facets[facet] = counts
        return facets
