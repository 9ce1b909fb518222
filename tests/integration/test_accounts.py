import pytest
from argon2 import PasswordHasher, profiles

from marketplace.extensions import db
from marketplace.models import User
from marketplace.services import accounts
from tests.factories import PASSWORD, make_user


def test_registering_stores_a_lower_cased_email_and_an_argon2id_hash(app):
    user = accounts.register("  Ana@Example.ORG ", "Ana", "a long passphrase")
    assert user.email == "ana@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert "a long passphrase" not in user.password_hash


def test_the_same_email_cannot_register_twice_in_any_case(app):
    accounts.register("ana@example.org", "Ana", "a long passphrase")
    with pytest.raises(accounts.EmailTaken):
        accounts.register("ANA@example.org", "Ana again", "another passphrase")
    assert db.session.query(User).count() == 1


@pytest.mark.parametrize(("password", "why"), [("short", "short"), ("ana@example.org", "email")])
def test_weak_passwords_are_refused_and_nothing_is_stored(app, password, why):
    with pytest.raises(accounts.WeakPassword) as refused:
        accounts.register("ana@example.org", "Ana", password)
    assert refused.value.args[0] == why
    assert db.session.query(User).count() == 0


def test_authenticate_accepts_the_right_password_only(app):
    user = make_user(email="bo@example.org")
    assert accounts.authenticate("BO@example.org", PASSWORD) == user
    with pytest.raises(accounts.InvalidCredentials):
        accounts.authenticate("bo@example.org", "wrong password")
    with pytest.raises(accounts.InvalidCredentials):
        accounts.authenticate("nobody@example.org", PASSWORD)


def test_an_outdated_hash_is_upgraded_at_login(app):
    user = make_user()
    old = PasswordHasher.from_parameters(profiles.PRE_21_2).hash(PASSWORD)
    user.password_hash = old
    db.session.commit()
    accounts.authenticate(user.email, PASSWORD)
    assert user.password_hash != old
    assert not PasswordHasher.from_parameters(profiles.CHEAPEST).check_needs_rehash(
        user.password_hash
    )


def test_changing_the_password_rotates_the_session_token(app):
    user = make_user()
    token = user.session_token
    accounts.change_password(user, PASSWORD, "a brand new passphrase")
    assert user.session_token != token
    assert accounts.authenticate(user.email, "a brand new passphrase") == user
    with pytest.raises(accounts.InvalidCredentials):
        accounts.change_password(user, PASSWORD, "yet another passphrase")


def test_the_login_cookie_id_needs_the_current_session_token(app):
    user = make_user()
    assert accounts.load_user(user.get_id()) == user
    assert accounts.load_user(f"{user.id}:stale-token") is None
    assert accounts.load_user("nonsense") is None


def test_create_admin_promotes_an_existing_account_without_touching_its_password(app):
    user = make_user(email="fed@example.org")
    before = user.password_hash
    promoted, created = accounts.create_admin("FED@example.org", "Fed", "ignored password")
    assert promoted == user and not created
    assert user.is_federation_admin and user.password_hash == before
