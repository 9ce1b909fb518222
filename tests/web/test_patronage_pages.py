"""The federation admin's patronage report page and its CSV download."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from marketplace.extensions import db
from marketplace.models import FeePolicy, MemberRole, PaymentStatus
from marketplace.models.base import utcnow
from tests.factories import make_coop, make_listing, make_member, make_user
from tests.order_factories import place_order
from tests.web.helpers import log_in

pytestmark = pytest.mark.usefixtures("no_search_sync")

MARCH = "start=2026-03-01&end=2026-04-01&currency=EUR"


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def table_rows(markup: str) -> list[str]:
    table = re.search(r'<table class="data patronage">(.*?)</table>', markup, re.S)
    assert table is not None
    return [text(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table[1], re.S)]


@pytest.fixture
def shop(app):
    """Two co-ops that sold in March 2026 under a 6 % fee, and a federation admin."""
    db.session.add(FeePolicy(basis_points=600, adopted_at=datetime(2026, 1, 1, tzinfo=UTC)))
    db.session.commit()
    bakery = make_coop(name="Kornblume Bakery", slug="kornblume")
    weavers = make_coop(name="Lindengarn Weavers", slug="lindengarn", shipping_flat_fee=490)
    order = place_order(
        make_user(),
        (make_listing(coop=bakery, price_amount=1000), 1),
        (make_listing(coop=weavers, price_amount=5900), 1),
    )
    order.payment_status = PaymentStatus.PAID
    order.paid_at = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
    order.coop_orders[1].refunded_amount = 1390
    db.session.commit()
    return {"admin": make_user(is_federation_admin=True), "bakery": bakery}


def test_the_report_lists_each_coops_sales_fees_and_share(client, shop):
    log_in(client, shop["admin"])

    response = client.get(f"/admin/patronage?{MARCH}&surplus=100.01")

    assert response.status_code == 200
    markup = response.get_data(as_text=True)
    # weavers: 59.00 + 4.90 shipping - 13.90 refunded = 50.00; fee 3.54 of 63.90, after the
    # refund 2.77; surplus 100.01 by 10:50
    assert table_rows(markup) == [
        "Co-op Orders Sales Fees Share of the surplus",
        "Kornblume Bakery 1 €10.00 €0.60 €16.67",
        "Lindengarn Weavers 1 €50.00 €2.77 €83.34",
        "Total 2 €60.00 €3.37 €100.01",
    ]
    assert 'value="2026-03-01"' in markup and 'value="100.01"' in markup
    assert (
        'href="/admin/patronage.csv?start=2026-03-01&amp;end=2026-04-01&amp;currency=EUR'
        '&amp;surplus=100.01"' in markup
    )


def test_the_csv_download_has_the_same_numbers(client, shop):
    log_in(client, shop["admin"])

    response = client.get(f"/admin/patronage.csv?{MARCH}&surplus=100.01")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="patronage-2026-03-01-2026-04-01.csv"'
    )
    assert response.get_data(as_text=True) == (
        "\ufeffcoop,slug,orders,sales,fees,surplus_share,currency\r\n"
        "Kornblume Bakery,kornblume,1,10.00,0.60,16.67,EUR\r\n"
        "Lindengarn Weavers,lindengarn,1,50.00,2.77,83.34,EUR\r\n"
    )


def test_without_a_query_it_shows_this_year_so_far(client, shop):
    fresh = make_coop(name="Fresh Co-op")
    order = place_order(make_user(), (make_listing(coop=fresh, price_amount=700), 1))
    order.payment_status, order.paid_at = PaymentStatus.PAID, utcnow()
    db.session.commit()
    log_in(client, shop["admin"])

    response = client.get("/admin/patronage")

    assert response.status_code == 200
    markup = response.get_data(as_text=True)
    assert f'value="{utcnow().year}-01-01"' in markup
    assert "Fresh Co-op 1 €7.00 €0.42 €0.00" in table_rows(markup)


def test_a_period_without_sales_says_so(client, shop):
    log_in(client, shop["admin"])
    page = text(client.get("/admin/patronage?start=2025-01-01&end=2025-02-01").get_data(True))
    assert "No co-op sold anything in EUR in this period." in page


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-13-01", "Give a date as YYYY-MM-DD"),
        ("start=yesterday", "Give a date as YYYY-MM-DD"),
        ("start=2026-04-01&end=2026-03-01", "The end date must come after the start date."),
        ("surplus=lots", "Give the surplus as an amount in EUR"),
        ("surplus=1.001", "with at most 2 decimals"),
        ("surplus=-10", "The surplus can't be negative."),
        ("currency=ZZZ", "Choose one of the currencies we accept."),
    ],
)
@pytest.mark.parametrize("path", ["/admin/patronage", "/admin/patronage.csv"])
def test_bad_input_is_a_400_with_a_clear_message(client, shop, path, query, message):
    log_in(client, shop["admin"])

    response = client.get(f"{path}?{query}")

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    page = text(response.get_data(as_text=True))
    assert "We couldn't make that report:" in page and message in page


@pytest.mark.parametrize("path", ["/admin/patronage", f"/admin/patronage.csv?{MARCH}"])
def test_only_federation_admins_get_the_report(client, shop, path):
    assert client.get(path).status_code == 302
    assert "/login" in client.get(path).headers["Location"]
    coop_admin = make_user()
    make_member(coop_admin, shop["bakery"], MemberRole.ADMIN)
    for person in (make_user(), coop_admin, make_user(is_reviewer=True)):
        log_in(client, person)
        assert client.get(path).status_code == 403


def test_the_federation_overview_links_to_the_report(client, shop):
    log_in(client, shop["admin"])
    assert 'href="/admin/patronage"' in client.get("/admin/").get_data(as_text=True)
