"""From a co-op's label claim, through the review board, to the badge buyers see."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash")).to_contain_text("You are logged in")


def test_a_claim_is_reviewed_approved_and_shown_as_a_verified_badge(page):
    listing_url = "/listings/158"  # a Bristol Bike Workers' Co-op listing in the demo
    page.goto(listing_url)
    assert page.locator(".verified-badge", has_text="Local").count() == 0

    _log_in(page, "admin.bristol-bike-coop@example.org")
    page.goto("/dashboard/bristol-bike-coop/claims/new")
    page.get_by_label("Label").select_option(label="Local (for a listing or the whole co-op)")
    page.get_by_label("Claimed for").select_option(label="The whole co-op")
    page.get_by_role("button", name="Start the claim").click()
    for answer in page.locator("textarea[name^=answer-]").all():
        answer.fill("All our bikes are refurbished in our Bristol workshop from local donations.")
    for link in page.locator("input[name^=link-]").all():
        link.fill("https://bristol-bike-coop.example/about")
    screenshot(page, "claim-form")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".flash")).to_contain_text("review")
    page.get_by_role("button", name="Log out").click()

    _log_in(page, "reviewer@example.org")
    page.get_by_role("link", name="Review board").click()
    row = page.locator("tr", has_text="Bristol Bike Workers").filter(has_text="Local")
    row.get_by_role("link").first.click()
    screenshot(page, "review-claim")
    page.get_by_label("Approve").check()
    page.get_by_label("Reason").fill("Answers match the criteria; the workshop address is local.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".flash")).to_contain_text("Decision recorded")
    page.get_by_role("button", name="Log out").click()

    page.goto(listing_url)
    badge = page.locator(".verified-badge", has_text="Local").first
    expect(badge).to_be_visible()
    why = page.locator(".why-verified")
    expect(why).to_contain_text("Local")
    expect(why).to_contain_text("Lena Reviewer")
    screenshot(page, "listing-with-badge")
