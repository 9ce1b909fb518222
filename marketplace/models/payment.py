"""Money moving: payments received, transfers to co-ops, refunds, reversals, Stripe events."""

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

from ..extensions import db
from .base import Timestamp, enum_column, utcnow
from .coop import Coop
from .order import CoopOrder, Order, OrderLine
from .user import User


def _key(base: str, generation: int) -> str:
    return f"{base}-retry-{generation}" if generation else base


class PaymentSource(StrEnum):
    #: a federation admin entered it on the payments page
    ADMIN = "admin"
    #: `flask payments mark-paid`
    CLI = "cli"
    #: a line of an imported bank statement
    STATEMENT = "statement"
    #: Stripe reported a succeeded payment intent
    STRIPE = "stripe"


class PaymentReceipt(db.Model):
    """Money received from a buyer for an order: one bank credit or one card charge."""

    __tablename__ = "payment_receipts"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[PaymentSource] = mapped_column(enum_column(PaymentSource, "payment_source"))
    #: what identifies it at the source (a statement line's fingerprint, a charge id):
    #: the same credit imported twice is recorded once
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    #: the statement's text or the admin's note
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    order: Mapped[Order] = relationship()


class TransferStatus(StrEnum):
    #: owed to the co-op and not sent yet (or the last attempt failed: see last_error)
    PENDING = "pending"
    #: sent: a Stripe transfer exists, or the federation marked the bank payout paid
    PAID = "paid"


class Transfer(db.Model):
    """The co-op's money for one co-op order, sent once: a Stripe transfer or a bank payout."""

    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_transfers_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coop_order_id: Mapped[int] = mapped_column(
        ForeignKey("coop_orders.id", ondelete="RESTRICT"), unique=True
    )
    coop_id: Mapped[int] = mapped_column(ForeignKey("coops.id", ondelete="RESTRICT"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    #: what is sent; follows refunds until the first attempt, fixed from then on
    amount: Mapped[int] = mapped_column(BigInteger)
    #: "stripe" or "bank_transfer": how it is sent
    method: Mapped[str] = mapped_column(String(32))
    status: Mapped[TransferStatus] = mapped_column(
        enum_column(TransferStatus, "transfer_status"), default=TransferStatus.PENDING
    )
    stripe_transfer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: bumped after a definite refusal, so that the next attempt gets a fresh idempotency key
    key_generation: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: not tried again before this moment
    next_attempt_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(Timestamp)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    coop_order: Mapped[CoopOrder] = relationship()
    coop: Mapped[Coop] = relationship()
    order: Mapped[Order] = relationship()
    reversals: Mapped[list[TransferReversal]] = relationship(
        back_populates="transfer", order_by="TransferReversal.id"
    )

    @property
    def idempotency_key(self) -> str:
        """The same key on every attempt: Stripe makes one transfer however often we ask.

        Stripe answers a key it has seen with its first answer, errors included; after a
        definite refusal (insufficient balance) `key_generation` moves on, so the next
        attempt is asked afresh. After a timeout it stays: that transfer may exist."""
        return _key(f"coop-order-{self.coop_order_id}-transfer-{self.id}", self.key_generation)


class RefundStatus(StrEnum):
    #: decided; the buyer does not have the money yet (a bank refund to send, or Stripe failed)
    PENDING = "pending"
    #: the buyer has it back
    PAID = "paid"


class RefundKind(StrEnum):
    #: a co-op order's lines or an amount of it, decided by the co-op or the federation
    COOP_ORDER = "coop_order"
    #: the buyer paid more than the order was worth
    OVERPAYMENT = "overpayment"


class Refund(db.Model):
    """Money going back to a buyer."""

    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("coop_order_id", "idempotency_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "reversal_amount >= 0 AND fee_returned >= 0 AND processor_fee_released >= 0",
            name="parts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    coop_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("coop_orders.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[RefundKind] = mapped_column(
        enum_column(RefundKind, "refund_kind"), default=RefundKind.COOP_ORDER
    )
    currency: Mapped[str] = mapped_column(String(3))
    #: what the buyer gets back
    amount: Mapped[int] = mapped_column(BigInteger)
    #: of it, taken back from the co-op's payout
    reversal_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    #: of it, the federation fee returned
    fee_returned: Mapped[int] = mapped_column(BigInteger, default=0)
    #: of it, the processor fee share the co-op no longer bears
    processor_fee_released: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str] = mapped_column(String(64))
    #: "stripe" or "bank_transfer": how the buyer gets it
    method: Mapped[str] = mapped_column(String(32))
    status: Mapped[RefundStatus] = mapped_column(
        enum_column(RefundStatus, "refund_status"), default=RefundStatus.PENDING
    )
    stripe_refund_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: bumped after a definite refusal, so that the next attempt gets a fresh idempotency key
    key_generation: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(Timestamp)

    order: Mapped[Order] = relationship()
    coop_order: Mapped[CoopOrder | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    lines: Mapped[list[RefundLine]] = relationship(
        back_populates="refund", order_by="RefundLine.id", cascade="all, delete-orphan"
    )

    @property
    def processor_key(self) -> str:
        """The idempotency key of the processor's refund (see Transfer.idempotency_key)."""
        return _key(f"refund-{self.id}", self.key_generation)


class RefundLine(db.Model):
    """Units of one order line refunded: a line is never refunded beyond what was bought."""

    __tablename__ = "refund_lines"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refunds.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)

    refund: Mapped[Refund] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()


class TransferReversal(db.Model):
    """Money taken back from a co-op's transfer for a refund: retried until it is done."""

    __tablename__ = "transfer_reversals"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_transfer_reversals_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(
        ForeignKey("transfers.id", ondelete="RESTRICT"), index=True
    )
    #: the refund it pays for; None for a reversal made on Stripe's dashboard
    refund_id: Mapped[int | None] = mapped_column(
        ForeignKey("refunds.id", ondelete="RESTRICT"), index=True
    )
    coop_id: Mapped[int] = mapped_column(ForeignKey("coops.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    #: pending until Stripe made it (or, for a bank payout, until the co-op paid it back
    #: or it was taken off the co-op's next payout)
    status: Mapped[TransferStatus] = mapped_column(
        enum_column(TransferStatus, "transfer_status"), default=TransferStatus.PENDING
    )
    stripe_reversal_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: bumped after a definite refusal, so that the next attempt gets a fresh idempotency key
    key_generation: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(Timestamp)

    transfer: Mapped[Transfer] = relationship(back_populates="reversals")
    refund: Mapped[Refund | None] = relationship()

    @property
    def idempotency_key(self) -> str:
        """See Transfer.idempotency_key."""
        return _key(f"transfer-{self.transfer_id}-reversal-{self.id}", self.key_generation)


class StripeEvent(db.Model):
    """A webhook event from Stripe, recorded in the same transaction as its effect: once only."""

    __tablename__ = "stripe_events"

    #: Stripe's event id, evt_...
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    #: when Stripe created it (events can arrive out of order)
    created: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
