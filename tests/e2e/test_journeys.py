"""What a visitor does in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def test_a_visitor_browses_registers_logs_out_and_logs_in(page):
    page.goto("/")
    expect(page.get_by_role("heading", name="New from our co-ops")).to_be_visible()
    cards = page.locator(".card")
    coops_on_home = {c.strip() for c in page.locator(".card-coop").all_inner_texts()}
    assert cards.count() >= 8 and len(coops_on_home) >= 5
    screenshot(page, "home")

    first = cards.first
    title = first.locator(".card-title").inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".price.big")).to_contain_text(re.compile(r"\d"))
    screenshot(page, "listing")

    page.locator(".coop-box a").click()
    expect(page.locator(".coop-head h1")).to_be_visible()
    assert page.locator(".card").count() > 0
    screenshot(page, "coop")

    page.get_by_role("link", name="Register").click()
    page.get_by_label("Your name").fill("Journey Buyer")
    page.get_by_label("E-mail address").fill("journey@example.org")
    page.get_by_label("Password", exact=True).fill("journey passphrase")
    page.get_by_label("Repeat password").fill("journey passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".flash")).to_contain_text("Welcome, Journey Buyer")

    page.get_by_role("button", name="Log out").click()
    expect(page.locator(".flash")).to_contain_text("You are logged out")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail address").fill("journey@example.org")
    page.get_by_label("Password").fill("journey passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash")).to_contain_text("You are logged in")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_the_language_switch_translates_the_page_and_prices(page):
    page.goto("/coops/backstube-mur")
    page.get_by_label("Language").select_option("de")
    page.locator(".language-switch button").click()
    expect(page.get_by_role("link", name="Kategorien")).to_be_visible()
    price = page.locator(".card .price").first.inner_text()
    assert re.fullmatch(r"\d+,\d\d\s€", price), price
    screenshot(page, "coop-de")
    page.get_by_label("Sprache").select_option("sv")
    page.locator(".language-switch button").click()
    expect(page.get_by_role("link", name="Kategorier")).to_be_visible()


@pytest.mark.parametrize("path", ["/", "/listings/1", "/coops/", "/categories/", "/login"])
def test_pages_fit_a_phone_screen(phone, path):
    phone.goto(path)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    screenshot(phone, "phone" + path.replace("/", "-").rstrip("-"))
