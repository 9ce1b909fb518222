"""Fixtures: a fresh database per test, on SQLite and on PostgreSQL.

PostgreSQL runs are selected by TEST_DATABASE_URL (a server URL, for example
postgresql://postgres@127.0.0.1:5432/postgres): the fixtures create one template
database from the migrations, copy it for each test and drop the copies. When
no server answers, those runs are skipped with the reason; REQUIRE_POSTGRES=1
(set by .ci/run) turns the skip into a failure.
"""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before the application is imported: keep everything a test writes out of the checkout.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="marketplace-tests-"))
os.environ["INSTANCE_PATH"] = str(_SESSION_DIR / "instance")
os.environ["SECRET_KEY"] = "test-secret-key"  # noqa: S105
os.environ.pop("DATABASE_URL", None)

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from jinja2.bccache import Bucket, BytecodeCache  # noqa: E402
from sqlalchemy import create_engine, make_url, text  # noqa: E402
from sqlalchemy.engine import URL  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.config import normalise_database_url  # noqa: E402
from marketplace.extensions import db  # noqa: E402

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


def test_settings(database_uri: str, instance: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "INSTANCE_PATH": str(instance),
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASHER": "argon2id-cheap-for-tests",
        "SERVER_NAME": None,
        # index changes are applied right after each commit: tests see them at once
        "SEARCH_SYNC": "inline",
        # mail is delivered right after each commit: tests see it at once
        "MAIL_DELIVERY": "inline",
        # unpaid orders are expired and failed mail retried by the tests that mean to
        "HOUSEKEEPING": "off",
    }


def _migrate(database_uri: str, instance: Path) -> None:
    """Build a schema the way production does: by running the migrations."""
    from flask_migrate import upgrade

    app = create_app(test_settings(database_uri, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _postgres_server_url() -> URL | None:
    if not TEST_DATABASE_URL:
        return None
    return make_url(normalise_database_url(TEST_DATABASE_URL))


def _postgres_unavailable_reason() -> str | None:
    url = _postgres_server_url()
    if url is None:
        return "TEST_DATABASE_URL is not set: PostgreSQL runs skipped"
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "no server"
        return f"PostgreSQL at {url.render_as_string(hide_password=True)} unreachable: {error}"
    return None


class _Postgres:
    """Creates and drops throwaway databases on the test server.

    Copying the template and dropping a used copy wait mostly on the server's disk, so
    a helper thread does both beside the tests: one copy is made ahead, and used ones
    are dropped behind.
    """

    def __init__(self, server: URL) -> None:
        self.server = server
        self.engine = create_engine(server, isolation_level="AUTOCOMMIT")
        self.template = f"mkt_template_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._ready: queue.Queue[str | BaseException] = queue.Queue(maxsize=1)
        self._to_drop: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def execute(self, sql: str) -> None:
        with self.engine.connect() as conn:
            conn.execute(text(sql))

    def url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def create_template(self, instance: Path) -> None:
        self.execute(f'CREATE DATABASE "{self.template}"')
        _migrate(self.url(self.template), instance)
        for work in (self._make_ahead, self._drop_behind):
            thread = threading.Thread(target=work, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _new_copy(self) -> str:
        name = f"mkt_test_{uuid.uuid4().hex[:12]}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def _make_ahead(self) -> None:
        while not self._stop.is_set():
            try:
                made: str | BaseException = self._new_copy()
            except BaseException as error:  # noqa: BLE001 - handed to the test that waits
                made = error
            while not self._stop.is_set():
                try:
                    self._ready.put(made, timeout=0.2)
                    break
                except queue.Full:
                    continue
            else:
                if isinstance(made, str):
                    self.drop(made)

    def _drop_behind(self) -> None:
        while (name := self._to_drop.get()) is not None:
            self.drop(name)

    def copy(self) -> str:
        made = self._ready.get(timeout=120)
        if isinstance(made, BaseException):
            raise made
        return made

    def release(self, name: str) -> None:
        """Drop a used copy behind the tests."""
        self._to_drop.put(name)

    def drop(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._stop.set()
        self._to_drop.put(None)
        for thread in self._threads:
            thread.join(timeout=60)
        while not self._ready.empty():
            made = self._ready.get_nowait()
            if isinstance(made, str):
                self.drop(made)
        self.drop(self.template)
        self.engine.dispose()


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per test process, not once per test's app: the cache key is
    the template's name and the checksum of its source, so a changed template is compiled anew."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _CompiledTemplates()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    _migrate(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Postgres]:
    reason = _postgres_unavailable_reason()
    if reason:
        if REQUIRE_POSTGRES:
            pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    server = _postgres_server_url()
    assert server is not None
    pg = _Postgres(server)
    pg.create_template(tmp_path_factory.mktemp("pg-template"))
    yield pg
    pg.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_uri(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    pg: _Postgres = request.getfixturevalue("postgres")
    name = pg.copy()
    try:
        yield pg.url(name)
    finally:
        pg.release(name)


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, hence its own database session and `g`,
    as in production; the test's own app context (for factories) stays separate."""

    def open(self, *args, **kwargs):  # type: ignore[override]
        if self.preserve_context:  # `with client:` keeps the request's context for the test
            return super().open(*args, **kwargs)
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_uri: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(test_settings(database_uri, tmp_path / "instance"))
    application.test_client_class = IsolatedClient
    application.jinja_env.bytecode_cache = _TEMPLATES
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def backend(app: Flask) -> str:
    """ "sqlite" or "postgresql": the database this test runs on."""
    return db.engine.dialect.name


@pytest.fixture
def no_search_sync(request: pytest.FixtureRequest) -> None:
    """For tests that never search: new listings are only queued for the index, not
    indexed at once (indexing each listing a factory makes is most of such a test's set-up)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["SEARCH_SYNC"] = "off"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out combinations that cannot exist (the PostgreSQL search engine on SQLite) and
    the PostgreSQL runs of tests marked `one_database`.

    Deselected rather than skipped, so that a skip in a CI run always means something.
    """
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        impossible = params.get("database_uri") == "sqlite" and params.get("engine") == "postgres"
        # reading input and checking rights do not depend on the database: SQLite suffices
        once = (
            item.get_closest_marker("one_database") and params.get("database_uri") == "postgresql"
        )
        (dropped if impossible or once else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
