"""Refunds on the pages: a co-op admin or a federation admin refunds, the buyer sees it."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from marketplace.domain.ledger import EventKind
from marketplace.extensions import db
from marketplace.models import (
    Coop,
    CoopOrder,
    LedgerTransaction,
    MemberRole,
    Order,
    Refund,
    User,
)
from marketplace.services import ledger
from tests.factories import make_coop, make_listing, make_member, make_user
from tests.governance_factories import adopt_fee_policy
from tests.order_factories import mark_paid, place_order
from tests.web.helpers import log_in

pytestmark = pytest.mark.usefixtures("no_search_sync")


def text(fragment: str) -> str:
    """What a reader sees: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def key_of(markup: str) -> str:
    found = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', markup)
    assert found, "no idempotency key in the form"
    return found[1]


@dataclass
class Shop:
    buyer: User
    coop: Coop
    admin: User
    member: User
    order: Order

    @property
    def part(self) -> CoopOrder:
        return next(co for co in self.order.coop_orders if co.coop_id == self.coop.id)

    @property
    def url(self) -> str:
        return f"/dashboard/{self.coop.slug}/orders/{self.part.id}"

    def line(self, title: str) -> int:
        return next(line.id for line in self.part.lines if line.title == title)


@pytest.fixture
def shop(app) -> Shop:
    """A paid order under a 6 % fee: two rye loaves and a honey jar from the bakery (€14.00,
    free shipping), and coffee from a roastery."""
    app.config["MAIL_DELIVERY"] = "off"
    adopt_fee_policy(basis_points=600)
    buyer = make_user(email="ada@example.org", name="Ada Buyer")
    bakery = make_coop(slug="bakery", name="Bakery")
    roastery = make_coop(slug="roastery", name="Roastery")
    rye = make_listing(coop=bakery, title="Rye", price_amount=500, stock=10)
    honey = make_listing(coop=bakery, title="Honey", price_amount=400, stock=10)
    coffee = make_listing(coop=roastery, title="Coffee", price_amount=899, stock=10)
    admin, member = make_user(name="Bea Admin"), make_user(name="Carl Member")
    make_member(admin, bakery, MemberRole.ADMIN)
    make_member(member, bakery, MemberRole.MEMBER)
    order = mark_paid(place_order(buyer, (rye, 2), (honey, 1), (coffee, 1)))
    return Shop(buyer, bakery, admin, member, order)


def refunds_made() -> int:
    return db.session.scalar(select(func.count()).select_from(Refund))


def ledger_refunds() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(LedgerTransaction)
        .where(LedgerTransaction.kind == EventKind.REFUND)
    )


def test_a_coop_admin_checks_then_refunds_one_line_on_the_order_page(client, shop):
    log_in(client, shop.admin)
    page = client.get(shop.url).get_data(as_text=True)
    shown = text(page)
    assert "Refund Up to €14.00 can still be refunded." in shown
    assert "Payout to Bakery €13.16" in shown  # €14.00 less 6 % (€0.84)
    form = {"idempotency_key": key_of(page), f"units_{shop.line('Rye')}": "1"}

    checked = client.post(f"{shop.url}/refund", data={**form, "preview": "1"})

    assert checked.status_code == 200
    preview = text(checked.get_data(as_text=True))
    assert (
        "The buyer gets back €5.00. €4.70 comes out of your payout and €0.30 of the federation fee."
        in preview
    )
    assert "Afterwards the co-op keeps €8.46 of this order and the federation €0.54." in preview
    assert refunds_made() == 0

    done = client.post(f"{shop.url}/refund", data={**form, "confirm": "1", "reason": "Burnt"})

    assert done.status_code == 302 and done.headers["Location"].endswith(shop.url)
    after = text(client.get(shop.url).get_data(as_text=True))
    assert "Refunded €5.00 to the buyer." in after
    assert "1 × Rye Reason: Burnt €5.00 −€4.70 −€0.30 Waiting to be sent" in after
    assert "Refunded to the buyer −€5.00 Federation fee −€0.54" in after
    assert "Payout to Bakery €8.46" in after
    assert "Up to €9.00 can still be refunded." in after
    db.session.expire_all()
    assert shop.part.refunded_amount == 500
    assert ledger.check() == []


def test_a_member_who_is_not_an_admin_sees_no_refund_form_and_may_not_refund(client, shop):
    log_in(client, shop.member)
    page = client.get(shop.url)
    assert page.status_code == 200
    assert "Check the refund" not in page.get_data(as_text=True)

    response = client.post(
        f"{shop.url}/refund",
        data={"idempotency_key": "k1", "amount": "1.00", "confirm": "1"},
    )

    assert response.status_code == 403
    assert refunds_made() == 0


def test_a_federation_admin_refunds_on_the_admin_page(client, shop):
    log_in(client, make_user(is_federation_admin=True))
    url = f"/admin/coop-orders/{shop.part.id}"
    page = client.get(url)
    assert page.status_code == 200
    markup = page.get_data(as_text=True)
    assert f"Order {shop.order.reference} from Bakery" in text(markup)

    checked = client.post(
        f"{url}/refund", data={"idempotency_key": key_of(markup), "amount": "4", "preview": "1"}
    )
    assert "€3.76 comes out of Bakery's payout and €0.24 of the federation fee." in text(
        checked.get_data(as_text=True)
    )
    done = client.post(
        f"{url}/refund",
        data={"idempotency_key": key_of(markup), "amount": "4,00", "confirm": "1"},
    )

    assert done.status_code == 302 and done.headers["Location"].endswith(url)
    assert "Refunded €4.00 to the buyer." in text(client.get(url).get_data(as_text=True))
    db.session.expire_all()
    assert shop.part.refunded_amount == 400
    assert ledger.check() == []


def test_the_admin_page_of_a_coop_order_is_for_federation_admins_only(client, shop):
    log_in(client, shop.admin)
    assert client.get(f"/admin/coop-orders/{shop.part.id}").status_code == 403
    log_in(client, make_user(is_federation_admin=True))
    assert client.get("/admin/coop-orders/999999").status_code == 404


def test_sending_the_same_refund_form_twice_refunds_once(client, shop):
    log_in(client, shop.admin)
    form = {
        "idempotency_key": key_of(client.get(shop.url).get_data(as_text=True)),
        f"units_{shop.line('Rye')}": "2",
        "confirm": "1",
    }

    first = client.post(f"{shop.url}/refund", data=form)
    again = client.post(f"{shop.url}/refund", data=form)

    assert first.status_code == again.status_code == 302
    assert refunds_made() == 1 and ledger_refunds() == 1
    db.session.expire_all()
    assert shop.part.refunded_amount == 1000
    assert ledger.check() == []


#: what was typed -> the message next to the field (one shop for all: nothing is refunded)
WRONG = [
    ({"amount": "abc"}, "“abc” is not an amount in EUR."),
    ({"amount": "1.001"}, "“1.001” is not an amount in EUR."),
    ({"amount": "0"}, "The amount to refund must be more than zero."),
    ({"amount": "-2"}, "The amount to refund must be more than zero."),
    ({"amount": "14.01"}, "At most €14.00 can still be refunded."),
    ({}, "Choose the units to refund, or type an amount."),
    ({"amount": "1", "rye": "1"}, "Choose units or type an amount, not both."),
    ({"rye": "3"}, "Between 0 and 2 for this line."),
    ({"rye": "x"}, "Not a valid integer value."),
]


def test_a_wrong_refund_is_400_with_a_message_and_refunds_nothing(client, shop):
    log_in(client, shop.admin)
    wrong = []
    for typed, message in WRONG:
        data = {"idempotency_key": "same-key", "confirm": "1"}
        if "amount" in typed:
            data["amount"] = typed["amount"]
        if "rye" in typed:
            data[f"units_{shop.line('Rye')}"] = typed["rye"]

        response = client.post(f"{shop.url}/refund", data=data)

        shown = text(response.get_data(as_text=True))
        if response.status_code != 400 or message not in shown:
            wrong.append(f"{typed}: {response.status_code}, {message!r} not shown")
    assert not wrong, "\n".join(wrong)
    assert refunds_made() == 0


def test_a_refund_changed_after_checking_is_shown_to_check_again(client, shop):
    log_in(client, shop.admin)
    data = {"idempotency_key": "k-2", "amount": "3.00", "checked_total": "200", "confirm": "1"}

    response = client.post(f"{shop.url}/refund", data=data)

    assert response.status_code == 200
    shown = text(response.get_data(as_text=True))
    assert "The refund changed after you checked it: check it again." in shown
    assert "The buyer gets back €3.00." in shown
    assert refunds_made() == 0


def test_an_unpaid_order_cannot_be_refunded(client, shop):
    unpaid = place_order(shop.buyer, (make_listing(coop=shop.coop, price_amount=300), 1))
    url = f"/dashboard/{shop.coop.slug}/orders/{unpaid.coop_orders[0].id}"
    log_in(client, shop.admin)
    assert "Check the refund" not in client.get(url).get_data(as_text=True)

    response = client.post(f"{url}/refund", data={"idempotency_key": "k", "amount": "1"})

    assert response.status_code == 400
    assert "The order is not paid: there is nothing to refund." in text(
        response.get_data(as_text=True)
    )
    assert refunds_made() == 0


def test_the_buyer_sees_the_refund_on_the_order_and_the_receipt(client, shop):
    log_in(client, shop.admin)
    key = key_of(client.get(shop.url).get_data(as_text=True))
    client.post(
        f"{shop.url}/refund",
        data={
            "idempotency_key": key,
            f"units_{shop.line('Honey')}": "1",
            "reason": "The jar broke",
            "confirm": "1",
        },
    )
    log_in(client, shop.buyer)

    order_page = text(client.get(f"/orders/{shop.order.reference}").get_data(as_text=True))
    receipt = text(client.get(f"/orders/{shop.order.reference}/receipt").get_data(as_text=True))

    assert "Refunded to you −€4.00" in order_page
    assert "Refund from Bakery" in order_page
    assert "1 × Honey Reason: The jar broke €4.00 On its way to you" in order_page
    assert "Bakery keeps €9.40 Federation fee €0.60" in order_page
    assert "Refunded to you €4.00" in order_page
    assert "Total paid €22.99 Refunded to you −€4.00 Paid, less refunds €18.99" in receipt
    assert "1 × Honey Reason: The jar broke €4.00 On its way to you" in receipt
    assert "Bakery €9.40 €0.60 €0.00 €4.00" in receipt
    assert ledger.check() == []


def test_the_dashboard_refund_is_for_the_coops_own_admins_and_its_own_orders(client, shop):
    other = make_coop(slug="other", name="Other")
    other_admin = make_user()
    make_member(other_admin, other, MemberRole.ADMIN)
    data = {"idempotency_key": "k", "amount": "1", "confirm": "1"}
    log_in(client, make_user(is_federation_admin=True))
    assert client.post(f"{shop.url}/refund", data=data).status_code == 403
    log_in(client, other_admin)
    assert client.post(f"{shop.url}/refund", data=data).status_code == 403
    wrong = f"/dashboard/other/orders/{shop.part.id}/refund"
    assert client.post(wrong, data=data).status_code == 404
    assert refunds_made() == 0


def test_a_fully_refunded_order_shows_no_form_and_says_so(client, shop):
    log_in(client, shop.admin)
    data = {"idempotency_key": "all", "amount": "14.00", "confirm": "1"}
    assert client.post(f"{shop.url}/refund", data=data).status_code == 302
    assert "Check the refund" not in client.get(shop.url).get_data(as_text=True)

    again = client.post(f"{shop.url}/refund", data={**data, "idempotency_key": "more"})

    assert again.status_code == 400
    assert "This order has been refunded in full." in text(again.get_data(as_text=True))
    assert refunds_made() == 1 and ledger.check() == []
