"""From a parsed query to PostgreSQL: tsquery texts, the one results statement, snippets.

Nothing here talks to the database. `search.postgres_backend` asks PostgreSQL for the
stems of the query's words (so the index's own Snowball stemmers decide), hands them
to `Words`, and runs the statement `results_sql` builds: the matches are read once
(GIN index on the weighted tsvector), then the total, the page of hits with their
snippets and every facet's counts come from that one match set in one round trip.
"""

# SQL text here is composed from constants only; every value a buyer or a listing brings
# is a bound parameter (tsquery operands are quoted by `lexeme`).
# ruff: noqa: S608

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from search.backend import SearchQuery
from search.postgres_schema import CONFIGS, STOPWORD_CONFIGS
from search.query import ParsedQuery

#: how much a typo-corrected word counts against a word as typed
FUZZY_WEIGHT = 0.4
#: ts_headline's markers: control characters, removed from the description beforehand
START, STOP = "\x02", "\x03"
HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
#: the description is cut here before highlighting: a snippet never needs more
HEADLINE_CHARS = 20000
SNIPPET_CHARS = 200
SNIPPET_BEFORE = 60
PLAIN_SNIPPET_CHARS = 160

#: filter condition of each facet (label: every chosen one; others: any chosen one)
FILTER_SQL = {
    "label": "labels @> CAST(:f_label AS text[])",
    "category": "category_path && CAST(:f_category AS text[])",
    "coop": "coop_slug = ANY(CAST(:f_coop AS text[]))",
    "region": "region = ANY(CAST(:f_region AS text[]))",
    "kind": "kind = ANY(CAST(:f_kind AS text[]))",
    "condition": "condition = ANY(CAST(:f_condition AS text[]))",
    "currency": "currency = ANY(CAST(:f_currency AS text[]))",
}
#: a facet's code in `facet_keys`, and the column of single-valued facets
FACET_CODES = {
    "label": "l",
    "category": "c",
    "coop": "o",
    "region": "r",
    "kind": "k",
    "condition": "n",
    "currency": "u",
}
FACET_NAMES = {code: name for name, code in FACET_CODES.items()}
FACET_COLUMN = {
    "coop": "coop_slug",
    "region": "region",
    "kind": "kind",
    "condition": "condition",
    "currency": "currency",
}
SEPARATOR = "\x1f"
ORDER = {
    "relevance": "score DESC, id ASC",
    "newest": "created_at DESC, id DESC",
    "price_asc": "price_amount ASC, id ASC",
    "price_desc": "price_amount DESC, id ASC",
}


def lexeme(value: str, weights: str = "", prefix: bool = False) -> str:
    """One quoted tsquery operand: nothing the buyer typed is read as tsquery syntax."""
    quoted = "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
    suffix = (":" if weights or prefix else "") + ("*" if prefix else "") + weights
    return quoted + suffix


def any_of(parts: Iterable[str]) -> str:
    unique = list(dict.fromkeys(p for p in parts if p))
    if not unique:
        return ""
    return unique[0] if len(unique) == 1 else "(" + " | ".join(unique) + ")"


def all_of(parts: Iterable[str]) -> str:
    unique = list(dict.fromkeys(p for p in parts if p))
    if not unique:
        return ""
    return unique[0] if len(unique) == 1 else "(" + " & ".join(unique) + ")"


@dataclass
class Words:
    """What PostgreSQL's text search configurations make of each query word."""

    #: word -> configuration -> its lexemes in text order (usually one)
    lexemes: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: word -> listings using it as written (search_words)
    documents: dict[str, int] = field(default_factory=dict)
    #: listings in the index (planner's estimate)
    total: float = 1.0

    def stems(self, word: str, config: str) -> list[str]:
        """The word's lexemes in one listing language's configuration."""
        return self.lexemes.get(word, {}).get(config, [])

    def known(self, word: str) -> bool:
        """The word has letters the index keeps (not only symbols the parser drops)."""
        return bool(self.exact(word))

    def is_stopword(self, word: str) -> bool:
        """A stop word in any of the languages: optional in a query, as in every engine."""
        return any(not self.lexemes.get(word, {}).get(c) for c in STOPWORD_CONFIGS)

    def exact(self, word: str) -> list[str]:
        """The word as written (lower case), as `document` holds it under weight D."""
        return self.lexemes.get(word, {}).get("simple", [])

    def idf(self, word: str) -> float:
        """Rarer words count more (listings using the word as written, of all listings)."""
        return math.log(1.0 + self.total / (1.0 + self.documents.get(word, 0)))


def word_query(words: Words, word: str, config: str, weights: str = "") -> str:
    """The word in listings of one language: its stem in that language (a stem only counts
    in its own language), or, for matching, the word as written in any listing."""
    stem = all_of(lexeme(x, weights) for x in words.stems(word, config))
    written = "" if weights else all_of(lexeme(x, "D") for x in words.exact(word))
    return any_of([stem, written])


def phrase_query(words: Words, phrase: tuple[str, ...], config: str) -> str:
    """The phrase's words next to each other, in order, in the title (A) or description (C)."""
    kept = [w for w in phrase if words.known(w)]
    if len(kept) < 2:
        return all_of(word_query(words, w, config) for w in kept)
    return any_of(
        "(" + " <-> ".join(word_query(words, w, config, weight) for w in kept) + ")"
        for weight in "AC"
    )


def prefix_query(prefix: str) -> str:
    """Any word as written that starts with the prefix, in any listing."""
    return lexeme(prefix, "D", prefix=True)


@dataclass(frozen=True)
class Scored:
    """One query word's part of the score: which fields it is in, weighted as Whoosh does."""

    title: str
    names: str
    description: str
    #: the word as typed ("" for none), looked for in the title and anywhere: exact above stemmed
    exact: str
    #: idf, times less for a typo correction
    weight: float
    #: a prefix: `exact` is the word start, title and names are unused
    prefix: bool = False


@dataclass
class Plan:
    """The tsquery texts of one search, per listing language (configuration)."""

    #: configuration -> what every result in that language must match (empty: browse)
    match: dict[str, str] = field(default_factory=dict)
    #: the positive words' stems in every language, for ts_headline
    highlight: str = ""
    #: configuration -> what the relevance score adds up
    scored: dict[str, list[Scored]] = field(default_factory=dict)


def plan(parsed: ParsedQuery, words: Words, expansions: dict[str, list[str]]) -> Plan:
    """The tsqueries of a parsed query; `expansions` replace words found nowhere (typos)."""
    terms = [w for w in parsed.terms if words.known(w) or expansions.get(w)]
    phrase_words = [w for p in parsed.phrases for w in p if words.known(w)]
    if not (terms or phrase_words or parsed.prefixes):
        return Plan()
    all_stop = all(words.is_stopword(w) for w in [*terms, *phrase_words, *parsed.prefixes])
    result = Plan()
    highlight: list[str] = []
    for config in CONFIGS.values():
        required: list[str] = []
        scored: list[Scored] = []
        for word in dict.fromkeys([*terms, *phrase_words]):
            forms = expansions.get(word) or [word]
            query = any_of(word_query(words, f, config) for f in forms)
            highlight.extend(lexeme(x) for f in forms for x in words.stems(f, config))
            if all_stop or not words.is_stopword(word):
                weight = words.idf(word) * (FUZZY_WEIGHT if word in expansions else 1.0)
                scored.append(_scored(words, forms, config, weight))
                if word in terms:
                    required.append(query)
        required.extend(phrase_query(words, phrase, config) for phrase in parsed.phrases)
        for prefix in parsed.prefixes:
            required.append(prefix_query(prefix))
            highlight.append(lexeme(prefix, prefix=True))
            start = lexeme(prefix, prefix=True)
            scored.append(Scored("", "", "", start, words.idf(prefix), prefix=True))
        match = all_of(required)
        excluded = [word_query(words, w, config) for w in parsed.excluded if words.known(w)]
        result.match[config] = all_of([match, *(f"!{q}" for q in excluded if q)])
        result.scored[config] = scored
    result.highlight = any_of(highlight)
    return result


def _scored(words: Words, forms: list[str], config: str, weight: float) -> Scored:
    def query(weights: str) -> str:
        return any_of(word_query(words, f, config, weights) for f in forms)

    exact = any_of(lexeme(x) for f in forms for x in words.exact(f))
    return Scored(query("A"), query("B"), query("C"), exact, weight)


def match_sql(plan_match: dict[str, str], params: dict[str, object], name: str) -> str:
    """The text condition: in each language, the document matches that language's query."""
    groups: dict[str, list[str]] = {}
    for config, query in plan_match.items():
        groups.setdefault(query, []).append(config)
    if len(groups) == 1:
        params[f"{name}0"] = next(iter(groups))
        return f"document @@ CAST(:{name}0 AS tsquery)"
    arms = []
    for i, (query, configs) in enumerate(groups.items()):
        params[f"{name}{i}"], params[f"{name}l{i}"] = query, configs
        arms.append(
            f"(language = ANY(CAST(:{name}l{i} AS regconfig[]))"
            f" AND document @@ CAST(:{name}{i} AS tsquery))"
        )
    return "(" + " OR ".join(arms) + ")"


def score_sql(plan: Plan, params: dict[str, object]) -> str:
    """The Whoosh engine's formula, in the row's language: per query word, (3 x in title +
    exactly in title) x a short-title factor + 1.5 x in names + in description + 0.5 x
    exactly anywhere, x idf; a prefix counts (3 x a title word starting with it) x factor
    + a word anywhere starting with it."""
    groups: dict[tuple[Scored, ...], list[str]] = {}
    for config, scored in plan.scored.items():
        groups.setdefault(tuple(scored), []).append(config)
    sums = [
        (_sum(list(scored), params, f"s{i}_"), configs)
        for i, (scored, configs) in enumerate(groups.items())
    ]
    if len(sums) == 1:
        return sums[0][0]
    whens = []
    for i, (expression, configs) in enumerate(sums[:-1]):
        params[f"sl{i}"] = configs
        whens.append(f"WHEN language = ANY(CAST(:sl{i} AS regconfig[])) THEN {expression}")
    return f"CASE {' '.join(whens)} ELSE {sums[-1][0]} END"


def _sum(scored: list[Scored], params: dict[str, object], name: str) -> str:
    factor = "(0.75 + 1.0 / (1 + length(title_words)))"
    parts = []
    for i, s in enumerate(scored):
        p = f"{name}{i}"
        params[f"{p}w"], params[f"{p}x"], params[f"{p}y"] = s.weight, s.exact, _written(s.exact)
        in_title = f"(title_words @@ CAST(:{p}x AS tsquery))::int"
        anywhere = f"(document @@ CAST(:{p}y AS tsquery))::int"
        if s.prefix:
            parts.append(f":{p}w * (3 * {in_title} * {factor} + {anywhere})")
            continue
        params.update({f"{p}a": s.title, f"{p}b": s.names, f"{p}c": s.description})
        title = f"3 * (document @@ CAST(:{p}a AS tsquery))::int"
        names = f"1.5 * (document @@ CAST(:{p}b AS tsquery))::int"
        description = f"(document @@ CAST(:{p}c AS tsquery))::int"
        if s.exact:
            title, description = f"{title} + {in_title}", f"{description} + 0.5 * {anywhere}"
        parts.append(f":{p}w * (({title}) * {factor} + {names} + {description})")
    return " + ".join(parts) or "0"


def _written(query: str) -> str:
    """The operands restricted to the words as written (weight D of `document`)."""
    return re.sub(r"('(?:[^']|'')*')(:\*)?", lambda m: f"{m[1]}:{'*' if m[2] else ''}D", query)


def results_sql(query: SearchQuery, plan: Plan, with_facets: bool) -> tuple[str, dict]:
    """One statement answering the total, one page of hits and (optionally) facet counts.

    The listings matching the text, the price bounds and every chosen label are read
    once (labels are AND: a count never includes a listing without them). The page
    comes from those passing every other filter too (only they are scored); the total
    and every facet's counts come from one pass over their keys: a listing passing
    every filter counts under all its facet values (its `facet_keys`, with "#" for the
    total); one failing exactly one facet's filter counts under that facet's values only.
    """
    params: dict[str, object] = {}
    where, active = _conditions(query, plan, params)
    has_text = any(plan.match.values())
    matching = " AND ".join(where) or "TRUE"
    passing = " AND ".join([*where, *(f"({FILTER_SQL[n]})" for n in active)]) or "TRUE"
    if has_text and query.sort == "relevance":
        score = score_sql(plan, params)
        order = ORDER["relevance"]
    else:
        score = "0"
        order = ORDER["newest" if query.sort == "relevance" else query.sort]
    if has_text and plan.highlight:
        snippet = "ts_headline(d.language, translate(left(d.description, :chars), :marks, ''),"
        snippet += " CAST(:highlight AS tsquery), :options)"
        params.update(
            highlight=plan.highlight,
            chars=HEADLINE_CHARS,
            marks=START + STOP,
            options=HEADLINE_OPTIONS,
        )
    else:
        snippet = "left(d.description, :chars)"
        params["chars"] = PLAIN_SNIPPET_CHARS * 2
    params["limit"] = query.per_page
    params["offset"] = (query.page - 1) * query.per_page
    every = " AND ".join(f"({FILTER_SQL[n]})" for n in active) or "TRUE"
    if with_facets and active and score != "0":
        score = f"CASE WHEN {every} THEN {score} END"  # only what the page can show is scored
    columns = f"id, price_amount, created_at, CAST({score} AS real) AS score"
    if with_facets:
        columns += f", {every} AS passes, {_keys(active)} AS keys"
        scan = f"{matching}{_at_most_one_failing(active)}"
        counts = (
            "SELECT 'count', key, count(*), NULL, NULL, NULL, NULL, NULL"
            " FROM (SELECT unnest(keys) AS key FROM matched) AS k GROUP BY key"
        )
    else:
        columns += ", TRUE AS passes"
        scan = passing
        counts = "SELECT 'count', '#', count(*), NULL, NULL, NULL, NULL, NULL FROM matched"
    # One read of the matching listings (their rows are wide): the page and the counts
    # are then passes over this in memory.
    matched = f"SELECT {columns} FROM search_documents WHERE {scan}"
    page = (
        "SELECT id, price_amount, created_at, score FROM matched WHERE passes"
        f" ORDER BY {order} LIMIT :limit OFFSET :offset"
    )
    hits = (
        "SELECT 'hit' AS part, NULL AS key, NULL::bigint AS n, p.id, p.score,"
        f" p.price_amount AS price, p.created_at AS created, {snippet} AS snippet"
        " FROM page AS p JOIN search_documents AS d ON d.id = p.id"
    )
    return (
        f"WITH matched AS MATERIALIZED ({matched}), page AS ({page}) {hits} UNION ALL {counts}",
        params,
    )


def count_sql(query: SearchQuery, plan: Plan, cap: int) -> tuple[str, dict]:
    """How many listings pass the text and every filter, counting no further than `cap`."""
    params: dict[str, object] = {"cap": cap}
    where, active = _conditions(query, plan, params)
    passing = " AND ".join([*where, *(f"({FILTER_SQL[n]})" for n in active)]) or "TRUE"
    return (
        f"SELECT count(*) FROM (SELECT 1 FROM search_documents WHERE {passing} LIMIT :cap) AS c",
        params,
    )


def _conditions(
    query: SearchQuery, plan: Plan, params: dict[str, object]
) -> tuple[list[str], list[str]]:
    """(conditions every counted listing meets, the facets whose filters it may fail)."""
    where = []
    if any(plan.match.values()):
        where.append(match_sql(plan.match, params, "m"))
    if query.min_price is not None:
        where.append("price_amount >= :min_price")
        params["min_price"] = query.min_price
    if query.max_price is not None:
        where.append("price_amount <= :max_price")
        params["max_price"] = query.max_price
    active = [name for name, values in query.filters().items() if values]
    for name in active:
        params[f"f_{name}"] = list(query.filters()[name])
    if "label" in active:
        # labels are AND: every count needs the chosen labels, so no listing without them
        # counts anywhere and the label filter narrows the read itself
        where.append(f"({FILTER_SQL['label']})")
        active.remove("label")
    return where, active


def _keys(active: list[str]) -> str:
    """The facet keys a listing counts under, given which filters it passes."""
    if not active:
        return "facet_keys"
    flags = {n: f"({FILTER_SQL[n]})" for n in active}
    branches = [f"WHEN {' AND '.join(flags.values())} THEN facet_keys"]
    for name in active:
        others = [f for n, f in flags.items() if n != name]
        condition = " AND ".join([f"NOT {flags[name]}", *others])
        code = FACET_CODES[name]
        if name == "category":
            keys = f"ARRAY(SELECT '{code}' || chr(31) || c FROM unnest(category_path) AS c)"
        else:
            keys = f"ARRAY['{code}' || chr(31) || {FACET_COLUMN[name]}]"
        branches.append(f"WHEN {condition} THEN {keys}")
    return f"CASE {' '.join(branches)} END"


def _at_most_one_failing(active: list[str]) -> str:
    if len(active) < 2:
        return ""
    passed = " + ".join(f"({FILTER_SQL[n]})::int" for n in active)
    return f" AND {passed} >= {len(active) - 1}"


def facet_keys(labels, category_path, coop, region, kind, condition, currency) -> list[str]:
    """What a listing counts under: "#" (the total) and "<facet code>\x1f<value>"."""
    values = {
        "label": labels,
        "category": category_path,
        "coop": (coop,),
        "region": (region,),
        "kind": (kind,),
        "condition": (condition,),
        "currency": (currency,),
    }
    keys = ["#"]
    for name, found in values.items():
        keys.extend(f"{FACET_CODES[name]}{SEPARATOR}{v}" for v in dict.fromkeys(found))
    return keys


def read_key(key: str) -> tuple[str, str] | None:
    """(facet, value) of a facet key, or None for the total's "#"."""
    code, _, value = key.partition(SEPARATOR)
    return (FACET_NAMES[code], value) if code in FACET_NAMES else None


def hit_order(sort: str, has_text: bool):
    """The Python sort key matching ORDER (UNION ALL does not keep the page's order)."""
    if sort == "relevance" and has_text:
        return lambda row: (-row.score, row.id)
    if sort in ("relevance", "newest"):
        return lambda row: (-row.created.timestamp(), -row.id)
    if sort == "price_asc":
        return lambda row: (row.price, row.id)
    return lambda row: (-row.price, row.id)


def snippet(text: str, marked: bool) -> str:
    """HTML of the description around its first marked word, or of its start.

    Only ts_headline's own markers become <mark> (the description's control characters
    were removed before highlighting); everything else is escaped.
    """
    text = " ".join(text.split())
    first = text.find(START) if marked else -1
    if first < 0:
        plain = text.replace(START, "").replace(STOP, "")
        return html.escape(_cut(plain, PLAIN_SNIPPET_CHARS))
    start = 0 if first <= SNIPPET_BEFORE else text.find(" ", first - SNIPPET_BEFORE, first) + 1
    window = text[start:]
    cut = _cut(window, SNIPPET_CHARS + window[:SNIPPET_CHARS].count(START) * 2)
    if cut.count(START) > cut.count(STOP):
        cut += STOP
    escaped = html.escape(("… " if start else "") + cut)
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters, ending at a word's end, with "…" when cut."""
    if len(text) <= limit:
        return text
    head = text[: limit - 2]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip() + " …"


def corrected_text(typed: str, replacements: dict[str, str]) -> str:
    """The typed query with each corrected word replaced ("did you mean")."""
    for word, better in replacements.items():
        typed = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", better, typed, flags=re.IGNORECASE)
    return typed


def swaps(word: str) -> list[str]:
    """The word with two neighbouring letters swapped: typos trigrams see poorly."""
    return [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)]
