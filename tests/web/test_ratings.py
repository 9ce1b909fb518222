"""Buyers rate each delivered co-op order once; the co-op page shows its ratings."""

from __future__ import annotations

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Coop, CoopOrder, Rating, RatingScore, User
from marketplace.services.coop_orders import change_status
from tests.factories import make_coop, make_listing, make_user
from tests.order_factories import mark_paid, place_order
from tests.web.helpers import log_in
from tests.web.test_order_pages import coop_order_part, page, text

pytestmark = pytest.mark.usefixtures("no_search_sync")


def ratings_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Rating))


def delivered(buyer: User, coop: Coop) -> CoopOrder:
    """A co-op order of `coop` that the buyer has received."""
    order = place_order(buyer, (make_listing(coop=coop), 1))
    mark_paid(order)
    coop_order = order.coop_orders[0]
    for event in ("accept", "ship", "deliver"):
        change_status(coop_order, event, actor=None)
    return coop_order


def rating_url(coop_order: CoopOrder) -> str:
    return f"/orders/{coop_order.order.reference}/coop-orders/{coop_order.id}/rating"


def test_the_rating_form_appears_only_once_the_coop_order_is_delivered(client):
    buyer = make_user()
    order = place_order(buyer, (make_listing(), 1))
    coop_order = order.coop_orders[0]
    log_in(client, buyer)
    assert rating_url(coop_order) not in page(client, f"/orders/{order.reference}")
    mark_paid(order)
    for event in ("accept", "ship"):
        change_status(coop_order, event, actor=None)
        assert rating_url(coop_order) not in page(client, f"/orders/{order.reference}")
    change_status(coop_order, "deliver", actor=None)
    markup = page(client, f"/orders/{order.reference}")
    assert f'action="{rating_url(coop_order)}"' in markup
    assert "How was your order from" in coop_order_part(markup, coop_order.id)


def test_rating_before_delivery_is_refused(client):
    buyer = make_user()
    order = place_order(buyer, (make_listing(), 1))
    mark_paid(order)
    coop_order = order.coop_orders[0]
    change_status(coop_order, "accept", actor=None)
    change_status(coop_order, "ship", actor=None)
    log_in(client, buyer)
    response = client.post(rating_url(coop_order), data={"score": "positive"})
    assert response.status_code == 303
    shown = text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "You can rate an order once it has been delivered." in shown
    assert ratings_count() == 0


def test_a_delivered_coop_order_is_rated_once(client):
    buyer = make_user()
    coop_order = delivered(buyer, make_coop(name="Kornblume Bakery"))
    reference = coop_order.order.reference
    log_in(client, buyer)
    response = client.post(
        rating_url(coop_order), data={"score": "positive", "text": "  Still warm, thank you!  "}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/orders/{reference}#coop-order-{coop_order.id}"
    markup = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you: your rating is shown on Kornblume Bakery" in text(markup)
    part = coop_order_part(markup, coop_order.id)
    assert "Your rating: Positive" in part and "Still warm, thank you!" in part
    assert rating_url(coop_order) not in markup

    again = client.post(rating_url(coop_order), data={"score": "negative", "text": "Changed!"})
    assert "You have rated this order already." in text(
        client.get(again.headers["Location"]).get_data(as_text=True)
    )
    assert ratings_count() == 1
    rating = db.session.scalar(select(Rating))
    assert (rating.score, rating.text) == (RatingScore.POSITIVE, "Still warm, thank you!")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"score": "excellent"}, "Choose positive, neutral or negative."),
        ({"text": "No score given"}, "Choose positive, neutral or negative."),
        ({"score": "neutral", "text": "x" * 2001}, "At most 2000 characters."),
    ],
)
def test_a_rating_needs_a_known_score_and_a_short_text(client, data, message):
    buyer = make_user()
    coop_order = delivered(buyer, make_coop())
    log_in(client, buyer)
    response = client.post(rating_url(coop_order), data=data, follow_redirects=True)
    assert message in text(response.get_data(as_text=True))
    assert rating_url(coop_order) in response.get_data(as_text=True)  # the form is still there
    assert ratings_count() == 0


def test_a_coop_order_of_another_order_is_not_found(client):
    buyer = make_user()
    coop = make_coop()
    mine = delivered(buyer, coop)
    other_order = place_order(buyer, (make_listing(coop=coop), 1))
    log_in(client, buyer)
    url = f"/orders/{other_order.reference}/coop-orders/{mine.id}/rating"
    assert client.post(url, data={"score": "positive"}).status_code == 404
    assert ratings_count() == 0


def test_the_coop_page_shows_its_ratings_with_counts_text_and_date(client):
    buyer = make_user()
    bakery, other = make_coop(name="Kornblume Bakery"), make_coop(name="Velo Kollektiv")
    liked, meh, elsewhere = (
        delivered(buyer, bakery),
        delivered(buyer, bakery),
        delivered(buyer, other),
    )
    log_in(client, buyer)
    client.post(rating_url(liked), data={"score": "positive", "text": "Lovely plum cake."})
    client.post(rating_url(meh), data={"score": "neutral", "text": "Bread was fine."})
    client.post(rating_url(elsewhere), data={"score": "negative", "text": "Flat tyre again."})

    markup = page(client, f"/coops/{bakery.slug}")
    section = text(markup[markup.index('id="ratings"') :])
    assert "Ratings from buyers 1 positive 1 neutral 0 negative" in section
    assert "Lovely plum cake." in section and "Bread was fine." in section
    assert "Flat tyre again." not in section
    rating = db.session.scalar(select(Rating).where(Rating.coop_order_id == liked.id))
    assert f"Positive {format_date(rating.created_at, 'medium', locale='en')}" in section
    head = text(markup[: markup.index('id="ratings"')])
    assert "2 ratings" in head and "1 positive · 1 neutral · 0 negative" in head


def test_a_coop_without_ratings_says_so(client):
    coop = make_coop()
    assert "No ratings yet." in text(page(client, f"/coops/{coop.slug}"))
