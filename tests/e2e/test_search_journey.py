"""A buyer searches the demo federation: words, two labels, price order, a result; autocomplete."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, serve_demo

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo federation of its own (the seed builds its index): other journeys change theirs."""
    yield from serve_demo(sqlite_template, tmp_path_factory.mktemp("search-live"))


@pytest.fixture
def desk(browser, site):
    context = browser.new_context(base_url=site, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser, site):
    context = browser.new_context(
        base_url=site, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    yield context.new_page()
    context.close()


def _prices(page) -> list[float]:
    texts = page.locator(".results .card .price").all_inner_texts()
    # Decimal, not float: prices are compared exactly, as money is everywhere else
    return [Decimal(re.sub(r"[^\d.]", "", text.replace(",", ""))) for text in texts]


def test_a_buyer_searches_filters_by_two_labels_sorts_by_price_and_opens_a_result(desk):
    page = desk
    page.goto("/")
    box = page.get_by_role("combobox", name="Search offers and co-ops")
    box.fill("coffee")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=coffee$"))
    expect(page.locator("h1")).to_have_text("Results for “coffee”")
    everything = int(page.locator(".search-count").inner_text().split()[0])
    assert everything > 10

    labels = page.locator(".facet-label")
    labels.get_by_role("link", name=re.compile(r"^Fair Trade")).click()
    expect(page).to_have_url(re.compile(r"label=fair-trade"))
    page.locator(".facet-label").get_by_role("link", name=re.compile(r"^Worker-owned")).click()
    expect(page).to_have_url(re.compile(r"label=fair-trade&label=worker-owned"))
    found = int(page.locator(".search-count").inner_text().split()[0])
    assert 1 < found < everything
    chips = page.locator(".active-filters .chip-remove")
    expect(chips).to_have_count(2)
    for card in page.locator(".results .card").all():
        expect(card.locator(".verified-badge", has_text="Fair Trade")).to_be_visible()
        expect(card.locator(".verified-badge", has_text="Worker-owned")).to_be_visible()

    page.get_by_label("Sort by").select_option("price_asc")
    expect(page).to_have_url(re.compile(r"sort=price_asc"))
    prices = _prices(page)
    assert prices == sorted(prices) and len(prices) == found
    screenshot(page, "search-desktop")

    first = page.locator(".results .card").first
    title = first.locator(".card-title").inner_text()
    first.click()
    expect(page).to_have_url(re.compile(r"/listings/\d+$"))
    expect(page.locator("h1")).to_have_text(title)

    # Back on the results, one label is removed with its chip; the other stays.
    page.go_back()
    page.locator(".active-filters .chip-remove", has_text="Fair Trade").click()
    expect(page).to_have_url(re.compile(r"q=coffee&label=worker-owned&sort=price_asc$"))


def test_the_search_box_suggests_and_is_driven_by_the_keyboard(desk):
    page = desk
    page.goto("/")
    box = page.get_by_role("combobox", name="Search offers and co-ops")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("cof", delay=40)
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", "site-search-suggestions")
    options = listbox.get_by_role("option")
    assert options.count() >= 2
    screenshot(page, "search-autocomplete")

    box.press("ArrowDown")
    first_id = options.nth(0).get_attribute("id")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    box.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", first_id)

    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".+"))
    assert box.input_value() == "cof"

    box.press("ArrowDown")
    expect(listbox).to_be_visible()
    box.press("ArrowDown")
    chosen = options.nth(0).get_attribute("data-text")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    expect(page.locator("h1")).to_have_text(f"Results for “{chosen}”")
    expect(page.locator(".results .card-title").first).to_have_text(chosen)


def test_a_suggestion_can_be_chosen_with_the_mouse(desk):
    page = desk
    page.goto("/coops/")
    box = page.get_by_role("combobox", name="Search offers and co-ops")
    box.press_sequentially("bik", delay=40)
    option = page.get_by_role("option").first
    expect(option).to_be_visible()
    text = option.get_attribute("data-text")
    option.click()
    expect(page.locator("h1")).to_have_text(f"Results for “{text}”")


def test_the_results_page_fits_a_phone_and_the_empty_page_helps(phone):
    page = phone
    page.goto("/search?q=bread&label=local&sort=price_asc")
    expect(page.locator(".results .card").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The filters fold away on a phone and open with a tap.
    panel = page.locator(".filter-panel")
    expect(panel.locator(".facet-label")).to_be_hidden()
    screenshot(page, "search-phone")
    panel.locator("summary").click()
    expect(panel.locator(".facet-label")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "search-phone-filters")

    page.goto("/search?q=zeppelinwerft&label=organic")
    expect(page.get_by_role("heading", name="No offers found")).to_be_visible()
    expect(page.get_by_role("link", name="Remove the filter “Organic”")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "search-empty-phone")
    page.locator(".empty-state .chip", has_text="Bikes & Mobility").click()
    expect(page).to_have_url(re.compile(r"/search\?category=bikes-mobility$"))
    assert int(page.locator(".search-count").inner_text().split()[0]) > 0


def test_the_empty_results_page_on_a_desktop(desk):
    desk.goto("/search?q=zeppelinwerft&label=organic&category=coffee-tea")
    expect(desk.get_by_role("heading", name="No offers found")).to_be_visible()
    screenshot(desk, "search-empty")
