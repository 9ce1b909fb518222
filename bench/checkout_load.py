"""The buyers of the checkout benchmark (bench/checkout.py): one thread and one connection each.

Each buyer speaks to the JSON API over loopback with its personal token, on one
`http.client` connection kept open between requests when the server allows it (gunicorn's
sync workers close it after each answer: http.client then opens a new one by itself).

- `checkout_phase`: each buyer, in turn, puts 1 or 2 units of a random listing in its cart
  (POST /api/v1/cart/items) and checks out (POST /api/v1/checkout, a fresh idempotency key).
  A listing refused when adding it (409 `cart_problem`: sold out) is not tried again by that
  buyer; after a 409 at checkout (`sold_out`, `cart_changed`) the buyer takes the line out of
  its cart again (DELETE), as the answer tells it to. A buyer stops after its attempts (or at
  the deadline), or once every listing has been refused to it.
- `reference_phase`: the same buyers read their carts (GET /api/v1/cart, an authenticated
  read) for a given number of seconds: the same server, concurrency and connections.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

API = "/api/v1"
ADDRESS = {
    "name": "Bench Buyer",
    "line1": "Hauptstraße 1",
    "postcode": "10115",
    "city": "Berlin",
    "country": "DE",
}
#: answers kept verbatim for the report when something unexpected came back
MAX_SAMPLES = 5


@dataclass
class Tally:
    """What the buyers saw, added up over all threads (each thread fills its own, then merged)."""

    #: outcome -> count, e.g. "checkout 201", "checkout sold_out", "add cart_problem"
    outcomes: Counter[str] = field(default_factory=Counter)
    #: seconds per request, by request kind ("checkout", "placed", "add", "remove", "read")
    seconds: dict[str, list[float]] = field(default_factory=dict)
    #: units bought per listing, as the 201 answers' order lines say
    units: Counter[int] = field(default_factory=Counter)
    #: unexpected answers: "METHOD path -> status: body" (the first few)
    unexpected: list[str] = field(default_factory=list)
    unexpected_count: int = 0

    def time(self, kind: str, seconds: float) -> None:
        self.seconds.setdefault(kind, []).append(seconds)

    def merge(self, other: Tally) -> None:
        self.outcomes.update(other.outcomes)
        for kind, values in other.seconds.items():
            self.seconds.setdefault(kind, []).extend(values)
        self.units.update(other.units)
        self.unexpected.extend(other.unexpected[: MAX_SAMPLES - len(self.unexpected)])
        self.unexpected_count += other.unexpected_count


class Client:
    """One buyer's connection to the server, with its personal token."""

    def __init__(self, host: str, port: int, token: str, timeout: float = 120.0) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=timeout)
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        """(status, decoded JSON or None, seconds); status 0 when the connection failed."""
        payload = None if body is None else json.dumps(body).encode()
        started = time.perf_counter()
        try:
            self.connection.request(method, API + path, body=payload, headers=self.headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            return 0, {"error": repr(error)}, time.perf_counter() - started
        elapsed = time.perf_counter() - started
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = {"raw": raw[:200].decode(errors="replace")}
        return response.status, data, elapsed

    def close(self) -> None:
        self.connection.close()


def _code(data: Any) -> str:
    return data.get("code", "") if isinstance(data, dict) else ""


def _unexpected(tally: Tally, kind: str, what: str, status: int, data: Any) -> None:
    tally.unexpected_count += 1
    tally.outcomes[f"{kind} unexpected"] += 1
    if len(tally.unexpected) < MAX_SAMPLES:
        tally.unexpected.append(f"{what} -> {status}: {json.dumps(data)[:300]}")


def _buy_once(client: Client, rng: random.Random, listing_id: int, tally: Tally) -> str:
    """One attempt: add, then check out; the outcome's name ("refused" when the add was)."""
    quantity = rng.randint(1, 2)
    status, data, seconds = client.call(
        "POST", "/cart/items", {"listing_id": listing_id, "quantity": quantity}
    )
    tally.time("add", seconds)
    if status == 409 and _code(data) == "cart_problem":
        tally.outcomes["add cart_problem"] += 1
        return "refused"
    if status != 201:
        _unexpected(tally, "add", "POST /cart/items", status, data)
        return "unexpected"
    tally.outcomes["add 201"] += 1
    item_id = data["id"]

    body = {"address": ADDRESS, "payment_method": "bank_transfer",
            "idempotency_key": uuid.uuid4().hex}  # fmt: skip
    status, data, seconds = client.call("POST", "/checkout", body)
    tally.time("checkout", seconds)
    if status == 201:
        tally.time("placed", seconds)
        tally.outcomes["checkout 201"] += 1
        for coop_order in data["coop_orders"]:
            for line in coop_order["lines"]:
                tally.units[line["listing_id"]] += line["quantity"]
        return "placed"
    code = _code(data)
    if status == 409 and code in ("sold_out", "cart_changed"):
        tally.outcomes[f"checkout {code}"] += 1
    else:
        _unexpected(tally, "checkout", "POST /checkout", status, data)
    # the cart was kept: take the line out again before the next attempt
    status, data, seconds = client.call("DELETE", f"/cart/items/{item_id}")
    tally.time("remove", seconds)
    if status != 204:
        _unexpected(tally, "remove", f"DELETE /cart/items/{item_id}", status, data)
    return code or "unexpected"


def _buyer(
    client: Client,
    listings: list[int],
    attempts: int | None,
    seconds: float | None,
    seed: int,
    start: threading.Barrier,
    tally: Tally,
) -> None:
    rng = random.Random(seed)  # noqa: S311 - a reproducible load, not a secret
    candidates = list(listings)
    start.wait()
    deadline = None if seconds is None else time.perf_counter() + seconds
    done = 0
    while candidates and (attempts is None or done < attempts):
        if deadline is not None and time.perf_counter() >= deadline:
            break
        listing_id = rng.choice(candidates)
        outcome = _buy_once(client, rng, listing_id, tally)
        if outcome in ("refused", "sold_out"):
            candidates.remove(listing_id)
        done += 1
    client.close()


def _reader(client: Client, seconds: float, start: threading.Barrier, tally: Tally) -> None:
    start.wait()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        status, data, seconds = client.call("GET", "/cart")
        if status == 200:
            tally.time("read", seconds)
            tally.outcomes["read 200"] += 1
        else:
            _unexpected(tally, "read", "GET /cart", status, data)
    client.close()


def _run(targets: list[tuple[Any, tuple[Any, ...]]], start: threading.Barrier) -> float:
    """Start the threads, release them together; wall seconds until the last one ends."""
    threads = [threading.Thread(target=t, args=a, daemon=True) for t, a in targets]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def warm_up(host: str, port: int, tokens: list[str], rounds: int = 2) -> Tally:
    """Each buyer reads its cart a few times: every worker has served before the clock runs."""
    tally = Tally()
    for token in tokens:
        client = Client(host, port, token)
        for _ in range(rounds):
            status, data, _seconds = client.call("GET", "/cart")
            if status != 200:
                _unexpected(tally, "read", "GET /cart (warm-up)", status, data)
        client.close()
    return tally


def checkout_phase(
    host: str,
    port: int,
    tokens: list[str],
    listings: list[int],
    *,
    attempts: int | None,
    seconds: float | None,
    seed: int,
) -> tuple[Tally, float]:
    """All buyers buying at once; (tally, wall seconds)."""
    start = threading.Barrier(len(tokens) + 1)
    tallies = [Tally() for _ in tokens]
    targets = [
        (_buyer, (Client(host, port, token), listings, attempts, seconds, seed + n, start, t))
        for n, (token, t) in enumerate(zip(tokens, tallies, strict=True))
    ]
    wall = _run(targets, start)
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return total, wall


def reference_phase(host: str, port: int, tokens: list[str], seconds: float) -> tuple[Tally, float]:
    """All buyers reading their carts at once for `seconds`; (tally, wall seconds)."""
    start = threading.Barrier(len(tokens) + 1)
    tallies = [Tally() for _ in tokens]
    targets = [
        (_reader, (Client(host, port, token), seconds, start, t))
        for token, t in zip(tokens, tallies, strict=True)
    ]
    wall = _run(targets, start)
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return total, wall
