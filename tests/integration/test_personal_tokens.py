"""Personal API tokens: a buyer's own, shown once, stored hashed, revocable."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import PersonalToken
from marketplace.services import api_tokens, personal_tokens
from tests.factories import make_coop, make_user


def token_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PersonalToken))


def test_a_token_is_stored_only_as_its_hash_and_authenticates_its_person(app):
    buyer = make_user()
    token, plaintext = personal_tokens.create_token(buyer, "  shopping script  ")
    assert plaintext.startswith("cp_") and len(plaintext) == 46
    assert token.name == "shopping script" and token.user_id == buyer.id
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.prefix == plaintext[:10]
    stored = db.session.execute(select(PersonalToken.__table__)).mappings().one()
    assert plaintext not in {str(value) for value in stored.values()}
    found = personal_tokens.authenticate(plaintext)
    assert found.id == token.id and found.user.id == buyer.id


@pytest.mark.parametrize(
    "attempt", ["", "cp_", "not-a-token", "cp_" + "A" * 43, "cp_" + "A" * 500, "Bearer cp_x"]
)
def test_wrong_tokens_do_not_authenticate(app, attempt):
    personal_tokens.create_token(make_user(), "real")
    assert personal_tokens.authenticate(attempt) is None


def test_a_coop_token_is_not_a_personal_token_and_the_other_way_round(app):
    _coop_token, coop_plaintext = api_tokens.create_token(make_coop(), "shop sync")
    _token, personal_plaintext = personal_tokens.create_token(make_user(), "script")
    assert personal_tokens.authenticate(coop_plaintext) is None
    assert api_tokens.authenticate(personal_plaintext) is None


def test_two_tokens_are_never_the_same(app):
    buyer = make_user()
    assert (
        personal_tokens.create_token(buyer, "a")[1] != personal_tokens.create_token(buyer, "b")[1]
    )


@pytest.mark.parametrize("name", ["", "   ", None, "x" * 81])
def test_a_token_needs_a_sensible_name(app, name):
    with pytest.raises(personal_tokens.InvalidTokenName):
        personal_tokens.create_token(make_user(), name)
    assert token_count() == 0


def test_revoking_stops_the_token_and_is_idempotent(app):
    buyer = make_user()
    token, plaintext = personal_tokens.create_token(buyer, "old")
    personal_tokens.revoke_token(buyer, token.id)
    revoked_at = token.revoked_at
    assert revoked_at is not None
    again = personal_tokens.revoke_token(buyer, token.id)
    assert again.id == token.id and token.revoked_at == revoked_at
    assert personal_tokens.authenticate(plaintext) is None


@pytest.mark.parametrize("whose", ["someone else's", "no one's"])
def test_a_person_cannot_revoke_a_token_that_is_not_theirs(app, whose):
    owner, other = make_user(), make_user()
    token, plaintext = personal_tokens.create_token(owner, "theirs")
    token_id = token.id if whose == "someone else's" else token.id + 1000
    with pytest.raises(personal_tokens.TokenNotFound):
        personal_tokens.revoke_token(other, token_id)
    assert personal_tokens.authenticate(plaintext) is not None


def test_last_used_is_written_at_most_once_a_minute(app):
    token, plaintext = personal_tokens.create_token(make_user(), "script")
    assert token.last_used_at is None
    first = personal_tokens.authenticate(plaintext).last_used_at
    assert first is not None
    assert personal_tokens.authenticate(plaintext).last_used_at == first
    token.last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    assert personal_tokens.authenticate(plaintext).last_used_at >= first


def test_tokens_of_lists_only_that_persons_tokens_active_first(app):
    buyer, other = make_user(), make_user()
    old, _ = personal_tokens.create_token(buyer, "old")
    personal_tokens.revoke_token(buyer, old.id)
    personal_tokens.create_token(buyer, "older")
    personal_tokens.create_token(buyer, "new")
    personal_tokens.create_token(other, "theirs")
    assert [t.name for t in personal_tokens.tokens_of(buyer)] == ["new", "older", "old"]
    assert personal_tokens.tokens_of(make_user()) == []
