"""Benchmark: the exact split of paid orders with their ledger postings, and the ledger check
(issue 7).

1. split + ledger: synthetic paid orders of 1, 2, 5, 10 and 20 co-ops (--split-orders of each;
   1 to 3 lines per co-op order, a quarter of the lines fair-trade, some co-op orders with
   shipping; a third of the orders paid by card, whose processor fee the co-ops bear). For each
   order, as services.payments does when an order is paid: each co-op order's fee
   (domain.fees.coop_order_fee under a 6 % / 3 % fair / 0.50 minimum policy), the processor fee
   shared out (domain.split.allocate), each co-op order's settlement (domain.split.settle), the
   ledger entries (domain.ledger: payment_received, payment_applied, one fee per co-op order,
   processor_fee), written with services.ledger.post and committed every --batch orders. The
   orders and co-op orders are inserted beforehand (not timed) and removed afterwards.
   Printed per size: orders/s, co-op orders/s and postings/s; and beside it, as the reference
   in the same run, the same split and entries in memory only (no database).
2. ledger check: --orders (100,000) paid orders with their co-op orders, payment receipts,
   transfers (some sent), refunds by amount and in full (before and after the transfer, some
   paid back), transfer reversals (some done) and over-payments owed back, computed with the
   same domain code and bulk-inserted with SQLAlchemy Core, so that every invariant holds; then
   services.ledger.check() (what `flask ledger check` runs) is timed, best of 3 (PostgreSQL
   after an ANALYZE, as autovacuum would have made one). The run fails unless the check finds
   no breach: it prints "breaches: 0".

The database is built by the migrations: SQLite in a scratch folder by default (removed at the
end); --database-url names an empty database (PostgreSQL) that the run fills and leaves as it
is: give it a throwaway one. --quick is a smoke test (500 orders, 20 per size).

    .venv/bin/python bench/split.py [--orders 100000] [--split-orders 1000] [--batch 100]
        [--sizes 1,2,5,10,20] [--database-url URL] [--quick] [--seed 7] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marketplace.config import normalise_database_url  # noqa: E402
from marketplace.domain import ledger as books  # noqa: E402
from marketplace.domain.fees import FeeRule, coop_order_fee  # noqa: E402
from marketplace.domain.ledger import CoopPart, Entry, EventKind, check_balanced  # noqa: E402
from marketplace.domain.split import Settlement, allocate, refund_effect, settle  # noqa: E402

#: the demo federation's policy: 6 %, 3 % for verified fair trade, at least 0.50
RULE = FeeRule(basis_points=600, fair_basis_points=300, minimum=50)
CURRENCY = "EUR"
SIZES = (1, 2, 5, 10, 20)
#: how many co-ops the check's orders come from (orders of 1 co-op are the most common)
CHECK_SIZES = (1,) * 50 + (2,) * 25 + (3,) * 15 + (5,) * 7 + (10,) * 3
#: the app's settings: no background threads beside the measurement
SETTINGS = {"SEARCH_SYNC": "off", "HOUSEKEEPING": "off", "MAIL_DELIVERY": "off"}
#: orders generated and inserted at a time for the check
CHUNK = 5000
#: when the synthetic orders were paid
PAID_AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
_STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def card_fee(total: int) -> int:
    """A card processor's fee: 1.5 % + 0.25, rounded half up."""
    return (total * 150 + 5000) // 10000 + 25


# --- synthetic orders ------------------------------------------------------------------------


@dataclass
class CoopOrderSpec:
    coop_id: int
    #: (unit price, quantity, fair-trade)
    lines: list[tuple[int, int, bool]]
    shipping: int
    id: int = 0

    @property
    def subtotal(self) -> int:
        return sum(price * quantity for price, quantity, _fair in self.lines)


@dataclass
class OrderSpec:
    card: bool
    coop_orders: list[CoopOrderSpec]
    id: int = 0


def synthetic_order(rng: random.Random, coops: list[int], size: int) -> OrderSpec:
    chosen = rng.sample(coops, size)
    return OrderSpec(
        card=rng.random() < 1 / 3,
        coop_orders=[
            CoopOrderSpec(
                coop_id=coop_id,
                lines=[
                    (rng.randrange(250, 9000, 10), rng.randint(1, 3), rng.random() < 0.25)
                    for _ in range(rng.randint(1, 3))
                ],
                shipping=rng.choice((0, 0, 490, 690)),
            )
            for coop_id in chosen
        ],
    )


@dataclass
class Paid:
    """A paid order's split: what each co-op order keeps, and the ledger events it causes."""

    parts: list[CoopPart]
    settlements: list[Settlement]
    total: int
    processor_fee: int
    events: list[tuple[EventKind, list[Entry]]]


def split_paid_order(order: OrderSpec) -> Paid:
    """What services.payments computes and posts when an order is paid in full."""
    fees = [
        coop_order_fee(
            [(price * quantity, RULE.rate(fair)) for price, quantity, fair in co.lines],
            co.shipping,
            RULE,
        )
        for co in order.coop_orders
    ]
    totals = [co.subtotal + co.shipping for co in order.coop_orders]
    total = sum(totals)
    processor_fee = card_fee(total) if order.card else 0
    shares = (
        allocate(processor_fee, totals, [t - f for t, f in zip(totals, fees, strict=True)])
        if processor_fee
        else [0] * len(totals)
    )
    parts = [
        CoopPart(co.id, co.coop_id, t, f, s)
        for co, t, f, s in zip(order.coop_orders, totals, fees, shares, strict=True)
    ]
    settlements = [settle(p.total, p.fee, p.processor_fee, 0) for p in parts]
    events = [
        (EventKind.PAYMENT_RECEIVED, books.payment_received(total)),
        (EventKind.PAYMENT_APPLIED, books.payment_applied(parts)),
        *((EventKind.FEE, books.fee(part)) for part in parts),
        (EventKind.PROCESSOR_FEE, books.processor_fee(processor_fee, parts)),
    ]
    return Paid(parts, settlements, total, processor_fee, events)


# --- the database ----------------------------------------------------------------------------


def prepare_database() -> None:
    """The schema by the migrations; the database must hold no federation yet."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from marketplace.extensions import db
    from marketplace.models import Coop, Order

    logging.disable(logging.INFO)  # the migrations' progress lines
    try:
        upgrade()
    finally:
        logging.disable(logging.NOTSET)
    if db.session.scalar(select(func.count()).select_from(Coop)) or db.session.scalar(
        select(func.count()).select_from(Order)
    ):
        raise SystemExit(
            "the database is not empty: give --database-url a throwaway database, "
            "this run fills it with hundreds of thousands of rows"
        )


def base_rows() -> tuple[int, list[int]]:
    """One buyer and 20 admitted co-ops (as many as the largest order has): their ids."""
    from marketplace.extensions import db
    from marketplace.models import Coop, CoopStatus, User

    buyer = User(email="buyer@bench.example", name="Bench Buyer", password_hash="-")  # noqa: S106
    coops = [
        Coop(
            slug=f"bench-coop-{n}",
            name=f"Bench Co-op {n}",
            country="DE",
            trade="bakery",
            status=CoopStatus.ADMITTED,
            admitted_at=PAID_AT,
            currency=CURRENCY,
        )  # fmt: skip
        for n in range(1, max(SIZES) + 1)
    ]
    db.session.add_all([buyer, *coops])
    db.session.commit()
    return buyer.id, [coop.id for coop in coops]


class Ids:
    """Primary keys handed out here, so that related rows can be bulk-inserted together."""

    def __init__(self, tables: list[str]) -> None:
        from sqlalchemy import text

        from marketplace.extensions import db

        self.next = {
            table: int(db.session.scalar(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")) or 0)  # noqa: S608 - our table names
            + 1
            for table in tables
        }

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value

    def sync_sequences(self) -> None:
        """PostgreSQL: the id sequences continue after the ids given here."""
        from sqlalchemy import text

        from marketplace.extensions import db

        if db.engine.dialect.name != "postgresql":
            return
        for table, value in self.next.items():
            if value > 1:
                db.session.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :last)"),
                    {"last": value - 1},
                )
        db.session.commit()


def order_row(order_id: int, buyer_id: int, total: int, card: bool, **values: Any) -> dict:
    from marketplace.models import PaymentStatus

    row = {
        "id": order_id,
        "reference": f"B{order_id:07d}"[:4] + "-" + f"B{order_id:07d}"[4:],
        "buyer_id": buyer_id,
        "idempotency_key": f"bench-{order_id}",
        "currency": CURRENCY,
        "total_amount": total,
        "payment_method": "stripe" if card else "bank_transfer",
        "payment_status": PaymentStatus.PENDING,
        "amount_received": 0,
        "processor_fee_amount": 0,
        "paid_at": None,
        "placed_at": PAID_AT - timedelta(hours=1),
        "ship_name": "Bench Buyer",
        "ship_line1": "Hauptstraße 1",
        "ship_postcode": "10115",
        "ship_city": "Berlin",
        "ship_country": "DE",
    }
    row.update(values)
    return row


def coop_order_row(co: CoopOrderSpec, order_id: int, **values: Any) -> dict:
    from marketplace.models import CoopOrderStatus

    row = {
        "id": co.id,
        "order_id": order_id,
        "coop_id": co.coop_id,
        "status": CoopOrderStatus.PLACED,
        "subtotal_amount": co.subtotal,
        "shipping_amount": co.shipping,
        "fee_amount": 0,
        "refunded_amount": 0,
        "processor_fee_amount": 0,
    }
    row.update(values)
    return row


def bulk_insert(tables: list[tuple[type, list[dict]]]) -> int:
    """Insert the rows with Core, parents first; how many."""
    from sqlalchemy import insert

    from marketplace.extensions import db

    count = 0
    for model, rows in tables:
        if rows:
            db.session.execute(insert(model.__table__), rows)
            count += len(rows)
    db.session.commit()
    return count


# --- 1. split + ledger posting ---------------------------------------------------------------


@dataclass
class SizeFigures:
    coops: int
    orders: int
    postings: int
    seconds: float
    memory_seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "coops_per_order": self.coops,
            "orders": self.orders,
            "postings": self.postings,
            "seconds": self.seconds,
            "orders_per_second": self.orders / self.seconds,
            "coop_orders_per_second": self.orders * self.coops / self.seconds,
            "postings_per_second": self.postings / self.seconds,
            "memory_seconds": self.memory_seconds,
            "memory_orders_per_second": self.orders / self.memory_seconds,
        }


def in_memory(orders: list[OrderSpec]) -> tuple[float, int]:
    """The reference: split and entries (with post's balance check), no database."""
    started = time.perf_counter()
    postings = 0
    for order in orders:
        for _kind, entries in split_paid_order(order).events:
            kept = [entry for entry in entries if entry.amount]
            if kept:
                check_balanced((CURRENCY, entry.amount) for entry in kept)
                postings += len(kept)
    return time.perf_counter() - started, postings


def posted(orders: list[OrderSpec], batch: int) -> tuple[float, int]:
    """Split each order and post its events with services.ledger.post, committing per batch."""
    from marketplace.extensions import db
    from marketplace.services import ledger

    started = time.perf_counter()
    postings = 0
    for index, order in enumerate(orders, start=1):
        for kind, entries in split_paid_order(order).events:
            made = ledger.post(kind, entries, currency=CURRENCY, order_id=order.id)
            if made is not None:
                postings += len(made.postings)
        if index % batch == 0:
            db.session.commit()
    db.session.commit()
    return time.perf_counter() - started, postings


def remove_orders() -> None:
    """Every order and ledger row: the database held none before the run."""
    from sqlalchemy import delete, text

    from marketplace.extensions import db
    from marketplace.models import CoopOrder, LedgerTransaction, Order, Posting

    if db.engine.dialect.name == "postgresql":
        # at once: row by row, each deleted row's foreign keys are looked up among the
        # postings' dead rows (the tables referring to these ones are empty: CASCADE)
        db.session.execute(
            text("TRUNCATE ledger_postings, ledger_transactions, coop_orders, orders CASCADE")
        )
    else:
        for model in (Posting, LedgerTransaction, CoopOrder, Order):
            db.session.execute(delete(model))
    db.session.commit()


def split_bench(args: argparse.Namespace, buyer_id: int, coops: list[int]) -> list[SizeFigures]:
    from marketplace.models import CoopOrder, Order

    rng = random.Random(args.seed)  # noqa: S311 - generated data, not secrets
    results = []
    for size in args.sizes:
        ids = Ids(["orders", "coop_orders"])
        orders = [synthetic_order(rng, coops, size) for _ in range(args.split_orders)]
        order_rows, coop_rows = [], []
        for order in orders:
            order.id = ids.take("orders")
            for co in order.coop_orders:
                co.id = ids.take("coop_orders")
                coop_rows.append(coop_order_row(co, order.id))
            total = sum(co.subtotal + co.shipping for co in order.coop_orders)
            order_rows.append(order_row(order.id, buyer_id, total, order.card))
        bulk_insert([(Order, order_rows), (CoopOrder, coop_rows)])
        ids.sync_sequences()
        memory_seconds, memory_postings = in_memory(orders)
        seconds, postings = posted(orders, args.batch)
        assert postings == memory_postings, (postings, memory_postings)
        figures = SizeFigures(size, len(orders), postings, seconds, memory_seconds)
        log(
            f"{size:>2} co-ops per order: {figures.as_dict()['orders_per_second']:,.0f} orders/s "
            f"posted, {figures.as_dict()['memory_orders_per_second']:,.0f} in memory"
        )
        results.append(figures)
        # these orders were only posted, never settled: they leave before the next ones
        remove_orders()
    return results


# --- 2. the ledger check over many paid orders -----------------------------------------------


@dataclass
class Rows:
    """One chunk of generated rows, by table."""

    orders: list[dict] = field(default_factory=list)
    coop_orders: list[dict] = field(default_factory=list)
    receipts: list[dict] = field(default_factory=list)
    transfers: list[dict] = field(default_factory=list)
    refunds: list[dict] = field(default_factory=list)
    reversals: list[dict] = field(default_factory=list)
    transactions: list[dict] = field(default_factory=list)
    postings: list[dict] = field(default_factory=list)


class Generator:
    """Paid orders and all that followed, row by row, as the services would have written them."""

    def __init__(self, rng: random.Random, buyer_id: int, coops: list[int], ids: Ids) -> None:
        self.rng = rng
        self.buyer_id = buyer_id
        self.coops = coops
        self.ids = ids
        self.rows = Rows()

    def post(self, kind: EventKind, entries: list[Entry], order_id: int, **refs: int) -> None:
        kept = [entry for entry in entries if entry.amount]
        if not kept:
            return
        check_balanced((CURRENCY, entry.amount) for entry in kept)
        transaction_id = self.ids.take("ledger_transactions")
        self.rows.transactions.append(
            {
                "id": transaction_id,
                "kind": kind,
                "order_id": order_id,
                "refund_id": refs.get("refund_id"),
                "transfer_id": refs.get("transfer_id"),
                "reversal_id": refs.get("reversal_id"),
                "receipt_id": refs.get("receipt_id"),
                "memo": "",
                "created_at": PAID_AT,
            }
        )
        self.rows.postings.extend(
            {
                "transaction_id": transaction_id,
                "account": entry.account,
                "currency": CURRENCY,
                "amount": entry.amount,
                "order_id": order_id,
                "coop_order_id": entry.coop_order_id,
                "coop_id": entry.coop_id,
            }
            for entry in kept
        )

    def receipt(self, order_id: int, amount: int, card: bool) -> None:
        from marketplace.models import PaymentSource

        receipt_id = self.ids.take("payment_receipts")
        self.rows.receipts.append(
            {
                "id": receipt_id,
                "order_id": order_id,
                "amount": amount,
                "currency": CURRENCY,
                "source": PaymentSource.STRIPE if card else PaymentSource.ADMIN,
                "source_key": None,
                "note": "",
                "received_at": PAID_AT,
            }
        )
        self.post(
            EventKind.PAYMENT_RECEIVED,
            books.payment_received(amount),
            order_id,
            receipt_id=receipt_id,
        )

    def refund_row(self, order_id: int, amount: int, paid: bool, **values: Any) -> int:
        from marketplace.models import RefundKind, RefundStatus

        refund_id = self.ids.take("refunds")
        row = {
            "id": refund_id,
            "order_id": order_id,
            "coop_order_id": None,
            "kind": RefundKind.COOP_ORDER,
            "currency": CURRENCY,
            "amount": amount,
            "reversal_amount": 0,
            "fee_returned": 0,
            "processor_fee_released": 0,
            "reason": "",
            "idempotency_key": f"bench-refund-{refund_id}",
            "method": "bank_transfer",
            "status": RefundStatus.PAID if paid else RefundStatus.PENDING,
            "created_at": PAID_AT,
            "paid_at": PAID_AT if paid else None,
        }
        row.update(values)
        self.rows.refunds.append(row)
        return refund_id

    def order(self) -> None:
        from marketplace.models import PaymentStatus, RefundKind

        rng = self.rng
        order = synthetic_order(rng, self.coops, rng.choice(CHECK_SIZES))
        order.id = self.ids.take("orders")
        for co in order.coop_orders:
            co.id = self.ids.take("coop_orders")
        paid = split_paid_order(order)
        # the money in: in one payment, in two, or more than was due
        luck = rng.random()
        excess = rng.randrange(100, 5000, 100) if luck < 0.02 else 0
        if 0.02 <= luck < 0.05 and paid.total > 1:
            first = rng.randint(1, paid.total - 1)
            self.receipt(order.id, first, order.card)
            self.receipt(order.id, paid.total - first, order.card)
        else:
            self.receipt(order.id, paid.total + excess, order.card)
        for kind, entries in paid.events[1:]:  # applied, fees, processor fee
            self.post(kind, entries, order.id)
        if excess:
            self.post(EventKind.OVERPAYMENT, books.overpayment(excess), order.id)
            sent_back = rng.random() < 0.5
            refund_id = self.refund_row(
                order.id, excess, sent_back, kind=RefundKind.OVERPAYMENT, method="bank_transfer"
            )
            if sent_back:
                self.post(
                    EventKind.REFUND_PAID,
                    books.refund_paid(excess, None, None),
                    order.id,
                    refund_id=refund_id,
                )
        self.rows.orders.append(
            order_row(
                order.id,
                self.buyer_id,
                paid.total,
                order.card,
                payment_status=PaymentStatus.PAID,
                amount_received=paid.total + excess,
                processor_fee_amount=paid.processor_fee,
                paid_at=PAID_AT,
            )
        )
        for co, part, settled in zip(order.coop_orders, paid.parts, paid.settlements, strict=True):
            self.coop_order(order, co, part, settled)

    def coop_order(
        self, order: OrderSpec, co: CoopOrderSpec, part: CoopPart, settled: Settlement
    ) -> None:
        from marketplace.models import CoopOrderStatus, TransferStatus

        rng = self.rng
        method = "stripe" if order.card else "bank_transfer"
        transfer_id = self.ids.take("transfers")
        transfer = {
            "id": transfer_id,
            "coop_order_id": co.id,
            "coop_id": co.coop_id,
            "order_id": order.id,
            "currency": CURRENCY,
            "amount": settled.payout,
            "method": method,
            "status": TransferStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": PAID_AT,
            "created_at": PAID_AT,
            "paid_at": None,
        }
        if settled.payout == 0:
            transfer.update(status=TransferStatus.PAID, paid_at=PAID_AT)
        fate = rng.random()
        # 40 % wait for their transfer, 45 % were sent, 5 % refunded before the transfer was
        # tried (it shrank; sent since or not), 10 % refunded once or twice after it was sent
        refunds_before = 1 if 0.85 <= fate < 0.90 else 0
        refunds_after = rng.choice((1, 1, 2)) if fate >= 0.90 else 0
        send = 0.40 <= fate < 0.85 or refunds_after > 0 or (refunds_before and rng.random() < 0.5)
        for _ in range(refunds_before):
            settled = self.refund(order, co, settled, transfer, after_sending=False)
        if send and transfer["status"] is TransferStatus.PENDING:
            self.send(order, co, transfer)
        for _ in range(refunds_after):
            if settled.refunded < settled.total:
                settled = self.refund(order, co, settled, transfer, after_sending=True)
        self.rows.transfers.append(transfer)
        self.rows.coop_orders.append(
            coop_order_row(
                co,
                order.id,
                status=CoopOrderStatus.CANCELLED
                if settled.refunded == settled.total
                else CoopOrderStatus.DELIVERED,
                fee_amount=part.fee,
                processor_fee_amount=part.processor_fee,
                refunded_amount=settled.refunded,
            )
        )

    def send(self, order: OrderSpec, co: CoopOrderSpec, transfer: dict) -> None:
        from marketplace.models import TransferStatus

        transfer.update(status=TransferStatus.PAID, paid_at=PAID_AT, attempts=1)
        self.post(
            EventKind.TRANSFER if transfer["method"] == "stripe" else EventKind.PAYOUT,
            books.transfer(transfer["amount"], co.id, co.coop_id),
            order.id,
            transfer_id=transfer["id"],
        )

    def refund(
        self,
        order: OrderSpec,
        co: CoopOrderSpec,
        before: Settlement,
        transfer: dict,
        *,
        after_sending: bool,
    ) -> Settlement:
        """A refund by amount or of all that is left, as services.refunds makes it."""
        from marketplace.models import TransferStatus

        rng = self.rng
        left = before.total - before.refunded
        amount = left if rng.random() < 0.25 else rng.randint(1, left)
        effect = refund_effect(before, amount)
        paid_back = rng.random() < 0.5
        refund_id = self.refund_row(
            order.id,
            amount,
            paid_back,
            coop_order_id=co.id,
            reversal_amount=effect.reversal,
            fee_returned=effect.fee_returned,
            processor_fee_released=effect.processor_fee_released,
            method="stripe" if order.card else "bank_transfer",
        )
        self.post(
            EventKind.REFUND, books.refund(effect, co.id, co.coop_id), order.id, refund_id=refund_id
        )
        if effect.reversal:
            if not after_sending:
                # not tried yet: the transfer simply shrinks
                transfer["amount"] -= effect.reversal
                if transfer["amount"] == 0:
                    transfer.update(status=TransferStatus.PAID, paid_at=PAID_AT)
            else:
                done = rng.random() < 0.5
                reversal_id = self.ids.take("transfer_reversals")
                self.rows.reversals.append(
                    {
                        "id": reversal_id,
                        "transfer_id": transfer["id"],
                        "refund_id": refund_id,
                        "coop_id": co.coop_id,
                        "amount": effect.reversal,
                        "status": TransferStatus.PAID if done else TransferStatus.PENDING,
                        "attempts": 1 if done else 0,
                        "next_attempt_at": PAID_AT,
                        "created_at": PAID_AT,
                        "done_at": PAID_AT if done else None,
                    }
                )
                if done:
                    self.post(
                        EventKind.TRANSFER_REVERSAL,
                        books.transfer_reversal(effect.reversal, co.id, co.coop_id),
                        order.id,
                        transfer_id=transfer["id"],
                        reversal_id=reversal_id,
                    )
        if paid_back:
            self.post(
                EventKind.REFUND_PAID,
                books.refund_paid(amount, co.id, co.coop_id),
                order.id,
                refund_id=refund_id,
            )
        return effect.after

    def take(self) -> Rows:
        rows, self.rows = self.rows, Rows()
        return rows


TABLES = [
    "orders",
    "coop_orders",
    "payment_receipts",
    "transfers",
    "refunds",
    "transfer_reversals",
    "ledger_transactions",
    "ledger_postings",
]


def generate(args: argparse.Namespace, buyer_id: int, coops: list[int]) -> dict[str, int]:
    """The check's orders, generated and inserted a chunk at a time; the rows per table."""
    from marketplace.models import (
        CoopOrder,
        LedgerTransaction,
        Order,
        PaymentReceipt,
        Posting,
        Refund,
        Transfer,
        TransferReversal,
    )

    rng = random.Random(args.seed + 1)  # noqa: S311 - generated data, not secrets
    ids = Ids(TABLES)
    generator = Generator(rng, buyer_id, coops, ids)
    counts = dict.fromkeys(TABLES, 0)
    for start in range(0, args.orders, CHUNK):
        for _ in range(min(CHUNK, args.orders - start)):
            generator.order()
        rows = generator.take()
        # a refund's transactions name it, and a reversal its refund: parents first
        tables = [
            ("orders", Order, rows.orders),
            ("coop_orders", CoopOrder, rows.coop_orders),
            ("payment_receipts", PaymentReceipt, rows.receipts),
            ("transfers", Transfer, rows.transfers),
            ("refunds", Refund, rows.refunds),
            ("transfer_reversals", TransferReversal, rows.reversals),
            ("ledger_transactions", LedgerTransaction, rows.transactions),
            ("ledger_postings", Posting, rows.postings),
        ]
        bulk_insert([(model, table_rows) for _name, model, table_rows in tables])
        for name, _model, table_rows in tables:
            counts[name] += len(table_rows)
        done = min(start + CHUNK, args.orders)
        if done % (10 * CHUNK) == 0 or done == args.orders:
            log(f"check's orders: {done:,} of {args.orders:,} inserted")
    ids.sync_sequences()
    return counts


def refreshed_statistics() -> None:
    """PostgreSQL: the planner's statistics after the bulk load, as autovacuum's ANALYZE would
    give them on a database in use (SQLite keeps none unless told, and is left as it is)."""
    from sqlalchemy import text

    from marketplace.extensions import db

    db.session.commit()
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def timed_check(repeat: int) -> tuple[list[float], list[str]]:
    from marketplace.extensions import db
    from marketplace.services import ledger

    runs = []
    breaches: list[str] = []
    for _ in range(repeat):
        db.session.remove()
        started = time.perf_counter()
        breaches = ledger.check()
        runs.append(time.perf_counter() - started)
    return runs, breaches


# --- the run ---------------------------------------------------------------------------------


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(args: argparse.Namespace, database_url: str) -> dict[str, Any]:
    from marketplace import create_app
    from marketplace.extensions import db

    load_average = os.getloadavg()[0]
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url), **SETTINGS})
    logging.getLogger("marketplace").setLevel(logging.WARNING)
    with app.app_context():
        try:
            prepare_database()
            dialect = db.engine.dialect.name
            buyer_id, coops = base_rows()
            log(f"{dialect}: schema made; split + ledger for {args.split_orders} orders per size")
            sizes = split_bench(args, buyer_id, coops)
            log(f"generating {args.orders:,} paid orders for the check")
            started = time.perf_counter()
            counts = generate(args, buyer_id, coops)
            inserted = time.perf_counter() - started
            refreshed_statistics()
            log(f"inserted in {inserted:.1f} s; timing ledger.check(), best of {args.repeat}")
            runs, breaches = timed_check(args.repeat)
        finally:
            db.session.remove()
            db.engine.dispose()
    return {
        "database": dialect,
        "machine": {"cpus": _cpus(), "load_average_1min_at_start": load_average},
        "split": {
            "orders_per_size": args.split_orders,
            "batch": args.batch,
            "sizes": [figures.as_dict() for figures in sizes],
        },
        "check": {
            "orders": args.orders,
            "rows": counts,
            "insert_seconds": inserted,
            "runs_seconds": runs,
            "best_seconds": min(runs),
            "breaches": breaches,
        },
    }


def print_report(report: dict[str, Any]) -> None:
    split, check = report["split"], report["check"]
    machine = report["machine"]
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(report["database"])
    print(
        f"split + ledger bench: {name}; {split['orders_per_size']} paid orders per size, "
        f"committed every {split['batch']}; machine: {machine['cpus']} CPUs (nproc), "
        f"load average {machine['load_average_1min_at_start']:.1f} at the start"
    )
    print(
        f"{'co-ops/order':>12}{'orders/s':>12}{'co-op ord/s':>13}{'postings/s':>12}"
        f"{'postings':>10}{'in memory':>12}{'memory/db':>11}"
    )
    for row in split["sizes"]:
        print(
            f"{row['coops_per_order']:>12}{row['orders_per_second']:>12,.0f}"
            f"{row['coop_orders_per_second']:>13,.0f}{row['postings_per_second']:>12,.0f}"
            f"{row['postings']:>10,}{row['memory_orders_per_second']:>12,.0f}"
            f"{row['memory_orders_per_second'] / row['orders_per_second']:>10.1f}x"
        )
    print(
        "(orders/s: split + ledger entries + services.ledger.post + commit; in memory: the "
        "same split and entries, no database)"
    )
    rows = check["rows"]
    print(
        f"ledger check over {check['orders']:,} paid orders: {rows['coop_orders']:,} co-op "
        f"orders, {rows['payment_receipts']:,} receipts, {rows['transfers']:,} transfers, "
        f"{rows['refunds']:,} refunds, {rows['transfer_reversals']:,} reversals, "
        f"{rows['ledger_transactions']:,} transactions, {rows['ledger_postings']:,} postings "
        f"(bulk-inserted in {check['insert_seconds']:.1f} s)"
    )
    runs = ", ".join(f"{seconds:.2f}" for seconds in check["runs_seconds"])
    print(f"ledger check: best of {len(check['runs_seconds'])} {check['best_seconds']:.2f} s "
          f"(runs: {runs} s)")  # fmt: skip
    for breach in check["breaches"][:10]:
        print(f"BREACH {breach}")
    print(f"breaches: {len(check['breaches'])}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, help="paid orders for the check (default 100000)")
    parser.add_argument(
        "--split-orders", type=int, help="orders per size for the split (default 1000)"
    )
    parser.add_argument("--batch", type=int, default=100, help="orders per commit (default 100)")
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="co-ops per order, comma-separated (default 1,2,5,10,20; at most 20)",
    )
    parser.add_argument(
        "--database-url",
        help="an empty database to fill (PostgreSQL); default: SQLite in a scratch folder",
    )
    parser.add_argument("--repeat", type=int, default=3, help="check runs; the best counts")
    parser.add_argument("--quick", action="store_true", help="smoke test: 500 orders, 20 per size")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated orders")
    parser.add_argument("--out", type=Path, help="write every figure as JSON here")
    args = parser.parse_args(argv)
    args.orders = args.orders or (500 if args.quick else 100_000)
    args.split_orders = args.split_orders or (20 if args.quick else 1000)
    try:
        args.sizes = [int(size) for size in args.sizes.split(",")]
    except ValueError:
        parser.error("--sizes: whole numbers separated by commas")
    if not all(1 <= size <= max(SIZES) for size in args.sizes):
        parser.error(f"--sizes: from 1 to {max(SIZES)} co-ops per order")
    if min(args.orders, args.split_orders, args.batch, args.repeat) < 1:
        parser.error("--orders, --split-orders, --batch and --repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # `kill` (SIGTERM) ends the run like Ctrl-C: the scratch folder is still removed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # Before the application is made: nothing the benchmark writes lands in the checkout.
    scratch = Path(tempfile.mkdtemp(prefix="bench-split-"))
    os.environ["INSTANCE_PATH"] = str(scratch / "instance")
    os.environ["SECRET_KEY"] = "bench-only"  # noqa: S105 - a throwaway app
    os.environ.pop("DATABASE_URL", None)
    try:
        report = run(args, args.database_url or f"sqlite:///{scratch / 'split.db'}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print_report(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, default=str))
        log(f"figures written to {args.out}")
    return 1 if report["check"]["breaches"] else 0


if __name__ == "__main__":
    sys.exit(main())
