"""A co-op admin puts a listing with a picture online, in a real browser."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def _photo() -> bytes:
    picture = Image.new("RGB", (900, 600), (196, 120, 60))
    for x in range(0, 900, 60):
        for y in range(0, 600, 60):
            if (x + y) // 60 % 2:
                picture.paste((240, 220, 170), (x, y, x + 60, y + 60))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def test_a_coop_admin_creates_a_listing_with_a_picture_and_sees_it_in_the_shop(page):
    page.goto("/login")
    page.get_by_label("E-mail address").fill("admin.backstube-mur@example.org")
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="My co-op").click()
    expect(page.get_by_role("heading", name="Backstube Mur eGen")).to_be_visible()

    page.get_by_role("link", name="New listing").first.click()
    page.get_by_label("Title").fill("Walnut and honey loaf, 750 g")
    page.get_by_label("Description").fill("Rye and wheat with Styrian walnuts and forest honey.")
    page.get_by_label("Type").select_option("good")
    page.get_by_label("Category").select_option("bread-pastry")
    page.get_by_label("Price, VAT included").fill("6.80")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("VAT rate in %").fill("10")
    page.get_by_label("Stock").fill("12")
    page.get_by_label("Region").fill("Graz")
    page.get_by_label("Ships to").fill("AT")
    screenshot(page, "dashboard-new-listing")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash")).to_contain_text("Draft saved")

    page.get_by_role("link", name=re.compile(r"Pictures")).click()
    page.set_input_files(
        "input[name=images]",
        files=[{"name": "loaf.jpg", "mimeType": "image/jpeg", "buffer": _photo()}],
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("img").first).to_be_visible()
    screenshot(page, "dashboard-pictures")

    page.get_by_role("link", name="← Back to the listing").click()
    page.get_by_role("button", name="Publish").first.click()
    expect(page.locator(".flash")).to_contain_text("Published")

    page.get_by_role("button", name="Log out").click()
    page.goto("/categories/bread-pastry?sort=newest")
    card = page.locator(".card", has_text="Walnut and honey loaf, 750 g")
    expect(card).to_be_visible()
    expect(card.locator("img")).to_be_visible()
    card.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Walnut and honey loaf, 750 g")
    expect(page.locator(".price.big")).to_have_text("€6.80")
    image = page.locator("main img").first
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") > 0
    screenshot(page, "listing-with-picture")
