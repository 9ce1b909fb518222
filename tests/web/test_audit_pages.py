from marketplace.models import MemberRole
from marketplace.services import admission
from tests.factories import make_coop, make_member, make_user
from tests.web.helpers import log_in


def test_federation_admins_see_every_entry_and_coops_only_their_own(app):
    chair = make_user(is_federation_admin=True, name="Chair Person")
    bakery, roastery = make_coop(slug="bakery"), make_coop(slug="roastery")
    admission.decide(bakery, "suspend", "Bakery fees unpaid.", chair)
    admission.decide(roastery, "suspend", "Roastery paperwork missing.", chair)
    member = make_user()
    make_member(member, bakery, MemberRole.MEMBER)

    client = app.test_client()
    log_in(client, chair)
    everything = client.get("/admin/audit").get_data(as_text=True)
    assert "Bakery fees unpaid." in everything and "Roastery paperwork missing." in everything
    assert "Chair Person" in everything and "coop.suspended" in everything

    own = app.test_client()
    log_in(own, member)
    page = own.get("/dashboard/bakery/audit").get_data(as_text=True)
    assert "Bakery fees unpaid." in page and "Roastery paperwork missing." not in page
    assert own.get("/dashboard/roastery/audit").status_code == 403
    assert own.get("/admin/audit").status_code == 403
