"""Carts, the buyer's orders, one co-op order per co-op, their lines and ratings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.cart import MAX_QUANTITY
from ..domain.orders import order_status
from ..domain.split import Settlement, settle
from ..extensions import db
from .base import Timestamp, enum_column, utcnow
from .coop import Coop
from .listing import Listing
from .user import User


class Cart(db.Model):
    """A buyer's cart: a guest's is found by its cookie, an account's by the user."""

    __tablename__ = "carts"
    __table_args__ = (
        CheckConstraint("user_id IS NOT NULL OR token_hash IS NOT NULL", name="cart_has_an_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    #: SHA-256 of the guest's cart cookie; the cookie value itself is never stored
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    items: Mapped[list[CartItem]] = relationship(
        back_populates="cart", order_by="CartItem.id", cascade="all, delete-orphan"
    )


class CartItem(db.Model):
    __tablename__ = "cart_items"
    __table_args__ = (
        UniqueConstraint("cart_id", "listing_id"),
        CheckConstraint(f"quantity >= 1 AND quantity <= {MAX_QUANTITY}", name="quantity_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    #: the unit price the buyer saw when putting it in the cart (or last confirmed)
    seen_price: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="items")
    listing: Mapped[Listing] = relationship()


class PaymentStatus(StrEnum):
    #: waiting for the buyer's money; the stock is held until `payment_due_at`
    PENDING = "pending"
    PAID = "paid"
    #: no payment arrived in time: the order expired and its stock was released
    EXPIRED = "expired"
    #: every co-op order was cancelled before payment: nothing is owed
    CANCELLED = "cancelled"


class CoopOrderStatus(StrEnum):
    PLACED = "placed"
    ACCEPTED = "accepted"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class ShippingMethod(StrEnum):
    DELIVERY = "delivery"
    PICKUP = "pickup"


class Order(db.Model):
    """One checkout by one buyer: one payment, one co-op order per co-op."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("buyer_id", "idempotency_key"),
        CheckConstraint("total_amount >= 0", name="total_not_negative"),
        CheckConstraint("amount_received >= 0", name="received_not_negative"),
        Index("ix_orders_payment_status_due", "payment_status", "payment_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what the buyer quotes on a bank transfer and in letters, e.g. "K7Q4-M2XD"
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    #: the key the checkout form (or API client) sent: placing twice makes one order
    idempotency_key: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    #: what the buyer pays: every co-op order's lines and shipping, in minor units
    total_amount: Mapped[int] = mapped_column(BigInteger)
    #: the payment gateway's name, e.g. "bank_transfer"
    payment_method: Mapped[str] = mapped_column(String(32))
    payment_status: Mapped[PaymentStatus] = mapped_column(
        enum_column(PaymentStatus, "payment_status"), default=PaymentStatus.PENDING
    )
    #: an unpaid order releases its stock after this moment
    payment_due_at: Mapped[datetime | None] = mapped_column(Timestamp)
    paid_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: what the buyer has paid so far (bank credits or the card charge), in minor units
    amount_received: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Stripe: the order's one PaymentIntent, and its charge once paid
    payment_intent_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    charge_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: what the payment processor charged on the payment (0 for bank transfers)
    processor_fee_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    #: why the last card payment failed, shown to the buyer until one succeeds
    payment_error: Mapped[str | None] = mapped_column(Text)
    #: the buyer disputed the card payment with their bank: transfers wait
    disputed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    placed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)

    ship_name: Mapped[str] = mapped_column(String(120))
    ship_line1: Mapped[str] = mapped_column(String(200))
    ship_line2: Mapped[str] = mapped_column(String(200), default="")
    ship_postcode: Mapped[str] = mapped_column(String(20))
    ship_city: Mapped[str] = mapped_column(String(120))
    #: ISO 3166-1 alpha-2
    ship_country: Mapped[str] = mapped_column(String(2))

    buyer: Mapped[User] = relationship()
    coop_orders: Mapped[list[CoopOrder]] = relationship(
        back_populates="order", order_by="CoopOrder.id", cascade="all, delete-orphan"
    )

    @property
    def status(self) -> str:
        """open, shipped, delivered, cancelled or expired, from the co-op orders."""
        return order_status([co.status.value for co in self.coop_orders])

    def __repr__(self) -> str:
        return f"<Order {self.reference}>"


class CoopOrder(db.Model):
    """One co-op's part of an order, fulfilled by that co-op on its own."""

    __tablename__ = "coop_orders"
    __table_args__ = (
        UniqueConstraint("order_id", "coop_id"),
        CheckConstraint("subtotal_amount >= 0", name="subtotal_not_negative"),
        CheckConstraint("shipping_amount >= 0", name="shipping_not_negative"),
        CheckConstraint(
            "fee_amount >= 0 AND fee_amount <= subtotal_amount + shipping_amount",
            name="fee_within_total",
        ),
        CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= subtotal_amount + shipping_amount",
            name="refunded_within_total",
        ),
        CheckConstraint(
            "processor_fee_amount >= 0 "
            "AND fee_amount + processor_fee_amount <= subtotal_amount + shipping_amount",
            name="processor_fee_within_total",
        ),
        Index("ix_coop_orders_coop_id_status", "coop_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("coops.id", ondelete="RESTRICT"))
    status: Mapped[CoopOrderStatus] = mapped_column(
        enum_column(CoopOrderStatus, "coop_order_status"), default=CoopOrderStatus.PLACED
    )
    shipping_method: Mapped[ShippingMethod] = mapped_column(
        enum_column(ShippingMethod, "shipping_method"), default=ShippingMethod.DELIVERY
    )
    #: the lines' total (gross, VAT included), in the order's currency
    subtotal_amount: Mapped[int] = mapped_column(BigInteger)
    shipping_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the federation's fee under the policy in force when the order was placed
    fee_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the fee policy that set `fee_amount`; None when no policy was in force
    fee_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("fee_policies.id", ondelete="RESTRICT")
    )
    #: what went back to the buyer so far (the sum of its refunds)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the share of the processor's fee this co-op order bears when co-ops bear it, set at
    #: payment; refunds release it in proportion (domain.split.settle)
    processor_fee_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    tracking_reference: Mapped[str | None] = mapped_column(String(120))
    #: why the co-op (or the federation) cancelled, shown to the buyer
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    accepted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    shipped_at: Mapped[datetime | None] = mapped_column(Timestamp)
    delivered_at: Mapped[datetime | None] = mapped_column(Timestamp)
    cancelled_at: Mapped[datetime | None] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship(back_populates="coop_orders")
    coop: Mapped[Coop] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="coop_order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    rating: Mapped[Rating | None] = relationship(back_populates="coop_order")

    @property
    def total_amount(self) -> int:
        return self.subtotal_amount + self.shipping_amount

    @property
    def settlement(self) -> Settlement:
        """Fee, payout, processor fee and refunded, after the refunds so far."""
        return settle(
            self.total_amount, self.fee_amount, self.processor_fee_amount, self.refunded_amount
        )

    @property
    def payout_amount(self) -> int:
        """What the co-op keeps: its total less the fee, processor fee share and refunds."""
        return self.settlement.payout


class OrderLine(db.Model):
    """A listing as the buyer bought it: a snapshot that later edits never change."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint(f"quantity >= 1 AND quantity <= {MAX_QUANTITY}", name="quantity_range"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="vat_rate_range"),
        CheckConstraint("fee_rate_bp >= 0 AND fee_rate_bp <= 10000", name="fee_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coop_order_id: Mapped[int] = mapped_column(
        ForeignKey("coop_orders.id", ondelete="CASCADE"), index=True
    )
    #: the listing bought; None once the listing is deleted (the snapshot stays)
    listing_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str | None] = mapped_column(String(64))
    #: good or service, as the listing was when bought
    kind: Mapped[str] = mapped_column(String(16))
    #: gross unit price (VAT included) in minor units, as the buyer confirmed it
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    #: VAT rate in basis points (1900 = 19 %)
    vat_rate_bp: Mapped[int] = mapped_column(Integer)
    #: the federation fee rate applied to this line (lower for verified fair trade)
    fee_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    #: units taken from stock (goods) or capacity (services) at placement; given back once
    reserved: Mapped[int] = mapped_column(Integer, default=0)

    coop_order: Mapped[CoopOrder] = relationship(back_populates="lines")

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity


class RatingScore(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class Rating(db.Model):
    """The buyer's rating of one delivered co-op order; one per co-op order."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    coop_order_id: Mapped[int] = mapped_column(
        ForeignKey("coop_orders.id", ondelete="CASCADE"), unique=True
    )
    coop_id: Mapped[int] = mapped_column(ForeignKey("coops.id", ondelete="CASCADE"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    score: Mapped[RatingScore] = mapped_column(enum_column(RatingScore, "rating_score"))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    coop_order: Mapped[CoopOrder] = relationship(back_populates="rating")
    buyer: Mapped[User] = relationship()
