"""A co-op fulfils its part of an order in the dashboard: list, detail, accept, ship, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from marketplace.domain.cart import Shipping
from marketplace.extensions import db
from marketplace.models import (
    Coop,
    CoopOrder,
    CoopOrderStatus,
    FeePolicy,
    Listing,
    MemberRole,
    Order,
    OutgoingMail,
    User,
)
from tests.factories import make_coop, make_listing, make_member, make_user
from tests.order_factories import mark_paid, place_order
from tests.web.helpers import log_in

pytestmark = pytest.mark.usefixtures("no_search_sync")


@dataclass
class Shop:
    buyer: User
    coops: list[Coop]
    members: list[User]
    listings: list[Listing]
    order: Order

    def part(self, index: int) -> CoopOrder:
        """The co-op order of the index-th co-op."""
        return next(co for co in self.order.coop_orders if co.coop_id == self.coops[index].id)

    def url(self, index: int, suffix: str = "") -> str:
        return f"/dashboard/{self.coops[index].slug}/orders/{self.part(index).id}{suffix}"


@pytest.fixture
def shop(app) -> Shop:
    # messages stay queued: the test reads the rows, no thread delivers them meanwhile
    app.config["MAIL_DELIVERY"] = "off"
    db.session.add(FeePolicy(basis_points=600, adopted_at=datetime(2026, 1, 1, tzinfo=UTC)))
    buyer = make_user(email="ada@example.org", name="Ada Buyer")
    coops = [
        make_coop(slug="bakery", name="Bakery", shipping_flat_fee=490),
        make_coop(slug="roastery", name="Roastery", offers_pickup=True, pickup_address="Hof 3"),
        make_coop(slug="weavers", name="Weavers"),
    ]
    listings = [
        make_listing(coop=coops[0], title="Rye loaf", sku="RYE-1", price_amount=450, stock=10),
        make_listing(coop=coops[1], title="Dark roast", price_amount=899, stock=10),
        make_listing(coop=coops[2], title="Wool scarf", price_amount=3900, stock=10),
    ]
    members = []
    for coop in coops:
        member = make_user()
        make_member(member, coop, MemberRole.MEMBER)
        members.append(member)
    order = place_order(
        buyer,
        (listings[0], 3),
        (listings[1], 1),
        (listings[2], 2),
        shipping={coops[1].id: Shipping.PICKUP},
    )
    return Shop(buyer, coops, members, listings, order)


def _status(coop_order_id: int) -> CoopOrderStatus:
    db.session.expire_all()
    return db.session.get(CoopOrder, coop_order_id).status


def _stock(listing: Listing) -> int:
    db.session.expire_all()
    return db.session.get(Listing, listing.id).stock


def _mails_to(address: str) -> list[OutgoingMail]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutgoingMail).where(OutgoingMail.recipients == address).order_by(OutgoingMail.id)
        )
    )


def test_each_coop_sees_only_its_own_part_of_a_three_coop_order(client, shop):
    titles = ["Rye loaf", "Dark roast", "Wool scarf"]
    for index, member in enumerate(shop.members):
        log_in(client, member)
        listing_page = client.get(f"/dashboard/{shop.coops[index].slug}/orders")
        assert listing_page.status_code == 200
        text = listing_page.get_data(as_text=True)
        assert text.count(shop.order.reference) == 1
        assert shop.url(index) in text
        detail = client.get(shop.url(index)).get_data(as_text=True)
        assert titles[index] in detail and "Ada Buyer" in detail and "ada@example.org" in detail
        assert all(title not in detail for n, title in enumerate(titles) if n != index)
        for other in range(3):
            if other != index:
                other_id = shop.part(other).id
                url = f"/dashboard/{shop.coops[index].slug}/orders/{other_id}"
                assert client.get(url).status_code == 404
                assert client.post(f"{url}/accept").status_code == 404
    assert {co.status for co in shop.order.coop_orders} == {CoopOrderStatus.PLACED}


def test_the_detail_shows_amounts_the_fee_and_where_it_goes(client, shop):
    bakery = shop.part(0)
    log_in(client, shop.members[0])
    text = client.get(shop.url(0)).get_data(as_text=True)
    assert "RYE-1" in text
    assert "€13.50" in text  # 3 × €4.50
    assert "€4.90" in text  # the bakery's shipping
    assert "€18.40" in text  # its total
    assert "Hauptstraße 1" in text and "10115 Berlin" in text
    assert "Do not ship before the payment is received" in text
    assert (bakery.fee_amount, bakery.payout_amount) == (81, 1759)  # 6 % of €13.50
    assert "€0.81" in text and "€17.59" in text
    log_in(client, shop.members[1])
    pickup = client.get(shop.url(1)).get_data(as_text=True)
    assert "Pickup" in pickup and "Hof 3" in pickup


def test_people_outside_the_coop_are_refused_and_anonymous_ones_sent_to_log_in(client, shop):
    list_url = "/dashboard/bakery/orders"
    detail_url = shop.url(0)
    for url in (list_url, detail_url):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(f"{detail_url}/accept")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    outsiders = [shop.buyer, shop.members[1], make_user(is_federation_admin=True)]
    for outsider in outsiders:
        log_in(client, outsider)
        assert client.get(list_url).status_code == 403
        assert client.get(detail_url).status_code == 403
        assert client.post(f"{detail_url}/accept").status_code == 403
    assert _status(shop.part(0).id) is CoopOrderStatus.PLACED


def test_a_member_accepts_ships_with_tracking_and_delivers(client, shop):
    mark_paid(shop.order)
    coop_order_id = shop.part(0).id
    before = len(_mails_to("ada@example.org"))
    log_in(client, shop.members[0])

    response = client.post(shop.url(0, "/accept"), follow_redirects=True)
    assert "Accepted. The buyer has been told." in response.get_data(as_text=True)
    assert _status(coop_order_id) is CoopOrderStatus.ACCEPTED

    response = client.post(shop.url(0, "/ship"), data={"tracking_reference": " DHL-123 "})
    assert response.status_code == 302
    assert _status(coop_order_id) is CoopOrderStatus.SHIPPED
    assert db.session.get(CoopOrder, coop_order_id).tracking_reference == "DHL-123"

    client.post(shop.url(0, "/deliver"))
    assert _status(coop_order_id) is CoopOrderStatus.DELIVERED
    text = client.get(shop.url(0)).get_data(as_text=True)
    assert "DHL-123" in text and "Delivered" in text and "Mark as delivered" not in text
    assert "Do not ship before" not in text
    # the other co-ops' parts did not move
    assert _status(shop.part(1).id) is CoopOrderStatus.PLACED
    mails = _mails_to("ada@example.org")[before:]
    assert len(mails) == 3
    assert "accepted" in mails[0].body and "DHL-123" in mails[1].body
    assert "delivered" in mails[2].body


def test_shipping_is_refused_until_the_payment_is_received(client, shop):
    log_in(client, shop.members[0])
    client.post(shop.url(0, "/accept"))
    response = client.post(shop.url(0, "/ship"), data={"tracking_reference": "X"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(shop.url(0))
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The order is not paid yet" in text
    assert "Do not ship before the payment is received" in text
    coop_order = db.session.get(CoopOrder, shop.part(0).id)
    db.session.refresh(coop_order)
    assert coop_order.status is CoopOrderStatus.ACCEPTED and coop_order.tracking_reference is None


def test_cancelling_without_a_reason_is_refused_and_changes_nothing(client, shop):
    log_in(client, shop.members[0])
    mails = len(_mails_to("ada@example.org"))
    for reason in ("", "   "):
        response = client.post(shop.url(0, "/cancel"), data={"reason": reason})
        assert response.status_code == 400
        assert "Say why you cancel" in response.get_data(as_text=True)
    assert client.post(shop.url(0, "/cancel")).status_code == 400  # no field at all
    assert _status(shop.part(0).id) is CoopOrderStatus.PLACED
    assert _stock(shop.listings[0]) == 7
    assert len(_mails_to("ada@example.org")) == mails


def test_cancelling_with_a_reason_restocks_and_tells_the_buyer_once(client, shop):
    log_in(client, shop.members[0])
    assert _stock(shop.listings[0]) == 7
    response = client.post(shop.url(0, "/cancel"), data={"reason": "The oven broke down."})
    assert response.status_code == 302
    assert _stock(shop.listings[0]) == 10
    coop_order = db.session.get(CoopOrder, shop.part(0).id)
    assert coop_order.status is CoopOrderStatus.CANCELLED
    assert coop_order.cancel_reason == "The oven broke down."
    assert "The oven broke down." in _mails_to("ada@example.org")[-1].body
    text = client.get(shop.url(0)).get_data(as_text=True)
    assert "The oven broke down." in text and "Cancel order" not in text

    again = client.post(shop.url(0, "/cancel"), data={"reason": "Twice"}, follow_redirects=True)
    assert again.status_code == 200
    assert "it cannot be changed that way" in again.get_data(as_text=True)
    assert _stock(shop.listings[0]) == 10  # given back once only
    db.session.refresh(coop_order)
    assert coop_order.cancel_reason == "The oven broke down."
    # the other co-ops' stock is still reserved
    assert _stock(shop.listings[2]) == 8


def test_moves_the_status_does_not_allow_are_refused_with_a_message(client, shop):
    log_in(client, shop.members[0])
    mark_paid(shop.order)
    response = client.post(shop.url(0, "/deliver"), follow_redirects=True)
    assert response.status_code == 200
    assert "it cannot be changed that way" in response.get_data(as_text=True)
    response = client.post(shop.url(0, "/ship"), follow_redirects=True)
    assert "it cannot be changed that way" in response.get_data(as_text=True)
    assert _status(shop.part(0).id) is CoopOrderStatus.PLACED
    assert client.post(shop.url(0, "/expire")).status_code == 404
    assert client.post(shop.url(0, "/explode")).status_code == 404


def test_a_too_long_tracking_reference_is_shown_with_a_400(client, shop):
    mark_paid(shop.order)
    log_in(client, shop.members[0])
    client.post(shop.url(0, "/accept"))
    response = client.post(shop.url(0, "/ship"), data={"tracking_reference": "T" * 121})
    assert response.status_code == 400
    assert "At most 120 characters" in response.get_data(as_text=True)
    assert _status(shop.part(0).id) is CoopOrderStatus.ACCEPTED


def test_the_tabs_filter_by_status_and_the_nav_counts_what_waits(client, shop):
    second = place_order(shop.buyer, (shop.listings[0], 1))
    mark_paid(shop.order)
    log_in(client, shop.members[0])
    client.post(shop.url(0, "/accept"))
    first, latest = shop.order.reference, second.reference

    everything = client.get("/dashboard/bakery/orders").get_data(as_text=True)
    assert everything.index(latest) < everything.index(first)  # newest first
    to_accept = client.get("/dashboard/bakery/orders?show=to-accept").get_data(as_text=True)
    assert latest in to_accept and first not in to_accept
    to_ship = client.get("/dashboard/bakery/orders?show=to-ship").get_data(as_text=True)
    assert first in to_ship and latest not in to_ship
    done = client.get("/dashboard/bakery/orders?show=done").get_data(as_text=True)
    assert first not in done and latest not in done and "No orders here." in done
    assert client.get("/dashboard/bakery/orders?show=nonsense").status_code == 404
    # both wait for the bakery: one to accept, one to ship; the count shows on every tab
    nav = client.get("/dashboard/bakery/members").get_data(as_text=True)
    assert '2<span class="visually-hidden"> waiting</span>' in nav
    client.post(shop.url(0, "/cancel"), data={"reason": "Out of flour"})
    nav = client.get("/dashboard/bakery").get_data(as_text=True)
    assert '1<span class="visually-hidden"> waiting</span>' in nav
