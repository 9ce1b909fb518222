"""Fixtures for the API tests: two co-ops, a category tree, and token headers."""

from __future__ import annotations

import pytest

from marketplace.services.api_tokens import create_token
from tests.factories import make_category, make_coop


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


def bearer(coop) -> dict[str, str]:
    """Headers with a new token of `coop`."""
    _token, plaintext = create_token(coop, "tests")
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def bakery_auth(bakery):
    return bearer(bakery)


@pytest.fixture
def roastery_auth(roastery):
    return bearer(roastery)
