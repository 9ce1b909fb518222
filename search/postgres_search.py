"""One search on the PostgreSQL index: a few statements on one connection.

The query's words are stemmed by PostgreSQL itself (every language's configuration),
then one statement answers the page, the total and the facet counts
(`search.postgres_query`). Only when that finds fewer than three listings does more
happen: words found nowhere are corrected to close vocabulary words (pg_trgm finds
candidates, the optimal string alignment distance decides) and the search runs again;
otherwise a correction that would find more becomes the "did you mean".
"""

# SQL text here is composed from constants only; every value a buyer brings is a bound
# parameter (tsquery operands are quoted by `search.postgres_query.lexeme`).
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from sqlalchemy import Connection, text

from search import postgres_query as pq
from search.backend import FACETS, MAX_PAGE, MAX_PER_PAGE, Hit, SearchQuery, SearchResult
from search.fuzzy import FREE_ENDING, allowed_distance, closest, typo_distance
from search.postgres_schema import CONFIGS, DOCUMENTS, GENERATION, STOPWORD_CONFIGS, WORDS
from search.query import ParsedQuery, clean

#: "did you mean" is offered for queries finding fewer results than this
FEW_RESULTS = 3
#: at most this many vocabulary words stand in for a word found nowhere
MAX_CORRECTIONS = 10
#: alternatives tried per word when a query finds little
ALTERNATIVES = 5
#: a "did you mean" candidate's results are counted up to this many (a broad word's
#: full count costs a read of every listing using it; beyond this the order decides)
COUNT_CAP = 1000
#: pg_trgm similarity a typo candidate needs (one edit in a 4-letter word leaves 0.25)
TRIGRAM_THRESHOLD = 0.2
TRIGRAM_CANDIDATES = 200

_ANALYSE_SQL = f"""
    SELECT w.word, CAST(c.config AS text) AS config, u.lexeme, u.positions[1] AS position,
        (SELECT s.documents FROM {WORDS} AS s WHERE s.word = w.word) AS documents,
        (SELECT greatest(reltuples, 1) FROM pg_class
         WHERE oid = CAST('{DOCUMENTS}' AS regclass)) AS total
    FROM unnest(CAST(:words AS text[])) AS w(word)
    CROSS JOIN unnest(CAST(:configs AS regconfig[])) AS c(config)
    CROSS JOIN LATERAL unnest(to_tsvector(c.config, w.word)) AS u
"""
SETTINGS_SQL = (
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
    " set_config('work_mem', '64MB', true),"
    f" set_config('pg_trgm.similarity_threshold', '{TRIGRAM_THRESHOLD}', true),"
    " set_config('enable_seqscan', :seqscan, true),"
    # compiling costs more than it saves on these statements (50 ms at a million listings)
    " set_config('jit', 'off', true),"
    f" (SELECT value FROM {GENERATION} WHERE id = 1) AS generation"
)


def _safe(values: Iterable[str]) -> tuple[str, ...]:
    """Filter values PostgreSQL can take (a NUL cannot be in text; such a value matches nothing)."""
    return tuple(v.replace("\x00", "\ufffd") for v in values)


def bounded(query: SearchQuery) -> SearchQuery:
    """The query with its page in range and filter values PostgreSQL can compare."""
    filters = {
        "labels": _safe(query.labels),
        "categories": _safe(query.categories),
        "coops": _safe(query.coops),
        "regions": _safe(query.regions),
        "kinds": _safe(query.kinds),
        "conditions": _safe(query.conditions),
        "currencies": _safe(query.currencies),
    }
    return replace(
        query,
        page=min(max(query.page, 1), MAX_PAGE),
        per_page=min(max(query.per_page, 1), MAX_PER_PAGE),
        **filters,
    )


class Search:
    """One query() call: a few statements on one connection."""

    def __init__(self, conn: Connection, query: SearchQuery, parsed: ParsedQuery) -> None:
        self.conn = conn
        self.query = query
        self.parsed = parsed
        self.words = pq.Words()

    def run(self) -> SearchResult:
        parsed = self.parsed
        self._analyse([*parsed.words(), *parsed.excluded])
        plan = pq.plan(parsed, self.words, {})
        result = self._results(plan, self.query.facets)
        fuzzable = [
            w for w in parsed.terms if self.words.known(w) and not self.words.is_stopword(w)
        ]
        fuzzable = [w for w in fuzzable if allowed_distance(w)]
        if result.total >= FEW_RESULTS or not fuzzable:
            return result
        typed = clean(self.query.text)
        if result.total == 0:
            missing = [
                w for w, found in zip(fuzzable, self._exist(fuzzable), strict=True) if not found
            ]
            if missing:
                near = self._near(missing)
                expansions = {w: [c for c, _, _ in near[w]] for w in missing if near[w]}
                if expansions:
                    self._analyse([c for cs in expansions.values() for c in cs])
                    result = self._results(
                        pq.plan(parsed, self.words, expansions), self.query.facets
                    )
                    result.suggestion = pq.corrected_text(
                        typed, {w: cs[0] for w, cs in expansions.items()}
                    )
                return result
        result.suggestion = self._did_you_mean(fuzzable, result.total, typed)
        return result

    def _analyse(self, words: list[str]) -> None:
        """Ask PostgreSQL for each word's lexemes in every configuration we use."""
        wanted = [w for w in dict.fromkeys(words) if w not in self.words.lexemes]
        if not wanted:
            return
        configs = [*CONFIGS.values(), *STOPWORD_CONFIGS, "simple"]
        rows = self.conn.execute(text(_ANALYSE_SQL), {"words": wanted, "configs": configs})
        found: dict[str, dict[str, list[tuple[int, str]]]] = {w: {} for w in wanted}
        for row in rows:
            found[row.word].setdefault(row.config, []).append((row.position, row.lexeme))
            self.words.documents[row.word] = int(row.documents or 0)
            self.words.total = float(row.total)
        for word, by_config in found.items():
            self.words.lexemes[word] = {c: [x for _, x in sorted(v)] for c, v in by_config.items()}

    def _results(self, plan: pq.Plan, with_facets: bool) -> SearchResult:
        sql, params = pq.results_sql(self.query, plan, with_facets)
        total = 0
        hits = []
        facets: dict[str, dict[str, int]] = {name: {} for name in FACETS} if with_facets else {}
        for row in self.conn.execute(text(sql), params):
            if row.part == "hit":
                hits.append(row)
                continue
            facet = pq.read_key(row.key)
            if facet is None:
                total = int(row.n)
            elif facet[1] and facet[0] in facets:
                facets[facet[0]][facet[1]] = int(row.n)
        hits.sort(key=pq.hit_order(self.query.sort, any(plan.match.values())))
        result = SearchResult(
            total=total,
            hits=[
                Hit(
                    id=int(row.id),
                    score=float(row.score or 0.0),
                    snippet=pq.snippet(row.snippet, marked=bool(plan.highlight)),
                )
                for row in hits
            ],
            facets=facets,
        )
        if with_facets:
            for name, chosen in self.query.filters().items():
                for value in chosen:
                    facets[name].setdefault(value, 0)
        return result

    def _count(self, plan: pq.Plan) -> int:
        """The results of a corrected query, up to COUNT_CAP (enough to choose the best)."""
        sql, params = pq.count_sql(self.query, plan, COUNT_CAP)
        return int(self.conn.execute(text(sql), params).scalar_one())

    def _exist(self, words: list[str]) -> list[bool]:
        """Whether each word (its stem in a listing's language, or as written) is anywhere."""
        params: dict[str, object] = {}
        columns = []
        for i, word in enumerate(words):
            queries = {c: pq.word_query(self.words, word, c) for c in CONFIGS.values()}
            condition = pq.match_sql(queries, params, f"e{i}_")
            columns.append(f"EXISTS (SELECT 1 FROM {DOCUMENTS} WHERE {condition})")
        return list(self.conn.execute(text(f"SELECT {', '.join(columns)}"), params).one())

    def _near(self, words: list[str]) -> dict[str, list[tuple[str, int, int]]]:
        """(vocabulary word, edits, listings) of the words close to each word, best first."""
        parts = []
        params: dict[str, object] = {"limit": TRIGRAM_CANDIDATES}
        for i, word in enumerate(words):
            k = allowed_distance(word)
            params.update({f"w{i}": word, f"s{i}": pq.swaps(word), f"k{i}": k})
            params.update({f"lo{i}": len(word) - k, f"hi{i}": len(word) + k + FREE_ENDING})
            parts.append(
                f"(SELECT {i} AS i, word, documents FROM {WORDS} WHERE word % :w{i}"
                f" AND length(word) BETWEEN :lo{i} AND :hi{i}"
                f" ORDER BY similarity(word, :w{i}) DESC LIMIT :limit)"
                f" UNION ALL (SELECT {i}, word, documents FROM {WORDS}"
                f" WHERE word = ANY(CAST(:s{i} AS text[])))"
                # Typos that share few trigrams: edit distance in C over a length window,
                # with the ending letters the typo rule ignores cut off (see search.fuzzy).
                f" UNION ALL (SELECT {i}, word, documents FROM {WORDS}"
                f" WHERE length(word) BETWEEN :lo{i} AND :hi{i}"
                f" AND LEAST(levenshtein_less_equal(word, :w{i}, :k{i}),"
                f" levenshtein_less_equal(left(word, -1), :w{i}, :k{i}),"
                f" levenshtein_less_equal(left(word, -2), :w{i}, :k{i})) <= :k{i}"
                f" LIMIT :limit)"
            )
        near: dict[str, dict[str, tuple[int, int]]] = {w: {} for w in words}
        for row in self.conn.execute(text(" UNION ALL ".join(parts)), params):
            word = words[row.i]
            if row.word == word or row.documents <= 0:
                continue
            edits = typo_distance(word, row.word, allowed_distance(word))
            if edits <= allowed_distance(word):
                near[word][row.word] = (edits, int(row.documents))
        return {
            w: closest(
                sorted(
                    ((c, d, n) for c, (d, n) in found.items()), key=lambda x: (x[1], -x[2], x[0])
                )
            )[:MAX_CORRECTIONS]
            for w, found in near.items()
        }

    def _did_you_mean(self, words: list[str], total: int, typed: str) -> str | None:
        """A correction of one word that finds more than the query as typed."""
        near = self._near(words)
        tries = [(w, c) for w in words for c, _, _ in near[w][:ALTERNATIVES]]
        if not tries:
            return None
        self._analyse([c for _, c in tries])
        best: tuple[int, str, str] | None = None
        for word, candidate in tries:
            count = self._count(pq.plan(self.parsed, self.words, {word: [candidate]}))
            if count > total and (best is None or count > best[0]):
                best = (count, word, candidate)
        return pq.corrected_text(typed, {best[1]: best[2]}) if best else None
