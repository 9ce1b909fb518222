"""A guest fills one cart from three co-ops, registers, checks out once; each co-op sees it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, serve_demo

pytestmark = pytest.mark.e2e

COOPS = ["backstube-mur", "de-draad", "elbdruck"]
PASSWORD = "demo-password"


@pytest.fixture(scope="module")
def site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo federation of its own: this journey takes stock and places orders."""
    yield from serve_demo(sqlite_template, tmp_path_factory.mktemp("checkout-live"))


def _context(browser, site: str, **kw):
    return browser.new_context(base_url=site, viewport={"width": 1280, "height": 900}, **kw)


def _add_first_available_offer(page, slug: str) -> str:
    """Open the co-op's page, then its offers until one can be bought; add it; its title."""
    page.goto(f"/coops/{slug}")
    links = [a.get_attribute("href") for a in page.locator(".card a").all()]
    for href in links:
        page.goto(href)
        button = page.get_by_role("button", name="Add to cart")
        if button.count():
            title = page.locator("h1").inner_text()
            button.click()
            expect(page.locator(".flash")).to_contain_text("cart")
            return title
    raise AssertionError(f"nothing to buy at {slug}")


def test_a_guest_fills_a_cart_from_three_coops_registers_checks_out_and_each_coop_sees_it(
    browser, site
):
    guest = _context(browser, site)
    page = guest.new_page()
    titles = {slug: _add_first_available_offer(page, slug) for slug in COOPS}
    expect(page.locator(".cart-count")).to_have_text("3")

    page.get_by_role("link", name=re.compile("^Cart")).click()
    for title in titles.values():
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
    screenshot(page, "journey-cart")

    page.get_by_role("link", name="Register").click()
    page.get_by_label("Your name").fill("Cart Buyer")
    page.get_by_label("E-mail address").fill("cart.buyer@example.org")
    page.get_by_label("Password", exact=True).fill("cart buyer passphrase")
    page.get_by_label("Repeat password").fill("cart buyer passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".flash")).to_contain_text("Welcome, Cart Buyer")
    # the guest's cart now belongs to the account
    expect(page.locator(".cart-count")).to_have_text("3")

    page.goto("/cart")
    page.get_by_role("link", name="Check out").or_(
        page.get_by_role("button", name="Check out")
    ).first.click()
    page.get_by_label("Full name").fill("Cart Buyer")
    page.get_by_label("Street and house number").fill("Hauptstraße 1")
    page.get_by_label("Postcode").fill("10115")
    page.get_by_label("Town or city").fill("Berlin")
    page.get_by_label("Country").select_option("DE")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", name="Review your order")).to_be_visible()
    screenshot(page, "journey-review")
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Order [A-Z0-9]{4}-"))
    reference = page.get_by_role("heading", level=1).inner_text().removeprefix("Order ").strip()
    expect(page.get_by_text("From 3 co-ops")).to_be_visible()
    expect(page.get_by_text(reference).first).to_be_visible()
    screenshot(page, "journey-order")
    expect(page.locator(".cart-count")).to_have_count(0)
    guest.close()

    for slug in COOPS:
        context = _context(browser, site)
        coop_page = context.new_page()
        coop_page.goto("/login")
        coop_page.get_by_label("E-mail address").fill(f"admin.{slug}@example.org")
        coop_page.get_by_label("Password").fill(PASSWORD)
        coop_page.get_by_role("button", name="Log in").click()
        expect(coop_page.locator(".flash")).to_contain_text("You are logged in")
        coop_page.goto(f"/dashboard/{slug}/orders")
        row = coop_page.locator(".order-row", has_text=reference)
        expect(row).to_be_visible()
        row.get_by_role("link").first.click()
        expect(coop_page.get_by_text(titles[slug]).first).to_be_visible()
        for other in set(COOPS) - {slug}:
            expect(coop_page.get_by_text(titles[other], exact=True)).to_have_count(0)
        if slug == COOPS[0]:
            screenshot(coop_page, "journey-coop-order")
        context.close()
