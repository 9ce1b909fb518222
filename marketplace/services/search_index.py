"""The application's search engine, chosen by `SEARCH_BACKEND`, one per app."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from search.backend import SearchBackend

from ..extensions import db

BACKENDS = ("whoosh", "postgres")


def get_backend() -> SearchBackend:
    """The app's `SearchBackend` (built on first use, then kept on the app)."""
    app = current_app
    backend = app.extensions.get("search_backend")
    if backend is None:
        name = app.config.get("SEARCH_BACKEND") or "whoosh"
        if name == "whoosh":
            from search.whoosh_backend import WhooshBackend

            folder = app.config.get("SEARCH_INDEX_DIR") or Path(app.instance_path) / "search"
            backend = WhooshBackend(Path(folder))
        elif name == "postgres":
            if db.engine.dialect.name != "postgresql":
                raise RuntimeError("SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL")
            from search.postgres_backend import PostgresBackend

            backend = PostgresBackend(db.engine)
        else:
            raise RuntimeError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
        app.extensions["search_backend"] = backend
    return backend
