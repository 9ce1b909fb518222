"""Every listing shows where the buyer's money goes, from the fee code checkout charges with."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.domain.fees import FeeRule, coop_order_fee
from marketplace.extensions import db
from marketplace.models import FeePolicy, Proposal, ProposalKind, ProposalStatus
from marketplace.models.base import utcnow
from marketplace.services import transparency
from tests.factories import make_coop, make_listing, make_user
from tests.order_factories import place_order
from tests.verified_label_factories import make_claim, make_labelled
from tests.web.helpers import log_in

pytestmark = pytest.mark.usefixtures("no_search_sync")

RULE = FeeRule(basis_points=600, fair_basis_points=300)


def adopt(rule: FeeRule = RULE) -> FeePolicy:
    policy = FeePolicy(
        basis_points=rule.basis_points,
        fair_basis_points=rule.fair_basis_points,
        minimum_fee=rule.minimum,
        maximum_fee=rule.maximum,
        adopted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    db.session.add(policy)
    db.session.commit()
    return policy


def money_box(client, listing_id: int) -> str:
    """What a reader sees in the listing's "where your money goes" box."""
    response = client.get(f"/listings/{listing_id}")
    assert response.status_code == 200
    markup = response.get_data(as_text=True)
    start = markup.index(">", markup.index('class="money-goes-listing"')) + 1
    box = markup[start : markup.index("</section>", start)]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", box)).split())


def euros(cents: int) -> str:
    return f"€{cents // 100}.{cents % 100:02d}"


def test_a_listing_shows_what_the_coop_keeps_and_the_fee_checkout_charges(client):
    adopt()
    coop = make_coop(name="Bryggkooperativet")
    beer = make_listing(coop=coop, price_amount=1200)
    fee = coop_order_fee([(1200, 600)], 0, RULE)

    shown = money_box(client, beer.id)

    assert fee == 72
    assert (
        f"Of €12.00, Bryggkooperativet keeps {euros(1200 - fee)}; {euros(fee)} (6 %) funds "
        "the federation, which its member co-ops run." in shown
    )
    assert "Offers with a verified fair-trade label pay a lower fee (3 %)." in shown
    # the order charges exactly what the page said
    order = place_order(make_user(), (beer, 1))
    assert order.coop_orders[0].fee_amount == fee


def test_a_verified_fair_trade_listing_shows_the_lower_fee(client):
    adopt()
    coop = make_coop(name="Bryggkooperativet")
    beer = make_listing(coop=coop, price_amount=1999)
    make_claim(make_labelled(slug="fair-trade", name="Fair trade"), coop, beer)
    fee = coop_order_fee([(1999, 300)], 0, RULE)

    shown = money_box(client, beer.id)

    assert fee == 60  # 59.97 rounded half up
    assert (
        f"Of €19.99, Bryggkooperativet keeps {euros(1999 - fee)}; {euros(fee)} (3 %) funds" in shown
    )
    assert "That's the lower fee (3 %) for verified fair trade." in shown
    assert place_order(make_user(), (beer, 1)).coop_orders[0].fee_amount == fee


def test_a_fair_trade_label_of_the_whole_coop_counts_as_checkout_counts_it(client):
    adopt()
    coop = make_coop(name="Kaffekollektivet")
    coffee = make_listing(coop=coop, price_amount=899)
    make_claim(make_labelled(slug="fair-trade"), coop)

    goes = transparency.money_goes(coffee)

    assert goes.fair and goes.rate_bp == 300
    assert goes.fee == coop_order_fee([(899, 300)], 0, RULE) == 27
    assert goes.coop_keeps == 899 - 27
    assert "(3 %)" in money_box(client, coffee.id)
    assert place_order(make_user(), (coffee, 1)).coop_orders[0].fee_amount == goes.fee


def test_another_label_or_an_expired_fair_trade_claim_earns_no_lower_fee(app):
    adopt()
    coop = make_coop()
    bread = make_listing(coop=coop, price_amount=1000)
    make_claim(make_labelled(slug="organic"), coop, bread)
    long_ago = utcnow() - timedelta(days=800)
    make_claim(
        make_labelled(slug="fair-trade"),
        coop,
        bread,
        approved_at=long_ago,
        expires_at=long_ago + timedelta(days=365),
    )

    goes = transparency.money_goes(bread)

    assert not goes.fair and (goes.rate_bp, goes.fee) == (600, 60)


def test_the_minimum_and_maximum_per_order_are_explained(client):
    rule = FeeRule(basis_points=600, minimum=50, maximum=500)
    adopt(rule)
    coop = make_coop(name="Bryggkooperativet")
    cheap = make_listing(coop=coop, price_amount=300)
    dear = make_listing(coop=coop, price_amount=20000)

    cheap_box, dear_box = money_box(client, cheap.id), money_box(client, dear.id)

    assert coop_order_fee([(300, 600)], 0, rule) == 50
    assert "Of €3.00, Bryggkooperativet keeps €2.50; €0.50 funds the federation" in cheap_box
    assert coop_order_fee([(20000, 600)], 0, rule) == 500
    assert "Of €200.00, Bryggkooperativet keeps €195.00; €5.00 funds the federation" in dear_box
    for shown in (cheap_box, dear_box):
        assert (
            "The fee is at least €0.50 and at most €5.00 per order from a co-op, "
            "however much you buy." in shown
        )
    assert transparency.money_goes(cheap).limited_by == "minimum"
    assert transparency.money_goes(dear).limited_by == "maximum"


def test_without_an_adopted_policy_no_fee_is_charged(client):
    coop = make_coop(name="Bryggkooperativet")
    beer = make_listing(coop=coop, price_amount=1200)
    db.session.add(FeePolicy(basis_points=600))  # proposed, never adopted
    db.session.commit()

    shown = money_box(client, beer.id)

    assert (
        "No fee is charged yet: the member co-ops haven't adopted a fee policy, "
        "so Bryggkooperativet keeps all of €12.00." in shown
    )
    assert "funds the federation" not in shown
    goes = transparency.money_goes(beer)
    assert (goes.adopted, goes.fee, goes.coop_keeps) == (False, 0, 1200)


def test_zero_decimal_currencies_are_shown_in_whole_units(client):
    adopt()
    coop = make_coop(name="Ullarsamvinnan", currency="ISK")
    scarf = make_listing(coop=coop, price_amount=4990, currency="ISK")

    shown = money_box(client, scarf.id)

    assert coop_order_fee([(4990, 600)], 0, RULE) == 299
    assert "Of ISK4,990, Ullarsamvinnan keeps ISK4,691; ISK299 (6 %) funds" in shown


def test_people_who_are_logged_in_find_the_vote_that_set_the_fee(client):
    policy = adopt()
    proposal = Proposal(
        kind=ProposalKind.FEE_POLICY,
        title="Fee of 6 %",
        fee_policy_id=policy.id,
        status=ProposalStatus.PASSED,
        closes_at=datetime(2025, 12, 31, tzinfo=UTC),
        quorum_percent=50,
        majority_percent=50,
    )
    db.session.add(proposal)
    db.session.commit()
    listing = make_listing()
    assert "How the member co-ops decided this fee" not in money_box(client, listing.id)

    log_in(client, make_user())
    markup = client.get(f"/listings/{listing.id}").get_data(as_text=True)

    assert f'href="/proposals/{proposal.id}"' in markup
    assert "How the member co-ops decided this fee" in markup
