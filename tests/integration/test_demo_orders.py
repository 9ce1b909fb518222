"""`flask seed-demo` places orders in every state, and moves their money, through the real
services: payments marked received, refunds, bank payouts, bank refunds sent."""

import random
from collections import Counter

import pytest
from sqlalchemy import select

from marketplace.domain.ledger import Account
from marketplace.extensions import db
from marketplace.models import (
    AuditEntry,
    Coop,
    CoopOrder,
    CoopOrderStatus,
    LedgerTransaction,
    Listing,
    Order,
    OrderLine,
    OutgoingMail,
    PaymentReceipt,
    PaymentSource,
    PaymentStatus,
    Rating,
    RatingScore,
    Refund,
    RefundKind,
    RefundStatus,
    Transfer,
    TransferReversal,
    TransferStatus,
    User,
)
from marketplace.models.base import utcnow
from marketplace.services import demo_data, demo_orders, ledger, payments, seed, transfers
from marketplace.services.ratings import ratings_for_coop

_STAMPS = {
    "coop_order.accept": "accepted_at",
    "coop_order.ship": "shipped_at",
    "coop_order.deliver": "delivered_at",
    "coop_order.cancel": "cancelled_at",
    "coop_order.expire": "cancelled_at",
}


@pytest.fixture
def _mail_stays_queued(app):
    """Delivery is tested in test_mail; here the seed's mails only need to be queued."""
    app.config["MAIL_DELIVERY"] = "off"


def _seeded_stock() -> dict[tuple[str, str], int | None]:
    """(co-op slug, SKU) -> the stock the seed gives a listing, drawn as seed.seed_demo draws it."""
    rng = random.Random(seed.DEMO_SEED)
    for _coop in demo_data.COOPS:
        rng.randint(3, 30)  # _seed_coops: one draw per co-op comes first
    return {(row["coop"], row["sku"]): row["stock"] for row in demo_data.demo_listings(rng)}


def _orders() -> dict[str, Order]:
    return {order.idempotency_key: order for order in db.session.scalars(select(Order))}


def test_the_demo_has_orders_in_every_coop_order_and_payment_state(demo):
    orders = _orders()
    assert set(orders) == {spec.key for spec in demo_orders.DEMO_ORDERS}
    assert {o.buyer.email for o in orders.values()} == {"buyer@example.org", "omar@example.org"}
    coop_orders = db.session.scalars(select(CoopOrder)).all()
    assert {co.status for co in coop_orders} == set(CoopOrderStatus)
    assert {o.payment_status for o in orders.values()} == set(PaymentStatus)
    # one order from three co-ops, each at a different point
    spread = [o for o in orders.values() if len({co.coop_id for co in o.coop_orders}) >= 3]
    assert spread and len({co.status for co in spread[0].coop_orders}) >= 3
    for order in orders.values():
        assert order.total_amount == sum(co.total_amount for co in order.coop_orders)
        assert all(co.fee_amount > 0 for co in order.coop_orders)
        # the buyer was told by the real checkout
        assert db.session.scalar(
            select(OutgoingMail.id).where(
                OutgoingMail.recipients == order.buyer.email,
                OutgoingMail.subject.contains(order.reference),
            )
        )
        if order.payment_status is PaymentStatus.PAID:
            assert order.paid_at is not None
    # nothing ships before it is paid
    assert all(
        co.order.payment_status is PaymentStatus.PAID
        for co in coop_orders
        if co.status in (CoopOrderStatus.SHIPPED, CoopOrderStatus.DELIVERED)
    )


def test_demo_history_is_dated_before_the_demo_now_and_the_open_orders_can_still_be_paid(demo):
    orders = _orders()
    waiting = [o for o in orders.values() if o.payment_status is PaymentStatus.PENDING]
    assert {o.idempotency_key for o in waiting} == {"demo-order-7", "demo-order-9"}
    assert all(o.payment_due_at > utcnow() for o in waiting)
    history = {o.id: o for o in orders.values() if o.payment_status is not PaymentStatus.PENDING}
    assert all(o.placed_at < seed.EPOCH for o in history.values())
    by_id = {co.id: co for o in history.values() for co in o.coop_orders}
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.subject_type == "coop_order")
    ).all()
    assert len(entries) >= 15
    for entry in entries:
        coop_order = by_id[entry.subject_id]
        if entry.action in _STAMPS:
            assert entry.at == getattr(coop_order, _STAMPS[entry.action])
        else:
            assert entry.action == "coop_order.refund"
        assert coop_order.order.placed_at < entry.at < seed.EPOCH
    # payments received, refunds paid and payouts are dated in the history too
    money = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action.in_(["order.payment_received", "refund.paid", "payout.paid"])
        )
    ).all()
    assert {e.action for e in money} == {"order.payment_received", "refund.paid", "payout.paid"}
    for entry in money:
        if entry.subject_type == "order" and entry.subject_id not in history:
            continue  # the order paid in part at seeding time
        placed = history[entry.subject_id].placed_at if entry.subject_type == "order" else None
        assert (placed or seed.EPOCH - 60 * demo_orders.DAY) < entry.at < seed.EPOCH
    # and so is every money row the services stamped with the clock
    for receipt in db.session.scalars(select(PaymentReceipt)):
        if receipt.order_id in history:
            assert receipt.received_at == receipt.order.paid_at
            assert receipt.order.placed_at < receipt.received_at < seed.EPOCH
    for transfer in db.session.scalars(select(Transfer)):
        assert transfer.created_at == transfer.order.paid_at
        assert transfer.paid_at is None or transfer.created_at <= transfer.paid_at < seed.EPOCH
    for made in db.session.scalars(select(Refund)):
        assert made.order.paid_at <= made.created_at < seed.EPOCH
        assert made.paid_at is None or made.created_at < made.paid_at < seed.EPOCH
    for reversal in db.session.scalars(select(TransferReversal)):
        assert reversal.transfer.paid_at < reversal.created_at < seed.EPOCH
    for transaction in db.session.scalars(select(LedgerTransaction)):
        if transaction.order_id in history:
            assert history[transaction.order_id].placed_at < transaction.created_at < seed.EPOCH


def test_the_demo_has_paid_refunded_and_partly_refunded_orders_and_its_ledger_holds(demo):
    assert ledger.check() == []
    orders = _orders()

    def coop_order(key: str, slug: str) -> CoopOrder:
        return next(co for co in orders[key].coop_orders if co.coop.slug == slug)

    paid = [o for o in orders.values() if o.payment_status is PaymentStatus.PAID]
    assert len(paid) == 5
    for order in paid:
        # the federation admin marked each bank payment received, once
        (receipt,) = db.session.scalars(
            select(PaymentReceipt).where(PaymentReceipt.order_id == order.id)
        )
        assert receipt.source is PaymentSource.ADMIN
        admin = db.session.get(User, receipt.recorded_by_id)
        assert admin.email == demo_orders.FEDERATION_ADMIN and admin.is_federation_admin
        assert order.amount_received == receipt.amount
        for co in order.coop_orders:
            settled = co.settlement
            assert settled.payout + settled.fee + settled.refunded + settled.processor_fee == (
                co.total_amount
            )
            transfer = db.session.scalar(select(Transfer).where(Transfer.coop_order_id == co.id))
            assert transfer.amount - sum(r.amount for r in transfer.reversals) == settled.payout

    # cancelled after the payment: refunded in full, and the bank refund was sent
    cancelled = coop_order("demo-order-1", "elbdruck")
    assert cancelled.status is CoopOrderStatus.CANCELLED
    assert cancelled.refunded_amount == cancelled.total_amount == 4620
    assert (cancelled.settlement.fee, cancelled.settlement.payout) == (0, 0)
    (whole,) = _refunds(cancelled)
    assert (whole.amount, whole.status) == (4620, RefundStatus.PAID)
    assert whole.created_by.email == "admin.elbdruck@example.org"
    transfer = _transfer(cancelled)
    assert (transfer.amount, transfer.status, transfer.reversals) == (0, TransferStatus.PAID, [])

    # one of three prints refunded by line before the payout: the transfer shrank
    by_line = coop_order("demo-order-3", "elbdruck")
    (line_refund,) = _refunds(by_line)
    (line,) = line_refund.lines
    assert (line.order_line.sku, line.quantity, line.amount) == ("ED-0025", 1, 1350)
    assert (line_refund.amount, line_refund.reversal_amount, line_refund.fee_returned) == (
        1350,
        1277,
        73,
    )
    assert line_refund.status is RefundStatus.PAID
    assert line_refund.created_by.email == "admin.elbdruck@example.org"
    assert (by_line.total_amount, by_line.settlement.fee, by_line.settlement.payout) == (
        4500,
        170,
        2980,
    )
    transfer = _transfer(by_line)
    assert (transfer.amount, transfer.status, transfer.reversals) == (2980, TransferStatus.PAID, [])

    # 10 € refunded after the payout: a reversal waits, to be taken off the next payout
    by_amount = coop_order("demo-order-3", "herstelwerk")
    (amount_refund,) = _refunds(by_amount)
    assert (amount_refund.amount, amount_refund.reversal_amount, amount_refund.fee_returned) == (
        1000,
        953,
        47,
    )
    assert amount_refund.lines == [] and amount_refund.status is RefundStatus.PENDING
    transfer = _transfer(by_amount)
    assert (transfer.amount, transfer.status) == (3092, TransferStatus.PAID)
    (reversal,) = transfer.reversals
    assert (reversal.amount, reversal.status, reversal.refund_id) == (
        953,
        TransferStatus.PENDING,
        amount_refund.id,
    )
    herstelwerk = by_amount.coop
    (payout,) = transfers.pending_bank_payouts(herstelwerk)
    later = _transfer(coop_order("demo-order-8", "herstelwerk"))
    assert payout.transfers == [later] and payout.reversals == [reversal]
    assert payout.amount == later.amount - 953 == 32421 - 953

    # paid 10 € too much: owed back
    over = orders["demo-order-8"]
    assert over.amount_received == over.total_amount + 1000
    (owed,) = db.session.scalars(select(Refund).where(Refund.order_id == over.id))
    assert (owed.kind, owed.amount, owed.status) == (
        RefundKind.OVERPAYMENT,
        1000,
        RefundStatus.PENDING,
    )

    # paid in part: waits for the rest, nothing owed to the co-ops yet
    part = orders["demo-order-9"]
    assert part.payment_status is PaymentStatus.PENDING
    assert part.amount_received == part.total_amount - 2000
    assert payments.outstanding(part) == 2000
    assert not db.session.scalars(select(Transfer).where(Transfer.order_id == part.id)).all()

    # some co-ops are paid out, others wait
    statuses = Counter(t.status for t in db.session.scalars(select(Transfer)))
    assert statuses[TransferStatus.PAID] >= 4 and statuses[TransferStatus.PENDING] >= 4
    pending = {p.coop.slug: p.amount for p in transfers.pending_bank_payouts()}
    assert pending["herstelwerk"] == 31468 and pending["de-draad"] == 3168

    # the books agree with the orders: what the federation keeps, what it owes back
    fees = sum(co.settlement.fee for o in paid for co in o.coop_orders)
    assert ledger.balance(Account.FEE_INCOME, currency="EUR") == -fees
    owed_back = sum(
        r.amount
        for r in db.session.scalars(select(Refund).where(Refund.status == RefundStatus.PENDING))
    )
    assert owed_back == 1000 + 1000
    assert ledger.balance(Account.REFUNDS_PAYABLE, currency="EUR") == -owed_back
    assert ledger.balance(Account.BUYER_PAYMENTS, currency="EUR") == -part.amount_received


def _refunds(coop_order: CoopOrder) -> list[Refund]:
    return list(
        db.session.scalars(
            select(Refund).where(Refund.coop_order_id == coop_order.id).order_by(Refund.id)
        )
    )


def _transfer(coop_order: CoopOrder) -> Transfer:
    return db.session.scalars(select(Transfer).where(Transfer.coop_order_id == coop_order.id)).one()


def test_delivered_demo_orders_are_rated_and_coop_pages_show_it(demo):
    ratings = db.session.scalars(select(Rating)).all()
    assert {r.score for r in ratings} == set(RatingScore)
    assert all(r.text and r.coop_order.status is CoopOrderStatus.DELIVERED for r in ratings)
    assert all(r.buyer_id == r.coop_order.order.buyer_id for r in ratings)
    assert all(r.created_at > r.coop_order.delivered_at for r in ratings)
    rated = [c for c in db.session.scalars(select(Coop)) if ratings_for_coop(c).total]
    assert len(rated) >= 2
    # one delivered co-op order is left for a demo buyer to rate
    delivered = db.session.scalars(
        select(CoopOrder).where(CoopOrder.status == CoopOrderStatus.DELIVERED)
    ).all()
    assert any(co.rating is None for co in delivered)


def test_demo_orders_take_their_units_and_cancelled_or_expired_ones_give_them_back(
    app, _mail_stays_queued
):
    seed.seed_demo()
    seeded = _seeded_stock()
    listings = {(item.coop.slug, item.sku): item for item in db.session.scalars(select(Listing))}
    lines = db.session.scalars(select(OrderLine)).all()

    def line(sku: str) -> OrderLine:
        return next(ln for ln in lines if ln.sku == sku)

    shirt = line("DD-0001")  # delivered
    assert shirt.coop_order.status is CoopOrderStatus.DELIVERED and shirt.quantity == 2
    assert listings["de-draad", "DD-0001"].stock == seeded["de-draad", "DD-0001"] - 2
    waiting = line("ED-DE06")  # in the order still waiting for the payment
    assert listings["elbdruck", "ED-DE06"].stock == seeded["elbdruck", "ED-DE06"] - 1
    assert waiting.reserved == 1
    for sku, status in (("ED-0021", "cancelled"), ("ED-0014", "expired"), ("DD-0034", "cancelled")):
        gone = line(sku)
        assert gone.coop_order.status is CoopOrderStatus(status)
        assert gone.reserved == 0
        assert (
            listings[gone.coop_order.coop.slug, sku].stock == seeded[gone.coop_order.coop.slug, sku]
        )
    # every good: the seeded stock less what live orders hold, nothing else
    held = Counter()
    for ln in lines:
        held[ln.coop_order.coop.slug, ln.sku] += ln.reserved
        live = ln.coop_order.status not in (CoopOrderStatus.CANCELLED, CoopOrderStatus.EXPIRED)
        assert ln.reserved == (ln.quantity if live else 0)
    for key, item in listings.items():
        if item.stock is not None:
            assert item.stock == seeded[key] - held[key], key
    # enough is left for demo shopping
    assert all(listings[key].stock >= 10 for key, units in held.items() if units)

    # seeding again neither orders again, nor puts the units back, nor moves money
    stock = {key: item.stock for key, item in listings.items()}
    money = _money()
    seed.seed_demo()
    db.session.expire_all()
    assert db.session.query(Order).count() == len(demo_orders.DEMO_ORDERS)
    assert {key: item.stock for key, item in listings.items()} == stock
    assert _money() == money
    assert ledger.check() == []


def _money() -> dict[str, object]:
    """Every money row the demo wrote, to compare before and after seeding again."""
    return {
        "receipts": sorted(
            (r.order_id, r.amount, r.received_at)
            for r in db.session.scalars(select(PaymentReceipt))
        ),
        "transfers": sorted(
            (t.coop_order_id, t.amount, t.status, t.paid_at)
            for t in db.session.scalars(select(Transfer))
        ),
        "reversals": sorted(
            (r.transfer_id, r.amount, r.status)
            for r in db.session.scalars(select(TransferReversal))
        ),
        "refunds": sorted(
            (r.order_id, r.amount, r.status, r.idempotency_key)
            for r in db.session.scalars(select(Refund))
        ),
        "ledger": db.session.query(LedgerTransaction).count(),
        "orders": sorted(
            (o.idempotency_key, o.payment_status, o.amount_received, o.paid_at)
            for o in db.session.scalars(select(Order))
        ),
    }
