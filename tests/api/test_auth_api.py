"""Buyer accounts through the API: register, trade the password for a personal token,
and personal token authentication (`token_user`) for the buyer's own endpoints."""

from __future__ import annotations

import hashlib

import pytest
from flask import g
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from marketplace.api.base import ApiBlueprint
from marketplace.api.buyer_auth import personal_token_auth, token_user
from marketplace.api.errors import api_error_response
from marketplace.extensions import db
from marketplace.models import PersonalToken, User
from marketplace.services import accounts, api_tokens, personal_tokens
from tests.api.conftest import bearer_header
from tests.factories import PASSWORD, make_coop, make_user
from tests.web.helpers import log_in

GOOD_PASSWORD = "a long passphrase"  # noqa: S105


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def token_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PersonalToken))


def register(client, **body):
    body.setdefault("email", "ana@example.org")
    body.setdefault("password", GOOD_PASSWORD)
    return client.post("/api/v1/auth/register", json=body)


def get_token(client, user, password: str = PASSWORD, **extra):
    return client.post(
        "/api/v1/auth/token", json={"email": user.email, "password": password, **extra}
    )


def as_user(app, headers: dict[str, str]):
    """token_user() for a request with these headers: the user, or the JSON error response."""
    with app.test_request_context("/api/v1/orders", headers=headers):
        try:
            return token_user()
        except HTTPException as error:
            return api_error_response(error)


# --- register -----------------------------------------------------------------------------


def test_a_visitor_registers_and_can_log_in_with_the_new_account(client):
    response = register(client, email="Ana@Example.org", name="  Ana Lima ")
    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "email": "ana@example.org", "name": "Ana Lima"}
    assert "password" not in response.get_data(as_text=True)
    user = db.session.get(User, body["id"])
    assert accounts.authenticate("ana@example.org", GOOD_PASSWORD).id == user.id


def test_without_a_name_the_account_is_named_after_the_address(client):
    response = register(client, email="ana.lima@example.org")
    assert response.status_code == 201
    assert response.get_json()["name"] == "ana.lima"


def test_registering_a_taken_address_is_409_email_taken(client):
    make_user(email="taken@example.org")
    response = register(client, email="Taken@Example.org")
    assert response.status_code == 409
    assert response.get_json() == {
        "code": "email_taken",
        "message": "An account with this e-mail address already exists.",
    }
    assert user_count() == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Use at least 10 characters."),
        ("ana@example.org", "Your password must not contain your e-mail address."),
    ],
)
def test_a_weak_password_is_422_naming_the_password(client, password, message):
    response = register(client, password=password)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_failed"
    assert body["errors"] == {"password": [message]}
    assert user_count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": None}, "email"),
        ({"email": "a" * 250 + "@example.org"}, "email"),
        ({"password": None}, "password"),
        ({"password": "x" * 201}, "password"),
        ({"name": "x" * 121}, "name"),
        ({"name": 12}, "name"),
        ({"is_federation_admin": True}, "is_federation_admin"),
    ],
)
def test_bad_registrations_name_the_field_and_create_nothing(client, body, field):
    response = register(client, **body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert user_count() == 0


def test_registering_without_a_body_names_the_missing_fields(client):
    response = client.post("/api/v1/auth/register", json={})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"email", "password"}


def test_registering_is_rate_limited(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    codes = [register(client, email=f"p{n}@example.org").status_code for n in range(3)]
    assert codes == [201, 201, 429]
    assert user_count() == 2


# --- token --------------------------------------------------------------------------------


def test_the_password_gets_a_personal_token_that_authenticates_as_that_person(app, client):
    buyer = make_user()
    response = get_token(client, buyer, name="shopping script")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert set(body) == {"token", "id", "name", "prefix"}
    assert body["token"].startswith("cp_") and body["prefix"] == body["token"][:10]
    assert body["name"] == "shopping script"
    stored = db.session.get(PersonalToken, body["id"])
    assert stored.user_id == buyer.id
    assert stored.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert as_user(app, bearer_header(body["token"])).id == buyer.id


def test_a_token_asked_for_without_a_name_gets_a_default_one(client):
    response = get_token(client, make_user())
    assert response.status_code == 201
    assert response.get_json()["name"] == "API token"


@pytest.mark.parametrize("who", ["wrong password", "unknown address"])
def test_wrong_credentials_are_401_invalid_credentials_and_make_no_token(client, who):
    buyer = make_user()
    if who == "wrong password":
        response = get_token(client, buyer, password="not the password")
    else:
        response = client.post(
            "/api/v1/auth/token", json={"email": "nobody@example.org", "password": PASSWORD}
        )
    assert response.status_code == 401
    assert response.get_json() == {
        "code": "invalid_credentials",
        "message": "E-mail address or password is wrong.",
    }
    assert token_count() == 0


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 81}, "name")],
)
def test_a_bad_token_name_is_422_and_makes_no_token(client, extra, field):
    response = get_token(client, make_user(), **extra)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert token_count() == 0


def test_token_requests_are_rate_limited_like_the_login(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    buyer = make_user()
    codes = [get_token(client, buyer, password="wrong").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    blocked = get_token(client, buyer)
    assert blocked.status_code == 429
    assert blocked.get_json()["code"] == "rate_limited"
    assert token_count() == 0


def test_the_account_endpoints_need_no_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    assert register(client).status_code == 201
    assert get_token(client, make_user()).status_code == 201


# --- token_user ---------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic abc:def", "cp_x"])
def test_without_a_bearer_token_token_user_is_401_unauthorized(app, header):
    response = as_user(app, {} if header is None else {"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"
    assert "personal API token" in response.get_json()["message"]
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("token", ["cp_" + "A" * 43, "cp_short", "nonsense"])
def test_an_unknown_token_is_401_invalid_token(app, token):
    personal_tokens.create_token(make_user(), "real")
    response = as_user(app, bearer_header(token))
    assert response.status_code == 401
    assert response.get_json() == {
        "code": "invalid_token",
        "message": "This personal API token is not valid or has been revoked.",
    }
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_a_coop_token_is_refused_with_a_message_asking_for_a_personal_one(app):
    _token, plaintext = api_tokens.create_token(make_coop(), "shop sync")
    response = as_user(app, bearer_header(plaintext))
    assert response.status_code == 401
    body = response.get_json()
    assert body["code"] == "invalid_token"
    assert "co-op's API token" in body["message"] and "personal API token" in body["message"]


def test_token_user_gives_the_tokens_person_and_remembers_the_token(app):
    buyer = make_user()
    token, plaintext = personal_tokens.create_token(buyer, "script")
    with app.test_request_context(
        "/api/v1/orders", headers={"Authorization": f"bearer {plaintext}"}
    ):
        assert token_user().id == buyer.id
        assert g.personal_token.id == token.id


def test_a_token_revoked_on_the_account_page_no_longer_works(app, client):
    buyer = make_user()
    body = get_token(client, buyer).get_json()
    assert as_user(app, bearer_header(body["token"])).id == buyer.id
    log_in(client, buyer)
    revoked = client.post(f"/account/tokens/{body['id']}/revoke")
    assert revoked.status_code == 302
    db.session.expire_all()  # the page revoked it in its own session
    response = as_user(app, bearer_header(body["token"]))
    assert response.status_code == 401 and response.get_json()["code"] == "invalid_token"


def test_the_decorator_passes_the_person_to_the_view_and_refuses_others(app):
    blueprint = ApiBlueprint("api_test_buyer", __name__, url_prefix="/api/v1", tag="Test")

    @blueprint.route("/whoami")
    @personal_token_auth(blueprint)
    def whoami(user: User) -> dict[str, int]:
        return {"id": user.id}

    app.register_blueprint(blueprint)
    buyer = make_user()
    token, plaintext = personal_tokens.create_token(buyer, "script")
    client = app.test_client()
    response = client.get("/api/v1/whoami", headers=bearer_header(plaintext))
    assert response.get_json() == {"id": buyer.id}
    assert client.get("/api/v1/whoami").status_code == 401
    personal_tokens.revoke_token(buyer, token.id)
    assert client.get("/api/v1/whoami", headers=bearer_header(plaintext)).status_code == 401


# --- the OpenAPI document -----------------------------------------------------------------


def test_the_account_endpoints_are_documented_as_public_with_their_errors(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    register_op = spec["paths"]["/api/v1/auth/register"]["post"]
    token_op = spec["paths"]["/api/v1/auth/token"]["post"]
    for operation in (register_op, token_op):
        assert operation["tags"] == ["Accounts"] and "security" not in operation
        assert operation["summary"]
        assert {"201", "422", "429"} <= set(operation["responses"])
    assert "409" in register_op["responses"] and "401" in token_op["responses"]
    schemas = spec["components"]["schemas"]
    assert schemas["Register"]["additionalProperties"] is False
    assert set(schemas["Register"]["required"]) == {"email", "password"}
    assert set(schemas["TokenRequest"]["required"]) == {"email", "password"}
    assert "password" not in schemas["Account"]["properties"]
    assert set(schemas["NewToken"]["properties"]) == {"token", "id", "name", "prefix"}


def test_personal_tokens_have_their_own_security_scheme(client):
    schemes = client.get("/api/v1/openapi.json").get_json()["components"]["securitySchemes"]
    assert schemes["personalToken"]["type"] == "http"
    assert schemes["personalToken"]["scheme"] == "bearer"
    assert "cp_" in schemes["personalToken"]["description"]
