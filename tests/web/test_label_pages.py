"""What buyers see of labels: label pages, verified badges and the "why verified" panel."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from marketplace.extensions import db
from marketplace.models import ClaimStatus, CriteriaStatus
from tests.factories import make_category, make_coop, make_listing, make_user
from tests.integration.test_verified_labels import NOT_VERIFIED, unverified_claim
from tests.verified_label_factories import make_claim, make_criteria, make_labelled

BADGE = 'class="verified-badge"'


@contextmanager
def label_claim_queries() -> Iterator[list[str]]:
    """The SQL statements that read label claims while the block runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if "FROM label_claims" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_the_label_index_links_every_label_to_its_page(client):
    make_labelled(name="Fair Trade", slug="fair-trade", summary="Paid fairly.")
    page = client.get("/labels/").get_data(as_text=True)
    assert 'href="/labels/fair-trade"' in page and "Paid fairly." in page
    assert "Criteria version 1" in page


def test_the_home_page_links_its_labels_to_their_pages(client):
    make_labelled(name="Organic", slug="organic")
    assert 'href="/labels/organic"' in client.get("/").get_data(as_text=True)


def test_a_label_page_explains_the_current_criteria_in_plain_words(client):
    label = make_labelled(name="Local", slug="local", scope="both", description="Made nearby.")
    label.current_version.status = CriteriaStatus.SUPERSEDED
    make_criteria(label, number=2, questions=2)
    response = client.get("/labels/local")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Made nearby." in page and "a single listing, or a whole co-op" in page
    assert "Version 2" in page and "adopted by the member co-ops on" in page
    assert "Question 1 of version 2?" in page and "How to answer question 1." in page
    assert "Evidence needed: a document or a link." in page
    assert "A written answer is enough." in page
    assert "Question 1 of version 1?" not in page
    assert "Earlier versions" in page and "Version 1" in page


def test_a_label_page_lists_who_carries_it_verified(client):
    label = make_labelled(name="Organic", slug="organic")
    listing = make_listing(title="Spelt loaf")
    make_claim(label, listing.coop, listing)
    coop = make_coop(name="Green Farm Co-op")
    make_claim(label, coop)
    waiting = make_listing(title="Waiting loaf")
    make_claim(label, waiting.coop, waiting, ClaimStatus.SUBMITTED)
    page = client.get("/labels/organic").get_data(as_text=True)
    assert "Spelt loaf" in page and "Green Farm Co-op" in page
    assert "Waiting loaf" not in page


def test_an_unknown_label_page_is_404(client):
    assert client.get("/labels/no-such-label").status_code == 404


def test_a_verified_label_shows_as_a_badge_on_the_card_and_the_listing_page(client):
    label = make_labelled(name="Fair Trade", slug="fair-trade")
    category = make_category(slug="coffee")
    listing = make_listing(title="Honduras Marcala", category=category)
    make_claim(label, listing.coop, listing)
    for url in (
        "/",
        "/categories/coffee",
        f"/coops/{listing.coop.slug}",
        f"/listings/{listing.id}",
    ):
        page = client.get(url).get_data(as_text=True)
        assert BADGE in page and "Fair Trade" in page, url
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "verified" in page and 'href="/labels/fair-trade"' in page


def test_the_why_verified_panel_says_who_checked_what_and_when(client):
    label = make_labelled(name="Worker-owned", slug="worker-owned")
    listing = make_listing(title="Rye bread")
    lena = make_user(name="Lena Reviewer", is_reviewer=True)
    claim = make_claim(label, listing.coop, reviewer=lena)
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert 'id="why-verified"' in page
    assert "Lena Reviewer" in page
    assert "criteria version 1" in page
    assert f"the whole co-op, {listing.coop.name}" in page
    assert "3 of 3 criteria answered" in page and "0 documents" in page and "1 link" in page
    assert str(claim.expires_at.year) in page
    assert "https://example.org/proof" not in page  # the evidence itself stays private


def test_a_coop_page_shows_the_labels_verified_for_the_whole_coop(client):
    label = make_labelled(name="Fair Wages", slug="fair-wages")
    coop = make_coop(name="Kornblume")
    make_claim(label, coop)
    page = client.get(f"/coops/{coop.slug}").get_data(as_text=True)
    assert "coop-labels" in page and "Fair Wages" in page


@pytest.mark.parametrize("case", sorted(NOT_VERIFIED))
def test_an_unverified_claim_shows_no_badge_anywhere(client, case):
    label = make_labelled(name="Fair Trade", slug="fair-trade")
    category = make_category(slug="coffee")
    listing = make_listing(title="Honduras Marcala", category=category)
    unverified_claim(case, label, listing.coop, listing)
    unverified_claim(case, label, listing.coop)
    for url in (
        "/",
        "/categories/coffee",
        f"/coops/{listing.coop.slug}",
        f"/listings/{listing.id}",
    ):
        page = client.get(url).get_data(as_text=True)
        assert BADGE not in page and "why-verified" not in page, (case, url)
    label_page = client.get("/labels/fair-trade").get_data(as_text=True)
    assert "Honduras Marcala" not in label_page and "Nobody carries this label" in label_page


@pytest.mark.parametrize(
    ("url", "expected"),
    # the co-op page also reads the co-op's own labels; the label page also its carriers
    [("/", 1), ("/categories/coffee", 1), ("/coops/{coop}", 2), ("/labels/organic", 2)],
)
def test_pages_that_list_listings_read_their_labels_in_one_query(client, url, expected):
    label = make_labelled(name="Organic", slug="organic")
    coop = make_coop()
    category = make_category(slug="coffee")
    for n in range(6):
        listing = make_listing(coop=coop, category=category, title=f"Coffee {n}")
        make_claim(label, coop, listing)
    with label_claim_queries() as queries:
        page = client.get(url.format(coop=coop.slug)).get_data(as_text=True)
    assert page.count(BADGE) >= 6
    assert len(queries) == expected, queries
