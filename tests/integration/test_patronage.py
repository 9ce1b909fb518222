"""The patronage report: each co-op's sales and fees in a period, and its share of a surplus."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from marketplace.domain.split import split
from marketplace.extensions import db
from marketplace.models import (
    CoopOrder,
    CoopOrderStatus,
    FeePolicy,
    Listing,
    Order,
    PaymentStatus,
)
from marketplace.services import patronage
from tests.factories import make_coop, make_listing, make_user
from tests.order_factories import place_order

pytestmark = pytest.mark.usefixtures("no_search_sync")

START, END = date(2026, 3, 1), date(2026, 4, 1)
IN_MARCH = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def buyer(app):
    db.session.add(FeePolicy(basis_points=600, adopted_at=datetime(2026, 1, 1, tzinfo=UTC)))
    db.session.commit()
    return make_user()


def paid(buyer, *items: tuple[Listing, int], at: datetime = IN_MARCH) -> Order:
    """An order of `items`, paid at `at`."""
    order = place_order(buyer, *items)
    order.payment_status = PaymentStatus.PAID
    order.paid_at = at
    db.session.commit()
    return order


def rows(report: patronage.PatronageReport) -> list[tuple[str, int, int, int, int]]:
    return [(row.name, row.orders, row.sales, row.fees, row.share) for row in report.rows]


def test_the_surplus_is_shared_in_proportion_to_sales_and_adds_up_exactly(buyer):
    alpha, beta, gamma = (make_coop(name=n) for n in ("Alpha", "Beta", "Gamma"))
    paid(
        buyer,
        (make_listing(coop=alpha, price_amount=1000), 1),
        (make_listing(coop=beta, price_amount=1000), 2),
    )
    paid(buyer, (make_listing(coop=gamma, price_amount=3000), 1))

    report = patronage.report(START, END, "EUR", 100)

    # 100 by 1:2:3 is 16.67, 33.33, 50: the one cent left goes to the largest remainder
    assert rows(report) == [
        ("Alpha", 1, 1000, 60, 17),
        ("Beta", 1, 2000, 120, 33),
        ("Gamma", 1, 3000, 180, 50),
    ]
    assert split(100, [1000, 2000, 3000]) == [17, 33, 50]
    assert (report.orders, report.sales, report.fees, report.shared) == (3, 6000, 360, 100)


@pytest.mark.one_database
@pytest.mark.parametrize("surplus", [0, 1, 2, 99_999, 1_234_567])
def test_the_shares_always_sum_to_the_surplus(buyer, surplus):
    for n, price in enumerate((333, 333, 334, 1001, 7)):
        coop = make_coop(name=f"Co-op {n}")
        paid(buyer, (make_listing(coop=coop, price_amount=price), 1))

    report = patronage.report(START, END, "EUR", surplus)

    assert report.shared == sum(row.share for row in report.rows) == surplus
    assert [row.share for row in report.rows] == split(surplus, [r.sales for r in report.rows])


def test_rows_come_in_name_order_and_count_each_coops_orders(buyer):
    zeta = make_coop(name="Zeta Weavers", shipping_flat_fee=490)
    alpha = make_coop(name="alpha Bakery")
    bread = make_listing(coop=alpha, price_amount=450)
    scarf = make_listing(coop=zeta, price_amount=5900)
    paid(buyer, (scarf, 1), (bread, 2))
    paid(buyer, (bread, 1))

    report = patronage.report(START, END, "EUR", 0)

    # shipping is part of what the buyer paid the co-op, but carries no fee
    assert rows(report) == [
        ("alpha Bakery", 2, 900 + 450, 54 + 27, 0),
        ("Zeta Weavers", 1, 5900 + 490, 354, 0),
    ]
    assert [row.slug for row in report.rows] == [alpha.slug, zeta.slug]


def test_refunds_come_off_the_sales_and_the_fee(buyer):
    coop = make_coop(name="Refunders")
    order = paid(buyer, (make_listing(coop=coop, price_amount=1000), 3))
    coop_order = order.coop_orders[0]
    coop_order.refunded_amount = 1000
    db.session.commit()

    [row] = patronage.report(START, END, "EUR", 500).rows

    assert (row.sales, row.fees) == (2000, coop_order.settlement.fee)
    assert row.fees == 120 and row.share == 500


def test_a_fully_refunded_coop_gets_no_share(buyer):
    kept, refunded = make_coop(name="Kept"), make_coop(name="Refunded")
    order = paid(
        buyer,
        (make_listing(coop=kept, price_amount=1000), 1),
        (make_listing(coop=refunded, price_amount=5000), 1),
    )
    order.coop_orders[1].refunded_amount = 5000
    db.session.commit()

    report = patronage.report(START, END, "EUR", 1000)

    assert rows(report) == [("Kept", 1, 1000, 60, 1000), ("Refunded", 1, 0, 0, 0)]


def test_unpaid_expired_and_cancelled_orders_do_not_count(buyer):
    coop = make_coop(name="Only Paid")
    listing = make_listing(coop=coop, price_amount=1000, stock=50)
    paid(buyer, (listing, 1))
    place_order(buyer, (listing, 2))  # still waiting for the payment
    for status in (PaymentStatus.EXPIRED, PaymentStatus.CANCELLED):
        order = place_order(buyer, (listing, 4))
        order.payment_status, order.paid_at = status, IN_MARCH
    # a paid order whose co-op order was cancelled before the payment came
    other = make_coop(name="Cancelled Part")
    partly = paid(buyer, (listing, 8), (make_listing(coop=other, price_amount=700), 1))
    partly.coop_orders[1].status = CoopOrderStatus.CANCELLED
    db.session.commit()

    report = patronage.report(START, END, "EUR", 0)

    assert rows(report) == [("Only Paid", 2, 1000 + 8000, 60 + 480, 0)]


def test_the_period_includes_its_start_and_leaves_out_its_end(buyer):
    coop = make_coop(name="Boundaries")
    listing = make_listing(coop=coop, price_amount=100, stock=50)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    end = datetime(2026, 4, 1, tzinfo=UTC)
    for at in (
        start - timedelta(microseconds=1),  # out
        start,  # in
        end - timedelta(seconds=1),  # in
        end,  # out
        end + timedelta(days=1),  # out
    ):
        paid(buyer, (listing, 1), at=at)

    [row] = patronage.report(START, END, "EUR", 0).rows

    assert (row.orders, row.sales) == (2, 200)
    assert [r.orders for r in patronage.report(START, date(2026, 3, 2), "EUR", 0).rows] == [1]
    assert [r.orders for r in patronage.report(END, date(2026, 4, 2), "EUR", 0).rows] == [1]
    assert patronage.report(date(2026, 4, 3), date(2026, 5, 1), "EUR", 0).rows == []


def test_orders_in_another_currency_are_left_out(buyer):
    euro, krona = make_coop(name="Euro Co-op"), make_coop(name="Krona Co-op", currency="SEK")
    paid(buyer, (make_listing(coop=euro, price_amount=1000), 1))
    paid(buyer, (make_listing(coop=krona, price_amount=25000, currency="SEK"), 1))

    in_euros = patronage.report(START, END, "EUR", 300)
    in_kronor = patronage.report(START, END, "SEK", 300)

    assert rows(in_euros) == [("Euro Co-op", 1, 1000, 60, 300)]
    assert rows(in_kronor) == [("Krona Co-op", 1, 25000, 1500, 300)]


def test_a_period_without_sales_shares_nothing(buyer):
    report = patronage.report(START, END, "EUR", 12345)
    assert (report.rows, report.shared, report.surplus) == ([], 0, 12345)


def test_a_negative_surplus_or_an_empty_period_is_refused(buyer):
    with pytest.raises(patronage.NegativeSurplus):
        patronage.report(START, END, "EUR", -1)
    with pytest.raises(patronage.ReportInvalid):
        patronage.report(START, START, "EUR", 0)


def test_the_csv_has_a_header_and_exact_decimal_amounts(buyer):
    alpha = make_coop(name="=Alpha, the Bakery", slug="alpha")
    beta = make_coop(name="Beta", slug="beta", shipping_flat_fee=490)
    paid(
        buyer,
        (make_listing(coop=alpha, price_amount=1005), 1),
        (make_listing(coop=beta, price_amount=2010), 1),
    )

    text = patronage.report_csv(patronage.report(START, END, "EUR", 123456))

    assert text.splitlines() == [
        "coop,slug,orders,sales,fees,surplus_share,currency",
        # a name that starts like a formula is kept as text
        '"\'=Alpha, the Bakery",alpha,1,10.05,0.60,353.99,EUR',
        "Beta,beta,1,25.00,1.21,880.57,EUR",
    ]
    assert split(123456, [1005, 2500]) == [35399, 88057]


def test_the_csv_of_a_zero_decimal_currency_has_whole_units(buyer):
    coop = make_coop(name="Ullarsamvinnan", slug="ull", currency="ISK")
    paid(buyer, (make_listing(coop=coop, price_amount=4990, currency="ISK"), 1))

    found = patronage.report(START, END, "ISK", 1000)

    assert patronage.report_csv(found).splitlines()[1] == "Ullarsamvinnan,ull,1,4990,299,1000,ISK"
    assert patronage.csv_filename(found) == "patronage-2026-03-01-2026-04-01.csv"


def test_the_query_is_read_with_defaults_and_exact_amounts(app):
    today = date(2026, 7, 14)
    query = patronage.read_query({}, today)
    assert query == patronage.ReportQuery(date(2026, 1, 1), date(2026, 7, 15), "EUR", 0)
    typed = {"start": "2026-03-01", "end": "2026-04-01", "currency": "sek", "surplus": "1 234,50"}
    assert patronage.read_query(typed, today) == patronage.ReportQuery(START, END, "SEK", 123450)
    assert patronage.read_query({"currency": "JPY", "surplus": "500"}, today).surplus == 500


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"start": "2026-02-30"}, "start"),
        ({"start": "1.3.2026"}, "start"),
        ({"end": "20260401"}, "end"),
        ({"start": "2026-04-01", "end": "2026-03-01"}, "end"),
        ({"start": "2026-03-01", "end": "2026-03-01"}, "end"),
        ({"currency": "XXX"}, "currency"),
        ({"surplus": "twelve"}, "surplus"),
        ({"surplus": "12.345"}, "surplus"),
        ({"surplus": "1e9"}, "surplus"),
        ({"surplus": "NaN"}, "surplus"),
        ({"surplus": "-5"}, "surplus"),
        ({"surplus": "5", "currency": "JPY", "end": "x"}, "end"),
        ({"surplus": "0.5", "currency": "JPY"}, "surplus"),
        ({"surplus": "9" * 25}, "surplus"),
    ],
)
def test_a_bad_query_names_the_field(app, args, field):
    with pytest.raises(patronage.ReportInvalid) as refused:
        patronage.read_query(args, date(2026, 7, 14))
    assert field in refused.value.errors


def test_the_report_reads_only_what_it_needs(buyer):
    """One query, however many co-op orders: no settlement is loaded row by row."""
    coop = make_coop(name="Busy")
    listing = make_listing(coop=coop, price_amount=100, stock=100)
    for _ in range(5):
        paid(buyer, (listing, 1))
    db.session.expire_all()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        report = patronage.report(START, END, "EUR", 0)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    assert report.rows[0].orders == 5
    assert len(statements) == 1
    assert db.session.query(CoopOrder).count() == 5
