"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest
from flask import Flask

from marketplace.services import search_index


@pytest.fixture(params=["whoosh", "postgres"])
def engine(request: pytest.FixtureRequest, app: Flask):
    """The app's search engine: Whoosh, and on PostgreSQL also its full-text search.

    The PostgreSQL engine on an SQLite app is deselected by tests/conftest.py.
    """
    if request.param == "postgres":
        app.config["SEARCH_BACKEND"] = "postgres"
        app.extensions.pop("search_backend", None)
    return search_index.get_backend()
