"""A fake Stripe API on loopback, for tests of the Stripe Connect gateway.

The official `stripe` package talks to it over real HTTP; nothing in the application knows
it is a fake, it is only configured with the fake's address:

    fake = FakeStripe().start()          # or the function-scoped `stripe_fake` pytest fixture
    client = client_for(fake)            # StripeClient(..., base_addresses=fake.base_addresses)
    intent = client.v1.payment_intents.create(params={"amount": 1500, "currency": "eur"})
    charge_id = fake.succeed_payment(intent.id)        # as if the buyer paid
    payload, headers = fake.signed(fake.events[-1])     # a webhook, signed as Stripe does
    fake.stop()

In a conftest: `from tests.stripe_fake import FakeStripe, stripe_fake  # noqa: F401`.

What it checks, like Stripe:
- every parameter against the SDK's own TypedDicts in `stripe.params` (unknown keys, missing
  required keys, integers, booleans, enums, nested hashes) -> 400 invalid_request_error, `param`;
- business rules: positive integer amounts, minimum charge amounts, a transfer no larger than
  what is left of its `source_transaction` charge (refunds and earlier transfers taken off,
  fees not) -> `balance_insufficient`, a destination account that exists with the `transfers`
  capability active, reversals and refunds no larger than what is left;
- idempotency: a POST with an `Idempotency-Key` stores its response (successes and business
  errors, not parameter-validation errors); the same key and parameters replay it with
  `Idempotent-Replayed: true`; the same key with other parameters -> 400 idempotency_error.
  `expire_idempotency_keys()` stands for the 24 hours after which Stripe forgets keys.

What tests control (Python calls, not HTTP): `succeed_payment`, `fail_payment`, `set_account`,
`create_account`, `dispute`, `reverse_transfer`, `fail_next` (500, timeout, card_declined,
insufficient_balance). They read `requests`, `events`, the object dicts (`payment_intents`,
`charges`, `transfers`, ...), `account_links`, and use `take_events()`, `signed(event)` and
`deliver(url)`. Objects start as deep copies of Stripe's published fixtures
(tests/stripe_fixtures3.json, a copy of ../shared/stripe/fixtures3.json, or
$STRIPE_FIXTURES) so every field the API returns is there.

An injected "500" fails before the request is executed and is not stored under its idempotency
key (Stripe-Should-Retry: true), so the SDK's retry executes it once. "timeout" executes the
request, stores the response, then answers `timeout_seconds + 0.5` s late: give the client the
same `timeout_seconds` and its retry is replayed. A PaymentIntent created with confirm=true and
a test payment method (pm_card_visa, pm_card_chargeDeclined, ...) succeeds or declines at once.
The URL of an account link, {fake.url}/connect/onboarding/<acct>, completes onboarding and
redirects to return_url (with ?outcome=refresh: to refresh_url, changing nothing).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
import re
import secrets
import string
import sys
import threading
import time
import traceback
import types
import typing
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pytest
import requests
import stripe
import stripe.params
import typing_extensions

FAIL_KINDS = ("500", "timeout", "card_declined", "insufficient_balance")
_ALNUM = string.ascii_letters + string.digits
#: Stripe's minimum charge amounts (minor units) for the currencies we may meet
_MINIMUM_CHARGE = {"eur": 50, "usd": 50, "gbp": 30, "chf": 50, "cad": 50, "aud": 50,
                   "dkk": 250, "sek": 300, "nok": 300, "pln": 200, "czk": 1500,
                   "huf": 17500, "ron": 200}  # fmt: skip
_DECLINE_MESSAGES = {
    "card_declined": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again in a little bit.",
}
#: test payment methods that decline when a PaymentIntent is created with confirm=true
_DECLINING_METHODS = {
    "pm_card_chargeDeclined": "card_declined",
    "pm_card_visa_chargeDeclined": "card_declined",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
    "pm_card_chargeDeclinedExpiredCard": "expired_card",
}


# --- fixtures -------------------------------------------------------------------------------


def _fixture_paths() -> list[Path]:
    here = Path(__file__).resolve()
    paths = [here.parent / "stripe_fixtures3.json"]
    paths.append(here.parents[2] / "shared" / "stripe" / "fixtures3.json")
    if os.environ.get("STRIPE_FIXTURES"):
        paths.insert(0, Path(os.environ["STRIPE_FIXTURES"]))
    return paths


@cache
def _fixtures() -> dict[str, Any]:
    for path in _fixture_paths():
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))["resources"]
    raise FileNotFoundError(f"Stripe fixtures3.json not found in {_fixture_paths()}")


def fixture(name: str) -> dict[str, Any]:
    """A fresh deep copy of Stripe's fixture for one resource (e.g. "charge")."""
    return copy.deepcopy(_fixtures()[name])


def _random_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ALNUM) for _ in range(length))


# --- errors ---------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answer in Stripe's shape: {"error": {"type", "message", "code", "param", ...}}."""

    def __init__(self, status: int, type_: str, message: str, *, code: str | None = None,
                 param: str | None = None, stored: bool = True, **extra: Any) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        #: False for parameter-validation errors: Stripe does not store them under the key
        self.stored = stored
        self.error: dict[str, Any] = {"type": type_, "message": message, **extra}
        if code:
            self.error["code"] = code
            self.error["doc_url"] = f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}"
        if param is not None:
            self.error["param"] = param


def invalid(message: str, *, param: str | None = None, code: str | None = None,
            stored: bool = True, status: int = 400) -> ApiError:  # fmt: skip
    return ApiError(status, "invalid_request_error", message, code=code, param=param, stored=stored)


def _param_error(message: str, param: str, code: str | None = None) -> ApiError:
    return invalid(message, param=param, code=code, stored=False)


def _card_error(code: str, **extra: Any) -> ApiError:
    message = _DECLINE_MESSAGES.get(code, "Your card was declined.")
    decline = {"decline_code": "generic_decline"} if code == "card_declined" else {}
    return ApiError(402, "card_error", message, code=code, param="", **decline, **extra)


def _balance_insufficient(detail: str = "") -> ApiError:
    return invalid(
        "You have insufficient available funds in your Stripe account." + detail,
        code="balance_insufficient",
    )


# --- form decoding and parameter checking ---------------------------------------------------


def _key_parts(key: str) -> list[str]:
    match = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", key)
    if not match:
        return [key]
    return [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]


def _listify(node: Any, under_metadata: bool = False) -> Any:
    if not isinstance(node, dict):
        return node
    items = {k: _listify(v, k == "metadata") for k, v in node.items()}
    if items and not under_metadata and sorted(items) == sorted(str(i) for i in range(len(items))):
        return [items[str(i)] for i in range(len(items))]
    return items


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding -> nested dicts and lists.

    `a[b][0][c]=v` -> {"a": {"b": [{"c": "v"}]}}; leaves stay strings, exactly as sent."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = _key_parts(key)
        node = root
        for part in parts[:-1]:
            part = part or str(len(node))
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1] or str(len(node))] = value
    return _listify(root)


_REQUEST_OPTION_KEYS = frozenset(stripe.RequestOptions.__annotations__)
_ALWAYS_ALLOWED: dict[str, Any] = {
    "expand": list[str],
    "metadata": Literal[""] | dict[str, str],
}


@cache
def _hints(typed_dict: type) -> tuple[dict[str, Any], frozenset[str]]:
    """The declared keys (request options left out) and the required ones of a params TypedDict."""
    localns = {"StripeContext": stripe.StripeContext, "Mapping": Mapping}
    hints = typing.get_type_hints(typed_dict, localns=localns, include_extras=True)
    if typed_dict.__annotations__.keys() >= _REQUEST_OPTION_KEYS:
        hints = {k: v for k, v in hints.items() if k not in _REQUEST_OPTION_KEYS}
    return hints, frozenset(typed_dict.__required_keys__ & hints.keys())


def _shape(value: Any) -> str:
    return "hash" if isinstance(value, dict) else "array" if isinstance(value, list) else "scalar"


def _type_shape(tp: Any) -> str:
    origin = typing.get_origin(tp) or tp
    if typing_extensions.is_typeddict(tp) or origin in (dict, Mapping):
        return "hash"
    if isinstance(origin, type) and issubclass(origin, stripe.StripeObject):
        return "hash"
    return "array" if origin is list else "scalar"


def check_value(value: Any, tp: Any, param: str) -> Any:
    """`value` (decoded form data) checked against the type hint `tp`; returns it converted
    (ints, bools, lists). Raises ApiError naming `param`."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.NotRequired, typing.Required, typing.Annotated):
        return check_value(value, args[0], param)
    if typing_extensions.is_typeddict(tp):
        return check_params(value, tp, prefix=param)
    if origin in (typing.Union, types.UnionType):
        literals = tuple(c for a in args if typing.get_origin(a) is Literal for c in a.__args__)
        arms = [a for a in args if typing.get_origin(a) is not Literal]
        if literals:
            arms.insert(0, Literal[literals])
        failures: list[tuple[Any, ApiError]] = []
        for arm in arms:
            try:
                return check_value(value, arm, param)
            except ApiError as error:
                failures.append((arm, error))
        same_shape = [(a, e) for a, e in failures if _type_shape(a) == _shape(value)] or failures
        specific = [e for a, e in same_shape if typing.get_origin(a) is not Literal]
        raise (specific or [e for _, e in same_shape])[0]
    if origin is Literal:
        for choice in args:
            wire = str(choice).lower() if isinstance(choice, bool) else str(choice)
            if value == wire:
                return choice
        choices = ", ".join(repr(c) if c == "" else str(c) for c in args)
        raise _param_error(f"Invalid {param}: must be one of {choices}", param)
    if origin is list:
        if not isinstance(value, list):
            raise _param_error(f"Invalid array: {param} must be an array", param)
        item = args[0] if args else Any
        return [check_value(v, item, f"{param}[{i}]") for i, v in enumerate(value)]
    if origin in (dict, Mapping) or tp is dict or _type_shape(tp) == "hash":
        if not isinstance(value, dict):
            raise _param_error(f"Invalid hash: {param} must be a hash", param)
        item = args[1] if len(args) == 2 else Any
        return {k: check_value(v, item, f"{param}[{k}]") for k, v in value.items()}
    if tp in (str, int, bool, float) and not isinstance(value, str):
        raise _param_error(
            f"Invalid {param}: must be a {tp.__name__}, not a {_shape(value)}", param
        )
    if tp is int:
        if not re.fullmatch(r"-?\d+", value):
            raise _param_error(f"Invalid integer: {value}", param, "parameter_invalid_integer")
        return int(value)
    if tp is bool:
        if value not in ("true", "false"):
            raise _param_error(f"Invalid boolean: {value}", param)
        return value == "true"
    if tp is float:
        try:
            return float(value)
        except ValueError:
            raise _param_error(f"Invalid decimal: {value}", param) from None
    return value  # str, and anything we do not model


def check_params(value: Any, typed_dict: type, prefix: str = "") -> dict[str, Any]:
    """Check a request's parameters (or a nested hash) against a TypedDict of `stripe.params`."""
    if not isinstance(value, dict):
        raise _param_error(f"Invalid hash: {prefix} must be a hash", prefix)
    hints, required = _hints(typed_dict)
    checked: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}[{key}]" if prefix else key
        if key in hints:
            checked[key] = check_value(item, hints[key], name)
        elif not prefix and key in _ALWAYS_ALLOWED:
            checked[key] = check_value(item, _ALWAYS_ALLOWED[key], name)
        else:
            raise _param_error(f"Received unknown parameter: {name}", name, "parameter_unknown")
    for key in sorted(required - value.keys()):
        name = f"{prefix}[{key}]" if prefix else key
        raise _param_error(f"Missing required param: {name}.", name, "parameter_missing")
    if not prefix and isinstance(checked.get("metadata"), dict):
        _check_metadata(checked["metadata"])
    return checked


def _check_metadata(metadata: dict[str, str]) -> None:
    if len(metadata) > 50:
        raise _param_error("Invalid metadata: at most 50 keys", "metadata")
    for key, value in metadata.items():
        if len(key) > 40 or len(value) > 500:
            raise _param_error(
                "Metadata keys can be at most 40 characters and values 500", f"metadata[{key}]"
            )


def _amount(params: Mapping[str, Any], key: str = "amount", *, required: bool = True) -> int | None:
    if key not in params:
        if required:
            raise _param_error(f"Missing required param: {key}.", key, "parameter_missing")
        return None
    if params[key] < 1:
        raise _param_error(
            "This value must be greater than or equal to 1.", key, "parameter_invalid_integer"
        )
    return params[key]


def _currency(params: Mapping[str, Any]) -> str:
    currency = str(params["currency"]).lower()
    if not re.fullmatch(r"[a-z]{3}", currency):
        raise _param_error(f"Invalid currency: {params['currency']}", "currency")
    return currency


def _apply_metadata(target: dict[str, Any], update: Any) -> None:
    if update == "":
        target.clear()
        return
    for key, value in (update or {}).items():
        if value == "":
            target.pop(key, None)
        else:
            target[key] = value


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in before.items() if after.get(k) != v}


def _list_object(url: str) -> dict[str, Any]:
    return {"object": "list", "data": [], "has_more": False, "total_count": 0, "url": url}


# --- requests, routes and stored responses ---------------------------------------------------


class RecordedRequest(NamedTuple):
    method: str
    path: str
    #: decoded parameters exactly as sent (leaves are strings; query string for GET)
    params: dict[str, Any]
    idempotency_key: str | None


@dataclass
class _Response:
    status: int
    body: bytes
    headers: dict[str, str]
    delay: float = 0.0


@dataclass
class _Saved:
    method: str
    path: str
    params: dict[str, Any]
    response: _Response
    request_id: str


@dataclass
class _Failure:
    method: str
    path_prefix: str
    kind: str
    times: int


@dataclass
class _Ctx:
    """The API request an effect belongs to (None for Dashboard-like control calls)."""

    request_id: str | None = None
    idempotency_key: str | None = None
    api_version: str | None = None


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: str
    params: str


def _route(method: str, pattern: str, handler: str, params: str) -> _Route:
    """`params` names the TypedDict `stripe.params.<params>Params` the request is checked with."""
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
    return _Route(method, re.compile(f"^{regex}$"), handler, f"{params}Params")


ROUTES = (
    _route("POST", "/v1/payment_intents", "_create_payment_intent", "PaymentIntentCreate"),
    _route("GET", "/v1/payment_intents/{id}", "_get_payment_intent", "PaymentIntentRetrieve"),
    _route("POST", "/v1/payment_intents/{id}", "_update_payment_intent", "PaymentIntentUpdate"),
    _route("POST", "/v1/payment_intents/{id}/cancel", "_cancel_payment_intent",
           "PaymentIntentCancel"),
    _route("GET", "/v1/charges/{id}", "_get_charge", "ChargeRetrieve"),
    _route("GET", "/v1/balance_transactions/{id}", "_get_balance_transaction",
           "BalanceTransactionRetrieve"),
    _route("POST", "/v1/transfers", "_create_transfer", "TransferCreate"),
    _route("GET", "/v1/transfers/{id}", "_get_transfer", "TransferRetrieve"),
    _route("POST", "/v1/transfers/{id}/reversals", "_create_reversal", "TransferReversalCreate"),
    _route("GET", "/v1/transfers/{id}/reversals", "_list_reversals", "TransferReversalList"),
    _route("POST", "/v1/refunds", "_create_refund", "RefundCreate"),
    _route("GET", "/v1/refunds/{id}", "_get_refund", "RefundRetrieve"),
    _route("POST", "/v1/accounts", "_create_account", "AccountCreate"),
    _route("GET", "/v1/accounts/{id}", "_get_account", "AccountRetrieve"),
    _route("POST", "/v1/accounts/{id}", "_update_account", "AccountUpdate"),
    _route("POST", "/v1/account_links", "_create_account_link", "AccountLinkCreate"),
    _route("GET", "/v1/events/{id}", "_get_event", "EventRetrieve"),
)  # fmt: skip
#: where objects live, by id prefix (for `expand`)
_STORES = {"pi": "payment_intents", "ch": "charges", "txn": "balance_transactions",
           "tr": "transfers", "trr": "reversals", "re": "refunds", "acct": "accounts",
           "dp": "disputes", "evt": "_events_by_id"}  # fmt: skip


# --- the HTTP server ------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True  # server_close() waits for the handlers
    fake: FakeStripe

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # the client gave up (a timeout test): nothing to answer
        self.fake.internal_errors.append(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: nothing left open
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        response = self.server.fake._handle(method, self.path, self.headers, body)
        if response.delay:
            self.server.fake._stopping.wait(response.delay)
        self.send_response(response.status)
        for name, value in {**response.headers, "Content-Length": str(len(response.body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)


# --- the fake -------------------------------------------------------------------------------


@dataclass
class FakeStripe:
    api_key: str = "sk_test_fake"
    #: the read timeout tests give their HTTP client; a "timeout" failure answers 0.5 s later
    timeout_seconds: float = 1.0
    webhook_secret: str = field(default_factory=lambda: _random_id("whsec", 32))
    #: `api_version` of events when the request did not say (the SDK always does)
    api_version: str = stripe.api_version

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._sessions: list[requests.Session] = []
        self.port = 0
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.balance_transactions: dict[str, dict[str, Any]] = {}
        self.transfers: dict[str, dict[str, Any]] = {}
        self.reversals: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.accounts: dict[str, dict[str, Any]] = {}
        self.disputes: dict[str, dict[str, Any]] = {}
        #: every event emitted, in order
        self.events: list[dict[str, Any]] = []
        self._events_by_id: dict[str, dict[str, Any]] = {}
        self._delivered: set[str] = set()
        #: {"account", "type", "return_url", "refresh_url", "url"} of every account link made
        self.account_links: list[dict[str, Any]] = []
        self.requests: list[RecordedRequest] = []
        #: tracebacks of bugs in the fake itself (the fixture fails the test on any)
        self.internal_errors: list[str] = []
        self._failures: list[_Failure] = []
        self._idempotency: dict[tuple[str, str | None, str], _Saved] = {}

    # -- lifecycle

    def start(self) -> FakeStripe:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self.port = server.server_address[1]
        self._stopping.clear()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        for session in self._sessions:
            session.close()
        self._sessions.clear()
        if self._server is None:
            return
        self._stopping.set()  # wakes handlers sleeping through a "timeout"
        self._server.shutdown()
        self._server.server_close()
        assert self._thread is not None
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> FakeStripe:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_addresses(self) -> dict[str, str]:
        return {"api": self.url, "connect": self.url, "files": self.url}

    def now(self) -> int:
        return int(time.time())

    # -- test controls

    def fail_next(self, method: str, path_prefix: str, kind: str, times: int = 1) -> None:
        """Make the next `times` requests whose path starts with `path_prefix` fail."""
        if kind not in FAIL_KINDS:
            raise ValueError(f"kind must be one of {FAIL_KINDS}")
        with self._lock:
            self._failures.append(_Failure(method.upper(), path_prefix, kind, times))

    def expire_idempotency_keys(self) -> None:
        """Forget every stored idempotency key, as Stripe does after 24 hours."""
        with self._lock:
            self._idempotency.clear()

    def succeed_payment(self, payment_intent_id: str, fee: int | None = None) -> str:
        """The buyer paid: a captured charge with a balance transaction, the intent succeeded,
        events charge.succeeded and payment_intent.succeeded. Returns the charge id."""
        with self._lock:
            intent = self._object("payment_intents", payment_intent_id)
            if intent["status"] in ("succeeded", "canceled"):
                raise ValueError(f"{payment_intent_id} is {intent['status']}")
            return self._succeed(intent, None, fee)

    def fail_payment(self, payment_intent_id: str, code: str = "card_declined") -> dict[str, Any]:
        """The buyer's card was refused: emits payment_intent.payment_failed (returned)."""
        with self._lock:
            intent = self._object("payment_intents", payment_intent_id)
            return self._decline(intent, None, code)

    def create_account(self, **fields: Any) -> str:
        """A connected account that finished onboarding (see set_account for the fields)."""
        with self._lock:
            account = self._new_account({"type": "express"})
        self.set_account(account["id"], **fields)
        return account["id"]

    def set_account(self, account_id: str, transfers: str = "active", payouts_enabled: bool = True,
                    charges_enabled: bool = True, details_submitted: bool = True,
                    card_payments: str | None = None) -> dict[str, Any]:  # fmt: skip
        """Onboarding progressed (or capabilities were lost): emits account.updated (returned)."""
        with self._lock:
            account = self._object("accounts", account_id)
            before = copy.deepcopy(account)
            account["capabilities"]["transfers"] = transfers
            if card_payments is not None:
                account["capabilities"]["card_payments"] = card_payments
            account.update(payouts_enabled=payouts_enabled, charges_enabled=charges_enabled,
                           details_submitted=details_submitted)  # fmt: skip
            requirements = account["requirements"]
            if transfers == "active" and details_submitted:
                for key in ("currently_due", "eventually_due", "past_due", "errors"):
                    requirements[key] = []
                requirements["disabled_reason"] = None
            else:
                requirements["disabled_reason"] = "requirements.past_due"
            return self._emit("account.updated", account, None, _diff(before, account), account_id)

    def dispute(self, charge_id: str, amount: int | None = None, reason: str = "fraudulent") -> str:
        """The buyer disputed a charge: emits charge.dispute.created. Returns the dispute id."""
        with self._lock:
            charge = self._object("charges", charge_id)
            dispute = fixture("dispute")
            dispute.update(
                id=_random_id("dp"), amount=amount or charge["amount"], charge=charge_id,
                currency=charge["currency"], created=self.now(), reason=reason, metadata={},
                payment_intent=charge["payment_intent"], status="needs_response",
                is_charge_refundable=False,
            )  # fmt: skip
            dispute["evidence_details"]["due_by"] = self.now() + 7 * 86400
            charge["disputed"] = True
            self.disputes[dispute["id"]] = dispute
            self._emit("charge.dispute.created", dispute, None)
            return dispute["id"]

    def reverse_transfer(self, transfer_id: str, amount: int | None = None) -> str:
        """A reversal made in the Dashboard: emits transfer.reversed. Returns the reversal id."""
        with self._lock:
            transfer = self._object("transfers", transfer_id)
            return self._reverse(transfer, {"amount": amount}, None)["id"]

    # -- webhooks

    def signed(
        self, event: Mapping[str, Any], *, timestamp: int | None = None, secret: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers Stripe would POST for `event` to a webhook endpoint."""
        payload = json.dumps(event, indent=2).encode()
        t = self.now() if timestamp is None else timestamp
        key = (secret or self.webhook_secret).encode()
        signature = hmac.new(key, f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": f"t={t},v1={signature}",
        }
        return payload, headers

    def take_events(self) -> list[dict[str, Any]]:
        """The events not delivered yet, now marked delivered (post `signed(e)` yourself)."""
        with self._lock:
            events = [e for e in self.events if e["id"] not in self._delivered]
            self._delivered.update(e["id"] for e in events)
            return events

    def deliver(self, url: str, event: Mapping[str, Any] | None = None) -> list[int]:
        """POST one event (again, if already delivered) or every undelivered one to `url`;
        a 2xx answer marks it delivered. Returns the HTTP statuses."""
        with self._lock:
            targets = (
                [event] if event else [e for e in self.events if e["id"] not in self._delivered]
            )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        statuses = []
        for item in targets:
            payload, headers = self.signed(item)
            headers["User-Agent"] = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
            request = urllib.request.Request(url, payload, headers, method="POST")  # noqa: S310
            try:
                with opener.open(request, timeout=10) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
                error.close()
            if 200 <= status < 300:
                with self._lock:
                    self._delivered.add(item["id"])
            statuses.append(status)
        return statuses

    # -- request handling

    def _handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> _Response:
        try:
            split = urllib.parse.urlsplit(target)
            if method == "GET" and split.path.startswith("/connect/onboarding/"):
                return self._onboarding(split.path.rsplit("/", 1)[-1], split.query)
            pairs = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
            if method == "POST":
                pairs += urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)
            params = decode_form(pairs)
            key = headers.get("Idempotency-Key") or None
            ctx = _Ctx(_random_id("req", 14), key, headers.get("Stripe-Version"))
            with self._lock:
                self.requests.append(
                    RecordedRequest(method, split.path, copy.deepcopy(params), key)
                )
                failure = self._take_failure(method, split.path)
                response = self._respond(method, split.path, params, headers, ctx, failure)
            if failure and failure.kind == "timeout":
                response.delay = self.timeout_seconds + 0.5
            return response
        except Exception:
            self.internal_errors.append(traceback.format_exc())
            error = ApiError(500, "api_error", "The fake Stripe server failed (a bug in the fake).")
            return self._answer(
                error.status, {"error": error.error}, _Ctx(), {"Stripe-Should-Retry": "false"}
            )

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        for failure in self._failures:
            if failure.method == method and path.startswith(failure.path_prefix):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _respond(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        headers: Mapping[str, str],
        ctx: _Ctx,
        failure: _Failure | None,
    ) -> _Response:
        if failure and failure.kind == "500":
            error = ApiError(500, "api_error", "An unknown error occurred")
            return self._answer(500, {"error": error.error}, ctx, {"Stripe-Should-Retry": "true"})
        auth = headers.get("Authorization") or ""
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            error = ApiError(401, "invalid_request_error", "You did not provide an API key.")
            return self._answer(401, {"error": error.error}, ctx)
        route, ids = self._match(method, path)
        if route is None:
            error = invalid(f"Unrecognized request URL ({method}: {path}).", status=404)
            return self._answer(404, {"error": error.error}, ctx)
        store_key = (auth, headers.get("Stripe-Account"), ctx.idempotency_key)
        saved = (
            self._idempotency.get(store_key) if method == "POST" and ctx.idempotency_key else None
        )
        if saved is not None:
            return self._replay(saved, method, path, params, ctx)
        try:
            checked = check_params(params, getattr(stripe.params, route.params))
            if failure and failure.kind == "card_declined":
                raise _card_error("card_declined")
            if failure and failure.kind == "insufficient_balance":
                raise _balance_insufficient()
            result = getattr(self, route.handler)(ctx, checked, **ids)
            status, payload = 200, self._expand(result, checked.get("expand", []))
        except ApiError as error:
            if not error.stored:
                return self._answer(error.status, {"error": error.error}, ctx)
            status, payload = error.status, {"error": error.error}
        response = self._answer(status, payload, ctx)
        if method == "POST" and ctx.idempotency_key:
            self._idempotency[store_key] = _Saved(
                method, path, params, response, ctx.request_id or ""
            )
        return response

    def _replay(
        self, saved: _Saved, method: str, path: str, params: dict[str, Any], ctx: _Ctx
    ) -> _Response:
        if (saved.method, saved.path) != (method, path):
            message = (
                "Keys for idempotent requests can only be used for the same endpoint they "
                f"were first used for ('{saved.path}' vs '{path}')."
            )
        elif saved.params != params:
            message = (
                "Keys for idempotent requests can only be used with the same parameters "
                "they were first used with. Try using a key other than "
                f"'{ctx.idempotency_key}' if you meant to execute a different request."
            )
        else:
            headers = {
                **saved.response.headers,
                "Request-Id": ctx.request_id or "",
                "Idempotent-Replayed": "true",
                "Original-Request": saved.request_id,
            }
            return _Response(saved.response.status, saved.response.body, headers)
        error = ApiError(400, "idempotency_error", message)
        return self._answer(400, {"error": error.error}, ctx)

    def _answer(
        self, status: int, payload: Any, ctx: _Ctx, extra: Mapping[str, str] | None = None
    ) -> _Response:
        headers = {
            "Content-Type": "application/json",
            "Request-Id": ctx.request_id or "",
            "Stripe-Version": ctx.api_version or self.api_version,
            **(extra or {}),
        }
        if ctx.idempotency_key:
            headers["Idempotency-Key"] = ctx.idempotency_key
        return _Response(status, json.dumps(payload, indent=2).encode(), headers)

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
        for route in ROUTES:
            match = route.pattern.match(path)
            if match and route.method == method:
                return route, match.groupdict()
        return None, {}

    def _onboarding(self, account_id: str, query: str) -> _Response:
        outcome = urllib.parse.parse_qs(query).get("outcome", ["complete"])[0]
        with self._lock:
            links = [link for link in self.account_links if link["account"] == account_id]
            if not links:
                return _Response(404, b"no such account link", {"Content-Type": "text/plain"})
            if outcome != "refresh":
                self.set_account(account_id)
            target = links[-1]["refresh_url" if outcome == "refresh" else "return_url"]
        if not target:
            return _Response(200, b"onboarding done", {"Content-Type": "text/plain"})
        return _Response(302, b"", {"Location": target})

    # -- state helpers

    def _object(self, store: str, object_id: str) -> dict[str, Any]:
        try:
            return getattr(self, store)[object_id]
        except KeyError:
            raise KeyError(f"no {store} object {object_id!r} in the fake") from None

    def _lookup(self, object_id: str) -> dict[str, Any] | None:
        store = _STORES.get(object_id.split("_", 1)[0])
        return getattr(self, store).get(object_id) if store else None

    def _expand(self, obj: dict[str, Any], paths: list[str]) -> dict[str, Any]:
        result = copy.deepcopy(obj)
        for path in paths:
            self._expand_path(result, path.split("."), path)
        return result

    def _expand_path(self, node: Any, parts: list[str], path: str) -> None:
        if not parts or node is None:
            return
        head, rest = parts[0], parts[1:]
        if isinstance(node, dict) and node.get("object") == "list" and head == "data":
            for item in node["data"]:
                self._expand_path(item, rest, path)
            return
        if not isinstance(node, dict) or head not in node:
            raise _param_error(f"This property cannot be expanded ({path}).", "expand")
        if isinstance(node[head], str):
            target = self._lookup(node[head])
            if target is None:
                raise _param_error(f"This property cannot be expanded ({path}).", "expand")
            node[head] = copy.deepcopy(target)
        self._expand_path(node[head], rest, path)

    def _emit(self, type_: str, obj: Mapping[str, Any], ctx: _Ctx | None,
              previous: dict[str, Any] | None = None,
              account: str | None = None) -> dict[str, Any]:  # fmt: skip
        event = fixture("event")
        event.update(
            id=_random_id("evt"), type=type_, created=self.now(), livemode=False,
            api_version=(ctx and ctx.api_version) or self.api_version, pending_webhooks=1,
            request={"id": ctx and ctx.request_id, "idempotency_key": ctx and ctx.idempotency_key},
            data={"object": copy.deepcopy(obj)},
        )  # fmt: skip
        if previous is not None:
            event["data"]["previous_attributes"] = copy.deepcopy(previous)
        if account:
            event["account"] = account  # an event of a connected account
        self.events.append(event)
        self._events_by_id[event["id"]] = event
        return event

    def _balance_transaction(self, source: str, type_: str, amount: int, currency: str,
                             fee: int = 0) -> str:  # fmt: skip
        txn = fixture("balance_transaction")
        fee_details = [{"amount": fee, "application": None, "currency": currency,
                        "description": "Stripe processing fees", "type": "stripe_fee"}]  # fmt: skip
        txn.update(
            id=_random_id("txn"), amount=amount, currency=currency, created=self.now(),
            available_on=self.now() + 2 * 86400, description=None, fee=fee, net=amount - fee,
            fee_details=fee_details if fee else [], source=source, status="pending", type=type_,
            reporting_category={"charge": "charge", "refund": "refund"}.get(type_, "transfer"),
        )  # fmt: skip
        self.balance_transactions[txn["id"]] = txn
        return txn["id"]

    @staticmethod
    def stripe_fee(amount: int) -> int:
        """Stripe's 1.5 % + 25 minor units, the percentage rounded half up."""
        return (amount * 15 + 500) // 1000 + 25

    def _succeed(self, intent: dict[str, Any], ctx: _Ctx | None, fee: int | None = None) -> str:
        amount, currency = intent["amount"], intent["currency"]
        charge, charge_id = fixture("charge"), _random_id("ch")
        method = intent["payment_method"] or _random_id("pm")
        fee = self.stripe_fee(amount) if fee is None else fee
        charge.update(
            id=charge_id, amount=amount, amount_captured=amount, amount_refunded=0, captured=True,
            paid=True, refunded=False, disputed=False, status="succeeded", currency=currency,
            created=self.now(), payment_intent=intent["id"], payment_method=method,
            metadata=copy.deepcopy(intent["metadata"]), description=intent["description"],
            transfer_group=intent["transfer_group"], on_behalf_of=intent["on_behalf_of"],
            transfer_data=intent["transfer_data"], receipt_email=intent["receipt_email"],
            shipping=None, source=None, refunds=_list_object(f"/v1/charges/{charge_id}/refunds"),
            balance_transaction=self._balance_transaction(charge_id, "charge", amount, currency,
                                                          fee),
        )  # fmt: skip
        charge["outcome"].update(network_status="approved_by_network", type="authorized",
                                 risk_level="normal",
                                 seller_message="Payment complete.")  # fmt: skip
        charge["payment_method_details"]["card"]["amount_authorized"] = amount
        self.charges[charge_id] = charge
        intent.update(status="succeeded", latest_charge=charge_id, amount_received=amount,
                      amount_capturable=0, payment_method=method, last_payment_error=None,
                      next_action=None)  # fmt: skip
        self._emit("charge.succeeded", charge, ctx)
        self._emit("payment_intent.succeeded", intent, ctx)
        return charge_id

    def _decline(self, intent: dict[str, Any], ctx: _Ctx | None, code: str) -> dict[str, Any]:
        if intent["status"] in ("succeeded", "canceled"):
            raise ValueError(f"{intent['id']} is {intent['status']}")
        intent.update(status="requires_payment_method", last_payment_error=_card_error(code).error)
        return self._emit("payment_intent.payment_failed", intent, ctx)

    def _new_account(self, params: Mapping[str, Any]) -> dict[str, Any]:
        account, account_id = fixture("account"), _random_id("acct", 16)
        country = params.get("country", "DE")
        currency = {"US": "usd", "GB": "gbp", "CH": "chf", "CA": "cad"}.get(country, "eur")
        account.update(
            id=account_id, created=self.now(), country=country, email=params.get("email"),
            default_currency=params.get("default_currency", currency), metadata={},
            type=params.get("type", "none"), business_type=params.get("business_type"),
            charges_enabled=False, payouts_enabled=False, details_submitted=False,
            capabilities=dict.fromkeys(params.get("capabilities", {}), "inactive"),
        )  # fmt: skip
        account["external_accounts"]["url"] = f"/v1/accounts/{account_id}/external_accounts"
        if "controller" in params:
            account["controller"] = {"type": "application", "is_controller": True,
                                     **params["controller"]}  # fmt: skip
        self._merge_account(account, params)
        self.accounts[account_id] = account
        return account

    @staticmethod
    def _merge_account(account: dict[str, Any], params: Mapping[str, Any]) -> None:
        _apply_metadata(account["metadata"], params.get("metadata"))
        for key in ("business_profile", "tos_acceptance", "settings"):
            if isinstance(params.get(key), dict):
                account[key].update(params[key])
        for name in params.get("capabilities", {}):
            account["capabilities"].setdefault(name, "inactive")
        if "email" in params:
            account["email"] = params["email"]

    def _reverse(self, transfer: dict[str, Any], params: Mapping[str, Any],
                 ctx: _Ctx | None) -> dict[str, Any]:  # fmt: skip
        remaining = transfer["amount"] - transfer["amount_reversed"]
        amount = params.get("amount") or remaining
        if remaining <= 0:
            raise invalid(f"Transfer {transfer['id']} has already been fully reversed.")
        if amount > remaining:
            raise invalid(f"Amount ({amount}) is greater than unreversed amount on transfer "
                          f"({remaining})", param="amount")  # fmt: skip
        reversal = fixture("transfer_reversal")
        reversal.update(
            id=_random_id("trr"), amount=amount, currency=transfer["currency"], created=self.now(),
            transfer=transfer["id"], metadata={}, source_refund=None,
            destination_payment_refund=_random_id("pyr"),
            balance_transaction=self._balance_transaction(
                transfer["id"], "transfer_refund", amount, transfer["currency"]),
        )  # fmt: skip
        _apply_metadata(reversal["metadata"], params.get("metadata"))
        self.reversals[reversal["id"]] = reversal
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
        transfer["reversals"]["data"].insert(0, copy.deepcopy(reversal))
        transfer["reversals"]["total_count"] = len(transfer["reversals"]["data"])
        self._emit("transfer.reversed", transfer, ctx)
        return reversal

    def _find(self, store: str, object_id: str, kind: str, param: str = "id") -> dict[str, Any]:
        found = getattr(self, store).get(object_id)
        if found is None:
            raise invalid(f"No such {kind}: '{object_id}'", param=param, code="resource_missing",
                          status=404)  # fmt: skip
        return found

    # -- endpoints: each returns the object, or raises ApiError before changing anything

    def _create_payment_intent(self, ctx: _Ctx, params: dict[str, Any]) -> dict[str, Any]:
        amount, currency = _amount(params), _currency(params)
        assert amount is not None
        if amount < _MINIMUM_CHARGE.get(currency, 1):
            raise invalid(f"Amount must be at least {_MINIMUM_CHARGE[currency]} {currency}",
                          param="amount", code="amount_too_small")  # fmt: skip
        destination = (params.get("transfer_data") or {}).get("destination")
        if destination and destination not in self.accounts:
            raise invalid(f"No such destination: '{destination}'", code="resource_missing",
                          param="transfer_data[destination]")  # fmt: skip
        if params.get("confirm") and not params.get("payment_method"):
            raise invalid("You cannot confirm this PaymentIntent because it's missing a payment "
                          "method.", code="payment_intent_unexpected_state")  # fmt: skip
        intent, intent_id = fixture("payment_intent"), _random_id("pi")
        intent.update(
            id=intent_id, client_secret=f"{intent_id}_secret_{_random_id('s', 25)[2:]}",
            amount=amount, currency=currency, created=self.now(), metadata={},
            status="requires_confirmation" if params.get("payment_method")
            else "requires_payment_method",
            amount_received=0, amount_capturable=0, canceled_at=None, cancellation_reason=None,
            last_payment_error=None, latest_charge=None, next_action=None, processing=None,
            shipping=params.get("shipping"), transfer_data=params.get("transfer_data"),
            payment_method_types=params.get("allowed_payment_method_types", ["card"]),
            automatic_payment_methods=params.get("automatic_payment_methods",
                                                 {"enabled": True, "allow_redirects": "always"}),
        )  # fmt: skip
        for key in ("description", "receipt_email", "customer", "on_behalf_of", "payment_method",
                    "statement_descriptor", "statement_descriptor_suffix", "setup_future_usage",
                    "capture_method", "confirmation_method", "transfer_group",
                    "application_fee_amount"):  # fmt: skip
            intent[key] = params.get(key)
        _apply_metadata(intent["metadata"], params.get("metadata"))
        self.payment_intents[intent_id] = intent
        if params.get("confirm"):  # with a test payment method such as pm_card_visa
            code = _DECLINING_METHODS.get(params["payment_method"])
            if code:
                self._decline(intent, ctx, code)
                raise _card_error(code, payment_intent=copy.deepcopy(intent))
            self._succeed(intent, ctx)
        return intent

    def _get_payment_intent(self, ctx: _Ctx, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self._find("payment_intents", id, "payment_intent", "intent")

    def _update_payment_intent(self, ctx: _Ctx, params: dict[str, Any], id: str) -> dict[str, Any]:
        intent = self._find("payment_intents", id, "payment_intent", "intent")
        changes = sorted(set(params) - {"metadata", "description", "receipt_email", "expand"})
        if changes and intent["status"] in ("succeeded", "canceled", "processing"):
            raise invalid(f"This PaymentIntent's {', '.join(changes)} could not be updated "
                          f"because it has a status of {intent['status']}.",
                          code="payment_intent_unexpected_state")  # fmt: skip
        if "amount" in params:
            _amount(params)
        if "currency" in params:
            params["currency"] = _currency(params)
        for key, value in params.items():
            if key not in ("metadata", "expand") and key in intent:
                intent[key] = value
        _apply_metadata(intent["metadata"], params.get("metadata"))
        return intent

    def _cancel_payment_intent(self, ctx: _Ctx, params: dict[str, Any], id: str) -> dict[str, Any]:
        intent = self._find("payment_intents", id, "payment_intent", "intent")
        if intent["status"] in ("succeeded", "canceled"):
            raise invalid(f"You cannot cancel this PaymentIntent because it has a status of "
                          f"{intent['status']}.",
                          code="payment_intent_unexpected_state")  # fmt: skip
        intent.update(status="canceled", canceled_at=self.now(),
                      cancellation_reason=params.get("cancellation_reason"))  # fmt: skip
        self._emit("payment_intent.canceled", intent, ctx)
        return intent

    def _get_charge(self, ctx: _Ctx, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self._find("charges", id, "charge", "charge")

    def _get_balance_transaction(
        self, ctx: _Ctx, params: dict[str, Any], id: str
    ) -> dict[str, Any]:
        return self._find("balance_transactions", id, "balance transaction")

    def _create_transfer(self, ctx: _Ctx, params: dict[str, Any]) -> dict[str, Any]:
        amount, currency = _amount(params), _currency(params)
        assert amount is not None
        destination = self.accounts.get(params["destination"])
        if destination is None:
            raise invalid(f"No such destination: '{params['destination']}'",
                          param="destination", code="resource_missing")  # fmt: skip
        if destination["capabilities"].get("transfers") != "active":
            raise invalid("Your destination account needs to have at least one of the following "
                          "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                          param="destination",
                          code="insufficient_capabilities_for_transfer")  # fmt: skip
        transfer_group = params.get("transfer_group")
        source_id = params.get("source_transaction")
        if source_id is not None:
            charge = self.charges.get(source_id)
            if charge is None:
                raise invalid(f"No such charge: '{source_id}'", param="source_transaction",
                              code="resource_missing")  # fmt: skip
            if charge["currency"] != currency:
                raise invalid(f"The currency of source_transaction's balance transaction "
                              f"({charge['currency']}) must be the same as the transfer "
                              f"currency ({currency})", param="currency")  # fmt: skip
            transferred = sum(t["amount"] - t["amount_reversed"] for t in self.transfers.values()
                              if t["source_transaction"] == source_id)  # fmt: skip
            available = charge["amount"] - charge["amount_refunded"] - transferred
            if amount > available:
                raise _balance_insufficient(
                    f" The transfer amount ({amount}) exceeds what is left of the "
                    f"source_transaction ({available})."
                )
            transfer_group = transfer_group or charge["transfer_group"]
        transfer, transfer_id = fixture("transfer"), _random_id("tr")
        transfer.update(
            id=transfer_id, amount=amount, amount_reversed=0, currency=currency, created=self.now(),
            description=params.get("description"), destination=params["destination"],
            destination_payment=_random_id("py"), metadata={}, reversed=False,
            reversals=_list_object(f"/v1/transfers/{transfer_id}/reversals"),
            source_transaction=source_id, source_type=params.get("source_type", "card"),
            transfer_group=transfer_group,
            balance_transaction=self._balance_transaction(transfer_id, "transfer", -amount,
                                                          currency),
        )  # fmt: skip
        _apply_metadata(transfer["metadata"], params.get("metadata"))
        self.transfers[transfer_id] = transfer
        self._emit("transfer.created", transfer, ctx)
        return transfer

    def _get_transfer(self, ctx: _Ctx, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self._find("transfers", id, "transfer", "transfer")

    def _create_reversal(self, ctx: _Ctx, params: dict[str, Any], id: str) -> dict[str, Any]:
        transfer = self._find("transfers", id, "transfer", "transfer")
        _amount(params, required=False)
        return self._reverse(transfer, params, ctx)

    def _list_reversals(self, ctx: _Ctx, params: dict[str, Any], id: str) -> dict[str, Any]:
        self._find("transfers", id, "transfer", "transfer")
        data = [r for r in reversed(self.reversals.values()) if r["transfer"] == id]
        limit = params.get("limit", 10)
        return {**_list_object(f"/v1/transfers/{id}/reversals"), "data": data[:limit],
                "has_more": len(data) > limit}  # fmt: skip

    def _create_refund(self, ctx: _Ctx, params: dict[str, Any]) -> dict[str, Any]:
        _amount(params, required=False)
        if "payment_intent" in params:
            intent = self._find("payment_intents", params["payment_intent"], "payment_intent",
                                "payment_intent")  # fmt: skip
            if intent["latest_charge"] is None:
                raise invalid(f"This PaymentIntent ({intent['id']}) does not have a successful "
                              "charge to refund.", param="payment_intent")  # fmt: skip
            params.setdefault("charge", intent["latest_charge"])
        if "charge" not in params:
            raise _param_error("One of charge or payment_intent is required.", "charge")
        charge = self._find("charges", params["charge"], "charge", "charge")
        remaining = charge["amount"] - charge["amount_refunded"]
        amount = params.get("amount") or remaining
        if charge["disputed"]:
            raise invalid(f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                          code="charge_disputed")  # fmt: skip
        if remaining <= 0:
            raise invalid(f"Charge {charge['id']} has already been refunded.",
                          code="charge_already_refunded")  # fmt: skip
        if amount > remaining:
            raise invalid(f"Refund amount ({amount} {charge['currency']}) is greater than "
                          f"unrefunded amount on charge ({remaining} {charge['currency']})",
                          param="amount")  # fmt: skip
        if params.get("reverse_transfer") and not charge["transfer_data"]:
            raise invalid("reverse_transfer is only for destination charges; reverse the "
                          "transfer with a Transfer Reversal.",
                          param="reverse_transfer")  # fmt: skip
        refund, refund_id = fixture("refund"), _random_id("re")
        refund.update(
            id=refund_id, amount=amount, charge=charge["id"], currency=charge["currency"],
            created=self.now(), metadata={}, payment_intent=charge["payment_intent"],
            reason=params.get("reason"), status="succeeded", transfer_reversal=None,
            payment_method=charge["payment_method"],
            balance_transaction=self._balance_transaction(refund_id, "refund", -amount,
                                                          charge["currency"]),
        )  # fmt: skip
        _apply_metadata(refund["metadata"], params.get("metadata"))
        self.refunds[refund_id] = refund
        before = copy.deepcopy(charge)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        charge["refunds"]["total_count"] = len(charge["refunds"]["data"])
        self._emit("charge.refunded", charge, ctx, _diff(before, charge))
        self._emit("refund.created", refund, ctx)
        return refund

    def _get_refund(self, ctx: _Ctx, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self._find("refunds", id, "refund", "refund")

    def _create_account(self, ctx: _Ctx, params: dict[str, Any]) -> dict[str, Any]:
        return self._new_account(params)

    def _get_account(self, ctx: _Ctx, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self._find("accounts", id, "account", "account")

    def _update_account(self, ctx: _Ctx, params: dict[str, Any], id: str) -> dict[str, Any]:
        account = self._find("accounts", id, "account", "account")
        before = copy.deepcopy(account)
        self._merge_account(account, params)
        self._emit("account.updated", account, ctx, _diff(before, account), id)
        return account

    def _create_account_link(self, ctx: _Ctx, params: dict[str, Any]) -> dict[str, Any]:
        account = params["account"]
        if account not in self.accounts:
            raise invalid(f"No such account: '{account}'", param="account", code="resource_missing")
        url = f"{self.url}/connect/onboarding/{account}"
        self.account_links.append({"account": account, "type": params["type"], "url": url,
                                   "return_url": params.get("return_url"),
                                   "refresh_url": params.get("refresh_url")})  # fmt: skip
        return {"object": "account_link", "created": self.now(), "expires_at": self.now() + 300,
                "url": url}  # fmt: skip

    def _get_event(self, ctx: _Ctx, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self._find("_events_by_id", id, "event")


# --- pytest glue ----------------------------------------------------------------------------


def client_for(
    fake: FakeStripe, *, max_network_retries: int = 2, timeout: float | None = None
) -> stripe.StripeClient:
    """A StripeClient on the fake, its HTTP session closed when the fake stops.

    The read timeout defaults to `fake.timeout_seconds`, so a "timeout" failure times it out."""
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment for loopback
    fake._sessions.append(session)
    http_client = stripe.RequestsClient(
        timeout=fake.timeout_seconds if timeout is None else timeout, session=session
    )
    return stripe.StripeClient(
        fake.api_key,
        base_addresses=fake.base_addresses,
        max_network_retries=max_network_retries,
        http_client=http_client,
    )


@pytest.fixture
def stripe_fake() -> Iterator[FakeStripe]:
    """A fresh fake Stripe server for one test."""
    with FakeStripe() as fake:
        yield fake
    assert not fake.internal_errors, "the fake Stripe server failed:\n" + "\n".join(
        fake.internal_errors
    )
