"""Benchmark: concurrent buyers checking out through the JSON API on PostgreSQL (issue 6).

A throwaway database `bench_checkout_<pid>` on the --database-url server is built by the
migrations and filled (bench/checkout_market.py) with admitted co-ops, listings with a little
stock each (by default half of what the buyers will ask for, so that the last units are raced
for) and buyers with personal API tokens. gunicorn serves the production entry point
(`wsgi:app`) on a free loopback port; then, with every buyer a thread with its own connection
(bench/checkout_load.py):

1. checkout: each buyer puts 1 or 2 units of a random listing in its cart and checks out
   with a fresh idempotency key, --orders-per-buyer times (or for --seconds): orders per
   second, and the latency of POST /api/v1/checkout (p50/p99), with its answers counted
   (201 placed, 409 sold_out, 409 cart_changed; refused adds: 409 cart_problem);
2. reference, in the same invocation: the same buyers read their carts (GET /api/v1/cart,
   an authenticated read) for as long as the checkout phase took: requests/s, p50/p99;
3. the database is checked directly: for every listing, the stock it started with minus the
   stock now equals the units of the orders placed (co-op orders not cancelled or expired),
   no stock is below zero, there are as many orders as 201 answers and each 201 answer's
   units are in the database. It prints "oversold: 0", or the units oversold and exits 1.

Any other answer (a 5xx, an unexpected status) also fails the run, named. The database and
the scratch folder are dropped at the end, also when the run fails.

    .venv/bin/python bench/checkout.py [--buyers 50] [--orders-per-buyer 20 | --seconds S]
        [--workers 4] [--listings 20] [--stock N] [--database-url URL] [--out FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sqlalchemy import make_url  # noqa: E402

from bench import checkout_load as load  # noqa: E402
from bench.checkout_market import Market, populate, throwaway_database, verify  # noqa: E402
from marketplace.config import normalise_database_url  # noqa: E402

#: the server the throwaway database is made on (as for the other benchmarks)
DEFAULT_SERVER = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
#: the gunicorn process's settings: no background threads competing with the requests,
#: mail only recorded (as the orders' transactions write it), jobs run at once
SERVER_SETTINGS = {
    "SEARCH_SYNC": "off",
    "HOUSEKEEPING": "off",
    "MAIL_DELIVERY": "off",
    "JOBS_BACKEND": "inline",
}
#: units a buyer asks for per attempt, on average (1 or 2)
MEAN_QUANTITY = 1.5
_STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def percentiles(seconds: list[float]) -> dict[str, float]:
    """n, p50 and p99 in milliseconds."""
    if not seconds:
        return {"n": 0}
    p50, p99 = np.percentile(np.array(seconds) * 1000, [50, 99])
    return {"n": len(seconds), "p50": float(p50), "p99": float(p99)}


# --- the server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/api/v1/cart")
        connection.getresponse().read()  # 401 without a token: the app is up
        return True
    except OSError:
        return False
    finally:
        connection.close()


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    logfile: Path

    def wait_until_answering(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not _answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start:\n" + _tail(self.logfile))
            time.sleep(0.2)


@contextlib.contextmanager
def gunicorn(database_url: str, workers: int, worker_class: str, scratch: Path) -> Iterator[Server]:
    """gunicorn serving wsgi:app on a free loopback port, started (not yet answering)."""
    port = _free_port()
    logfile = scratch / "gunicorn.log"
    env = dict(os.environ)
    env.update(SERVER_SETTINGS, DATABASE_URL=database_url,
               INSTANCE_PATH=str(scratch / "server-instance"))  # fmt: skip
    command = [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers),
               "--worker-class", worker_class, "--bind", f"127.0.0.1:{port}",
               "--chdir", str(ROOT), "--timeout", "120", "--log-level", "warning",
               "wsgi:app"]  # fmt: skip
    with logfile.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            command, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        log(f"gunicorn: {workers} {worker_class} workers on port {port}, starting")
        try:
            yield Server(process, port, logfile)
        finally:
            process.send_signal(signal.SIGINT)  # quick shutdown: every request has been answered
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log("gunicorn stopped")


# --- the run ---------------------------------------------------------------------------------


def _cpus() -> int:
    """CPUs this process may run on, as `nproc` counts them."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class Measured:
    warm_up: load.Tally
    bought: load.Tally
    checkout_seconds: float
    read: load.Tally
    reference_seconds: float


def measure(args: argparse.Namespace, market: Market, port: int) -> Measured:
    """Warm-up, then the checkout phase, then the reference phase for as long."""
    host = "127.0.0.1"
    warm = load.warm_up(host, port, market.tokens)
    log("checkout phase")
    bought, wall = load.checkout_phase(
        host, port, market.tokens, market.listings,
        attempts=None if args.seconds else args.orders_per_buyer,
        seconds=args.seconds, seed=args.seed,
    )  # fmt: skip
    log(f"checkout phase: {wall:.1f} s; reference phase (GET /cart) as long")
    read, read_wall = load.reference_phase(host, port, market.tokens, wall)
    log(f"reference phase: {read_wall:.1f} s")
    return Measured(warm, bought, wall, read, read_wall)


def run(args: argparse.Namespace, database_url: str, scratch: Path) -> dict[str, Any]:
    """Make the market, serve it, measure, verify; every figure in a dict."""
    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.extensions import db

    load_average = os.getloadavg()[0]
    # gunicorn's workers load the app while the schema and the market are made
    with gunicorn(database_url, args.workers, args.worker_class, scratch) as server:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url), **SERVER_SETTINGS}
        )
        logging.getLogger("marketplace").setLevel(logging.WARNING)
        with app.app_context():
            try:
                logging.disable(logging.INFO)  # the migrations' progress lines
                try:
                    upgrade()
                finally:
                    logging.disable(logging.NOTSET)
                market = populate(args)
                db.session.remove()
                log(
                    f"market: {market.coops} co-ops, {len(market.listings)} listings x "
                    f"{args.stock} units, {len(market.tokens)} buyers with personal tokens"
                )
                server.wait_until_answering()
                log("gunicorn answers; warming up")
                measured = measure(args, market, server.port)
                verification = verify(market, measured.bought)
            finally:
                db.session.remove()
                db.engine.dispose()
        server_log = _tail(server.logfile)
    report = figures(args, market, measured, verification, server_log)
    report["database"] = make_url(database_url).database
    report["machine"]["load_average_1min_at_start"] = load_average
    return report


def figures(
    args: argparse.Namespace,
    market: Market,
    measured: Measured,
    verification: dict[str, Any],
    server_log: str,
) -> dict[str, Any]:
    bought, wall = measured.bought, measured.checkout_seconds
    read, read_wall = measured.read, measured.reference_seconds
    tallies = (measured.warm_up, bought, read)
    unexpected = [sample for tally in tallies for sample in tally.unexpected]
    return {
        "machine": {"cpus": _cpus()},
        "gunicorn": {"workers": args.workers, "worker_class": args.worker_class},
        "buyers": args.buyers,
        "coops": market.coops,
        "listings": args.listings,
        "stock_per_listing": args.stock,
        "attempts_per_buyer": None if args.seconds else args.orders_per_buyer,
        "checkout": {
            "seconds": wall,
            "orders": bought.outcomes["checkout 201"],
            "orders_per_second": bought.outcomes["checkout 201"] / wall,
            "checkouts_per_second": len(bought.seconds.get("checkout", [])) / wall,
            "latency_ms": percentiles(bought.seconds.get("checkout", [])),
            "placed_latency_ms": percentiles(bought.seconds.get("placed", [])),
            "add_latency_ms": percentiles(bought.seconds.get("add", [])),
            "answers": dict(sorted(bought.outcomes.items())),
        },
        "reference": {
            "seconds": read_wall,
            "requests_per_second": read.outcomes["read 200"] / read_wall,
            "latency_ms": percentiles(read.seconds.get("read", [])),
        },
        "verification": verification,
        "unexpected": {
            "count": sum(tally.unexpected_count for tally in tallies),
            "samples": unexpected[: load.MAX_SAMPLES],
            "server_log_tail": server_log if unexpected else "",
        },
    }


def print_report(report: dict[str, Any]) -> None:
    checkout, reference = report["checkout"], report["reference"]
    answers, check = checkout["answers"], report["verification"]
    attempts = report["attempts_per_buyer"]
    print(
        f"checkout bench: {report['buyers']} concurrent buyers"
        f"{f', {attempts} attempts each' if attempts else ''}; {report['coops']} co-ops, "
        f"{report['listings']} listings x {report['stock_per_listing']} units; PostgreSQL"
    )
    print(
        f"machine: {report['machine']['cpus']} CPUs (nproc), load average "
        f"{report['machine']['load_average_1min_at_start']:.1f} at the start; gunicorn "
        f"{report['gunicorn']['workers']} {report['gunicorn']['worker_class']} workers; "
        "client: one thread and connection per buyer, same machine"
    )
    rows = [
        ("POST /checkout (all answers)", checkout["latency_ms"], checkout["seconds"]),
        ("  of which placed (201)", checkout["placed_latency_ms"], checkout["seconds"]),
        ("POST /cart/items", checkout["add_latency_ms"], checkout["seconds"]),
        ("GET /cart (reference)", reference["latency_ms"], reference["seconds"]),
    ]
    print(f"{'':30}{'requests':>10}{'per s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, latency, seconds in rows:
        if not latency["n"]:
            print(f"{name:30}{0:>10}")
            continue
        print(
            f"{name:30}{latency['n']:>10}{latency['n'] / seconds:>10.1f}"
            f"{latency['p50']:>10.1f}{latency['p99']:>10.1f}"
        )
    latency = checkout["latency_ms"]
    print(
        f"orders placed: {checkout['orders']} in {checkout['seconds']:.1f} s = "
        f"{checkout['orders_per_second']:.1f} orders/s; checkout p50 "
        f"{latency.get('p50', 0):.1f} ms, p99 {latency.get('p99', 0):.1f} ms"
    )
    print(
        f"reference GET /cart: {reference['requests_per_second']:.1f} req/s, p50 "
        f"{reference['latency_ms'].get('p50', 0):.1f} ms, p99 "
        f"{reference['latency_ms'].get('p99', 0):.1f} ms"
    )
    print(
        f"answers: sold out {answers.get('checkout sold_out', 0)}, cart changed "
        f"{answers.get('checkout cart_changed', 0)} (at checkout); refused when adding "
        f"(cart_problem) {answers.get('add cart_problem', 0)}; unexpected "
        f"{report['unexpected']['count']}"
    )
    print(
        f"stock: {check['units_sold']} units sold, {check['units_left']} left; orders in the "
        f"database {check['orders_in_database']}, 201 answers {check['orders_answered_201']}"
    )
    for mismatch in check["stock_mismatches"][:10]:
        print(f"MISMATCH {mismatch}")
    print(f"oversold: {check['oversold_units']}")


def failures(report: dict[str, Any]) -> list[str]:
    """Why the run failed, for people; empty when it did not."""
    found = []
    check, unexpected = report["verification"], report["unexpected"]
    if check["oversold_units"] or check["listings_below_zero"]:
        found.append(
            f"{check['oversold_units']} units oversold, {check['listings_below_zero']} "
            "listings below zero stock"
        )
    if check["stock_mismatches"]:
        found.append(f"{len(check['stock_mismatches'])} stock figures do not add up")
    if check["orders_in_database"] != check["orders_answered_201"]:
        found.append(
            f"{check['orders_in_database']} orders in the database for "
            f"{check['orders_answered_201']} answers 201"
        )
    if unexpected["count"]:
        samples = "\n  ".join(unexpected["samples"])
        found.append(f"{unexpected['count']} unexpected answers, e.g.:\n  {samples}")
        if unexpected["server_log_tail"]:
            found.append("gunicorn's log ends with:\n" + unexpected["server_log_tail"])
    return found


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=50, help="concurrent buyers (threads)")
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument("--orders-per-buyer", type=int, default=20,
                        help="attempts (add + checkout) per buyer (default 20)")  # fmt: skip
    amount.add_argument("--seconds", type=float, help="buy for this long instead")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--coops", type=int, default=4, help="admitted co-ops (at least 3)")
    parser.add_argument("--listings", type=int, default=20, help="listings, spread over co-ops")
    parser.add_argument(
        "--stock",
        type=int,
        help="units per listing; default: half of what the buyers ask for "
        "(with --seconds: in 20 attempts each)",
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER,
        help="a PostgreSQL server (default: BENCH_POSTGRES_URL, else postgres@127.0.0.1:5432)",
    )
    parser.add_argument("--seed", type=int, default=6, help="seed of the buyers' choices")
    parser.add_argument("--out", type=Path, help="write every figure as JSON here")
    args = parser.parse_args(argv)
    if args.buyers < 1 or args.listings < 1 or args.workers < 1 or args.coops < 3:
        parser.error("--buyers, --listings and --workers must be at least 1, --coops at least 3")
    if args.stock is None:
        demand = args.buyers * args.orders_per_buyer * MEAN_QUANTITY
        args.stock = max(1, round(demand / 2 / args.listings))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # `kill` (SIGTERM) ends the run like Ctrl-C: the database is still dropped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # Before the application is made: nothing the benchmark writes lands in the checkout.
    scratch = Path(tempfile.mkdtemp(prefix="bench-checkout-"))
    os.environ["INSTANCE_PATH"] = str(scratch / "instance")
    os.environ["SECRET_KEY"] = "bench-only"  # noqa: S105 - a throwaway app
    os.environ.pop("DATABASE_URL", None)
    try:
        with throwaway_database(args.database_url, log) as database_url:
            report = run(args, database_url, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report["failures"] = failures(report)
    print_report(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2))
        log(f"figures written to {args.out}")
    for failure in report["failures"]:
        print(f"FAILED: {failure}")
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
