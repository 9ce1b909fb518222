"""A bank statement CSV imported: each credit matched to an order by the reference in its text.

The file is what a bank's online banking exports: UTF-8 (with or without a byte order
mark; Windows-1252 is read too), separated by semicolons, commas or tabs, with one
header row (lines above it, such as the account's details, are passed over). Column
names are matched ignoring case, spaces and punctuation:

- booking date: date, booking date, transaction date, Buchungstag, Buchungsdatum, Datum,
  Bokföringsdag, Valutadatum, value date (optional, used only to tell lines apart);
- amount, in major units with "." or "," decimals, negative for money out: amount,
  Betrag, Umsatz, Belopp; or a credit column (credit, Haben, Gutschrift, Insättning) with
  an optional debit column (debit, Soll, Lastschrift, Uttag);
- currency: currency, Währung, Waehrung, ccy (or a code in the amount's header, as in
  "Betrag (EUR)", or the importer's default currency);
- reference text: reference, remittance, remittance information, Verwendungszweck,
  description, purpose, payment reference, Buchungstext, text, Meddelande, Referens
  (several of these columns are searched together);
- counterparty (optional): counterparty, name, payer, Auftraggeber,
  Begünstigter/Zahlungspflichtiger, Zahlungspflichtiger, Avsändare.

Each credit is recorded through `payments.receive` in its own transaction, keyed by a
fingerprint of the line's content, so importing the same statement twice (or two
overlapping statements) records every credit once. Debits are passed over; lines that
match no order are reported with the reason, for the admin to handle by hand.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..domain.money import Money, MoneyError, exponent, parse_major
from ..extensions import db
from ..models import Order, PaymentReceipt, PaymentSource, PaymentStatus, User
from . import payments

log = logging.getLogger(__name__)

#: largest statement file read, in bytes, and most lines
MAX_BYTES = 5 * 1024 * 1024
MAX_LINES = 20_000
#: largest single credit taken, in minor units (keeps every sum in 64 bits)
MAX_LINE_AMOUNT = 10**12
#: lines above the header row that are passed over (account details and the like)
MAX_PREAMBLE = 30

_COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "date": (
        "booking date",
        "buchungstag",
        "buchungsdatum",
        "bokforingsdag",
        "bokföringsdag",
        "transaction date",
        "date",
        "datum",
        "value date",
        "valutadatum",
        "wertstellung",
    ),
    "amount": ("amount", "betrag", "umsatz", "belopp"),
    "credit": ("credit", "haben", "gutschrift", "insattning", "insättning"),
    "debit": ("debit", "soll", "lastschrift", "uttag"),
    "currency": ("currency", "währung", "waehrung", "wahrung", "ccy"),
    "reference": (
        "reference",
        "remittance",
        "remittance information",
        "verwendungszweck",
        "description",
        "purpose",
        "payment reference",
        "buchungstext",
        "text",
        "meddelande",
        "referens",
    ),
    "counterparty": (
        "counterparty",
        "name",
        "payer",
        "auftraggeber",
        "begünstigter zahlungspflichtiger",
        "zahlungspflichtiger",
        "avsändare",
        "avsandare",
    ),
}
#: an order reference as checkout makes it (services.checkout._REFERENCE_ALPHABET), its two
#: halves joined by a dash, a space or nothing; found overlapping ("REST K7Q4-M2XD" holds
#: both "REST K7Q4" and "K7Q4-M2XD")
_REFERENCE = re.compile(
    r"(?=(?<![A-Z0-9])([A-HJ-NP-Z2-9]{4})([-\u2010-\u2015 ]?)([A-HJ-NP-Z2-9]{4})(?![A-Z0-9]))"
)
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y", "%Y%m%d")
_MAX_NOTE = payments.MAX_NOTE_LENGTH


class StatementUnreadable(ValueError):
    """The file is not a bank statement this importer can read; the message says why."""


class Outcome(StrEnum):
    #: recorded, and the order is now paid in full
    PAID = "paid"
    #: recorded; the buyer still owes the rest
    PARTIAL = "partial"
    #: recorded; some or all of it is owed back to the buyer
    OVERPAID = "overpaid"
    #: an earlier import recorded this line already
    ALREADY_RECORDED = "already_recorded"
    #: money out, or nothing: not a payment
    DEBIT = "debit"
    NO_REFERENCE = "no_reference"
    UNKNOWN_REFERENCE = "unknown_reference"
    SEVERAL_ORDERS = "several_orders"
    WRONG_CURRENCY = "wrong_currency"
    BAD_AMOUNT = "bad_amount"
    #: the payment service refused it (the detail says why)
    REFUSED = "refused"


MATCHED = frozenset({Outcome.PAID, Outcome.PARTIAL, Outcome.OVERPAID})
UNMATCHED = frozenset(
    {
        Outcome.NO_REFERENCE,
        Outcome.UNKNOWN_REFERENCE,
        Outcome.SEVERAL_ORDERS,
        Outcome.WRONG_CURRENCY,
        Outcome.BAD_AMOUNT,
        Outcome.REFUSED,
    }
)


@dataclass(frozen=True)
class StatementLine:
    """One row of the statement, read but not matched yet."""

    #: row number in the file, 1-based, as a spreadsheet shows it
    line: int
    booked: str
    amount_text: str
    currency: str
    text: str
    counterparty: str
    #: the amount in minor units (negative for money out); None when it cannot be read
    amount: int | None
    #: why the amount could not be read
    problem: str = ""
    #: what identifies the line whichever file it comes in (PaymentReceipt.source_key)
    source_key: str = ""


@dataclass(frozen=True)
class LineResult:
    """What became of one line of the statement."""

    line: int
    outcome: Outcome
    amount: int | None = None
    currency: str = ""
    #: the order's reference, or the reference that matched no order
    reference: str = ""
    text: str = ""
    counterparty: str = ""
    booked: str = ""
    #: still owed on the order after this line
    outstanding: int = 0
    #: owed back to the buyer because of this line
    owed_back: int = 0
    #: the line completed the order's payment
    now_paid: bool = False
    #: what else the reason needs: the order's currency, the references, a refusal
    detail: str = ""


@dataclass
class StatementReport:
    """Every line of an imported (or, with dry_run, only checked) statement, with its outcome."""

    dry_run: bool
    lines: list[LineResult] = field(default_factory=list)

    def having(self, outcomes: frozenset[Outcome] | set[Outcome]) -> list[LineResult]:
        return [result for result in self.lines if result.outcome in outcomes]

    @property
    def matched(self) -> list[LineResult]:
        return self.having(MATCHED)

    @property
    def already_recorded(self) -> list[LineResult]:
        return self.having({Outcome.ALREADY_RECORDED})

    @property
    def unmatched(self) -> list[LineResult]:
        return self.having(UNMATCHED)

    @property
    def skipped(self) -> list[LineResult]:
        return self.having({Outcome.DEBIT})


def major(amount: int, currency: str) -> str:
    """`74.99 EUR`: an amount for the command line and logs, exact."""
    return f"{Money(amount, currency).to_decimal()} {currency}"


def describe(result: LineResult, money: Callable[[int, str], str] = major) -> str:
    """What happened to a line, in a sentence for people."""
    cur = result.currency
    match result.outcome:
        case Outcome.PAID:
            return _("paid in full")
        case Outcome.PARTIAL:
            return _("%(owed)s still owed", owed=money(result.outstanding, cur))
        case Outcome.OVERPAID if result.now_paid:
            return _(
                "paid in full; %(back)s owed back to the buyer", back=money(result.owed_back, cur)
            )
        case Outcome.OVERPAID:
            return _(
                "the order was already paid or has ended: %(back)s owed back to the buyer",
                back=money(result.owed_back, cur),
            )
        case Outcome.ALREADY_RECORDED:
            return _("already recorded by an earlier import")
        case Outcome.DEBIT:
            return _("money out: passed over")
        case Outcome.NO_REFERENCE:
            return _("no order reference in the text")
        case Outcome.UNKNOWN_REFERENCE:
            return _("no order has the reference %(reference)s", reference=result.reference)
        case Outcome.SEVERAL_ORDERS:
            return _(
                "names several orders (%(references)s): record it by hand",
                references=result.detail,
            )
        case Outcome.WRONG_CURRENCY:
            return _(
                "paid in %(currency)s, but order %(reference)s is in %(order_currency)s",
                currency=cur,
                reference=result.reference,
                order_currency=result.detail,
            )
        case Outcome.BAD_AMOUNT:
            return _("the amount cannot be read: %(problem)s", problem=result.detail)
    return result.detail


# --- reading the file ----------------------------------------------------------------------


def read_statement(data: bytes, default_currency: str | None = None) -> list[StatementLine]:
    """The statement's lines, or StatementUnreadable saying what is wrong with the file."""
    if len(data) > MAX_BYTES:
        raise StatementUnreadable(_("The file is larger than %(mb)d MB.", mb=MAX_BYTES // 2**20))
    text = _decode(data)
    rows = _rows(text)
    header_at, columns, hint = _header(rows)
    default = (hint or default_currency or "").strip().upper()
    body = rows[header_at + 1 :]
    if len(body) > MAX_LINES:
        raise StatementUnreadable(
            _("The file has more than %(count)d lines: split it.", count=MAX_LINES)
        )
    lines: list[StatementLine] = []
    seen: Counter[str] = Counter()
    for offset, row in enumerate(body):
        if not any(cell.strip() for cell in row):
            continue
        line = _line(header_at + offset + 2, row, columns, default)
        content = _fingerprint(line)
        seen[content] += 1
        # identical credits in one file (two equal payments the same day) stay two lines
        key = hashlib.sha256(f"{content}\x1e{seen[content]}".encode()).hexdigest()
        lines.append(replace(line, source_key=f"statement:{key}"))
    return lines


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementUnreadable(_("The file is not text in UTF-8 or Windows-1252."))


def _rows(text: str) -> list[list[str]]:
    sample = "\n".join(text.splitlines()[: MAX_PREAMBLE + 5])
    tried: list[str] = []
    with contextlib.suppress(csv.Error):  # the Sniffer's guess first, then each in turn
        tried.append(csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter)
    tried += [d for d in (";", ",", "\t") if d not in tried]
    for delimiter in tried:
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as error:
            raise StatementUnreadable(
                _("The file is not valid CSV: %(error)s", error=error)
            ) from None
        try:
            _header(rows)
        except StatementUnreadable:
            continue
        return rows
    raise StatementUnreadable(
        _(
            "No header row with an amount column (amount, Betrag, credit, Haben …) and a "
            "reference column (reference, Verwendungszweck, description …) was found in "
            "the first %(count)d lines.",
            count=MAX_PREAMBLE,
        )
    )


def _column_key(name: str) -> str:
    name = re.sub(r"\([^)]*\)", " ", name.casefold())
    return " ".join(re.sub(r"[^\w]+|_", " ", name).split())


def _header(rows: Sequence[list[str]]) -> tuple[int, dict[str, list[int]], str | None]:
    """Where the header row is, which columns hold what, and a currency named in it."""
    for index, row in enumerate(rows[:MAX_PREAMBLE]):
        keys = [_column_key(cell) for cell in row]
        columns: dict[str, list[int]] = {}
        for name, accepted in _COLUMN_NAMES.items():
            found = [i for wanted in accepted for i, key in enumerate(keys) if key == wanted]
            if found:
                # the first accepted name wins, except for the reference texts: all are read
                columns[name] = found if name == "reference" else found[:1]
        if ("amount" in columns or "credit" in columns) and "reference" in columns:
            money_column = (columns.get("amount") or columns["credit"])[0]
            hint = re.search(r"\(\s*([A-Za-z]{3})\s*\)", row[money_column])
            return index, columns, hint[1].upper() if hint else None
    raise StatementUnreadable(_("No header row found."))


def _cell(row: list[str], columns: dict[str, list[int]], name: str) -> str:
    return " ".join(
        " ".join(row[i].split()) for i in columns.get(name, []) if i < len(row) and row[i].strip()
    )


def _line(
    number: int, row: list[str], columns: dict[str, list[int]], default: str
) -> StatementLine:
    amount_text = _cell(row, columns, "amount")
    if not columns.get("amount"):
        amount_text = _cell(row, columns, "credit")
        if not amount_text and _cell(row, columns, "debit"):
            amount_text = "-" + _cell(row, columns, "debit").lstrip("+-")
    currency = (_cell(row, columns, "currency") or default).upper().replace("€", "EUR")
    amount: int | None = None
    problem = ""
    if not currency:
        problem = _("the line names no currency")
    else:
        try:
            amount = parse_amount(amount_text, currency)
        except MoneyError as error:
            problem = _(
                "“%(text)s” is not an amount in %(currency)s: %(error)s",
                text=amount_text,
                currency=currency,
                error=error,
            )
    return StatementLine(
        line=number,
        booked=_cell(row, columns, "date"),
        amount_text=amount_text,
        currency=currency,
        text=_cell(row, columns, "reference"),
        counterparty=_cell(row, columns, "counterparty"),
        amount=amount,
        problem=problem,
    )


def _fingerprint(line: StatementLine) -> str:
    """The line's content, written the same way whichever way the bank formatted it."""
    amount = str(line.amount) if line.amount is not None else line.amount_text
    return "\x1f".join(
        (_iso_date(line.booked), amount, line.currency, line.text, line.counterparty)
    )


def _iso_date(text: str) -> str:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date().isoformat()  # noqa: DTZ007
        except ValueError:
            continue
    return text


def parse_amount(text: str, currency: str) -> int:
    """A bank's amount ("1.234,56", "-12.50", "74,99-", "1 234,56 EUR") in minor units, exactly."""
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", text)
    cleaned = cleaned.removesuffix(currency).removesuffix("€").removeprefix("€")
    if cleaned.endswith("-") and cleaned[:1] not in "+-":
        cleaned = "-" + cleaned[:-1]
    found = re.fullmatch(r"([+-]?)(\d[\d.,]*)", cleaned)
    if not found:
        raise MoneyError(_("not a number"))
    sign, number = found[1], found[2]
    whole, fraction = _split_decimals(number, exponent(currency))
    if re.search(r"[.,]", whole) and not re.fullmatch(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*", whole):
        raise MoneyError(_("thousands are not grouped by three"))
    whole = whole.replace(".", "").replace(",", "")
    return parse_major(f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}", currency)


def _split_decimals(number: str, digits: int) -> tuple[str, str]:
    """("1.234", "56") from "1.234,56": the last separator is the decimal point, unless it
    can only be grouping ("1.234.567"; "1,234" in a currency without decimals)."""
    last = max(number.rfind("."), number.rfind(","))
    if last < 0:
        return number, ""
    point = number[last]
    if number.count(point) > 1:
        if "." in number and "," in number:
            raise MoneyError(_("not a number"))
        return number, ""
    if digits == 0 and len(number) - last - 1 == 3 and ("." in number) != ("," in number):
        return number, ""
    return number[:last], number[last + 1 :]


# --- matching and recording ----------------------------------------------------------------


def import_statement(
    data: bytes,
    *,
    actor: User | None = None,
    dry_run: bool = False,
    default_currency: str | None = None,
) -> StatementReport:
    """Record every credit of a bank statement that names an order; report every line."""
    lines = read_statement(data, default_currency)
    report = StatementReport(dry_run=dry_run)
    planned: dict[int, int] = {}
    for line in lines:
        report.lines.append(_import_line(line, actor=actor, dry_run=dry_run, planned=planned))
    log.info(
        "bank statement %s by %s: %d matched, %d already recorded, %d unmatched, %d passed over",
        "checked" if dry_run else "imported",
        actor.id if actor else "command line",
        len(report.matched),
        len(report.already_recorded),
        len(report.unmatched),
        len(report.skipped),
    )
    return report


def _import_line(
    line: StatementLine, *, actor: User | None, dry_run: bool, planned: dict[int, int]
) -> LineResult:
    base = {
        "line": line.line,
        "amount": line.amount,
        "currency": line.currency,
        "text": line.text,
        "counterparty": line.counterparty,
        "booked": line.booked,
    }
    if line.amount is None:
        return LineResult(outcome=Outcome.BAD_AMOUNT, detail=line.problem, **base)
    if line.amount <= 0:
        return LineResult(outcome=Outcome.DEBIT, **base)
    if line.amount > MAX_LINE_AMOUNT:
        return LineResult(outcome=Outcome.BAD_AMOUNT, detail=_("too large"), **base)
    earlier = _recorded_for(line.source_key)
    if earlier is not None:
        return LineResult(outcome=Outcome.ALREADY_RECORDED, reference=earlier, **base)
    found = _match(line.text)
    if isinstance(found, _Miss):
        base["reference"] = found.reference
        return LineResult(outcome=found.outcome, detail=found.detail, **base)
    base["reference"] = found.reference
    if found.currency != line.currency:
        return LineResult(outcome=Outcome.WRONG_CURRENCY, detail=found.currency, **base)
    if dry_run:
        return _plan(found, line.amount, planned, base)
    try:
        done = payments.receive(
            found,
            line.amount,
            actor=actor,
            source=PaymentSource.STATEMENT,
            note=_note(line),
            source_key=line.source_key,
        )
    except payments.PaymentRefused as error:
        db.session.rollback()
        return LineResult(outcome=Outcome.REFUSED, detail=str(error), **base)
    except IntegrityError:
        # imported at the same moment by someone else: their receipt holds
        db.session.rollback()
        return LineResult(outcome=Outcome.ALREADY_RECORDED, **base)
    if done.duplicate:
        return LineResult(outcome=Outcome.ALREADY_RECORDED, **base)  # recorded meanwhile
    return _result(base, done.outstanding, done.owed_back, done.now_paid)


def _result(base: dict, outstanding: int, owed_back: int, now_paid: bool) -> LineResult:
    if owed_back:
        outcome = Outcome.OVERPAID
    elif now_paid:
        outcome = Outcome.PAID
    else:
        outcome = Outcome.PARTIAL
    return LineResult(
        outcome=outcome, outstanding=outstanding, owed_back=owed_back, now_paid=now_paid, **base
    )


def _plan(order: Order, amount: int, planned: dict[int, int], base: dict) -> LineResult:
    """What recording the line would do, counting the lines above it in the same file."""
    if order.payment_status is not PaymentStatus.PENDING:
        return _result(base, 0, amount, False)
    before = payments.outstanding(order) - planned.get(order.id, 0)
    planned[order.id] = planned.get(order.id, 0) + amount
    if before <= 0:
        return _result(base, 0, amount, False)
    return _result(base, max(before - amount, 0), max(amount - before, 0), amount >= before)


def _recorded_for(source_key: str) -> str | None:
    """The reference of the order an earlier import recorded this line for, if one did."""
    return db.session.scalar(
        select(Order.reference)
        .join(PaymentReceipt, PaymentReceipt.order_id == Order.id)
        .where(PaymentReceipt.source_key == source_key)
    )


@dataclass(frozen=True)
class _Miss:
    outcome: Outcome
    reference: str = ""
    detail: str = ""


def _match(text: str) -> Order | _Miss:
    """The one order the text names, or why there is none."""
    orders: list[Order] = []
    unknown: list[str] = []
    for match in _REFERENCE.finditer(text.upper()):
        reference = f"{match[1]}-{match[3]}"
        order = payments.find_order(reference)
        if order is not None:
            if order not in orders:
                orders.append(order)
        elif match[2] or re.search(r"\d", reference):
            # written with a dash, or with a digit: meant as a reference, not a word
            unknown.append(reference)
    if len(orders) == 1:
        return orders[0]
    if orders:
        return _Miss(Outcome.SEVERAL_ORDERS, detail=", ".join(o.reference for o in orders))
    if unknown:
        return _Miss(Outcome.UNKNOWN_REFERENCE, reference=unknown[0])
    return _Miss(Outcome.NO_REFERENCE)


def _note(line: StatementLine) -> str:
    parts = [part for part in (line.booked, line.counterparty, line.text) if part]
    return " · ".join(parts)[:_MAX_NOTE]
