"""What the Whoosh index stores for a listing, and how its text is cut into words.

Text is analysed here, once, by our own small pipeline (a regex tokenizer, case
folding, the listing language's Snowball stemmer behind a cache, the stem tagged with
the language so it only matches listings of that language) and handed to
Whoosh as ready word lists: Whoosh's generator-per-token analyzers cost most of
an index build. Words are indexed without frequencies or positions (Existence
format); ranking and phrases are worked out by `search.whoosh_matching` instead.

Per-document values that filters, facets and sorts need are Whoosh columns, so a
segment's values load as whole arrays instead of one stored document at a time.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable
from functools import lru_cache

from whoosh import columns, fields, formats
from whoosh.lang import stemmer_for_language, stopwords_for_language

from search.backend import LANGUAGES, ListingDocument

_WORD = re.compile(r"\w+", re.UNICODE)
#: what and how an index stores; change it with the schema or the analysis (means a reindex)
FORMAT = "listings-2"

#: per-document numbers: listing id, price (minor units), created (epoch seconds), title words
NUMBERS = struct.Struct("<qqqq")
NUMBER_FIELDS = ("id", "price", "created", "title_len")
#: facet columns (one value per document; labels and category paths are joined strings)
FACET_COLUMNS = ("coop", "region", "kind", "condition", "currency", "category", "label")
FINGERPRINT_BYTES = 10
SEPARATOR = "\x1f"


class Words(fields.FieldType):
    """A field indexed from a ready list of words: no analyzer, no frequencies, no positions."""

    def __init__(self) -> None:
        self.format = formats.Existence()
        self.vector = None
        self.scorable = False
        self.stored = False
        self.unique = False
        self.column_type = None
        self.analyzer = None

    def index(self, value, **kwargs):
        """The (term bytes, frequency, weight, value bytes) of each distinct word."""
        return ((word.encode("utf-8"), 1, 1.0, b"") for word in set(value))


def schema() -> fields.Schema:
    """The index schema (changing it means a new FORMAT and a `flask search reindex`)."""
    return fields.Schema(
        key=fields.ID(unique=True),  # the listing id: what update and delete find
        t=Words(),  # title terms ("en:bike"): stems tagged with the listing's language
        m=Words(),  # co-op, category and label name terms
        d=Words(),  # description terms
        x=Words(),  # every word as written (case-folded, stop words too): exact, typos, prefixes
        tw=Words(),  # title words as written: exact title matches, autocomplete
        tf=Words(),  # the title's first word: autocomplete prefers titles starting so
        numbers=fields.COLUMN(columns.FixedBytesColumn(NUMBERS.size)),
        fingerprint=fields.COLUMN(columns.FixedBytesColumn(FINGERPRINT_BYTES)),
        title=fields.COLUMN(columns.VarBytesColumn()),
        coop_name=fields.COLUMN(columns.RefBytesColumn()),
        **{f"f_{name}": fields.COLUMN(columns.RefBytesColumn()) for name in FACET_COLUMNS},
        stored=fields.STORED(),
    )


def words(text: str) -> list[str]:
    """The case-folded words of a text, in order."""
    return _WORD.findall(text.casefold())


@lru_cache(maxsize=3)
def _stopwords(language: str) -> frozenset[str]:
    return frozenset(stopwords_for_language(language))


class _StemCache(dict):
    """word -> indexed term ("en:bike") for one language: Snowball stemmers are slow."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self._stem = stemmer_for_language(language)
        self._prefix = f"{language}:"

    def __missing__(self, word: str) -> str:
        if len(self) > 500_000:  # a bound on memory for pathological input
            self.clear()
        found = self[word] = self._prefix + self._stem(word)
        return found


_TERMS = {language: _StemCache(language) for language in LANGUAGES}


def term(word: str, language: str) -> str:
    """The indexed form of a word in a language: its stem, tagged with the language.

    A stem only matches documents of its own language: the Swedish stem of a German
    word must not find unrelated German words that happen to share it.
    """
    return _TERMS[language if language in LANGUAGES else "en"][word]


def stems(word: str) -> frozenset[str]:
    """A query word's indexed forms in every language (a query may mean any of them)."""
    return frozenset(term(word, language) for language in LANGUAGES)


def is_stopword(word: str) -> bool:
    """Too common to require: a stop word in any of our languages."""
    return any(word in _stopwords(language) for language in LANGUAGES)


def analyse(text: str, language: str) -> tuple[list[str], list[str]]:
    """(every word, indexed terms) of a text; stop words have no indexed term."""
    stop = _stopwords(language)
    raw = words(text)
    terms = _TERMS[language]
    return raw, [terms[w] for w in raw if w not in stop]


def fields_for(doc: ListingDocument) -> dict[str, object]:
    """The Whoosh field values of one listing."""
    language = doc.language if doc.language in LANGUAGES else "en"
    title_raw, title_stems = analyse(doc.title, language)
    meta_text = " ".join((doc.coop_name, *doc.category_names, *doc.label_names))
    meta_raw, meta_stems = analyse(meta_text, language)
    desc_raw, desc_stems = analyse(doc.description, language)
    all_title = words(doc.title)
    created = int(doc.created_at.timestamp())
    return {
        "key": str(doc.id),
        "t": title_stems,
        "m": meta_stems,
        "d": desc_stems,
        "x": [*title_raw, *meta_raw, *desc_raw],
        "tw": all_title,
        "tf": all_title[:1],
        "numbers": NUMBERS.pack(doc.id, doc.price_amount, created, len(all_title)),
        "fingerprint": bytes.fromhex(doc.fingerprint()),
        "title": doc.title.encode("utf-8"),
        "coop_name": doc.coop_name.encode("utf-8"),
        "f_coop": doc.coop_slug.encode("utf-8"),
        "f_region": doc.region.encode("utf-8"),
        "f_kind": doc.kind.encode("utf-8"),
        "f_condition": doc.condition.encode("utf-8"),
        "f_currency": doc.currency.encode("utf-8"),
        "f_category": SEPARATOR.join(doc.category_path).encode("utf-8"),
        "f_label": SEPARATOR.join(sorted(set(doc.labels))).encode("utf-8"),
        "stored": (language, doc.title, doc.description),
    }


def split_values(value: str) -> tuple[str, ...]:
    """A joined category path or label set back into its parts."""
    return tuple(v for v in value.split(SEPARATOR) if v)


def unique_words(values: Iterable[str]) -> list[str]:
    """Distinct words, first occurrence order."""
    return list(dict.fromkeys(values))
