"""Every route, for every role: who gets in and who is turned away.

The table must name every route the application has, so a new route cannot
be added without deciding who may use it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import (
    ApiToken,
    ClaimAnswer,
    ClaimStatus,
    CoopInvite,
    CoopStatus,
    ImportStatus,
    LabelClaim,
    ListingImage,
    ListingImport,
    ListingStatus,
    MemberRole,
    Proposal,
    ProposalKind,
)
from marketplace.models.base import utcnow
from tests.claim_factories import make_label_with_criteria
from tests.factories import make_coop, make_listing, make_member, make_user
from tests.order_factories import place_order
from tests.web.helpers import log_in

PUBLIC, ACCOUNT, COOP_MEMBER, COOP_ADMIN, FEDERATION, API_PUBLIC, API_TOKEN = (
    "public",
    "account",
    "coop member",
    "coop admin",
    "federation",
    "api public",
    "api token",
)
REVIEWER, EVIDENCE, PROPOSER = "reviewer", "evidence", "proposer"
#: buyer endpoints of the API: a personal token, never a page session
API_PERSONAL = "api personal"
#: the buyer who placed the order; everyone else gets 404 (references are not probed)
ORDER_BUYER = "order buyer"

ACCESS = {
    "shop.home": PUBLIC,
    "shop.listing": PUBLIC,
    "shop.coops": PUBLIC,
    "shop.coop": PUBLIC,
    "shop.categories": PUBLIC,
    "shop.category": PUBLIC,
    "shop.labels": PUBLIC,
    "shop.label": PUBLIC,
    "shop.language": PUBLIC,
    "search.index": PUBLIC,
    "search.suggest": PUBLIC,
    "images.media": PUBLIC,
    "auth.login": PUBLIC,
    "auth.register": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.account": ACCOUNT,
    "auth.create_token": ACCOUNT,
    "auth.revoke_token": ACCOUNT,
    "cart.show": PUBLIC,
    "cart.add": PUBLIC,
    "cart.update": PUBLIC,
    "cart.remove": PUBLIC,
    "checkout.start": ACCOUNT,
    "checkout.review": ACCOUNT,
    "checkout.place": ACCOUNT,
    "orders.index": ACCOUNT,
    "orders.show": ORDER_BUYER,
    "orders.receipt": ORDER_BUYER,
    "orders.rate": ORDER_BUYER,
    "dashboard.coop_orders": COOP_MEMBER,
    "dashboard.coop_order": COOP_MEMBER,
    "dashboard.coop_order_action": COOP_MEMBER,
    "dashboard.index": ACCOUNT,
    "dashboard.apply": ACCOUNT,
    "dashboard.accept_invite": ACCOUNT,
    "dashboard.coop": COOP_MEMBER,
    "dashboard.members_page": COOP_MEMBER,
    "dashboard.remove_member": COOP_MEMBER,  # members may leave; removing others is checked below
    "dashboard.new_listing": COOP_MEMBER,
    "dashboard.edit_listing": COOP_MEMBER,
    "dashboard.listing_action": COOP_MEMBER,
    "images.manage": COOP_MEMBER,
    "images.alt_text": COOP_MEMBER,
    "images.delete": COOP_MEMBER,
    "images.move": COOP_MEMBER,
    "csv_io.index": COOP_MEMBER,
    "csv_io.upload": COOP_MEMBER,
    "csv_io.show": COOP_MEMBER,
    "csv_io.progress": COOP_MEMBER,
    "csv_io.errors": COOP_MEMBER,
    "csv_io.confirm": COOP_MEMBER,
    "csv_io.confirm_subset": COOP_MEMBER,
    "csv_io.recheck": COOP_MEMBER,
    "csv_io.export": COOP_MEMBER,
    "csv_io.template": COOP_MEMBER,
    "dashboard.settings": COOP_ADMIN,
    "dashboard.export": COOP_ADMIN,
    "dashboard.invite": COOP_ADMIN,
    "dashboard.set_role": COOP_ADMIN,
    "dashboard.revoke_invite": COOP_ADMIN,
    "tokens.index": COOP_ADMIN,
    "tokens.revoke": COOP_ADMIN,
    "claims.index": COOP_MEMBER,
    "claims.claim": COOP_MEMBER,  # reading; saving is checked in tests/web/test_claim_pages.py
    "claims.new": COOP_ADMIN,
    "claims.remove_evidence": COOP_ADMIN,
    "claims.renew": COOP_ADMIN,
    "claims.withdraw": COOP_ADMIN,
    "claims.evidence_file": EVIDENCE,
    "review.queue": REVIEWER,
    "review.claim": REVIEWER,
    "review.revoke": REVIEWER,
    "governance.index": ACCOUNT,
    "governance.show": ACCOUNT,
    "governance.vote": ACCOUNT,  # who votes for which co-op: tests/web/test_proposal_pages.py
    "governance.new_criteria": PROPOSER,
    "governance.new_fee_policy": PROPOSER,
    "governance.new_admission": PROPOSER,
    "admin.index": FEDERATION,
    "admin.coop": FEDERATION,
    "admin.patronage": FEDERATION,
    "admin.patronage_csv": FEDERATION,
    "audit.federation_log": FEDERATION,
    "audit.coop_log": COOP_MEMBER,
    "api-docs.openapi_json": API_PUBLIC,
    "api_reference.index": API_PUBLIC,
    "api_listings.public_listings": API_PUBLIC,
    "api_labels.all_labels": API_PUBLIC,
    "api_search.search_listings": API_PUBLIC,
    "api_listings.public_listing": API_PUBLIC,
    "api_coops.public_coops": API_PUBLIC,
    "api_coops.public_coop": API_PUBLIC,
    "api_auth.register": API_PUBLIC,
    "api_auth.create_token": API_PUBLIC,
    "api_cart.show_cart": API_PERSONAL,
    "api_cart.add_cart_item": API_PERSONAL,
    "api_cart.update_cart_item": API_PERSONAL,
    "api_cart.remove_cart_item": API_PERSONAL,
    "api_orders.place_order": API_PERSONAL,
    "api_orders.list_orders": API_PERSONAL,
    "api_orders.show_order": API_PERSONAL,
    "api_coop_orders.list_coop_orders": API_TOKEN,
    "api_coop_orders.show_coop_order": API_TOKEN,
    "api_coop_orders.change_coop_order": API_TOKEN,
    "api_coop.own_coop": API_TOKEN,
    "api_coop.own_listings": API_TOKEN,
    "api_coop.own_listing": API_TOKEN,
    "api_coop.create_own_listing": API_TOKEN,
    "api_coop.update_own_listing": API_TOKEN,
    "api_coop.publish_own_listing": API_TOKEN,
    "api_coop.pause_own_listing": API_TOKEN,
    "api_coop.archive_own_listing": API_TOKEN,
    "api_coop.restore_own_listing": API_TOKEN,
    "api_coop_orders.refund_coop_order": API_TOKEN,
    "api_coop.coop_payouts": API_TOKEN,
    "dashboard.coop_order_refund": COOP_ADMIN,
    "dashboard.coop_payouts": COOP_ADMIN,
    "admin.coop_order": FEDERATION,
    "admin.coop_order_refund": FEDERATION,
    "admin.payments": FEDERATION,
    "admin.mark_paid": FEDERATION,
    "admin.import_statement": FEDERATION,
    "admin.refund_sent": FEDERATION,
    "admin.payouts": FEDERATION,
    "admin.payout_paid": FEDERATION,
    "admin.payouts_csv": FEDERATION,
    "admin.payouts_xml": FEDERATION,
    "stripe.webhook": PUBLIC,
    "stripe.onboard": COOP_ADMIN,
    "stripe.onboarding_return": COOP_ADMIN,
    "stripe.onboarding_refresh": COOP_ADMIN,
}

#: which roles pass each kind of check, for the co-op named in the URL
ALLOWED = {
    PUBLIC: "all",
    API_PUBLIC: "all",
    ACCOUNT: {
        "buyer",
        "reviewer",
        "federation_admin",
        "other_member",
        "other_admin",
        "member",
        "admin",
    },
    COOP_MEMBER: {"member", "admin"},
    COOP_ADMIN: {"admin"},
    FEDERATION: {"federation_admin"},
    REVIEWER: {"reviewer"},
    PROPOSER: {"reviewer", "federation_admin"},
    EVIDENCE: {"member", "admin", "reviewer"},
    ORDER_BUYER: {"buyer"},
    API_TOKEN: set(),  # no page session opens the API: it takes a co-op token
    API_PERSONAL: set(),  # nor a personal token
}
ROLES = [
    "anonymous",
    "buyer",
    "reviewer",
    "federation_admin",
    "other_member",
    "other_admin",
    "member",
    "admin",
]


@pytest.fixture
def world(app):
    coop = make_coop(slug="kornblume", name="Kornblume")
    other = make_coop(slug="fika", name="Fika")
    listing = make_listing(coop=coop, status=ListingStatus.DRAFT, sku="K-1")
    image = ListingImage(
        listing=listing,
        position=0,
        filename="a" * 64 + ".jpg",
        thumb_filename="b" * 64 + ".webp",
        content_type="image/jpeg",
        width=10,
        height=10,
        byte_size=100,
    )
    db.session.add(image)
    db.session.commit()
    people = {
        "buyer": make_user(),
        "reviewer": make_user(is_reviewer=True),
        "federation_admin": make_user(is_federation_admin=True),
        "other_member": make_user(),
        "other_admin": make_user(),
        "member": make_user(),
        "admin": make_user(),
    }
    make_member(people["other_member"], other, MemberRole.MEMBER)
    make_member(people["other_admin"], other, MemberRole.ADMIN)
    make_member(people["member"], coop, MemberRole.MEMBER)
    make_member(people["admin"], coop, MemberRole.ADMIN)
    upload = ListingImport(
        coop_id=coop.id,
        filename="x.csv",
        stored_path="imports/none.csv",
        status=ImportStatus.INVALID,
    )
    invite = CoopInvite(coop_id=coop.id, token_hash="c" * 64, expires_at=utcnow())
    token = ApiToken(coop_id=coop.id, name="shop sync", token_hash="d" * 64, prefix="cm_dddd")
    label = make_label_with_criteria()
    version = label.current_version
    claim = LabelClaim(
        label_id=label.id,
        coop_id=coop.id,
        listing_id=listing.id,
        criteria_version_id=version.id,
        status=ClaimStatus.SUBMITTED,
        submitted_at=utcnow(),
    )
    db.session.add_all([image, upload, invite, token, claim])
    db.session.flush()
    answer = ClaimAnswer(claim_id=claim.id, criterion_id=version.criteria[0].id, answer="Yes.")
    db.session.add(answer)
    applicant = make_coop(slug="hopeful", status=CoopStatus.APPLIED)
    proposal = Proposal(
        kind=ProposalKind.ADMISSION,
        title="Admit Hopeful",
        coop_id=applicant.id,
        closes_at=utcnow() + timedelta(days=7),
        quorum_percent=50,
        majority_percent=50,
    )
    db.session.add(proposal)
    db.session.commit()
    order = place_order(people["buyer"], (make_listing(coop=coop), 1))
    values = {
        "reference": order.reference,
        "coop_order_id": order.coop_orders[0].id,
        "item_id": 1,
        "order_id": order.id,
        "slug": coop.slug,
        "listing_id": listing.id,
        "image_id": image.id,
        "import_id": upload.id,
        "invite_id": invite.id,
        "token_id": token.id,
        "action": "publish",
        "token": "not-a-real-invitation",
        "filename": image.filename,
        "claim_id": claim.id,
        "label_slug": label.slug,
        "coop_slug": applicant.slug,
        "proposal_id": proposal.id,
        "answer_id": answer.id,
        "criterion_id": version.criteria[0].id,
        "currency": "EUR",
        "refund_id": 1,
    }
    return people, values


def test_the_table_names_every_route(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert routes == set(ACCESS), (
        f"missing: {sorted(routes - set(ACCESS))}, stale: {sorted(set(ACCESS) - routes)}"
    )


def _request(client, app, endpoint: str, values: dict):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    url = app.url_map.bind("localhost").build(
        endpoint, {k: v for k, v in values.items() if k in rule.arguments}
    )
    method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
    return client.open(url, method=method, data={}), method, url


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_routes_it_may(app, world, role):
    people, values = world
    client = app.test_client()
    if role != "anonymous":
        log_in(client, people[role])
    wrong = []
    # Logging out last keeps the session for the other routes.
    for endpoint in sorted(ACCESS, key=lambda e: e == "auth.logout"):
        kind = ACCESS[endpoint]
        response, method, url = _request(client, app, endpoint, values)
        status = response.status_code
        to_login = status == 302 and "/login" in response.headers.get("Location", "")
        allowed = ALLOWED[kind] == "all" or role in ALLOWED[kind]
        if status >= 500:
            wrong.append(f"{method} {url}: {status}")
        elif kind in (API_TOKEN, API_PERSONAL):
            if status != 401 or response.json.get("code") != "unauthorized":
                wrong.append(f"{method} {url}: {status} without a token")
        elif allowed and (status in (401, 403) or to_login):
            wrong.append(f"{method} {url}: {status}, but {role} may use it")
        elif not allowed:
            turned_away = to_login if role == "anonymous" else status in (403, 404)
            if not turned_away:
                wrong.append(f"{method} {url}: {status}, but {role} may not use it")
    assert not wrong, "\n".join(wrong)


def test_a_plain_member_cannot_remove_someone_else(app, world):
    people, values = world
    client = app.test_client()
    log_in(client, people["member"])
    response = client.post(
        f"/dashboard/{values['slug']}/members/remove", data={"user_id": people["admin"].id}
    )
    assert response.status_code == 403
