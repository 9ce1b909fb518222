"""The real application under the search benchmark: its database, freshness and requests/s.

- `build_app`: a scratch SQLite database made by the migrations, filled with the corpus as
  real rows (co-ops, categories, labels with current criteria, active listings, approved label
  claims) in bulk, then the index built from the database as `flask search reindex` does.
- `freshness`: edit listings' titles to a new word through the listings service (the path
  the web and the API take), and time from the edit's commit until the engine finds the word.
- `requests_per_second`: gunicorn (2 sync workers) serving the app, its search page and a
  hello-world Flask view, loaded over loopback by wrk or, without it, by Python processes.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import Engine, insert, select

from bench.search_corpus import LABELS, Corpus, QueryCase
from search.backend import SearchQuery

ROOT = Path(__file__).resolve().parent.parent
#: the bare hello-world view, mounted beside the app by bench/search_wsgi.py
HELLO_PATH = "/_bench/hello"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class AppSetup:
    instance: Path
    database: Path
    index_dir: Path
    listings: int
    insert_seconds: float
    reindex_seconds: float
    #: documents read back from the database that differ from the corpus (should be 0)
    mismatched: int
    notes: list[str] = field(default_factory=list)


def settings(instance: Path, database: Path, index_dir: Path) -> dict[str, object]:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "bench-only",
        "SEARCH_BACKEND": "whoosh",
        "SEARCH_INDEX_DIR": str(index_dir),
        "SEARCH_SYNC": "thread",
        "JOBS_BACKEND": "inline",
    }


def environment(setup: AppSetup) -> dict[str, str]:
    """The same settings for a gunicorn process (read by `create_app()` from the environment)."""
    env = dict(os.environ)
    env.update(
        INSTANCE_PATH=str(setup.instance),
        DATABASE_URL=f"sqlite:///{setup.database}",
        SECRET_KEY="bench-only",  # noqa: S106 - a throwaway app
        SEARCH_BACKEND="whoosh",
        SEARCH_INDEX_DIR=str(setup.index_dir),
        SEARCH_SYNC="thread",
        JOBS_BACKEND="inline",
    )
    return env


def build_app(corpus: Corpus, folder: Path, log: Callable[[str], None]) -> tuple[Flask, AppSetup]:
    """A migrated SQLite database holding the corpus as real rows, and its index; (app, setup)."""
    import logging

    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.extensions import db

    instance = folder / "instance"
    database = folder / "app.db"
    index_dir = folder / "app-index"
    app = create_app(settings(instance, database, index_dir))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("marketplace").setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        log(f"app: inserting {corpus.size:,} listings into {database.name}")
        started = time.perf_counter()
        _insert(corpus, db.engine)
        inserted = time.perf_counter() - started
        log(f"app: inserted in {inserted:.1f} s; building the index from the database")
        reindex_seconds, notes = _reindex()
        mismatched = _compare(corpus)
    setup = AppSetup(instance, database, index_dir, corpus.size, inserted, reindex_seconds,
                     mismatched, notes)  # fmt: skip
    return app, setup


def _insert(corpus: Corpus, engine: Engine) -> None:
    """Rows for every co-op, category, label and listing of the corpus, in bulk (no ORM)."""
    from marketplace.models import (
        Category,
        Coop,
        CriteriaVersion,
        Label,
        LabelClaim,
        Listing,
    )
    from marketplace.models.base import utcnow

    now = utcnow()
    with engine.begin() as connection:
        connection.execute(
            insert(Coop.__table__),
            [
                {
                    "slug": c.slug,
                    "name": c.name,
                    "country": c.country,
                    "region": c.region,
                    "trade": "worker co-operative",
                    "description": "",
                    "status": "admitted",
                    "currency": c.currency,
                    "created_at": now,
                    "admitted_at": now,
                }
                for c in corpus.coops
            ],
        )
        coop_ids = dict(connection.execute(select(Coop.slug, Coop.id)).all())
        for roots in (True, False):
            category_ids = dict(connection.execute(select(Category.slug, Category.id)).all())
            connection.execute(
                insert(Category.__table__),
                [
                    {
                        "slug": c.slug,
                        "name": c.name,
                        "position": n,
                        "parent_id": None if roots else category_ids[c.parent],
                    }
                    for n, c in enumerate(corpus.categories)
                    if (c.parent is None) == roots
                ],
            )
        category_ids = dict(connection.execute(select(Category.slug, Category.id)).all())
        connection.execute(
            insert(Label.__table__),
            [
                {
                    "slug": slug,
                    "name": name,
                    "summary": name,
                    "description": "",
                    "scope": "both",
                    "position": n,
                }
                for n, (slug, name) in enumerate(LABELS)
            ],
        )
        label_ids = dict(connection.execute(select(Label.slug, Label.id)).all())
        connection.execute(
            insert(CriteriaVersion.__table__),
            [
                {
                    "label_id": label_id,
                    "number": 1,
                    "status": "current",
                    "summary": "",
                    "created_at": now,
                    "adopted_at": now,
                }
                for label_id in label_ids.values()
            ],
        )
        versions = dict(
            connection.execute(select(CriteriaVersion.label_id, CriteriaVersion.id)).all()
        )
        approved, expires = now - timedelta(days=30), now + timedelta(days=330)
        for number in range(corpus.batches):
            listings, claims = [], []
            for doc in corpus.batch(number):
                coop_id = coop_ids[doc.coop_slug]
                listings.append(
                    {
                        "id": doc.id,
                        "coop_id": coop_id,
                        "sku": f"B{doc.id}",
                        "kind": doc.kind,
                        "title": doc.title,
                        "description": doc.description,
                        "category_id": category_ids[doc.category],
                        "price_amount": doc.price_amount,
                        "currency": doc.currency,
                        "vat_rate_bp": 1900,
                        "stock": 10 if doc.kind == "good" else None,
                        "capacity": None,
                        "condition": doc.condition,
                        "region": doc.region,
                        "ships_to": "EU",
                        "language": doc.language,
                        "status": "active",
                        "version": 1,
                        "created_at": doc.created_at,
                        "updated_at": doc.created_at,
                        "published_at": doc.created_at,
                    }
                )
                for slug in doc.labels:
                    label_id = label_ids[slug]
                    claims.append(
                        {
                            "label_id": label_id,
                            "coop_id": coop_id,
                            "listing_id": doc.id,
                            "criteria_version_id": versions[label_id],
                            "status": "approved",
                            "created_at": approved,
                            "submitted_at": approved,
                            "decided_at": approved,
                            "approved_at": approved,
                            "expires_at": expires,
                            "version": 1,
                        }
                    )
            connection.execute(insert(Listing.__table__), listings)
            if claims:
                connection.execute(insert(LabelClaim.__table__), claims)


def _reindex() -> tuple[float, list[str]]:
    """Build the index from the database the way `flask search reindex` does; seconds taken."""
    from marketplace.services import search_index

    started = time.perf_counter()
    if hasattr(search_index, "reindex"):
        search_index.reindex()
        return time.perf_counter() - started, []
    from marketplace.services.search_documents import all_documents

    search_index.get_backend().rebuild(all_documents())
    return time.perf_counter() - started, ["no search_index.reindex(): built by backend.rebuild()"]


def _compare(corpus: Corpus, sample: int = 200) -> int:
    """How many of the first `sample` listings read back as a different document."""
    from marketplace.services.search_documents import documents_for

    expected = {doc.id: doc for doc in corpus.batch(0)[:sample]}
    found = documents_for(expected)
    return sum(
        1
        for i, doc in expected.items()
        if found[i] is None or found[i].fingerprint() != doc.fingerprint()  # type: ignore[union-attr]
    )


# --- an edit's commit until it is found ----------------------------------------------------


@dataclass
class Freshness:
    #: seconds from the commit until the word was found, per edit (None: not within the limit)
    seconds: list[float | None]
    #: how the change reached the index
    path: str


def _word(n: int) -> str:
    """A word no listing contains: letters only, so every stemmer keeps it whole."""
    letters = ""
    n += 26 * 26
    while n:
        n, digit = divmod(n, 26)
        letters = _LETTERS[digit] + letters
    return "qzx" + letters + "".join(secrets.choice(_LETTERS) for _ in range(4)) + "q"


def freshness(
    app: Flask,
    listing_ids: Iterable[int],
    limit: float,
    log: Callable[[str], None],
    settle: float = 3.0,
) -> Freshness:
    """Edit each listing's title to a new word, commit, and poll the engine until it finds it."""
    from marketplace.extensions import db
    from marketplace.models import Listing
    from marketplace.services import listings, search_index

    start = getattr(search_index, "start_indexer", None)
    indexer = start(app) if start is not None else None
    path = "SEARCH_SYNC=thread (the process's indexer)" if indexer else "after-commit sync"
    if indexer is not None:
        time.sleep(settle)  # its first pass (empty-index check, label sweep) before the clock
    results: list[float | None] = []
    for n, listing_id in enumerate(listing_ids):
        word = _word(n)
        with app.app_context():
            listing = db.session.get(Listing, listing_id)
            assert listing is not None
            listings.update_listing(listing, {"title": f"{word} {listing.title}"}, listing.version)
            committed = time.perf_counter()
            backend = search_index.get_backend()
            found = None
            while time.perf_counter() - committed < limit:
                result = backend.query(SearchQuery(text=word, facets=False, per_page=1))
                if result.total:
                    found = time.perf_counter() - committed
                    break
                time.sleep(0.002)
            db.session.remove()
        results.append(found)
        shown = f"{found * 1000:.0f} ms" if found is not None else f"not found within {limit} s"
        log(f"freshness: edit {n + 1}: {shown}")
    stop = getattr(search_index, "stop_indexer", None)
    if stop is not None:
        stop(app)
    return Freshness(results, path)


# --- requests per second ------------------------------------------------------------------


@dataclass
class Throughput:
    #: the first URL loaded, and how many were loaded in turn
    url: str
    urls: int
    requests_per_second: float
    requests: int
    errors: int


@dataclass
class RpsResult:
    tool: str
    hello: Throughput
    search: Throughput
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.search.requests_per_second / max(self.hello.requests_per_second, 1e-9)


def search_urls(path: str, cases: list[QueryCase]) -> list[str]:
    """Search page URLs for these queries (page 1, with facets, as the shop shows it)."""
    urls = []
    for case in cases:
        q = case.query
        params: list[tuple[str, object]] = [("q", q.text)]
        params += [("label", v) for v in q.labels]
        params += [("category", v) for v in q.categories]
        params += [("region", v) for v in q.regions]
        if q.max_price is not None:
            params.append(("max_price", q.max_price))
        if q.sort != "relevance":
            params.append(("sort", q.sort))
        urls.append(f"{path}?{urlencode(params)}")
    return urls


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 30.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def requests_per_second(
    setup: AppSetup,
    urls: list[str],
    warmup_urls: list[str],
    *,
    seconds: float,
    connections: int,
    workers: int,
    folder: Path,
    log: Callable[[str], None],
    loader: str = "auto",
) -> RpsResult:
    """Serve the app with gunicorn; load hello-world, then the search page; req/s of each.

    `loader`: "wrk", "python" (processes of bench/search_load.py) or "auto" (wrk if installed).
    """
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    output = (folder / "gunicorn.log").open("w")
    command = [str(gunicorn), "--workers", str(workers), "--worker-class", "sync",
               "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--timeout", "120",
               "--log-level", "warning", "bench.search_wsgi:app"]  # fmt: skip
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        command, env=environment(setup), stdout=output, stderr=subprocess.STDOUT
    )
    notes: list[str] = []
    log(f"rps: starting gunicorn ({workers} sync workers) on port {port}")
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if _get(base + HELLO_PATH, timeout=5) == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start: " + _tail(folder / "gunicorn.log"))
            time.sleep(0.3)
        log("rps: gunicorn answers")
        status = _get(base + warmup_urls[0], timeout=120)
        if status != 200:
            page = warmup_urls[0].split("?")[0]
            notes.append(f"{page} answered {status}: measured / instead")
            log(f"rps: {warmup_urls[0]} answered {status}; loading / instead")
            urls = warmup_urls = ["/"]
        tool = loader if loader != "auto" else ("wrk" if shutil.which("wrk") else "python")
        if tool == "python" and loader == "auto":
            notes.append("wrk not installed (apt-get install wrk): Python load generator used")
            log("rps: wrk is not installed; using the Python load generator")
        results = []
        # Warm-up (searchers opened, caches of the page's lookups filled) on other queries than
        # the measured ones: the engine's result cache must not answer the measured requests.
        loads = (("hello-world", [HELLO_PATH], [HELLO_PATH]), ("search", urls, warmup_urls))
        for name, paths, warmup in loads:
            log(f"rps: warming up {name} for {min(3.0, seconds):.0f} s")
            _load(tool, base, warmup, min(3.0, seconds), connections, folder)
            log(f"rps: loading {name} for {seconds:.0f} s with {connections} connections")
            requests, errors = _load(tool, base, paths, seconds, connections, folder)
            results.append(Throughput(paths[0], len(paths), requests / seconds, requests, errors))
        if results[1].urls > 1 and results[1].requests > results[1].urls:
            notes.append(
                f"{results[1].requests} search requests on {results[1].urls} URLs: some were "
                "repeated (an engine's result cache may have answered those)"
            )
        return RpsResult(tool, results[0], results[1], notes)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        output.close()


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _load(
    tool: str, base: str, paths: list[str], seconds: float, connections: int, folder: Path
) -> tuple[int, int]:
    """(completed requests, failed ones) over `seconds` of load on `paths` in turn."""
    if tool == "wrk":
        threads = max(1, min(2, connections))
        script = folder / "paths.lua"
        quoted = ",\n".join(f"  {_lua_string(p)}" for p in paths)
        # each wrk thread takes every `threads`-th path from its own start: no path twice
        script.write_text(
            f"local paths = {{\n{quoted}\n}}\nlocal threads = {threads}\nlocal counter = 0\n"
            'function setup(thread)\n  thread:set("id", counter)\n  counter = counter + 1\nend\n'
            "function init(args)\n  i = id\nend\n"
            "function request()\n  local path = paths[i % #paths + 1]\n  i = i + threads\n"
            '  return wrk.format("GET", path)\nend\n'
        )
        result = subprocess.run(  # noqa: S603 - wrk with fixed arguments
            [
                shutil.which("wrk") or "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                str(script),
                base,
            ],  # fmt: skip
            capture_output=True,
            text=True,
            check=True,
        )
        found = re.search(r"(\d+) requests in", result.stdout)
        requests = int(found.group(1)) if found else 0
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
        socket_errors = re.search(r"Socket errors: (.*)", result.stdout)
        errors = int(bad.group(1)) if bad else 0
        if socket_errors:
            errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
        return requests - (int(bad.group(1)) if bad else 0), errors
    paths_file = folder / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    loaders = [
        subprocess.Popen(  # noqa: S603 - our own load generator
            [
                sys.executable,
                str(ROOT / "bench" / "search_load.py"),
                base,
                str(paths_file),
                str(seconds),
                str(n),
                str(connections),
            ],  # fmt: skip
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(connections)
    ]
    requests = errors = 0
    for loader in loaders:
        out, _ = loader.communicate()
        ok, failed = (int(x) for x in out.split())
        requests += ok
        errors += failed
    return requests, errors


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
