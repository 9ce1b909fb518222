"""Money out to the co-ops: each co-op order's transfer, its reversals, and bank payouts.

With Stripe, transfers and reversals are made by services.stripe_payouts. With bank
transfers the federation pays each co-op what it is owed in one bank payment: the
co-op's pending transfers less its pending reversals (refunds after an earlier
payout are taken off the next one). The payouts page lists them, exports them (CSV,
SEPA credit-transfer XML) and marks them paid; each becomes a ledger event.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from payments.gateway import DEFAULT_METHOD

from ..domain import ledger as books
from ..domain.ledger import EventKind
from ..extensions import db
from ..models import Coop, Order, Transfer, TransferReversal, TransferStatus, User
from ..models.base import utcnow
from . import audit, ledger

log = logging.getLogger(__name__)


class PayoutRefused(ValueError):
    """The payout cannot be marked as asked; the message says why, for people."""


def sent(
    transfer: Transfer,
    *,
    actor: User | None = None,
    stripe_transfer_id: str | None = None,
    now: datetime | None = None,
) -> None:
    """The co-op has the transfer's money: record it (no commit)."""
    transfer.status = TransferStatus.PAID
    transfer.paid_at = now or utcnow()
    transfer.paid_by_id = actor.id if actor else None
    transfer.last_error = None
    if stripe_transfer_id:
        transfer.stripe_transfer_id = stripe_transfer_id
    kind = EventKind.TRANSFER if transfer.method == "stripe" else EventKind.PAYOUT
    ledger.post(
        kind,
        books.transfer(transfer.amount, transfer.coop_order_id, transfer.coop_id),
        currency=transfer.currency,
        order_id=transfer.order_id,
        transfer_id=transfer.id,
    )


def reversed_(
    reversal: TransferReversal,
    *,
    stripe_reversal_id: str | None = None,
    now: datetime | None = None,
) -> None:
    """The co-op's part of a refund came back from it: record it (no commit)."""
    reversal.status = TransferStatus.PAID
    reversal.done_at = now or utcnow()
    reversal.last_error = None
    if stripe_reversal_id:
        reversal.stripe_reversal_id = stripe_reversal_id
    transfer = reversal.transfer
    ledger.post(
        EventKind.TRANSFER_REVERSAL,
        books.transfer_reversal(reversal.amount, transfer.coop_order_id, transfer.coop_id),
        currency=transfer.currency,
        order_id=transfer.order_id,
        transfer_id=transfer.id,
        reversal_id=reversal.id,
    )


@dataclass
class BankPayout:
    """What the federation sends one co-op by bank in one currency: transfers less reversals."""

    coop: Coop
    currency: str
    transfers: list[Transfer] = field(default_factory=list)
    reversals: list[TransferReversal] = field(default_factory=list)

    @property
    def amount(self) -> int:
        return sum(t.amount for t in self.transfers) - sum(r.amount for r in self.reversals)

    @property
    def references(self) -> list[str]:
        return sorted({t.order.reference for t in self.transfers})


def pending_bank_payouts(coop: Coop | None = None) -> list[BankPayout]:
    """Per co-op and currency, what is owed by bank and not paid yet (co-ops by name)."""
    transfers = (
        select(Transfer)
        .join(Order, Order.id == Transfer.order_id)
        .where(
            Transfer.method == DEFAULT_METHOD,
            Transfer.status == TransferStatus.PENDING,
            Order.disputed_at.is_(None),
        )
        .options(selectinload(Transfer.coop), selectinload(Transfer.order))
        .order_by(Transfer.id)
    )
    reversals = (
        select(TransferReversal)
        .join(Transfer, Transfer.id == TransferReversal.transfer_id)
        .where(
            Transfer.method == DEFAULT_METHOD,
            TransferReversal.status == TransferStatus.PENDING,
        )
        .options(
            selectinload(TransferReversal.transfer).options(
                selectinload(Transfer.coop), selectinload(Transfer.order)
            )
        )
        .order_by(TransferReversal.id)
    )
    if coop is not None:
        transfers = transfers.where(Transfer.coop_id == coop.id)
        reversals = reversals.where(TransferReversal.coop_id == coop.id)
    payouts: dict[tuple[int, str], BankPayout] = {}
    for transfer in db.session.scalars(transfers):
        payouts.setdefault(
            (transfer.coop_id, transfer.currency), BankPayout(transfer.coop, transfer.currency)
        ).transfers.append(transfer)
    for reversal in db.session.scalars(reversals):
        transfer = reversal.transfer
        payouts.setdefault(
            (transfer.coop_id, transfer.currency), BankPayout(transfer.coop, transfer.currency)
        ).reversals.append(reversal)
    return sorted(payouts.values(), key=lambda p: (p.coop.name, p.currency))


def mark_bank_payout_paid(
    coop: Coop, currency: str, *, actor: User | None, expected: int | None = None
) -> BankPayout:
    """The federation paid the co-op's bank payout: its transfers sent, its reversals netted.

    `expected` is the amount the admin saw: if more became owed since, nothing is marked.
    """
    payout = next((p for p in pending_bank_payouts(coop) if p.currency == currency), None)
    if payout is None:
        raise PayoutRefused(_("Nothing is owed to %(coop)s.", coop=coop.name))
    if expected is not None and expected != payout.amount:
        raise PayoutRefused(
            _(
                "The amount owed to %(coop)s changed since you looked: check it again.",
                coop=coop.name,
            )
        )
    now = utcnow()
    for transfer in payout.transfers:
        locked = db.session.scalar(
            select(Transfer).where(Transfer.id == transfer.id).with_for_update()
        )
        if locked is None or locked.status is not TransferStatus.PENDING:
            db.session.rollback()
            raise PayoutRefused(_("Someone else marked this payout meanwhile."))
        locked.attempts += 1
        sent(locked, actor=actor, now=now)
    for reversal in payout.reversals:
        reversed_(reversal, now=now)
    audit.record(
        "payout.paid",
        "coop",
        coop.id,
        actor=actor,
        coop_id=coop.id,
        after={
            "amount": payout.amount,
            "currency": currency,
            "transfers": [t.id for t in payout.transfers],
            "reversals": [r.id for r in payout.reversals],
        },
    )
    db.session.commit()
    log.info("bank payout of %s %s to %s marked paid", payout.amount, currency, coop.slug)
    return payout


def coop_transfers(coop: Coop) -> tuple[Sequence[Transfer], Sequence[TransferReversal]]:
    """All of a co-op's transfers and reversals, newest first."""
    transfers = db.session.scalars(
        select(Transfer)
        .where(Transfer.coop_id == coop.id)
        .options(selectinload(Transfer.order))
        .order_by(Transfer.created_at.desc(), Transfer.id.desc())
    ).all()
    reversals = db.session.scalars(
        select(TransferReversal)
        .where(TransferReversal.coop_id == coop.id)
        .options(selectinload(TransferReversal.transfer).selectinload(Transfer.order))
        .order_by(TransferReversal.created_at.desc(), TransferReversal.id.desc())
    ).all()
    return transfers, reversals
