"""Bank statement import: credits matched to orders by reference, each recorded once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.domain.money import MoneyError
from marketplace.extensions import db
from marketplace.models import (
    Order,
    PaymentReceipt,
    PaymentSource,
    PaymentStatus,
    Refund,
    RefundKind,
)
from marketplace.services import ledger
from marketplace.services.bank_statement import (
    Outcome,
    StatementUnreadable,
    describe,
    import_statement,
    parse_amount,
)
from tests.factories import make_listing, make_user
from tests.governance_factories import adopt_fee_policy
from tests.order_factories import place_order

GERMAN_HEADER = (
    '"Umsätze Girokonto";"Zeitraum: 01.03.2026 - 31.03.2026"\n'
    '"Kontonummer";"DE02120300000000202051"\n'
    "\n"
    "Buchungstag;Valutadatum;Begünstigter/Zahlungspflichtiger;Verwendungszweck;Betrag;Währung\n"
)


@pytest.fixture
def orders(app):
    """Two bank-transfer orders: 65.00 EUR from two co-ops, 12.50 EUR from one."""
    adopt_fee_policy(basis_points=600, fair_basis_points=300)
    buyer = make_user(name="Ada Buyer")
    bread = make_listing(price_amount=4000, stock=10)
    jam = make_listing(price_amount=1250, stock=10)
    first = place_order(buyer, (bread, 1), (jam, 2))
    second = place_order(buyer, (jam, 1))
    assert (first.total_amount, second.total_amount) == (6500, 1250)
    return first, second


def german(*lines: str) -> bytes:
    return (GERMAN_HEADER + "".join(line + "\n" for line in lines)).encode()


def outcomes(report) -> list[tuple[int, Outcome, str]]:
    return [(r.line, r.outcome, r.reference) for r in report.lines]


def fresh(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def receipts() -> int:
    return db.session.scalar(select(func.count(PaymentReceipt.id)))


def test_credits_are_matched_by_reference_with_or_without_dash_in_any_case(orders):
    first, second = orders
    plain = first.reference.replace("-", "").lower()
    data = german(
        f'10.03.2026;10.03.2026;Ada Buyer;"Bestellung {plain} Teil 1";40,00;EUR',
        f"11.03.2026;11.03.2026;Ada Buyer;Rest {first.reference};25,00;EUR",
        f"11.03.2026;11.03.2026;Ada Buyer;co-op market {second.reference.lower()} danke;12,50;EUR",
    )

    report = import_statement(data)

    assert outcomes(report) == [
        (5, Outcome.PARTIAL, first.reference),
        (6, Outcome.PAID, first.reference),
        (7, Outcome.PAID, second.reference),
    ]
    assert report.lines[0].outstanding == 2500
    assert describe(report.lines[0]) == "25.00 EUR still owed"
    assert fresh(first).payment_status is PaymentStatus.PAID
    assert fresh(second).payment_status is PaymentStatus.PAID
    receipt = db.session.scalars(select(PaymentReceipt).order_by(PaymentReceipt.id)).first()
    assert receipt.source is PaymentSource.STATEMENT and receipt.amount == 4000
    assert receipt.note == f"10.03.2026 · Ada Buyer · Bestellung {plain} Teil 1"
    assert ledger.check() == []


def test_more_than_is_due_is_recorded_and_owed_back(orders):
    first, second = orders
    data = german(
        f"10.03.2026;10.03.2026;Ada Buyer;{first.reference};50,00;EUR",
        f"10.03.2026;10.03.2026;Ada Buyer;{second.reference};20,00;EUR",
    )

    report = import_statement(data)

    assert [r.outcome for r in report.lines] == [Outcome.PARTIAL, Outcome.OVERPAID]
    assert report.lines[1].owed_back == 750 and report.lines[1].now_paid
    assert describe(report.lines[1]) == "paid in full; 7.50 EUR owed back to the buyer"
    owed = db.session.scalars(select(Refund).where(Refund.order_id == second.id)).one()
    assert (owed.kind, owed.amount) == (RefundKind.OVERPAYMENT, 750)
    assert fresh(first).amount_received == 5000
    assert ledger.check() == []


def test_importing_the_same_statement_again_records_nothing_twice(orders):
    first, second = orders
    data = german(
        f"10.03.2026;10.03.2026;Ada Buyer;{first.reference};30,00;EUR",
        # two equal payments on the same day are two payments
        f"10.03.2026;10.03.2026;Ada Buyer;{first.reference};30,00;EUR",
        f"10.03.2026;10.03.2026;Ada Buyer;{second.reference};12,50;EUR",
    )
    assert [r.outcome for r in import_statement(data).lines] == [
        Outcome.PARTIAL,
        Outcome.PARTIAL,
        Outcome.PAID,
    ]

    again = import_statement(data)
    # the same lines exported by the bank another way: comma-separated, ISO dates, dot decimals
    other_format = (
        "Booking date,Counterparty,Reference,Amount,Currency\n"
        f"2026-03-10,Ada Buyer,{second.reference},12.50,EUR\n"
    ).encode()
    also = import_statement(other_format)

    assert [r.outcome for r in again.lines] == [Outcome.ALREADY_RECORDED] * 3
    assert [r.outcome for r in also.lines] == [Outcome.ALREADY_RECORDED]
    assert receipts() == 3
    assert fresh(first).amount_received == 6000
    assert fresh(second).amount_received == 1250
    assert ledger.check() == []


def test_debits_are_passed_over(orders):
    first, _second = orders
    data = german(
        "09.03.2026;09.03.2026;Stadtwerke;Strom März;-1.234,56;EUR",
        f"09.03.2026;09.03.2026;Ada Buyer;Rückbuchung {first.reference};12,50-;EUR",
    )
    soll_haben = (
        "Datum;Name;Verwendungszweck;Soll;Haben;Währung\n"
        f"09.03.2026;Bank;Kontoführung {first.reference};4,90;;EUR\n"
    ).encode()

    report = import_statement(data)
    other = import_statement(soll_haben)

    assert [r.outcome for r in report.lines + other.lines] == [Outcome.DEBIT] * 3
    assert report.lines[0].amount == -123456
    assert receipts() == 0


def test_lines_that_name_no_order_are_reported_with_the_reason(orders):
    first, _second = orders
    data = german(
        "10.03.2026;10.03.2026;Ada Buyer;Rechnung 2026/17 Mitgliedsbeitrag;65,00;EUR",
        "10.03.2026;10.03.2026;Ada Buyer;Bestellung ZZZZ-ZZZ9;65,00;EUR",
        f"10.03.2026;10.03.2026;Ada Buyer;{first.reference};65,00;SEK",
        f"10.03.2026;10.03.2026;Ada Buyer;{first.reference};65,001;EUR",
        f"10.03.2026;10.03.2026;Ada Buyer;{first.reference};;EUR",
    )

    report = import_statement(data)

    assert outcomes(report) == [
        (5, Outcome.NO_REFERENCE, ""),
        (6, Outcome.UNKNOWN_REFERENCE, "ZZZZ-ZZZ9"),
        (7, Outcome.WRONG_CURRENCY, first.reference),
        (8, Outcome.BAD_AMOUNT, ""),
        (9, Outcome.BAD_AMOUNT, ""),
    ]
    assert [describe(r) for r in report.lines[:3]] == [
        "no order reference in the text",
        "no order has the reference ZZZZ-ZZZ9",
        f"paid in SEK, but order {first.reference} is in EUR",
    ]
    assert len(report.unmatched) == 5 and report.matched == []
    assert receipts() == 0


def test_a_line_naming_two_orders_is_left_to_the_admin(orders):
    first, second = orders
    data = german(
        f"10.03.2026;10.03.2026;Ada Buyer;{first.reference} und {second.reference};77,50;EUR"
    )

    [line] = import_statement(data).lines

    assert line.outcome is Outcome.SEVERAL_ORDERS
    assert describe(line) == (
        f"names several orders ({first.reference}, {second.reference}): record it by hand"
    )
    assert receipts() == 0


def test_a_dry_run_reports_what_would_happen_and_records_nothing(orders):
    first, second = orders
    data = german(
        f"10.03.2026;10.03.2026;Ada Buyer;{first.reference};60,00;EUR",
        f"11.03.2026;11.03.2026;Ada Buyer;{first.reference};10,00;EUR",
        f"11.03.2026;11.03.2026;Ada Buyer;{second.reference};12,50;EUR",
    )

    report = import_statement(data, dry_run=True)

    assert [(r.outcome, r.outstanding, r.owed_back) for r in report.lines] == [
        (Outcome.PARTIAL, 500, 0),
        (Outcome.OVERPAID, 0, 500),
        (Outcome.PAID, 0, 0),
    ]
    assert receipts() == 0
    assert fresh(first).payment_status is PaymentStatus.PENDING


def test_a_statement_with_a_byte_order_mark_and_a_currency_in_the_heading(orders):
    _first, second = orders
    data = (
        "\ufeffDate;Name;Description;Amount (EUR)\n"
        f'2026-03-10;"Buyer, Ada";"Payment {second.reference}";"12,50"\n'
    ).encode()

    [line] = import_statement(data).lines

    assert (line.outcome, line.currency, line.counterparty) == (Outcome.PAID, "EUR", "Buyer, Ada")


@pytest.mark.one_database
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"just some text\nwith lines\n",
        b"Date;Amount;Currency\n10.03.2026;12,50;EUR\n",  # no reference column
        b"\x00\x81\x8d\x8f\x90\x9d" * 50,
    ],
    ids=["empty", "no-csv", "no-reference-column", "binary"],
)
def test_a_file_that_is_no_statement_is_refused_with_a_reason(app, data):
    with pytest.raises(StatementUnreadable) as refused:
        import_statement(data)
    assert str(refused.value)
    assert receipts() == 0


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12,50", "EUR", 1250),
        ("12.50", "EUR", 1250),
        ("1.234,56", "EUR", 123456),
        ("1,234.56", "EUR", 123456),
        ("1 234,56 €", "EUR", 123456),
        ("1.234.567", "EUR", 123456700),
        ("-74,99", "EUR", -7499),
        ("74,99-", "EUR", -7499),
        ("+5", "EUR", 500),
        ("1,234", "JPY", 1234),
        ("1500", "JPY", 1500),
    ],
)
def test_bank_amounts_are_read_exactly(app, text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("text", "currency"),
    [("12,345", "EUR"), ("1,2.3", "EUR"), ("12.50 USD", "EUR"), ("", "EUR"), ("1.2.3,4,5", "EUR")],
)
def test_amounts_that_cannot_be_read_exactly_are_refused(app, text, currency):
    with pytest.raises(MoneyError):
        parse_amount(text, currency)
