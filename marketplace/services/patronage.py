"""The patronage report: each co-op's trade in a period, and its share of the federation's surplus.

A co-op's sales are what buyers paid for its co-op orders and kept: the totals of its live
co-op orders (not cancelled, not expired) in orders paid in the period, less what was
refunded. Its fees are what the federation keeps of those co-op orders after the refunds
(`CoopOrder.settlement.fee`). The surplus the members decide to hand back is shared in
proportion to sales by largest remainder (`domain.split.split`), so the shares add up
to the surplus exactly.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..domain.money import CURRENCY_EXPONENTS, Money, MoneyError, parse_major
from ..domain.orders import RESTOCKING
from ..domain.split import settle, split
from ..extensions import db
from ..models import Coop, CoopOrder, Order, PaymentStatus

#: the largest surplus the form takes, in minor units (a sanity bound, not a policy)
MAX_SURPLUS = 10**15
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AMOUNT = re.compile(r"[+-]?[0-9][0-9 ]*([.,][0-9]+)?")
CSV_HEADER = ("coop", "slug", "orders", "sales", "fees", "surplus_share", "currency")


class PatronageError(ValueError):
    """A report that cannot be made as asked; the message is for people."""


class NegativeSurplus(PatronageError):
    """A surplus below zero cannot be shared out."""


class ReportInvalid(PatronageError):
    """The period, currency or surplus asked for is wrong; `errors` maps a field to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class PatronageRow:
    """One co-op's trade in the period; amounts in minor units of the report's currency."""

    coop_id: int
    name: str
    slug: str
    #: co-op orders paid in the period
    orders: int
    #: what buyers paid for them, less refunds
    sales: int
    #: what the federation kept of them, after refunds
    fees: int
    #: the co-op's share of the surplus
    share: int


@dataclass(frozen=True)
class PatronageReport:
    #: the period is [start, end): from the start of `start` to the start of `end`, UTC
    start: date
    end: date
    currency: str
    surplus: int
    rows: list[PatronageRow]

    @property
    def orders(self) -> int:
        return sum(row.orders for row in self.rows)

    @property
    def sales(self) -> int:
        return sum(row.sales for row in self.rows)

    @property
    def fees(self) -> int:
        return sum(row.fees for row in self.rows)

    @property
    def shared(self) -> int:
        """The surplus handed out: all of it, unless nobody sold anything."""
        return sum(row.share for row in self.rows)


@dataclass(frozen=True)
class ReportQuery:
    start: date
    end: date
    currency: str
    surplus: int


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def report(start: date, end: date, currency: str, surplus: int) -> PatronageReport:
    """Each co-op's orders, sales and fees in [start, end) in `currency`, and its surplus share."""
    if surplus < 0:
        raise NegativeSurplus(_("The surplus can't be negative."))
    if end <= start:
        raise ReportInvalid({"end": _("The end date must come after the start date.")})
    rows = db.session.execute(
        select(
            Coop.id,
            Coop.name,
            Coop.slug,
            CoopOrder.subtotal_amount,
            CoopOrder.shipping_amount,
            CoopOrder.fee_amount,
            CoopOrder.processor_fee_amount,
            CoopOrder.refunded_amount,
        )
        .join(CoopOrder.order)
        .join(CoopOrder.coop)
        .where(
            Order.payment_status == PaymentStatus.PAID,
            Order.currency == currency,
            Order.paid_at >= _midnight(start),
            Order.paid_at < _midnight(end),
            CoopOrder.status.not_in(sorted(RESTOCKING)),
        )
    ).all()
    names: dict[int, tuple[str, str]] = {}
    #: co-op -> [co-op orders, sales, fees]
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for coop_id, name, slug, subtotal, shipping, fee, processor_fee, refunded in rows:
        kept = settle(subtotal + shipping, fee, processor_fee, refunded)
        names[coop_id] = (name, slug)
        sums[coop_id][0] += 1
        sums[coop_id][1] += kept.total - kept.refunded
        sums[coop_id][2] += kept.fee
    ordered = sorted(names, key=lambda coop_id: (names[coop_id][0].casefold(), coop_id))
    sales = [sums[coop_id][1] for coop_id in ordered]
    # nobody sold anything (or all of it went back): there is nothing to share by
    shares = split(surplus, sales) if sum(sales) else [0] * len(ordered)
    return PatronageReport(
        start,
        end,
        currency,
        surplus,
        [
            PatronageRow(coop_id, *names[coop_id], *sums[coop_id], share)
            for coop_id, share in zip(ordered, shares, strict=True)
        ],
    )


def read_query(args: Mapping[str, str], today: date) -> ReportQuery:
    """The report asked for in the query string; ReportInvalid naming each problem.

    Left out: this year so far (to the end of today), euros, no surplus.
    """
    errors: dict[str, str] = {}
    start = _read_date(args.get("start"), date(today.year, 1, 1), "start", errors)
    end = _read_date(args.get("end"), today + timedelta(days=1), "end", errors)
    currency = (args.get("currency") or "EUR").strip().upper()
    if currency not in CURRENCY_EXPONENTS:
        errors["currency"] = _("Choose one of the currencies we accept.")
        currency = "EUR"
    surplus = _read_surplus(args.get("surplus"), currency, errors)
    if start and end and end <= start:
        errors["end"] = _("The end date must come after the start date.")
    if errors:
        raise ReportInvalid(errors)
    assert start is not None and end is not None
    return ReportQuery(start, end, currency, surplus)


def _read_date(raw: str | None, default: date, name: str, errors: dict[str, str]) -> date | None:
    text = (raw or "").strip()
    if not text:
        return default
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = _("Give a date as YYYY-MM-DD, e.g. 2026-01-31.")
        return None


def _read_surplus(raw: str | None, currency: str, errors: dict[str, str]) -> int:
    text = (raw or "").strip()
    if not text:
        return 0
    try:
        if len(text) > 30 or not _AMOUNT.fullmatch(text):
            raise MoneyError(text)
        surplus = parse_major(text, currency)
    except MoneyError:
        errors["surplus"] = _(
            "Give the surplus as an amount in %(currency)s, e.g. 1234.50, with at most "
            "%(count)d decimals.",
            currency=currency,
            count=CURRENCY_EXPONENTS[currency],
        )
        return 0
    if surplus < 0:
        errors["surplus"] = _("The surplus can't be negative.")
    elif surplus > MAX_SURPLUS:
        errors["surplus"] = _("That surplus is too large to share out here.")
    return surplus


def _major(amount: int, currency: str) -> str:
    return str(Money(amount, currency).to_decimal())


def _cell(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def report_csv(found: PatronageReport) -> str:
    """The report as CSV: one row per co-op, amounts in major units as exact decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in found.rows:
        writer.writerow(
            [
                _cell(row.name),
                row.slug,
                row.orders,
                _major(row.sales, found.currency),
                _major(row.fees, found.currency),
                _major(row.share, found.currency),
                found.currency,
            ]
        )
    return buffer.getvalue()


def csv_filename(found: PatronageReport) -> str:
    """`patronage-<start>-<end>.csv`."""
    return f"patronage-{found.start.isoformat()}-{found.end.isoformat()}.csv"
