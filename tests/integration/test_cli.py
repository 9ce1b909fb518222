from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Coop, User
from marketplace.services.accounts import authenticate
from tests.factories import make_user


def test_create_admin_creates_a_federation_admin_with_the_given_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-admin", "Chair@Example.org", "--password", "a chair passphrase"]
    )
    assert result.exit_code == 0, result.output
    assert "Created federation admin chair@example.org" in result.output
    user = authenticate("chair@example.org", "a chair passphrase")
    assert user.is_federation_admin


def test_create_admin_asks_for_the_password_twice(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "chair@example.org"],
        input="a chair passphrase\na chair passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert authenticate("chair@example.org", "a chair passphrase").is_federation_admin


def test_create_admin_promotes_an_existing_account(app):
    make_user(email="member@example.org")
    result = app.test_cli_runner().invoke(
        args=["create-admin", "member@example.org", "--password", "unused passphrase"]
    )
    assert result.exit_code == 0 and "Promoted" in result.output
    assert db.session.scalar(
        select(User).where(User.email == "member@example.org")
    ).is_federation_admin


def test_create_admin_refuses_a_weak_password_and_writes_nothing(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "chair@example.org", "--password", "short"]
    )
    assert result.exit_code != 0 and "too weak" in result.output
    assert db.session.scalar(select(User)) is None


def test_seed_demo_prints_the_demo_users_and_if_empty_seeds_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "demo-password" in first.output and "admin@example.org" in first.output
    coops = db.session.scalars(select(Coop)).all()
    second = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not seeding" in second.output
    assert len(db.session.scalars(select(Coop)).all()) == len(coops)
