"""Personal API tokens on the account page: listed, created (shown once), revoked."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import PersonalToken
from marketplace.services import personal_tokens
from tests.factories import make_user
from tests.web.helpers import log_in


def token_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PersonalToken))


def shown_token(page: str) -> str:
    marker = 'id="new-token" type="text" readonly value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


@pytest.fixture
def buyer(app):
    return make_user(name="Ana")


def test_anonymous_visitors_are_sent_to_log_in_and_change_nothing(client, buyer):
    token, plaintext = personal_tokens.create_token(buyer, "keep")
    for response in (
        client.get("/account"),
        client.post("/account/tokens", data={"name": "sneaky"}),
        client.post(f"/account/tokens/{token.id}/revoke"),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert token_count() == 1
    assert personal_tokens.authenticate(plaintext) is not None


def test_the_new_token_is_shown_once_and_works(client, buyer):
    log_in(client, buyer)
    response = client.post("/account/tokens", data={"name": "shopping script"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "it will not be shown again" in page
    plaintext = shown_token(page)
    token = db.session.scalar(select(PersonalToken))
    assert token.user_id == buyer.id and token.name == "shopping script"
    assert hashlib.sha256(plaintext.encode()).hexdigest() == token.token_hash
    assert plaintext not in response.headers.get("Set-Cookie", "")
    later = client.get("/account").get_data(as_text=True)
    assert plaintext not in later
    assert token.prefix in later and "shopping script" in later and "never" in later
    assert personal_tokens.authenticate(plaintext).user_id == buyer.id


def test_the_page_lists_only_the_persons_own_tokens(client, buyer):
    personal_tokens.create_token(buyer, "mine")
    personal_tokens.create_token(make_user(), "someone else's")
    log_in(client, buyer)
    page = client.get("/account").get_data(as_text=True)
    assert "mine" in page and "someone else" not in page


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_token_without_a_sensible_name_is_refused_with_a_message(client, buyer, name):
    log_in(client, buyer)
    response = client.post("/account/tokens", data={"name": name})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This field is required" in page or "longer than 80" in page
    assert 'id="new-token"' not in page
    assert token_count() == 0


def test_a_person_revokes_a_token_from_the_page(client, buyer):
    token, plaintext = personal_tokens.create_token(buyer, "old script")
    log_in(client, buyer)
    response = client.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account#tokens"
    page = client.get("/account").get_data(as_text=True)
    assert "is revoked" in page and "Revoked" in page
    assert f"/account/tokens/{token.id}/revoke" not in page  # no button for a revoked token
    db.session.expire_all()  # the page revoked it in its own session
    assert personal_tokens.authenticate(plaintext) is None


@pytest.mark.parametrize("whose", ["another person's", "no one's"])
def test_revoking_a_token_that_is_not_yours_is_404_and_changes_nothing(client, buyer, whose):
    token, plaintext = personal_tokens.create_token(make_user(), "theirs")
    token_id = token.id if whose == "another person's" else token.id + 1000
    log_in(client, buyer)
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    db.session.expire_all()
    assert personal_tokens.authenticate(plaintext) is not None


def test_creating_and_revoking_need_the_forms_csrf_token(app, client, buyer):
    token, plaintext = personal_tokens.create_token(buyer, "keep")
    log_in(client, buyer)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/account/tokens", data={"name": "forged"}).status_code == 400
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 400
    assert token_count() == 1
    db.session.expire_all()
    assert personal_tokens.authenticate(plaintext) is not None


def test_the_password_form_still_works_beside_the_tokens(client, buyer):
    personal_tokens.create_token(buyer, "script")
    log_in(client, buyer)
    response = client.post(
        "/account", data={"current": "wrong", "password": "x" * 12, "confirm": "x" * 12}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "That is not your current password." in page and "script" in page
