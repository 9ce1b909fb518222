"""The buyer's order pages: the list, one order with each co-op's part, the receipt."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from babel.dates import format_date

from marketplace.extensions import db
from marketplace.models.governance import FeePolicy
from marketplace.services.coop_orders import change_status
from tests.factories import make_coop, make_listing, make_user
from tests.order_factories import mark_paid, place_order
from tests.web.helpers import log_in

pytestmark = pytest.mark.usefixtures("no_search_sync")


def text(fragment: str) -> str:
    """What a reader sees: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def coop_order_part(markup: str, coop_order_id: int) -> str:
    """The text of one co-op order's section on the order page."""
    start = markup.index(f'id="coop-order-{coop_order_id}"')
    return text(markup[start : markup.index("</article>", start)])


def table_rows(markup: str, css_class: str) -> list[str]:
    table = re.search(rf'<table class="data {css_class}">(.*?)</table>', markup, re.S)
    assert table is not None, css_class
    return [text(row) for row in re.findall(r"<tr>(.*?)</tr>", table[1], re.S)]


def test_the_order_list_shows_only_the_buyers_own_orders_newest_first(client):
    buyer, other = make_user(), make_user()
    bakery = make_coop(name="Kornblume Bakery")
    weavers = make_coop(name="Lindengarn Weavers")
    bread = make_listing(coop=bakery, price_amount=650)
    scarf = make_listing(coop=weavers, price_amount=5900)
    first = place_order(buyer, (bread, 2))
    second = place_order(buyer, (bread, 1), (scarf, 1))
    theirs = place_order(other, (bread, 1))
    log_in(client, buyer)
    shown = text(page(client, "/orders"))
    assert theirs.reference not in shown
    assert shown.index(second.reference) < shown.index(first.reference)
    assert "Kornblume Bakery, Lindengarn Weavers" in shown
    assert "€13.00" in shown and "€65.50" in shown
    assert "Open" in shown and "Awaiting payment" in shown


def test_a_buyer_without_orders_is_told_so(client):
    log_in(client, make_user())
    assert "No orders yet" in text(page(client, "/orders"))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/orders/{ref}"),
        ("get", "/orders/{ref}/receipt"),
        ("post", "/orders/{ref}/coop-orders/{co}/rating"),
    ],
)
def test_another_buyers_order_is_not_found(client, method, path):
    order = place_order(make_user(), (make_listing(), 1))
    url = path.format(ref=order.reference, co=order.coop_orders[0].id)
    log_in(client, make_user())
    assert getattr(client, method)(url, data={"score": "positive"}).status_code == 404
    assert getattr(client, method)(url.replace(order.reference, "NONE-XXXX")).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/orders"),
        ("get", "/orders/{ref}"),
        ("get", "/orders/{ref}/receipt"),
        ("post", "/orders/{ref}/coop-orders/{co}/rating"),
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, method, path):
    order = place_order(make_user(), (make_listing(), 1))
    url = path.format(ref=order.reference, co=order.coop_orders[0].id)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_each_coop_order_shows_its_own_status(client):
    buyer = make_user()
    accepting, cancelling, shipping = (
        make_coop(name="Kornblume Bakery"),
        make_coop(name="Velo Kollektiv"),
        make_coop(name="Lindengarn Weavers"),
    )
    order = place_order(
        buyer,
        (make_listing(coop=accepting, title="Rye loaf"), 1),
        (make_listing(coop=cancelling, title="Inner tube"), 1),
        (make_listing(coop=shipping, title="Linen scarf"), 1),
    )
    accepted, cancelled, shipped = order.coop_orders
    mark_paid(order)
    change_status(accepted, "accept", actor=None)
    change_status(cancelled, "cancel", actor=None, reason="Our workshop is closed until March.")
    change_status(shipped, "accept", actor=None)
    change_status(shipped, "ship", actor=None, tracking_reference="DHL 0034043416")
    log_in(client, buyer)
    markup = page(client, f"/orders/{order.reference}")

    first = coop_order_part(markup, accepted.id)
    assert "Kornblume Bakery" in first and "Rye loaf" in first
    assert "Accepted" in first and "Cancelled" not in first and "Tracking" not in first
    second = coop_order_part(markup, cancelled.id)
    assert "Velo Kollektiv" in second and "Cancelled" in second
    assert "Reason: Our workshop is closed until March." in second
    third = coop_order_part(markup, shipped.id)
    assert "Shipped" in third and "Tracking reference: DHL 0034043416" in third
    assert f'href="/coops/{shipping.slug}"' in markup


def test_payment_instructions_are_shown_until_the_order_is_paid(app, client):
    app.config.update(
        FEDERATION_BANK_HOLDER="Genossenschaftsverbund eG",
        FEDERATION_IBAN="DE89370400440532013000",
        FEDERATION_BIC="COBADEFFXXX",
    )
    buyer = make_user()
    order = place_order(buyer, (make_listing(price_amount=1250), 2))
    log_in(client, buyer)
    shown = text(page(client, f"/orders/{order.reference}"))
    due = format_date(order.payment_due_at, "long", locale="en")
    assert "How to pay" in shown and "Transfer €25.00" in shown
    assert "Account holder Genossenschaftsverbund eG" in shown
    assert "IBAN DE89 3704 0044 0532 0130 00" in shown and "BIC COBADEFFXXX" in shown
    assert f"Reference {order.reference}" in shown
    assert f"Pay by {due}, otherwise the order expires and the items go back on sale." in shown

    mark_paid(order)
    shown = text(page(client, f"/orders/{order.reference}"))
    assert "How to pay" not in shown and "DE89" not in shown
    assert "Payment received" in shown and "Paid" in shown


def test_the_receipt_shows_vat_per_rate_across_coops(client):
    buyer = make_user()
    bakery, weavers = make_coop(name="Kornblume Bakery"), make_coop(name="Lindengarn Weavers")
    order = place_order(
        buyer,
        (make_listing(coop=bakery, title="Rye loaf", price_amount=1000, vat_rate_bp=700), 1),
        (make_listing(coop=bakery, title="Tea towel", price_amount=1250, vat_rate_bp=1900), 1),
        (make_listing(coop=weavers, title="Linen scarf", price_amount=1250, vat_rate_bp=1900), 1),
    )
    log_in(client, buyer)
    markup = page(client, f"/orders/{order.reference}/receipt")
    # 7 %: VAT in €10.00 is 1000 * 7/107 = 65.42 -> €0.65; 19 %: in €25.00, 399.16 -> €3.99
    assert table_rows(markup, "vat-table") == [
        "VAT rate Net VAT Gross",
        "7 % €9.35 €0.65 €10.00",
        "19 % €21.01 €3.99 €25.00",
    ]
    shown = text(markup)
    assert "Receipt" in shown and order.reference in shown and "Ada Buyer" in shown
    assert "From Kornblume Bakery" in shown and "From Lindengarn Weavers" in shown
    assert "Total due €35.00" in shown
    assert "Print" in shown


def test_where_your_money_goes_shows_each_coops_share_and_the_federation_fee(client):
    db.session.add(FeePolicy(basis_points=600, adopted_at=datetime(2026, 1, 1, tzinfo=UTC)))
    db.session.commit()
    buyer = make_user()
    bakery = make_coop(name="Kornblume Bakery", shipping_flat_fee=490)
    weavers = make_coop(name="Lindengarn Weavers")
    order = place_order(
        buyer,
        (make_listing(coop=bakery, price_amount=1000), 1),
        (make_listing(coop=weavers, price_amount=5900), 1),
    )
    baked, woven = order.coop_orders
    # 6 % of the lines; shipping passes through to the co-op
    assert (baked.fee_amount, baked.payout_amount) == (60, 1430)
    assert (woven.fee_amount, woven.payout_amount) == (354, 5546)
    log_in(client, buyer)

    markup = page(client, f"/orders/{order.reference}")
    assert (
        "Where your money goes Kornblume Bakery keeps €14.30 Federation fee €0.60 "
        "Payment processor fee —" in coop_order_part(markup, baked.id)
    )
    assert "Lindengarn Weavers keeps €55.46 Federation fee €3.54" in coop_order_part(
        markup, woven.id
    )
    receipt = page(client, f"/orders/{order.reference}/receipt")
    shares = text(receipt[receipt.index('id="money-heading"') :])
    assert "Kornblume Bakery €14.30 €0.60 —" in shares
    assert "Lindengarn Weavers €55.46 €3.54 —" in shares
