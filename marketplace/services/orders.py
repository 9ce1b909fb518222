"""The buyer's side of orders: their list, one order, its receipt; and where a co-op order's
money went (shares, refunds, transfer), which the co-op's and the federation's pages show too."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from payments.gateway import PaymentInstructions, gateways

from ..domain.cart import Line, vat_by_rate
from ..domain.orders import RESTOCKING
from ..extensions import db
from ..models import CoopOrder, Order, PaymentStatus, Refund, RefundLine, Transfer, User

RowT = TypeVar("RowT", Order, CoopOrder)


def orders_of(user: User) -> list[Order]:
    """The buyer's orders, newest first, with their co-op orders."""
    return list(
        db.session.scalars(
            select(Order)
            .where(Order.buyer_id == user.id)
            .options(
                selectinload(Order.coop_orders).selectinload(CoopOrder.coop),
                selectinload(Order.coop_orders).selectinload(CoopOrder.lines),
            )
            .order_by(Order.placed_at.desc(), Order.id.desc())
        )
    )


def order_for_buyer(user: User, key: int | str) -> Order | None:
    """One of the buyer's orders by id or reference; None for anyone else's."""
    condition = Order.reference == str(key).upper()
    if isinstance(key, int) or str(key).isdigit():
        condition = or_(condition, Order.id == int(key))
    return db.session.scalar(
        select(Order)
        .where(condition, Order.buyer_id == user.id)
        .options(
            selectinload(Order.coop_orders).selectinload(CoopOrder.lines),
            selectinload(Order.coop_orders).selectinload(CoopOrder.coop),
        )
    )


@dataclass(frozen=True)
class CoopShare:
    """Where the money for one co-op order goes, after the refunds so far."""

    coop_order: CoopOrder
    #: what the co-op keeps
    share: int
    #: what the federation keeps
    fee: int
    #: the payment processor's fee the co-op bears, once paid (None until then)
    processor_fee: int | None = None
    #: what went back to the buyer
    refunded: int = 0


@dataclass(frozen=True)
class Receipt:
    order: Order
    #: VAT rate (basis points) -> (gross, VAT contained) of the items of the live co-op
    #: orders; shipping is listed on its own (co-ops state no VAT rate for it)
    vat: dict[int, tuple[int, int]]
    shares: list[CoopShare]
    total: int
    #: what the buyer paid (bank credits or the card charge)
    paid: int = 0
    #: every refund of the order, oldest first
    refunds: list[Refund] = field(default_factory=list)

    @property
    def refunded(self) -> int:
        """What was, or is being, paid back to the buyer."""
        return sum(refund.amount for refund in self.refunds)

    def refunds_of(self, coop_order: CoopOrder) -> list[Refund]:
        return [refund for refund in self.refunds if refund.coop_order_id == coop_order.id]


def live_coop_orders(order: Order) -> list[CoopOrder]:
    """The co-op orders still owed and fulfilled: not cancelled, not expired."""
    return [co for co in order.coop_orders if co.status.value not in RESTOCKING]


def amount_due(order: Order) -> int:
    """What the buyer owes: the live co-op orders' totals (a cancelled part is not paid for)."""
    return sum(co.total_amount for co in live_coop_orders(order))


def receipt(order: Order) -> Receipt:
    """VAT per rate and, per co-op, its share and the federation fee, for the live co-op orders."""
    live = live_coop_orders(order)
    lines = [
        Line(
            line.listing_id or 0,
            co.coop_id,
            line.unit_price,
            line.quantity,
            order.currency,
            line.vat_rate_bp,
        )
        for co in live
        for line in co.lines
    ]
    shares = [coop_share(co) for co in live]
    return Receipt(
        order,
        vat_by_rate(lines),
        shares,
        amount_due(order),
        paid=order.amount_received,
        refunds=refunds_of(order),
    )


def coop_share(coop_order: CoopOrder) -> CoopShare:
    """Where one co-op order's money goes, from its settlement after the refunds so far."""
    settled = coop_order.settlement
    paid = coop_order.order.payment_status is PaymentStatus.PAID
    return CoopShare(
        coop_order,
        settled.payout,
        settled.fee,
        settled.processor_fee if paid else None,
        settled.refunded,
    )


def refunds_of(order: Order, coop_order: CoopOrder | None = None) -> list[Refund]:
    """The order's refunds (or one co-op order's), oldest first, with their lines."""
    query = (
        select(Refund)
        .where(Refund.order_id == order.id)
        .options(selectinload(Refund.lines).selectinload(RefundLine.order_line))
        .order_by(Refund.created_at, Refund.id)
    )
    if coop_order is not None:
        query = query.where(Refund.coop_order_id == coop_order.id)
    return list(db.session.scalars(query))


def transfer_of(coop_order: CoopOrder) -> Transfer | None:
    """The co-op order's transfer to its co-op (there is one once the order is paid)."""
    return db.session.scalar(select(Transfer).where(Transfer.coop_order_id == coop_order.id))


def coop_order_by_id(coop_order_id: int) -> CoopOrder | None:
    """Any co-op order, for the federation's admins."""
    return db.session.scalar(
        select(CoopOrder)
        .where(CoopOrder.id == coop_order_id)
        .options(selectinload(CoopOrder.lines), selectinload(CoopOrder.coop))
    )


def payment_instructions(order: Order) -> PaymentInstructions | None:
    """How to pay the order, while it is waiting for the payment."""
    if order.payment_status is not PaymentStatus.PENDING:
        return None
    gateway = gateways(current_app.config).get(order.payment_method)
    if gateway is None:
        return None
    return gateway.instructions(order.reference, amount_due(order), order.currency)


def card_payment(order: Order) -> dict[str, Any] | None:
    """What the order page's card payment form needs (None: not a card order, or nothing to pay).

    For a buyer coming back from Stripe this records the payment if it went through."""
    if order.payment_method != "stripe":
        return None
    from . import stripe_payments  # loads the stripe package only for card orders

    return stripe_payments.payment_element_context(order)


def lock_row(row: RowT) -> RowT:
    """Re-read an order or co-op order under a row lock: two clicks (a payment, a status
    change, a refund) cannot both act on what they saw before the other."""
    model = type(row)
    locked = db.session.scalar(
        select(model)
        .where(model.id == row.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    return locked
