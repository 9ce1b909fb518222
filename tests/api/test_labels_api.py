"""Labels through the API: the label list with criteria, and a listing's `label_details`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marketplace.models import CriteriaStatus
from tests.api.conftest import bearer
from tests.factories import make_coop, make_label, make_listing
from tests.integration.test_verified_labels import NOT_VERIFIED, unverified_claim
from tests.verified_label_factories import make_claim, make_criteria, make_labelled
from tests.web.test_label_pages import label_claim_queries


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def test_labels_list_every_label_with_its_current_criteria(client):
    fair = make_labelled(name="Fair Trade", slug="fair-trade", position=1, scope="listing")
    fair.current_version.status = CriteriaStatus.SUPERSEDED
    current = make_criteria(fair, number=2, questions=2)
    make_labelled(name="Worker-owned", slug="worker-owned", position=2, scope="coop")
    response = client.get("/api/v1/labels")
    assert response.status_code == 200 and response.content_type == "application/json"
    items = response.get_json()["items"]
    assert [item["slug"] for item in items] == ["fair-trade", "worker-owned"]
    first = items[0]
    assert {k: first[k] for k in ("name", "summary", "description", "scope")} == {
        "name": "Fair Trade",
        "summary": "What this label promises.",
        "description": "",
        "scope": "listing",
    }
    assert first["url"] == "http://localhost/labels/fair-trade"
    assert first["current_version"] == {
        "number": 2,
        "adopted_at": iso(current.adopted_at),
        "criteria": [
            {
                "key": "q1",
                "question": "Question 1 of version 2?",
                "guidance": "How to answer question 1.",
                "evidence_required": True,
            },
            {
                "key": "q2",
                "question": "Question 2 of version 2?",
                "guidance": "How to answer question 2.",
                "evidence_required": False,
            },
        ],
    }
    assert items[1]["scope"] == "coop"


def test_a_label_without_adopted_criteria_has_no_current_version(client):
    make_label(slug="new-label")
    [item] = client.get("/api/v1/labels").get_json()["items"]
    assert item["current_version"] is None


def test_a_listing_carries_its_verified_labels_with_their_details(client):
    organic = make_labelled(name="Organic", slug="organic")
    worker = make_labelled(name="Worker-owned", slug="worker-owned")
    listing = make_listing()
    own = make_claim(organic, listing.coop, listing)
    of_coop = make_claim(worker, listing.coop)
    body = client.get(f"/api/v1/listings/{listing.id}").get_json()
    assert body["labels"] == ["organic", "worker-owned"]
    assert body["label_details"] == [
        {
            "slug": "organic",
            "criteria_version": 1,
            "reviewed_at": iso(own.approved_at),
            "expires_at": iso(own.expires_at),
            "granted_to": "listing",
        },
        {
            "slug": "worker-owned",
            "criteria_version": 1,
            "reviewed_at": iso(of_coop.approved_at),
            "expires_at": iso(of_coop.expires_at),
            "granted_to": "coop",
        },
    ]


@pytest.mark.parametrize("case", sorted(NOT_VERIFIED))
def test_an_unverified_claim_gives_no_label_in_the_api(client, case):
    label = make_labelled(slug="fair-trade")
    listing = make_listing()
    unverified_claim(case, label, listing.coop, listing)
    unverified_claim(case, label, listing.coop)
    one = client.get(f"/api/v1/listings/{listing.id}").get_json()
    assert (one["labels"], one["label_details"]) == ([], [])
    [item] = client.get("/api/v1/listings").get_json()["items"]
    assert (item["labels"], item["label_details"]) == ([], [])


def test_list_endpoints_read_the_labels_of_a_whole_page_in_one_query(client):
    label = make_labelled(slug="organic")
    coop = make_coop(slug="kornblume")
    for _ in range(5):
        make_claim(label, coop, make_listing(coop=coop))
    with label_claim_queries() as public:
        items = client.get("/api/v1/listings").get_json()["items"]
    assert len(public) == 1 and all(item["labels"] == ["organic"] for item in items)
    with label_claim_queries() as own:
        items = client.get("/api/v1/coop/listings", headers=bearer(coop)).get_json()["items"]
    assert len(own) == 1 and len(items) == 5
