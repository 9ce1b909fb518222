"""Applying, admission decisions, settings, members and invitation links, through pages."""

import re

from marketplace.extensions import db
from marketplace.models import Coop, CoopStatus, MemberRole, Membership
from tests.factories import make_coop, make_listing, make_member, make_user
from tests.web.helpers import log_in

APPLICATION = {
    "name": "Velo Kollektiv",
    "country": "DE",
    "region": "Kassel",
    "trade": "bike repair",
    "description": "We fix bikes.",
    "website": "",
    "currency": "EUR",
}


def test_a_user_applies_and_a_federation_admin_admits_the_coop(app):
    applicant, chair = make_user(), make_user(is_federation_admin=True)
    client = app.test_client()
    log_in(client, applicant)
    assert client.post("/coops/apply", data=APPLICATION).status_code == 302
    dashboard = client.get("/dashboard/velo-kollektiv").get_data(as_text=True)
    assert "Your application is with the federation" in dashboard
    assert client.get("/coops/velo-kollektiv").status_code == 404

    admin = app.test_client()
    log_in(admin, chair)
    assert "Velo Kollektiv" in admin.get("/admin/").get_data(as_text=True)
    response = admin.post("/admin/coops/velo-kollektiv", data={"decision": "admit", "reason": ""})
    assert response.status_code == 302
    assert client.get("/coops/velo-kollektiv").status_code == 200


def test_declining_without_a_reason_is_refused(app):
    coop = make_coop(status=CoopStatus.APPLIED)
    client = app.test_client()
    log_in(client, make_user(is_federation_admin=True))
    response = client.post(f"/admin/coops/{coop.slug}", data={"decision": "decline", "reason": ""})
    assert response.status_code == 400 and "reason" in response.get_data(as_text=True)
    db.session.refresh(coop)
    assert coop.status is CoopStatus.APPLIED


def test_suspension_hides_listings_and_tells_the_coop_why(app):
    coop = make_coop()
    listing = make_listing(coop=coop)
    member = make_user()
    make_member(member, coop, MemberRole.ADMIN)
    chair = app.test_client()
    log_in(chair, make_user(is_federation_admin=True))
    chair.post(f"/admin/coops/{coop.slug}", data={"decision": "suspend", "reason": "Fees unpaid."})
    visitor = app.test_client()
    assert visitor.get(f"/listings/{listing.id}").status_code == 404
    own = app.test_client()
    log_in(own, member)
    assert "Fees unpaid." in own.get(f"/dashboard/{coop.slug}").get_data(as_text=True)
    chair.post(f"/admin/coops/{coop.slug}", data={"decision": "readmit", "reason": ""})
    assert visitor.get(f"/listings/{listing.id}").status_code == 200


def test_an_invitation_link_is_shown_once_and_works_once(app):
    coop = make_coop(slug="bakery")
    admin, newcomer, latecomer = make_user(), make_user(), make_user()
    make_member(admin, coop, MemberRole.ADMIN)
    client = app.test_client()
    log_in(client, admin)
    page = client.post("/dashboard/bakery/members/invite", data={"role": "member", "email": ""})
    link = re.search(r'value="(http://localhost/invites/[^"]+)"', page.get_data(as_text=True))
    assert link, "the link is on the page"
    path = link.group(1).removeprefix("http://localhost")
    assert path not in client.get("/dashboard/bakery/members").get_data(as_text=True)

    joiner = app.test_client()
    assert joiner.get(path).status_code == 302  # log in first
    log_in(joiner, newcomer)
    assert "Join Co-op" in joiner.get(path).get_data(as_text=True)
    assert joiner.post(path).status_code == 302
    assert db.session.query(Membership).filter_by(user_id=newcomer.id, coop_id=coop.id).one()

    late = app.test_client()
    log_in(late, latecomer)
    assert late.get(path).status_code == 404
    assert late.post(path).status_code == 404
    assert not db.session.query(Membership).filter_by(user_id=latecomer.id).all()


def test_only_admins_invite_and_change_roles(app):
    coop = make_coop(slug="bakery")
    member = make_user()
    make_member(member, coop, MemberRole.MEMBER)
    client = app.test_client()
    log_in(client, member)
    assert client.get("/dashboard/bakery/members").status_code == 200
    assert (
        client.post("/dashboard/bakery/members/invite", data={"role": "admin"}).status_code == 403
    )
    assert (
        client.post(
            "/dashboard/bakery/members/role", data={"user_id": member.id, "role": "admin"}
        ).status_code
        == 403
    )
    db.session.refresh(member)
    assert member.memberships[0].role is MemberRole.MEMBER


def test_the_last_admin_is_told_they_cannot_leave(app):
    coop = make_coop(slug="bakery")
    admin = make_user()
    make_member(admin, coop, MemberRole.ADMIN)
    client = app.test_client()
    log_in(client, admin)
    response = client.post(
        "/dashboard/bakery/members/remove", data={"user_id": admin.id}, follow_redirects=True
    )
    assert "last admin" in response.get_data(as_text=True)
    assert db.session.query(Membership).count() == 1


def test_shipping_settings_are_saved_in_minor_units(app):
    coop = make_coop(slug="bakery")
    admin = make_user()
    make_member(admin, coop, MemberRole.ADMIN)
    client = app.test_client()
    log_in(client, admin)
    form = {
        "description": "Bread.",
        "region": "Graz",
        "website": "",
        "shipping_flat_fee": "4.90",
        "shipping_free_above": "50",
        "offers_pickup": "y",
        "pickup_address": "Murgasse 1, Graz",
    }
    assert client.post("/dashboard/bakery/settings", data=form).status_code == 302
    db.session.refresh(coop)
    assert (coop.shipping_flat_fee, coop.shipping_free_above, coop.offers_pickup) == (
        490,
        5000,
        True,
    )
    bad = client.post("/dashboard/bakery/settings", data={**form, "shipping_flat_fee": "-1"})
    assert bad.status_code == 400
    db.session.refresh(coop)
    assert coop.shipping_flat_fee == 490


def test_the_payout_account_is_saved_only_with_a_valid_iban(app):
    coop = make_coop(slug="bakery")
    admin = make_user()
    make_member(admin, coop, MemberRole.ADMIN)
    client = app.test_client()
    log_in(client, admin)
    form = {
        "description": "Bread.",
        "shipping_flat_fee": "0",
        "bank_account_holder": " Bakery  eG ",
        "bank_iban": "de89 3704 0044 0532 0130 00",
        "bank_bic": "cobadeffxxx",
    }
    assert client.post("/dashboard/bakery/settings", data=form).status_code == 302
    db.session.refresh(coop)
    assert (coop.bank_account_holder, coop.bank_iban, coop.bank_bic) == (
        "Bakery eG",
        "DE89370400440532013000",
        "COBADEFFXXX",
    )
    bad = client.post(
        "/dashboard/bakery/settings", data={**form, "bank_iban": "DE89 3704 0044 0532 0130 01"}
    )
    assert bad.status_code == 400 and "not a valid IBAN" in bad.get_data(as_text=True)
    db.session.refresh(coop)
    assert coop.bank_iban == "DE89370400440532013000"


def test_a_member_cannot_change_settings(app):
    coop = make_coop(slug="bakery")
    member = make_user()
    make_member(member, coop, MemberRole.MEMBER)
    client = app.test_client()
    log_in(client, member)
    assert client.get("/dashboard/bakery/settings").status_code == 403
    assert db.session.get(Coop, coop.id).description == "A worker-owned bakery."
