"""Search through the API: the shop's search page, as JSON, with the same parameters."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from search.backend import FACETS, MAX_PAGE, MAX_PER_PAGE, SORTS

from ..domain.listing_rules import CONDITIONS, KINDS
from ..domain.money import MAX_AMOUNT
from ..services import search
from .base import ApiBlueprint
from .errors import api_abort
from .schemas import (
    CURRENCIES,
    CoopRefSchema,
    ErrorSchema,
    MoneySchema,
    OutputSchema,
    described,
)

search_bp = ApiBlueprint(
    "api_search",
    __name__,
    url_prefix="/api/v1",
    tag="Search",
    description=(
        "Full-text search over the active listings of admitted co-ops, with filters, facet "
        "counts and sorting: what the shop's search page shows. Public: no token needed."
    ),
)


class SearchArgsSchema(Schema):
    """The query parameters (read by services.search, which answers 400 on a bad value)."""

    q = fields.String(
        **described(
            "Words to find (title, description, co-op, category and label names). Typos and "
            'plurals are forgiven; "quoted words" must stand together; -word excludes; '
            "wor* finds words starting so. Empty: everything that passes the filters."
        )
    )
    label = fields.List(
        fields.String(),
        **described("Label slugs, repeatable: listings verified for every one of them (AND)"),
    )
    category = fields.List(
        fields.String(), **described("Category slugs, repeatable: any of them or below them (OR)")
    )
    coop = fields.List(fields.String(), **described("Co-op slugs, repeatable (OR)"))
    region = fields.List(
        fields.String(), **described("Regions as listings name them, repeatable (OR)")
    )
    kind = fields.List(
        fields.String(validate=validate.OneOf(KINDS)),
        **described("good or service, repeatable (OR)"),
    )
    condition = fields.List(
        fields.String(validate=validate.OneOf(CONDITIONS)),
        **described("new, used or refurbished, repeatable (OR)"),
    )
    currency = fields.List(
        fields.String(validate=validate.OneOf(CURRENCIES)),
        **described("ISO 4217 codes, repeatable (OR)"),
    )
    min_price = fields.Integer(
        validate=validate.Range(min=0, max=MAX_AMOUNT),
        **described("Lowest gross price in minor units (1250 is 12.50), inclusive, any currency"),
    )
    max_price = fields.Integer(
        validate=validate.Range(min=0, max=MAX_AMOUNT),
        **described("Highest gross price in minor units, inclusive; not below min_price"),
    )
    sort = fields.String(
        load_default="relevance",
        validate=validate.OneOf(SORTS),
        **described("relevance (newest first when q is empty), price_asc, price_desc or newest"),
    )
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE),
        **described("From 1; a page past the last one has no results"),
    )
    per_page = fields.Integer(
        load_default=search.DEFAULT_PER_PAGE,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
    )


class SearchHitSchema(OutputSchema):
    """One listing found."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    coop = fields.Nested(CoopRefSchema, required=True)
    price = fields.Nested(MoneySchema, required=True, **described("Gross price, in minor units"))
    labels = fields.List(
        fields.String(), required=True, **described("Slugs of the listing's verified labels")
    )
    url = fields.Url(required=True, **described("The listing's page in the shop"))
    snippet = fields.String(
        required=True,
        **described(
            "HTML: a piece of the description, escaped, with the matched words in "
            "<mark>...</mark>; safe to insert as HTML"
        ),
    )


def _counts(text: str) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(), values=fields.Integer(), required=True, **described(text)
    )


class FacetsSchema(OutputSchema):
    """For each filter: value -> how many results choosing it would give (others kept)."""

    label = _counts("Label slug -> count (labels combine with AND)")
    category = _counts("Category slug -> count (a listing counts in every parent category)")
    coop = _counts("Co-op slug -> count")
    region = _counts("Region -> count")
    kind = _counts("good / service -> count")
    condition = _counts("new / used / refurbished -> count")
    currency = _counts("Currency code -> count")


class SearchResultsSchema(OutputSchema):
    total = fields.Integer(required=True, **described("Results on all pages"))
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    results = fields.List(fields.Nested(SearchHitSchema), required=True, **described("This page"))
    facets = fields.Nested(
        FacetsSchema,
        required=True,
        **described("Values with no results are left out, except chosen ones"),
    )
    suggestion = fields.String(
        required=True,
        allow_none=True,
        **described('"Did you mean": a corrected `q` that finds more, or null'),
    )
    partial = fields.Boolean(
        required=True,
        **described("The engine stopped at its time limit: total and facets are lower bounds"),
    )
    notices = fields.List(
        fields.String(),
        required=True,
        **described("What was changed in `q`: shortened, too_many_words, ignored_operators"),
    )


@search_bp.route("/search")
@search_bp.doc(parameters=[{"in": "query", "schema": SearchArgsSchema}])
@search_bp.response(200, SearchResultsSchema)
@search_bp.alt_response(
    400, schema=ErrorSchema, description="`bad_request`: a parameter is wrong; `message` says which"
)
@search_bp.alt_response(
    503, schema=ErrorSchema, description="`search_unavailable`: the search engine did not answer"
)
def search_listings() -> dict[str, Any]:
    """Search listings

    The same search as the shop's search page (`/search`, with the same parameters):
    words with typo tolerance and stemming (English, German, Swedish), filters, facet
    counts, four sorts. Unknown label, category or co-op slugs simply find nothing.
    """
    try:
        query = search.read(request.args)
    except search.BadSearch as bad:
        messages = [_(error.template, **error.params) for error in bad.errors]
        api_abort(400, "bad_request", " ".join(messages))
    try:
        page = search.run(query)
    except search.SearchError:
        api_abort(503, "search_unavailable", _("Search is unavailable right now; try again."))
    return {
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "results": [_hit(result) for result in page.results],
        "facets": {name: {v.value: v.count for v in page.facets.get(name, [])} for name in FACETS},
        "suggestion": page.suggestion,
        "partial": page.partial,
        "notices": list(page.notices),
    }


def _hit(result: search.Result) -> dict[str, Any]:
    listing = result.listing
    return {
        "id": listing.id,
        "title": listing.title,
        "coop": {"slug": listing.coop.slug, "name": listing.coop.name},
        "price": {"amount": listing.price_amount, "currency": listing.currency},
        "labels": [label.slug for label in result.labels],
        "url": url_for("shop.listing", listing_id=listing.id, _external=True),
        "snippet": result.snippet,
    }
