"""The buyer's side of orders: their list, one order, and its receipt."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from payments.gateway import PaymentInstructions, gateways

from ..domain.cart import Line, vat_by_rate
from ..domain.orders import RESTOCKING
from ..extensions import db
from ..models import CoopOrder, Order, PaymentStatus, User


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
    """Where the money for one co-op order goes."""

    coop_order: CoopOrder
    #: what the co-op keeps
    share: int
    #: what the federation keeps
    fee: int
    #: the payment processor's fee, once known (None until then)
    processor_fee: int | None = None


@dataclass(frozen=True)
class Receipt:
    order: Order
    #: VAT rate (basis points) -> (gross, VAT contained) of the items of the live co-op
    #: orders; shipping is listed on its own (co-ops state no VAT rate for it)
    vat: dict[int, tuple[int, int]]
    shares: list[CoopShare]
    total: int


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
    shares = [CoopShare(co, co.payout_amount, co.fee_amount) for co in live]
    return Receipt(order, vat_by_rate(lines), shares, amount_due(order))


def payment_instructions(order: Order) -> PaymentInstructions | None:
    """How to pay the order, while it is waiting for the payment."""
    if order.payment_status is not PaymentStatus.PENDING:
        return None
    gateway = gateways(current_app.config).get(order.payment_method)
    if gateway is None:
        return None
    return gateway.instructions(order.reference, amount_due(order), order.currency)
