"""Fixtures for the API tests: two co-ops, a category tree, a buyer, and token headers."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.services import carts, personal_tokens
from marketplace.services.api_tokens import create_token
from tests.factories import make_category, make_coop, make_listing, make_user


@pytest.fixture
def bread(app):
    food = make_category(name="Food", slug="food")
    return make_category(name="Bread", slug="bread", parent=food)


@pytest.fixture
def bakery(app):
    return make_coop(name="Kornblume Bakery", slug="kornblume")


@pytest.fixture
def roastery(app):
    return make_coop(name="Fika Roasters", slug="fika", country="SE")


@pytest.fixture
def rye(bakery):
    return make_listing(coop=bakery, title="Rye", price_amount=450, stock=5)


@pytest.fixture
def buyer(app):
    return make_user(email="ada@example.org")


def bearer_header(plaintext: str) -> dict[str, str]:
    """Headers that present the token `plaintext`."""
    return {"Authorization": f"Bearer {plaintext}"}


def bearer(coop) -> dict[str, str]:
    """Headers with a new token of `coop`."""
    _token, plaintext = create_token(coop, "tests")
    return bearer_header(plaintext)


def personal_bearer(user) -> dict[str, str]:
    """Headers with a new personal token of `user`."""
    _token, plaintext = personal_tokens.create_token(user, "test")
    return bearer_header(plaintext)


@pytest.fixture
def bakery_auth(bakery):
    return bearer(bakery)


@pytest.fixture
def roastery_auth(roastery):
    return bearer(roastery)


@pytest.fixture
def buyer_auth(buyer):
    return personal_bearer(buyer)


def cart_items(user) -> dict[int, int]:
    """listing id -> quantity in the user's cart, read afresh."""
    db.session.expire_all()
    cart, _token = carts.current_cart(user, None, create=False)
    return {} if cart is None else {item.listing_id: item.quantity for item in cart.items}
