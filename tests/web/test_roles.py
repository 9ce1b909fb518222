"""Pages that need a role: anonymous people log in first, others get 403."""

import pytest

from marketplace.models import MemberRole
from tests.factories import make_coop, make_listing, make_member, make_user
from tests.web.helpers import log_in


@pytest.fixture
def people(app):
    coop = make_coop(name="Kornblume Bakery", slug="kornblume")
    other = make_coop(name="Fika Roasters", slug="fika")
    make_listing(coop=coop, title="Rye sourdough")
    member, admin, outsider = make_user(), make_user(), make_user()
    make_member(member, coop, MemberRole.MEMBER)
    make_member(admin, coop, MemberRole.ADMIN)
    make_member(outsider, other, MemberRole.ADMIN)
    return {
        "buyer": make_user(),
        "member": member,
        "admin": admin,
        "other_coop_admin": outsider,
        "reviewer": make_user(is_reviewer=True),
        "federation_admin": make_user(is_federation_admin=True),
    }


# who -> expected status of (co-op dashboard of kornblume, federation admin page)
EXPECTED = {
    "buyer": (403, 403),
    "member": (200, 403),
    "admin": (200, 403),
    "other_coop_admin": (403, 403),
    "reviewer": (403, 403),
    "federation_admin": (403, 200),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_reaches_exactly_its_pages(client, people, who):
    log_in(client, people[who])
    dashboard = client.get("/dashboard/kornblume")
    admin = client.get("/admin/")
    assert (dashboard.status_code, admin.status_code) == EXPECTED[who]
    if dashboard.status_code == 403:
        assert "Not allowed" in dashboard.get_data(as_text=True)
    else:
        assert "Rye sourdough" in dashboard.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/dashboard/kornblume", "/admin/", "/account", "/dashboard/"])
def test_anonymous_visitors_are_sent_to_log_in(client, people, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_the_dashboard_link_leads_a_member_to_their_coop(client, people):
    log_in(client, people["member"])
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/kornblume"
    assert "My co-op" in client.get("/").get_data(as_text=True)


def test_a_dashboard_of_an_unknown_coop_is_404(client, people):
    log_in(client, people["member"])
    assert client.get("/dashboard/no-such-coop").status_code == 404
