import pytest

from marketplace.extensions import db
from marketplace.models import Coop, CoopStatus, MemberRole
from marketplace.services import admission, catalog
from tests.factories import make_coop, make_listing, make_user

APPLICATION = {
    "name": "Kaffekollektivet",
    "country": "se",
    "region": "Malmö",
    "trade": "coffee roasting",
    "description": "Six roasters who own the roastery together.",
    "website": "https://kaffe.example",
    "currency": "SEK",
}


def test_applying_creates_an_applied_coop_with_the_applicant_as_admin(app):
    user = make_user()
    coop = admission.apply_for_membership(APPLICATION, user)
    assert coop.status is CoopStatus.APPLIED and coop.slug == "kaffekollektivet"
    assert coop.country == "SE" and coop.currency == "SEK"
    assert [(m.user, m.role) for m in coop.memberships] == [(user, MemberRole.ADMIN)]
    assert coop in admission.applications()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"country": "Sweden"}, "country"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"description": ""}, "description"),
        ({"currency": "XXX"}, "currency"),
        ({"name": "n" * 121}, "name"),
    ],
)
def test_a_bad_application_is_refused_and_nothing_is_stored(app, change, field):
    with pytest.raises(admission.ApplicationInvalid) as refused:
        admission.apply_for_membership({**APPLICATION, **change}, make_user())
    assert field in {e.field for e in refused.value.errors}
    assert db.session.query(Coop).count() == 0


def test_a_name_already_taken_is_refused(app):
    make_coop(name="Kaffekollektivet", slug="kaffekollektivet")
    with pytest.raises(admission.ApplicationInvalid):
        admission.apply_for_membership(APPLICATION, make_user())


def test_admitting_makes_the_coop_public_and_dates_it(app):
    admin = make_user(is_federation_admin=True)
    coop = admission.apply_for_membership(APPLICATION, make_user())
    admission.decide(coop, "admit", "", admin)
    assert coop.status is CoopStatus.ADMITTED and coop.admitted_at is not None
    assert catalog.public_coop(coop.slug) == coop


def test_declining_and_suspending_need_a_reason(app):
    admin = make_user(is_federation_admin=True)
    coop = admission.apply_for_membership(APPLICATION, make_user())
    with pytest.raises(admission.ReasonRequired):
        admission.decide(coop, "decline", "   ", admin)
    assert coop.status is CoopStatus.APPLIED
    admission.decide(coop, "decline", "Not a co-operative.", admin)
    assert coop.status is CoopStatus.DECLINED and coop.decision_reason == "Not a co-operative."


def public_ids() -> set[int]:
    return {listing.id for listing in db.session.scalars(catalog.public_listings())}


def test_a_suspended_coops_listings_vanish_at_once_and_return_on_readmission(app):
    admin = make_user(is_federation_admin=True)
    coop = make_coop()
    listing = make_listing(coop=coop, title="Oat biscuits")
    assert listing.id in public_ids()
    admission.decide(coop, "suspend", "Unpaid fees since March.", admin)
    assert listing.id not in public_ids()
    admission.decide(coop, "readmit", "", admin)
    assert listing.id in public_ids()


def test_impossible_decisions_are_refused(app):
    admin = make_user(is_federation_admin=True)
    coop = make_coop()
    with pytest.raises(admission.DecisionRefused):
        admission.decide(coop, "admit", "", admin)
    with pytest.raises(ValueError):
        admission.decide(coop, "banish", "", admin)
