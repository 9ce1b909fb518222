"""Register, log in, log out, change password; sessions and cookies."""

import re

import pytest
from flask import session

from marketplace.extensions import db
from marketplace.models import User
from tests.factories import PASSWORD, make_user
from tests.web.helpers import log_in


def _register(client, email="new@example.org", password="a long passphrase", confirm=None):
    return client.post(
        "/register",
        data={
            "name": "New Buyer",
            "email": email,
            "password": password,
            "confirm": confirm or password,
        },
    )


def test_a_visitor_registers_and_is_logged_in(client):
    response = _register(client)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Welcome, New Buyer" in page and "Log out" in page


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"password": "short"}, "at least 10"),
        ({"email": "not-an-email"}, "Invalid email address"),
        ({"confirm": "something else!"}, "Passwords do not match"),
        ({"password": "new@example.org"}, "must not contain your e-mail"),
    ],
)
def test_bad_registrations_get_a_clear_message_and_create_nothing(client, kwargs, message):
    response = _register(client, **kwargs)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_registering_a_taken_address_says_so(client):
    make_user(email="taken@example.org")
    response = _register(client, email="Taken@example.org")
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_login_with_a_wrong_password_is_refused(client):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "wrong one"})
    assert response.status_code == 400
    assert "E-mail address or password is wrong" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_login_follows_next_but_never_to_another_site(client):
    user = make_user()
    ok = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "/categories/"}
    )
    assert ok.headers["Location"] == "/categories/"
    client.post("/logout")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "next": target}
        )
        assert response.headers["Location"] == "/", target
        client.post("/logout")


def test_logging_in_starts_a_new_session(client):
    user = make_user()
    with client:
        client.get("/")
        with client.session_transaction() as before:
            before["planted"] = "by an attacker"
        log_in(client, user)
        client.get("/")
        assert "planted" not in session
        first_sid = session["sid"]
        log_in(client, user)
        client.get("/")
        assert session["sid"] != first_sid


def test_logout_ends_the_session(client):
    log_in(client, make_user())
    assert client.get("/account").status_code == 200
    client.post("/logout")
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_changing_the_password_logs_out_other_sessions(app):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, user)
    log_in(phone, user)
    response = laptop.post(
        "/account",
        data={
            "current": PASSWORD,
            "password": "a fresh passphrase",
            "confirm": "a fresh passphrase",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302


def test_changing_the_password_needs_the_current_one(client):
    log_in(client, make_user())
    response = client.post(
        "/account",
        data={
            "current": "not it at all",
            "password": "a fresh passphrase",
            "confirm": "a fresh passphrase",
        },
    )
    assert response.status_code == 400
    assert "not your current password" in response.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite_lax(client):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_when_served_over_https(app):
    app.config["SESSION_COOKIE_SECURE"] = True
    user = make_user()
    response = app.test_client().post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        base_url="https://localhost",
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie


def test_login_attempts_are_rate_limited(app):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    user = make_user()
    client = app.test_client()
    codes = [
        client.post("/login", data={"email": user.email, "password": "wrong"}).status_code
        for _ in range(4)
    ]
    assert codes == [400, 400, 400, 429]
    blocked = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)


def test_every_form_needs_a_csrf_token(app):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user()
    client = app.test_client()
    refused = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 400
    assert "This form has expired" in refused.get_data(as_text=True)
    for url in ("/register", "/logout", "/language", "/account"):
        assert client.post(url, data={}).status_code == 400, url
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    accepted = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert accepted.status_code == 302
