"""Addresses of a search with one thing changed: every state of the page is a URL."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from urllib.parse import urlencode

from flask import url_for
from flask_babel import format_decimal

from search.backend import SearchQuery

from ...domain.money import Money
from ...i18n import money
from ...services.search import FILTERS, major_units, to_params


@dataclass(frozen=True)
class SearchLinks:
    """Builds links from the current search; a changed search starts again at page 1."""

    query: SearchQuery

    @cached_property
    def _path(self) -> str:
        return url_for("search.index")

    def url(self, **changes: object) -> str:
        # A page has about a hundred of these links: url_for for each cost 4 ms a page.
        params = to_params(self.query, page=None, **changes)
        return f"{self._path}?{urlencode(params, doseq=True)}" if params else self._path

    def toggle(self, facet: str, value: str) -> str:
        """Choose `value` in `facet`, or un-choose it if chosen."""
        chosen = list(getattr(self.query, FILTERS[facet]))
        values = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
        return self.url(**{facet: values})

    def only(self, facet: str, value: str) -> str:
        """A fresh search (no words, no other filter) for just this value: browse links."""
        return url_for("search.index", **{facet: value})

    def without_text(self) -> str:
        return self.url(q=None)

    def without_filters(self) -> str:
        changes: dict[str, object] = dict.fromkeys(FILTERS, None)
        return self.url(min_price=None, max_price=None, **changes)

    def without_price(self, bound: str) -> str:
        return self.url(**{bound: None})

    def with_text(self, text: str) -> str:
        return self.url(q=text)

    def pager(self) -> dict[str, str | list[str]]:
        """The parameters the pager macro adds to its page numbers."""
        return to_params(self.query, page=None)

    def form_fields(self, *leave_out: str) -> list[tuple[str, str]]:
        """Hidden (name, value) pairs that keep the search in a GET form (sort, price)."""
        fields = []
        for name, value in to_params(self.query, page=None).items():
            if name in leave_out:
                continue
            for item in value if isinstance(value, list) else [value]:
                fields.append((name, item))
        return fields

    @property
    def has_filters(self) -> bool:
        return bool(
            any(self.query.filters().values())
            or self.query.min_price is not None
            or self.query.max_price is not None
        )

    @property
    def price_currency(self) -> str | None:
        """The currency prices are typed in: the one chosen, else None (amounts as numbers)."""
        currencies = self.query.currencies
        return currencies[0] if len(currencies) == 1 else None

    def typed_price(self, bound: str) -> str:
        """A price bound as the form shows it, in major units: "12.50"."""
        return major_units(getattr(self.query, bound), self.price_currency or "EUR")

    def price_text(self, bound: str) -> str:
        """A price bound for people: "€12.50" when one currency is chosen, else "12.50"."""
        amount = getattr(self.query, bound)
        if self.price_currency:
            return money(Money(amount, self.price_currency))
        return format_decimal(Decimal(amount).scaleb(-2), format="#,##0.00")

    def chosen_count(self) -> int:
        """How many filter values and price bounds are chosen."""
        bounds = (self.query.min_price, self.query.max_price)
        return sum(len(v) for v in self.query.filters().values()) + sum(
            b is not None for b in bounds
        )
