"""Fixtures for the payment tests: Stripe's fake on loopback, and an app that talks to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.stripe_fake import FakeStripe

#: the Stripe client's timeout in tests: a loaded CI machine can take over a second to
#: answer; the tests of timeouts set a short one themselves (short_timeouts)
SLOW_MACHINE_TIMEOUT = 10


@pytest.fixture(autouse=True)
def _no_search(no_search_sync: None) -> None:
    """Payments never search: listings are not indexed as they are made."""


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as server:
        yield server
    assert not server.internal_errors, "\n".join(server.internal_errors)


@pytest.fixture
def stripe_app(app, fake):
    """The test app with Stripe Connect switched on, its API base the fake's address."""
    app.config.update(
        STRIPE_SECRET_KEY="sk_test_marketplace",
        STRIPE_PUBLISHABLE_KEY="pk_test_marketplace",
        STRIPE_API_BASE=fake.url,
        STRIPE_WEBHOOK_SECRET=fake.webhook_secret,
        STRIPE_TIMEOUT=SLOW_MACHINE_TIMEOUT,
        STRIPE_MAX_NETWORK_RETRIES=2,
    )
    return app
