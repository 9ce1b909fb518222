"""A co-op's payouts page: what it was paid, what it is owed, and how it gets paid."""

from __future__ import annotations

import html
import re

import pytest

from marketplace.extensions import db
from marketplace.models import MemberRole
from marketplace.services import ledger, refunds, transfers
from tests.factories import make_coop, make_listing, make_member, make_user
from tests.governance_factories import adopt_fee_policy
from tests.order_factories import mark_paid, place_order
from tests.web.helpers import log_in

pytestmark = pytest.mark.usefixtures("no_search_sync")


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@pytest.fixture
def bakery(app):
    app.config["MAIL_DELIVERY"] = "off"
    adopt_fee_policy(basis_points=600)
    return make_coop(
        slug="bakery",
        name="Bakery",
        bank_account_holder="Bakery eG",
        bank_iban="DE89370400440532013000",
        bank_bic="COBADEFFXXX",
    )


@pytest.fixture
def admin(bakery):
    user = make_user(name="Bea Admin")
    make_member(user, bakery, MemberRole.ADMIN)
    return user


def paid_order(coop, price: int):
    """A paid order of one unit at `price` from `coop`, for a new buyer."""
    return mark_paid(place_order(make_user(), (make_listing(coop=coop, price_amount=price), 1)))


def test_a_coop_admin_sees_each_payout_its_refunds_and_the_totals(client, bakery, admin):
    first = paid_order(bakery, 1000)  # the co-op keeps 940
    second = paid_order(bakery, 2000)  # 1880
    transfers.mark_bank_payout_paid(bakery, "EUR", actor=None, expected=940 + 1880)
    third = paid_order(bakery, 500)  # 470, not paid out yet
    # refunded after its payout: the co-op's part comes off the next payout
    refunds.refund(first.coop_orders[0], actor=None, idempotency_key="r1", amount=500)
    log_in(client, admin)

    response = client.get("/dashboard/bakery/payouts")

    assert response.status_code == 200
    markup = response.get_data(as_text=True)
    shown = text(markup)
    assert "€28.20 paid out €4.70 waiting to be paid out €4.70 still to be taken back" in shown
    for order, cents, status in (
        (first, "€9.40", "Paid"),
        (second, "€18.80", "Paid"),
        (third, "€4.70", "Pending"),
    ):
        row = re.search(
            rf'<tr id="transfer-\d+">(?:(?!</tr>).)*{order.reference}.*?</tr>', markup, re.S
        )
        assert row is not None, order.reference
        assert cents in text(row[0]) and status in text(row[0]) and "Bank transfer" in text(row[0])
    assert f"{first.reference}" in text(markup[markup.index("Taken back for refunds") :])
    assert "−€4.70 Pending Taken off your next payout." in shown
    assert "DE89 3704 0044 0532 0130 00" in shown
    assert "Next bank payout: €0.00" not in shown
    assert ledger.check() == []


def test_a_refund_larger_than_what_is_owed_is_taken_off_later_payouts(client, bakery, admin):
    first = paid_order(bakery, 1000)
    transfers.mark_bank_payout_paid(bakery, "EUR", actor=None)
    paid_order(bakery, 300)  # 282 owed
    refunds.refund(first.coop_orders[0], actor=None, idempotency_key="r1", amount=1000)
    log_in(client, admin)

    shown = text(client.get("/dashboard/bakery/payouts").get_data(as_text=True))

    # 940 to take back, 282 owed: 658 more than is owed
    assert "come to €6.58 more than you are owed" in shown
    assert ledger.check() == []


def test_the_next_bank_payout_is_what_is_owed_less_refunds(client, bakery, admin):
    first = paid_order(bakery, 1000)
    transfers.mark_bank_payout_paid(bakery, "EUR", actor=None)
    paid_order(bakery, 2000)
    refunds.refund(first.coop_orders[0], actor=None, idempotency_key="r1", amount=500)
    log_in(client, admin)

    shown = text(client.get("/dashboard/bakery/payouts").get_data(as_text=True))

    assert "Next bank payout: €14.10 for 1 order, less €4.70 for refunds" in shown


def test_a_coop_without_payouts_is_told_when_they_come(client, bakery, admin):
    log_in(client, admin)
    shown = text(client.get("/dashboard/bakery/payouts").get_data(as_text=True))
    assert "No payouts yet" in shown


def test_only_the_coops_admins_see_the_payouts_and_their_tab(client, bakery, admin):
    member = make_user()
    make_member(member, bakery, MemberRole.MEMBER)
    log_in(client, member)
    assert client.get("/dashboard/bakery/payouts").status_code == 403
    assert "/dashboard/bakery/payouts" not in client.get("/dashboard/bakery").get_data(as_text=True)
    log_in(client, make_user(is_federation_admin=True))
    assert client.get("/dashboard/bakery/payouts").status_code == 403
    log_in(client, admin)
    assert "/dashboard/bakery/payouts" in client.get("/dashboard/bakery").get_data(as_text=True)


def test_a_coop_without_a_bank_account_is_warned(client, bakery, admin):
    bakery.bank_iban = None
    db.session.commit()
    log_in(client, admin)
    shown = text(client.get("/dashboard/bakery/payouts").get_data(as_text=True))
    assert "No bank account on file" in shown and "Add it in the settings" in shown


@pytest.mark.parametrize(
    ("account", "ready", "says"),
    [
        (None, False, "Connect with Stripe"),
        ("acct_1", False, "Continue with Stripe"),
        ("acct_1", True, "Ready"),
    ],
)
def test_with_stripe_the_page_shows_the_accounts_readiness(
    app, client, bakery, admin, account, ready, says
):
    app.config["STRIPE_SECRET_KEY"] = "sk_test_123"
    if "stripe.onboard" not in app.view_functions:  # web/stripe links the co-op to Stripe
        app.add_url_rule(
            "/dashboard/<slug>/stripe/onboard",
            "dashboard.stripe_onboard",
            lambda slug: "",
            methods=["POST"],
        )
    bakery.stripe_account_id, bakery.stripe_ready = account, ready
    db.session.commit()
    log_in(client, admin)

    markup = client.get("/dashboard/bakery/payouts").get_data(as_text=True)

    assert says in text(markup)
    onboarding = 'action="/dashboard/bakery/stripe/onboard"' in markup or (
        'href="/dashboard/bakery/stripe/onboard' in markup
    )
    assert onboarding is not ready
