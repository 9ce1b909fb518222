"""A buyer's search: parameters read and checked, the engine asked, the listings loaded.

The shop's search page and the JSON API both come through here, so they read the
same parameters the same way: `q`, the repeated filters (`label`, `category`,
`coop`, `region`, `kind`, `condition`, `currency`), `min_price`/`max_price` in
minor units, `sort`, `page` and `per_page`. The engine (`get_backend()`) answers
with listing ids in order; the listings themselves come from the database, so a
result never shows a price or label the database no longer has.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select

from search.backend import (
    FACETS,
    MAX_PAGE,
    MAX_PER_PAGE,
    SORTS,
    SearchError,
    SearchQuery,
    Suggestion,
)

from ..domain.messages import N_, FieldError
from ..domain.money import CURRENCY_EXPONENTS, MAX_AMOUNT, MoneyError, parse_major
from ..extensions import db
from ..models import Category, Condition, Coop, Label, Listing, ListingKind
from . import catalog, labels
from .labels import VerifiedLabel
from .search_index import get_backend

#: request parameter -> SearchQuery field, for the filters a buyer may repeat
FILTERS: dict[str, str] = {
    "label": "labels",
    "category": "categories",
    "coop": "coops",
    "region": "regions",
    "kind": "kinds",
    "condition": "conditions",
    "currency": "currencies",
}
DEFAULT_PER_PAGE = 20
#: values one filter may take at once; more is a crafted URL, not a buyer
MAX_VALUES = 20
MAX_VALUE_CHARS = 120
#: what autocomplete reads of the typed text
MAX_PREFIX_CHARS = 100
#: the shop's price fields in major units ("12.50"); the URL then carries minor units
TYPED_PRICES = {"min": "min_price", "max": "max_price"}
_DIGITS = re.compile(r"[0-9]{1,15}")
#: facets describing the offer itself (not who stands behind it)
_ATTRIBUTES = ("kind", "condition", "region", "currency")
_ALLOWED: dict[str, tuple[str, ...]] = {
    "kind": tuple(kind.value for kind in ListingKind),
    "condition": tuple(condition.value for condition in Condition),
    "currency": tuple(sorted(CURRENCY_EXPONENTS)),
}


class Params(Protocol):
    """Request arguments: werkzeug's MultiDict (`request.args`) or anything alike."""

    def get(self, key: str, default: str | None = None) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...

    def __contains__(self, key: object) -> bool: ...


class BadSearch(ValueError):
    """A search parameter a buyer or client can correct; `errors` say which and why."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Result:
    """One listing found, with what the results page shows beside it."""

    listing: Listing
    labels: list[VerifiedLabel]
    #: HTML from the engine: escaped text, matched words in <mark>
    snippet: str


@dataclass(frozen=True)
class FacetValue:
    value: str
    #: what buyers read: a label, category or co-op name, else the value itself
    name: str
    #: results if this value were chosen too (the other filters staying)
    count: int
    chosen: bool
    #: categories: how deep in the tree (0 for a top-level category), and the parent's slug
    depth: int = 0
    parent: str | None = None


@dataclass
class SearchPage:
    """One page of results, shaped like a Flask-SQLAlchemy page for the pager."""

    query: SearchQuery
    total: int
    results: list[Result]
    #: facet name -> values in the order the shop shows them
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None
    partial: bool = False
    notices: tuple[str, ...] = ()

    @property
    def items(self) -> list[Listing]:
        return [result.listing for result in self.results]

    @property
    def page(self) -> int:
        return self.query.page

    @property
    def per_page(self) -> int:
        return self.query.per_page

    @property
    def pages(self) -> int:
        return min(math.ceil(self.total / self.per_page), MAX_PAGE) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return min(self.page - 1, max(self.pages, 1))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1

    def shown_facets(self) -> list[tuple[str, list[FacetValue]]]:
        """The facets to show, each value with its count.

        Categories show the top level, and the subcategories of a chosen category
        (or of the parent of a chosen subcategory). A kind, condition, region or
        currency facet with one value that every result has says nothing and is left
        out (unless chosen).
        """
        shown = []
        for name in FACETS:
            values = self.facets.get(name, [])
            if name == "category":
                chosen = {v.value for v in values if v.chosen}
                opened = chosen | {v.parent for v in values if v.chosen and v.parent}
                values = [v for v in values if v.depth == 0 or v.chosen or v.parent in opened]
                # Indent a subcategory only under its parent, when that is shown too.
                shown_slugs = {v.value for v in values}
                values = [v if v.parent in shown_slugs else replace(v, depth=0) for v in values]
            if not values:
                continue
            says_nothing = len(values) == 1 and values[0].count >= self.total
            if name in _ATTRIBUTES and says_nothing and not values[0].chosen:
                continue
            shown.append((name, values))
        return shown

    @property
    def chosen(self) -> list[tuple[str, FacetValue]]:
        """The chosen filter values, (facet, value), in facet order."""
        return [(name, v) for name in FACETS for v in self.facets.get(name, []) if v.chosen]


# --- reading the parameters ---------------------------------------------------------------


def read(params: Params, *, typed_prices: bool = False) -> SearchQuery:
    """The validated search the parameters describe; raises BadSearch naming what is wrong.

    With `typed_prices`, `min` and `max` (a price in major units, as buyers type it:
    "12.50" or "12,50") replace `min_price` and `max_price` when present.
    """
    errors: list[FieldError] = []
    filters = {FILTERS[name]: _values(params, name, errors) for name in FILTERS}
    sort = (params.get("sort") or "").strip() or "relevance"
    if sort not in SORTS:
        errors.append(
            FieldError("sort", N_("Sort by one of: %(sorts)s."), {"sorts": ", ".join(SORTS)})
        )
        sort = "relevance"
    page = _whole(params, "page", 1, MAX_PAGE, 1, errors)
    per_page = _whole(params, "per_page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE, errors)
    min_price = _whole(params, "min_price", 0, MAX_AMOUNT, None, errors)
    max_price = _whole(params, "max_price", 0, MAX_AMOUNT, None, errors)
    if typed_prices:
        currencies = filters["currencies"]
        currency = currencies[0] if len(currencies) == 1 else "EUR"
        if "min" in params:
            min_price = _major(params, "min", currency, errors)
        if "max" in params:
            max_price = _major(params, "max", currency, errors)
    if min_price is not None and max_price is not None and min_price > max_price:
        errors.append(
            FieldError("max_price", N_("The highest price is below the lowest price."), {})
        )
    if errors:
        raise BadSearch(errors)
    return SearchQuery(
        text=(params.get("q") or "").strip(),
        sort=sort,
        page=page or 1,
        per_page=per_page or DEFAULT_PER_PAGE,
        min_price=min_price,
        max_price=max_price,
        **filters,
    )


def has_typed_prices(params: Params) -> bool:
    """Whether the shop's price form sent major units (the page then redirects to minor)."""
    return any(name in params for name in TYPED_PRICES)


def _values(params: Params, name: str, errors: list[FieldError]) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(v.strip() for v in params.getlist(name) if v.strip()))
    if len(values) > MAX_VALUES:
        errors.append(FieldError(name, N_("Choose at most %(max)d values for %(name)s."), _n(name)))
        return ()
    if any(len(value) > MAX_VALUE_CHARS for value in values):
        errors.append(FieldError(name, N_("A %(name)s value is too long."), {"name": name}))
        return ()
    allowed = _ALLOWED.get(name)
    if name == "currency":
        values = tuple(dict.fromkeys(value.upper() for value in values))
    if allowed is not None and any(value not in allowed for value in values):
        errors.append(
            FieldError(
                name,
                N_("%(name)s must be one of: %(allowed)s."),
                {"name": name, "allowed": ", ".join(allowed)},
            )
        )
        return ()
    return values


def _n(name: str) -> dict[str, object]:
    return {"name": name, "max": MAX_VALUES}


def _whole(
    params: Params,
    name: str,
    low: int,
    high: int,
    default: int | None,
    errors: list[FieldError],
) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        if name == "page":
            template = N_("The page number must be a whole number from %(low)d to %(high)d.")
        elif name.endswith("_price"):
            template = N_(
                "%(name)s must be a whole number of minor units (cents) from %(low)d to %(high)d."
            )
        else:
            template = N_("%(name)s must be a whole number from %(low)d to %(high)d.")
        errors.append(FieldError(name, template, {"name": name, "low": low, "high": high}))
        return default
    return int(raw)


def _major(params: Params, name: str, currency: str, errors: list[FieldError]) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        amount = parse_major(raw[:30], currency)
    except MoneyError:
        amount = -1
    if not 0 <= amount <= MAX_AMOUNT:
        errors.append(
            FieldError(
                name,
                N_("“%(value)s” is not a price: type it like 12 or 12.50."),
                {"value": raw[:30]},
            )
        )
        return None
    return amount


def to_params(query: SearchQuery, **changes: object) -> dict[str, str | list[str]]:
    """URL parameters of a search (defaults left out), so every state has one address."""
    params: dict[str, str | list[str]] = {}
    if query.text:
        params["q"] = query.text
    for name, attribute in FILTERS.items():
        values = list(getattr(query, attribute))
        if values:
            params[name] = values
    if query.min_price is not None:
        params["min_price"] = str(query.min_price)
    if query.max_price is not None:
        params["max_price"] = str(query.max_price)
    if query.sort != "relevance":
        params["sort"] = query.sort
    if query.per_page != DEFAULT_PER_PAGE:
        params["per_page"] = str(query.per_page)
    if query.page != 1:
        params["page"] = str(query.page)
    for name, value in changes.items():
        if value is None or value == [] or value == "":
            params.pop(name, None)
        else:
            params[name] = value if isinstance(value, list) else str(value)
    return params


def major_units(amount: int | None, currency: str = "EUR") -> str:
    """A minor-unit bound as buyers type it: 1250 -> "12.50", 1200 -> "12"."""
    if amount is None:
        return ""
    value = Decimal(amount).scaleb(-CURRENCY_EXPONENTS.get(currency, 2))
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value)


# --- asking the engine --------------------------------------------------------------------


def run(query: SearchQuery) -> SearchPage:
    """Search, then load the page's listings, labels and facet names from the database."""
    found = get_backend().query(query)
    hits = found.hits
    by_id = {listing.id: listing for listing in catalog.public_by_ids([hit.id for hit in hits])}
    # The index may lag the database by a moment: leave out what is no longer public.
    listings = [by_id[hit.id] for hit in hits if hit.id in by_id]
    verified = labels.for_listings(listings)
    results = [
        Result(by_id[hit.id], verified.get(hit.id, []), hit.snippet)
        for hit in hits
        if hit.id in by_id
    ]
    return SearchPage(
        query=query,
        total=found.total,
        results=results,
        facets=_facets(query, found.facets) if query.facets else {},
        suggestion=found.suggestion,
        partial=found.partial,
        notices=found.notices,
    )


def suggest(prefix: str, limit: int = 8) -> list[Suggestion]:
    """Autocomplete for the search box: co-op names, then listing titles; [] if unavailable."""
    typed = " ".join((prefix or "")[:MAX_PREFIX_CHARS].split())
    if len(typed) < 2:
        return []
    try:
        return get_backend().suggest(typed, limit=limit)
    except SearchError:
        return []


def browse_choices() -> dict[str, list]:
    """What a page with no results offers instead: every label and the top categories."""
    return {
        "browse_labels": catalog.all_labels(),
        "browse_categories": catalog.root_categories(),
    }


def _facets(query: SearchQuery, counts: dict[str, dict[str, int]]) -> dict[str, list[FacetValue]]:
    chosen = query.filters()
    merged: dict[str, dict[str, int]] = {}
    for name in FACETS:
        values = dict(counts.get(name, {}))
        for value in chosen[name]:
            values.setdefault(value, 0)
        merged[name] = values
    names = _names(merged)
    result: dict[str, list[FacetValue]] = {}
    for name in FACETS:
        known = names.get(name, {})
        values = []
        for value, count in merged[name].items():
            display, rank, parent = known.get(value, (value, 0, None))
            depth = rank if name == "category" else 0
            values.append(FacetValue(value, display, count, value in chosen[name], depth, parent))
        result[name] = _ordered(name, values, known)
    return result


#: facet value -> (display name, depth or position, parent category slug)
_Names = dict[str, tuple[str, int, str | None]]


def _names(merged: dict[str, dict[str, int]]) -> dict[str, _Names]:
    """Display names (and order) of the label, category and co-op values found."""
    names: dict[str, _Names] = {}
    if merged["label"]:
        rows = db.session.execute(
            select(Label.slug, Label.name, Label.position).where(
                Label.slug.in_(list(merged["label"]))
            )
        )
        names["label"] = {row.slug: (row.name, row.position, None) for row in rows}
    if merged["coop"]:
        rows = db.session.execute(
            select(Coop.slug, Coop.name).where(Coop.slug.in_(list(merged["coop"])))
        )
        names["coop"] = {row.slug: (row.name, 0, None) for row in rows}
    if merged["category"]:
        names["category"] = _category_tree(set(merged["category"]))
    return names


def _category_tree(wanted: set[str]) -> _Names:
    """Category slug -> (name, depth, parent slug), in tree order (parents before children)."""
    rows = db.session.execute(
        select(Category.id, Category.slug, Category.name, Category.parent_id).order_by(
            Category.position, Category.name
        )
    ).all()
    children: dict[int | None, list] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    slugs = {row.id: row.slug for row in rows}
    ordered: _Names = {}
    stack = [(row, 0) for row in reversed(children.get(None, []))]
    while stack:
        row, depth = stack.pop()
        if row.slug in wanted:
            ordered[row.slug] = (row.name, depth, slugs.get(row.parent_id))
        if depth < 50:
            stack.extend((child, depth + 1) for child in reversed(children.get(row.id, [])))
    return ordered


def _ordered(name: str, values: list[FacetValue], known: _Names) -> list[FacetValue]:
    if name == "category":
        order = {slug: index for index, slug in enumerate(known)}
        return sorted(values, key=lambda v: (order.get(v.value, len(order)), v.value))
    if name == "label":
        return sorted(values, key=lambda v: (known.get(v.value, (v.value, 9999, None))[1], v.name))
    if name in _ALLOWED and name != "currency":
        fixed = _ALLOWED[name]
        return sorted(values, key=lambda v: fixed.index(v.value) if v.value in fixed else 99)
    return sorted(values, key=lambda v: (-v.count, v.name.casefold()))
