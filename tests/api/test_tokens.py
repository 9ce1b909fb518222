"""API tokens: made and revoked by co-op admins, shown once, stored hashed; and from the CLI."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import ApiToken, CoopStatus, MemberRole
from marketplace.services import api_tokens
from tests.factories import make_coop, make_member, make_user
from tests.web.helpers import log_in


def token_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ApiToken))


# --- the service --------------------------------------------------------------------------


def test_a_token_is_stored_only_as_its_hash_and_authenticates(app, bakery):
    token, plaintext = api_tokens.create_token(bakery, "  shop sync  ")
    assert plaintext.startswith("cm_") and len(plaintext) >= 40
    assert token.name == "shop sync"
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.prefix == plaintext[:10]
    stored = db.session.execute(select(ApiToken.__table__)).mappings().one()
    assert plaintext not in {str(value) for value in stored.values()}
    assert api_tokens.authenticate(plaintext).id == token.id


@pytest.mark.parametrize(
    "attempt", ["", "cm_", "not-a-token", "cm_" + "A" * 43, "cm_" + "A" * 500, "Bearer cm_x"]
)
def test_wrong_tokens_do_not_authenticate(app, bakery, attempt):
    api_tokens.create_token(bakery, "real")
    assert api_tokens.authenticate(attempt) is None


def test_two_tokens_are_never_the_same(app, bakery):
    first = api_tokens.create_token(bakery, "a")[1]
    second = api_tokens.create_token(bakery, "b")[1]
    assert first != second


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_token_needs_a_sensible_name(app, bakery, name):
    with pytest.raises(api_tokens.InvalidTokenName):
        api_tokens.create_token(bakery, name)
    assert token_count() == 0


def test_revoking_stops_the_token_and_is_idempotent(app, bakery):
    token, plaintext = api_tokens.create_token(bakery, "old")
    api_tokens.revoke_token(bakery, token.id)
    revoked_at = token.revoked_at
    api_tokens.revoke_token(bakery, token.id)
    assert token.revoked_at == revoked_at
    assert api_tokens.authenticate(plaintext) is None


def test_a_coop_cannot_revoke_another_coops_token(app, bakery, roastery):
    token, plaintext = api_tokens.create_token(roastery, "theirs")
    with pytest.raises(api_tokens.TokenNotFound):
        api_tokens.revoke_token(bakery, token.id)
    assert api_tokens.authenticate(plaintext) is not None


def test_tokens_of_lists_only_that_coop_active_first(app, bakery, roastery):
    old, _ = api_tokens.create_token(bakery, "old")
    api_tokens.revoke_token(bakery, old.id)
    new, _ = api_tokens.create_token(bakery, "new")
    api_tokens.create_token(roastery, "theirs")
    assert [t.name for t in api_tokens.tokens_of(bakery)] == ["new", "old"]


# --- the dashboard page -------------------------------------------------------------------


@pytest.fixture
def people(bakery, roastery):
    admin, member, outsider = make_user(), make_user(), make_user()
    make_member(admin, bakery, MemberRole.ADMIN)
    make_member(member, bakery, MemberRole.MEMBER)
    make_member(outsider, roastery, MemberRole.ADMIN)
    return {
        "admin": admin,
        "member": member,
        "other_coop_admin": outsider,
        "buyer": make_user(),
        "reviewer": make_user(is_reviewer=True),
        "federation_admin": make_user(is_federation_admin=True),
    }


def test_anonymous_visitors_are_sent_to_log_in(client, people):
    response = client.get("/dashboard/kornblume/tokens")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.post("/dashboard/kornblume/tokens", data={"name": "x"}).status_code == 302
    assert token_count() == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("member", 403),
        ("other_coop_admin", 403),
        ("buyer", 403),
        ("reviewer", 403),
        ("federation_admin", 403),
    ],
)
def test_only_the_coops_admins_reach_its_tokens(client, people, who, status):
    log_in(client, people[who])
    assert client.get("/dashboard/kornblume/tokens").status_code == status
    created = client.post("/dashboard/kornblume/tokens", data={"name": "sneaky"})
    assert created.status_code == status
    assert token_count() == (1 if status == 200 else 0)


@pytest.mark.parametrize("who", ["member", "other_coop_admin", "buyer"])
def test_no_one_but_the_coops_admins_can_revoke_its_tokens(client, bakery, people, who):
    token, plaintext = api_tokens.create_token(bakery, "keep")
    log_in(client, people[who])
    response = client.post(f"/dashboard/kornblume/tokens/{token.id}/revoke")
    assert response.status_code == 403
    assert api_tokens.authenticate(plaintext) is not None


def test_an_admin_cannot_revoke_another_coops_token_through_their_own_page(
    client, roastery, people
):
    token, plaintext = api_tokens.create_token(roastery, "theirs")
    log_in(client, people["admin"])
    response = client.post(f"/dashboard/kornblume/tokens/{token.id}/revoke")
    assert response.status_code == 404
    assert api_tokens.authenticate(plaintext) is not None


def test_the_new_token_is_shown_once_and_works(client, people):
    log_in(client, people["admin"])
    response = client.post("/dashboard/kornblume/tokens", data={"name": "shop sync"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "it will not be shown again" in page
    token = db.session.scalar(select(ApiToken))
    plaintext = _shown_token(page)
    assert hashlib.sha256(plaintext.encode()).hexdigest() == token.token_hash
    assert "Set-Cookie" not in response.headers or plaintext not in response.headers["Set-Cookie"]
    later = client.get("/dashboard/kornblume/tokens").get_data(as_text=True)
    assert plaintext not in later and token.prefix in later and "shop sync" in later
    api = client.get("/api/v1/coop", headers={"Authorization": f"Bearer {plaintext}"})
    assert api.get_json()["slug"] == "kornblume"


def test_a_token_without_a_name_is_refused_with_a_message(client, people):
    log_in(client, people["admin"])
    response = client.post("/dashboard/kornblume/tokens", data={"name": ""})
    assert response.status_code == 400
    assert "This field is required" in response.get_data(as_text=True)
    assert token_count() == 0


def test_an_admin_revokes_a_token_from_the_page(client, bakery, people):
    token, plaintext = api_tokens.create_token(bakery, "old script")
    log_in(client, people["admin"])
    response = client.post(f"/dashboard/kornblume/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/kornblume/tokens"
    page = client.get("/dashboard/kornblume/tokens").get_data(as_text=True)
    assert "is revoked" in page and "Revoked" in page
    db.session.expire_all()  # the page revoked it in its own session
    assert api_tokens.authenticate(plaintext) is None


def test_the_page_of_an_unknown_coop_is_404(client, people):
    log_in(client, people["admin"])
    assert client.get("/dashboard/no-such-coop/tokens").status_code == 404


def test_creating_a_token_needs_the_forms_csrf_token(app, client, people):
    app.config["WTF_CSRF_ENABLED"] = True
    log_in_with_csrf = client.get("/login")
    assert log_in_with_csrf.status_code == 200
    app.config["WTF_CSRF_ENABLED"] = False
    log_in(client, people["admin"])
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/dashboard/kornblume/tokens", data={"name": "forged"})
    assert response.status_code == 400
    assert token_count() == 0


def _shown_token(page: str) -> str:
    marker = 'id="new-token" type="text" readonly value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


# --- the command line ---------------------------------------------------------------------


def test_the_cli_prints_only_a_working_token(app, client, bakery):
    result = app.test_cli_runner().invoke(args=["coop", "token", "kornblume", "--name", "deploy"])
    assert result.exit_code == 0, result.output
    plaintext = result.stdout.strip()
    assert plaintext.startswith("cm_") and "\n" not in plaintext
    assert db.session.scalar(select(ApiToken.name)) == "deploy"
    response = client.get("/api/v1/coop", headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 200 and response.get_json()["slug"] == "kornblume"


def test_the_cli_refuses_an_unknown_coop(app):
    result = app.test_cli_runner().invoke(args=["coop", "token", "nowhere", "--name", "x"])
    assert result.exit_code != 0
    assert "no co-op with the slug 'nowhere'" in result.output
    assert token_count() == 0


def test_the_cli_warns_when_the_coop_is_not_admitted(app):
    make_coop(slug="newcomer", status=CoopStatus.APPLIED)
    result = app.test_cli_runner().invoke(args=["coop", "token", "newcomer"])
    assert result.exit_code == 0
    assert result.stdout.strip().startswith("cm_")
    assert "refuses its tokens until it is admitted" in result.stderr
