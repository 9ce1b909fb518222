"""The one interface every search engine implements, and the values it speaks in.

The shop, the API and the CLI talk to a `SearchBackend` only; which engine answers
(Whoosh in a folder, or PostgreSQL full-text search in the database) is a setting.
Nothing here imports Flask or SQLAlchemy: documents come in as `ListingDocument`
values built by the application, results go out as listing ids with scores,
snippets and facet counts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

#: ways to order results; "relevance" is the default
SORTS: tuple[str, ...] = ("relevance", "price_asc", "price_desc", "newest")
#: filters that have facet counts, in the order the shop shows them
FACETS: tuple[str, ...] = ("label", "category", "coop", "region", "kind", "condition", "currency")
#: languages with their own stemmer; a listing in another language is indexed as English
LANGUAGES: tuple[str, ...] = ("en", "de", "sv")
MAX_PER_PAGE = 100
#: pages past this are refused: nobody reads them and they only cost
MAX_PAGE = 500


@dataclass(frozen=True)
class ListingDocument:
    """What the index knows about one listing: only active listings of admitted co-ops."""

    id: int
    title: str
    description: str
    #: en, de or sv: chooses the stemmer for title and description
    language: str
    coop_slug: str
    coop_name: str
    #: category slugs from the root to the listing's own category
    category_path: tuple[str, ...]
    #: category names from the root to the listing's own category (searchable words)
    category_names: tuple[str, ...]
    #: slugs of the listing's verified labels (its own and its co-op's; approved, unexpired)
    labels: tuple[str, ...]
    #: names of those labels (searchable words)
    label_names: tuple[str, ...]
    kind: str
    condition: str
    region: str
    price_amount: int
    currency: str
    #: when the listing was published (created, if never published): sorts "newest"
    created_at: datetime

    @property
    def category(self) -> str:
        return self.category_path[-1] if self.category_path else ""

    def fingerprint(self) -> str:
        """A short digest of every indexed value: `check` compares these to find stale entries."""
        parts = [
            str(self.id),
            self.title,
            self.description,
            self.language,
            self.coop_slug,
            self.coop_name,
            "/".join(self.category_path),
            "/".join(self.category_names),
            ",".join(sorted(self.labels)),
            ",".join(sorted(self.label_names)),
            self.kind,
            self.condition,
            self.region,
            str(self.price_amount),
            self.currency,
            self.created_at.isoformat(timespec="seconds"),
        ]
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=10).hexdigest()


@dataclass(frozen=True)
class SearchQuery:
    """A buyer's search: free text, filters, sort and page. Values are already validated."""

    text: str = ""
    #: every one of these labels (AND)
    labels: tuple[str, ...] = ()
    #: any of these categories, each with its subcategories (OR)
    categories: tuple[str, ...] = ()
    coops: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    #: inclusive bounds on the gross price in minor units
    min_price: int | None = None
    max_price: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    #: compute facet counts (the results page does; autocomplete-like callers need not)
    facets: bool = True

    def filters(self) -> dict[str, tuple[str, ...]]:
        """The value filters by facet name (labels AND, the others OR within a facet)."""
        return {
            "label": self.labels,
            "category": self.categories,
            "coop": self.coops,
            "region": self.regions,
            "kind": self.kinds,
            "condition": self.conditions,
            "currency": self.currencies,
        }


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    #: HTML: escaped text of the description with matched words in <mark>...</mark>
    snippet: str


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    #: facet name -> value -> number of results if that value were chosen (given the other filters)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    #: "did you mean": a corrected query that finds more, or None
    suggestion: str | None = None
    #: the engine stopped at its time limit: total and facets are lower bounds
    partial: bool = False
    #: what the query parser changed, to tell the buyer (e.g. "shortened to 200 characters")
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """An autocomplete entry: a listing title or a co-op name that starts with the typed text."""

    text: str
    #: "listing" or "coop"
    kind: str


@dataclass
class Drift:
    """How the index differs from what the database says it should hold."""

    #: should be found but are not in the index
    missing: list[int] = field(default_factory=list)
    #: in the index but should not be found (paused, archived, co-op suspended, deleted)
    extra: list[int] = field(default_factory=list)
    #: in the index with outdated values
    stale: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.stale)

    def describe(self, limit: int = 20) -> list[str]:
        lines = []
        for name, ids in (("missing", self.missing), ("extra", self.extra), ("stale", self.stale)):
            if ids:
                shown = ", ".join(str(i) for i in ids[:limit])
                more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
                lines.append(f"{len(ids)} {name}: listing {shown}{more}")
        return lines


class SearchError(Exception):
    """The engine could not answer (not a buyer's mistake): shown as "search unavailable"."""


@runtime_checkable
class SearchBackend(Protocol):
    """An engine: Whoosh (`search.whoosh_backend`) or PostgreSQL (`search.postgres_backend`)."""

    name: str

    def index(self, documents: Iterable[ListingDocument]) -> None:
        """Add or replace these listings, in one commit."""

    def remove(self, ids: Iterable[int]) -> None:
        """Take these listings out (ids not in the index are ignored), in one commit."""

    def query(self, query: SearchQuery) -> SearchResult:
        """Results, facet counts and "did you mean" for one search."""

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Autocomplete: titles and co-op names matching what was typed so far."""

    def count(self) -> int:
        """How many listings the index holds."""

    def fingerprints(self) -> dict[int, str]:
        """Listing id -> fingerprint of every document in the index."""

    def rebuild(self, documents: Iterable[ListingDocument]) -> int:
        """Build a new index aside from these documents and swap it in; returns the count.

        Searches keep being answered from the old index until the swap.
        """

    def writer_lock(self) -> AbstractContextManager[None]:
        """Held by the one process applying changes; other writers wait for it."""


def check(backend: SearchBackend, expected: Mapping[int, str]) -> Drift:
    """Compare the index with `expected` (listing id -> fingerprint from the database)."""
    found = backend.fingerprints()
    return Drift(
        missing=sorted(set(expected) - set(found)),
        extra=sorted(set(found) - set(expected)),
        stale=sorted(i for i in set(expected) & set(found) if expected[i] != found[i]),
    )


def batched(items: Iterable[ListingDocument], size: int = 1000) -> Iterator[list[ListingDocument]]:
    batch: list[ListingDocument] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
