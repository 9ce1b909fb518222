"""Fixtures shared by the integration tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from flask import Flask

from marketplace import create_app
from marketplace.extensions import db
from marketplace.services import search_index, seed
from marketplace.services.seed import SeedReport
from tests.conftest import _Postgres, test_settings


@pytest.fixture(params=["whoosh", "postgres"])
def engine(request: pytest.FixtureRequest, app: Flask):
    """The app's search engine: Whoosh, and on PostgreSQL also its full-text search.

    The PostgreSQL engine on an SQLite app is deselected by tests/conftest.py.
    """
    if request.param == "postgres":
        app.config["SEARCH_BACKEND"] = "postgres"
        app.extensions.pop("search_backend", None)
    return search_index.get_backend()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, SeedReport]]:
    """The demo federation seeded once per database for a module's read-only tests.

    Seeding takes seconds; tests that only read the demo share one copy. Tests that
    change it (or seed again) use `app` and seed their own.
    """
    folder = tmp_path_factory.mktemp("seeded-demo")
    pg: _Postgres | None = None
    if request.param == "sqlite":
        path = folder / "demo.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        uri = f"sqlite:///{path}"
    else:
        pg = request.getfixturevalue("postgres")
        name = pg.copy()
        uri = pg.url(name)
    settings = test_settings(uri, folder / "instance")
    settings["MAIL_DELIVERY"] = "off"  # the seed's mail only needs to be queued here
    application = create_app(settings)
    with application.app_context():
        report = seed.seed_demo()
        db.session.remove()
    yield application, report
    with application.app_context():
        db.engine.dispose()
    if pg is not None:
        pg.drop(name)


@pytest.fixture
def demo(seeded_demo: tuple[Flask, SeedReport]) -> Iterator[SeedReport]:
    """The shared seeded demo's report, with its app's context pushed for the test."""
    application, report = seeded_demo
    with application.app_context():
        yield report
        db.session.rollback()
        db.session.remove()
