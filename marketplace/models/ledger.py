"""The double-entry ledger: transactions of postings that sum to zero per currency."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.ledger import Account, EventKind
from ..extensions import db
from .base import Timestamp, enum_column, utcnow


class LedgerTransaction(db.Model):
    """One money event (see domain.ledger.EventKind) with its postings. Never changed."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "ledger_event_kind"))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="RESTRICT"), index=True
    )
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id", ondelete="RESTRICT"))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id", ondelete="RESTRICT"))
    reversal_id: Mapped[int | None] = mapped_column(
        ForeignKey("transfer_reversals.id", ondelete="RESTRICT")
    )
    receipt_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_receipts.id", ondelete="RESTRICT")
    )
    memo: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    postings: Mapped[list[Posting]] = relationship(
        back_populates="transaction", order_by="Posting.id", cascade="all, delete-orphan"
    )


class Posting(db.Model):
    """A signed amount on one account: debit positive, credit negative."""

    __tablename__ = "ledger_postings"
    __table_args__ = (
        Index("ix_ledger_postings_account_coop_order", "account", "coop_order_id"),
        Index("ix_ledger_postings_account_order", "account", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), index=True
    )
    account: Mapped[Account] = mapped_column(enum_column(Account, "ledger_account"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"))
    coop_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("coop_orders.id", ondelete="RESTRICT")
    )
    coop_id: Mapped[int | None] = mapped_column(
        ForeignKey("coops.id", ondelete="RESTRICT"), index=True
    )

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="postings")
