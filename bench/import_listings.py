"""Benchmark: a CSV import of 10,000 generated listings into a fresh database, in rows per second.

Runs on SQLite (a temporary file) and on PostgreSQL (a throwaway database on
BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres, dropped afterwards;
skipped with a note when no server answers). The database is built by the migrations, then the
file goes through the very functions the web uses: `start_import` (read and check every row)
and `confirm_import` (check again, then write all rows in one transaction), with the jobs run
inline so the clock sees all of their work.

    .venv/bin/python bench/import_listings.py [--rows 10000]
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Before the application is imported: nothing the benchmark writes lands in the checkout.
_SCRATCH = Path(tempfile.mkdtemp(prefix="bench-import-"))
os.environ["INSTANCE_PATH"] = str(_SCRATCH / "instance")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.pop("DATABASE_URL", None)

from sqlalchemy import create_engine, func, make_url, select, text  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.config import normalise_database_url  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.models import Category, Coop, CoopStatus, ImportStatus, Listing, User  # noqa: E402
from marketplace.services import csv_io  # noqa: E402
from marketplace.services.csv_format import COLUMNS  # noqa: E402

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CATEGORIES = ["bread", "coffee", "bicycles", "repairs", "knitwear", "notebooks"]


def generate(rows: int, seed: int = 7) -> bytes:
    """A CSV file of `rows` new listings, goods and services mixed, as a co-op would send."""
    rng = random.Random(seed)  # noqa: S311 - generated test data, not secrets
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for n in range(rows):
        service = n % 5 == 0
        cells = {
            "action": "create",
            "sku": f"BENCH-{n:06d}",
            "title": f"{rng.choice(['Rye', 'Oat', 'Spelt', 'Wool', 'Repair'])} item {n}",
            "description": "Made by a worker-owned co-op. " * rng.randint(1, 8),
            "kind": "service" if service else "good",
            "category": "repairs" if service else rng.choice(CATEGORIES),
            "price": f"{rng.randint(1, 50_000) / 100:.2f}",
            "currency": rng.choice(["EUR", "EUR", "SEK", "GBP"]),
            "vat_rate": rng.choice(["19", "7", "5.5", "25"]),
            "stock": "" if service else str(rng.randint(0, 500)),
            "capacity": str(rng.randint(1, 20)) if service and n % 2 else "",
            "condition": rng.choice(["new", "new", "used", "refurbished"]),
            "region": rng.choice(["Berlin", "Skåne", "Leipzig", ""]),
            "ships_to": rng.choice(["DE AT", "EU", "SE", ""]),
            "language": rng.choice(["en", "de", "sv"]),
            "status": rng.choice(["", "draft", "active"]),
        }
        writer.writerow([cells[column] for column in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def run(name: str, uri: str, data: bytes, rows: int) -> None:
    """Migrate a fresh database, seed a co-op, import the file; print the figures."""
    from flask_migrate import upgrade

    instance = _SCRATCH / name
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": str(instance), "JOBS_BACKEND": "inline"}
    )
    logging.getLogger("marketplace").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        db.session.add_all(Category(slug=slug, name=slug.title()) for slug in CATEGORIES)
        coop = Coop(slug="bench", name="Bench Co-op", country="DE", trade="testing",
                    status=CoopStatus.ADMITTED)  # fmt: skip
        user = User(email="bench@example.org", name="Bench", password_hash="-")  # noqa: S106
        db.session.add_all([coop, user])
        db.session.commit()

        started = time.perf_counter()
        job = csv_io.start_import(coop, user, "bench.csv", data)
        checked = time.perf_counter()
        if job.status is not ImportStatus.READY:
            raise SystemExit(f"{name}: the file did not check out: {job.errors_json[:500]}")
        job = csv_io.confirm_import(job, user)
        finished = time.perf_counter()
        written = db.session.scalar(select(func.count()).select_from(Listing))
        if job.status is not ImportStatus.DONE or written != rows:
            raise SystemExit(f"{name}: import ended {job.status} with {written} listings")
        db.session.remove()
        db.engine.dispose()
    total = finished - started
    print(
        f"{name}: {rows} rows in {total:.1f} s = {rows / total:.0f} rows/s "
        f"(validate {checked - started:.1f} s, apply {finished - checked:.1f} s "
        "incl. the re-check before writing)",
        flush=True,
    )


def run_postgres(data: bytes, rows: int) -> None:
    server = make_url(normalise_database_url(POSTGRES))
    try:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "no server here"
        print(f"postgresql: skipped, no server at {server.render_as_string()}: {error}")
        return
    name = f"bench_import_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        uri = server.set(database=name).render_as_string(hide_password=False)
        run("postgresql", uri, data, rows)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    rows = parser.parse_args().rows
    data = generate(rows)
    print(f"CSV import of {rows} generated rows ({len(data) / 2**20:.1f} MiB)", flush=True)
    run("sqlite", f"sqlite:///{_SCRATCH / 'bench.db'}", data, rows)
    run_postgres(data, rows)


if __name__ == "__main__":
    try:
        main()
    finally:
        import shutil

        shutil.rmtree(_SCRATCH, ignore_errors=True)
