"""Writing the ledger, and checking that it agrees with itself and with the orders.

`post` adds one balanced transaction to the current database transaction: it is
committed with the change it records, or not at all. `check` recomputes every
invariant from the postings with a handful of aggregate queries, so that it stays
fast on hundreds of thousands of orders.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, select

from ..domain.ledger import Account, Entry, EventKind, check_balanced
from ..domain.split import SplitError, settle
from ..extensions import db
from ..models import (
    CoopOrder,
    LedgerTransaction,
    Order,
    PaymentReceipt,
    PaymentStatus,
    Posting,
    Refund,
    RefundKind,
    RefundStatus,
    Transfer,
    TransferReversal,
    TransferStatus,
)

log = logging.getLogger(__name__)


def post(
    kind: EventKind,
    entries: Sequence[Entry],
    *,
    currency: str,
    order_id: int | None = None,
    refund_id: int | None = None,
    transfer_id: int | None = None,
    reversal_id: int | None = None,
    receipt_id: int | None = None,
    memo: str = "",
) -> LedgerTransaction | None:
    """Add one money event to the current transaction; None when it moves nothing."""
    entries = [entry for entry in entries if entry.amount]
    if not entries:
        return None
    check_balanced((currency, entry.amount) for entry in entries)
    transaction = LedgerTransaction(
        kind=kind,
        order_id=order_id,
        refund_id=refund_id,
        transfer_id=transfer_id,
        reversal_id=reversal_id,
        receipt_id=receipt_id,
        memo=memo,
        postings=[
            Posting(
                account=entry.account,
                currency=currency,
                amount=entry.amount,
                order_id=order_id,
                coop_order_id=entry.coop_order_id,
                coop_id=entry.coop_id,
            )
            for entry in entries
        ],
    )
    db.session.add(transaction)
    return transaction


def balance(account: Account, *, currency: str | None = None, **filters: int) -> int:
    """The sum of an account's postings (debit positive), e.g. balance(CASH, currency="EUR")."""
    query = select(func.coalesce(func.sum(Posting.amount), 0)).where(Posting.account == account)
    if currency is not None:
        query = query.where(Posting.currency == currency)
    for name, value in filters.items():
        query = query.where(getattr(Posting, name) == value)
    return int(db.session.scalar(query) or 0)


@dataclass
class _CoopOrderBooks:
    payable: int = 0
    fee_income: int = 0
    processor_fees: int = 0
    refunds_payable: int = 0


def check() -> list[str]:
    """Every breach of the ledger's invariants, as sentences; empty when all hold."""
    breaches: list[str] = []
    breaches += _unbalanced_transactions()
    breaches += _coop_order_breaches()
    breaches += _order_breaches()
    breaches += _cash_breaches()
    return breaches


def _unbalanced_transactions() -> list[str]:
    rows = db.session.execute(
        select(Posting.transaction_id, Posting.currency, func.sum(Posting.amount))
        .group_by(Posting.transaction_id, Posting.currency)
        .having(func.sum(Posting.amount) != 0)
        .order_by(Posting.transaction_id)
    ).all()
    return [f"transaction {tid} does not sum to zero in {cur}: {total}" for tid, cur, total in rows]


def _coop_order_books() -> dict[int, _CoopOrderBooks]:
    books: dict[int, _CoopOrderBooks] = defaultdict(_CoopOrderBooks)
    rows = db.session.execute(
        select(Posting.coop_order_id, Posting.account, func.sum(Posting.amount))
        .where(Posting.coop_order_id.is_not(None))
        .group_by(Posting.coop_order_id, Posting.account)
    ).all()
    fields = {
        Account.COOP_PAYABLE: "payable",
        Account.FEE_INCOME: "fee_income",
        Account.PROCESSOR_FEES: "processor_fees",
        Account.REFUNDS_PAYABLE: "refunds_payable",
    }
    for coop_order_id, account, total in rows:
        name = fields.get(Account(account))
        if name is None:
            continue
        setattr(books[coop_order_id], name, int(total))
    return books


def _sums(query: object) -> dict[int, int]:
    return {key: int(total) for key, total in db.session.execute(query).all()}  # type: ignore[call-overload]


def _coop_order_breaches() -> list[str]:
    breaches: list[str] = []
    books = _coop_order_books()
    refunded = _sums(
        select(Refund.coop_order_id, func.sum(Refund.amount))
        .where(Refund.coop_order_id.is_not(None))
        .group_by(Refund.coop_order_id)
    )
    unpaid_refunds = _sums(
        select(Refund.coop_order_id, func.sum(Refund.amount))
        .where(Refund.coop_order_id.is_not(None), Refund.status == RefundStatus.PENDING)
        .group_by(Refund.coop_order_id)
    )
    transfers = {
        row.coop_order_id: row
        for row in db.session.execute(
            select(Transfer.coop_order_id, Transfer.amount, Transfer.status)
        ).all()
    }
    reversed_all = _sums(
        select(Transfer.coop_order_id, func.sum(TransferReversal.amount))
        .join(TransferReversal, TransferReversal.transfer_id == Transfer.id)
        .group_by(Transfer.coop_order_id)
    )
    reversed_done = _sums(
        select(Transfer.coop_order_id, func.sum(TransferReversal.amount))
        .join(TransferReversal, TransferReversal.transfer_id == Transfer.id)
        .where(TransferReversal.status == TransferStatus.PAID)
        .group_by(Transfer.coop_order_id)
    )
    rows = db.session.execute(
        select(
            CoopOrder.id,
            CoopOrder.subtotal_amount + CoopOrder.shipping_amount,
            CoopOrder.fee_amount,
            CoopOrder.processor_fee_amount,
            CoopOrder.refunded_amount,
        )
        .join(Order, Order.id == CoopOrder.order_id)
        .where(Order.payment_status == PaymentStatus.PAID)
        .order_by(CoopOrder.id)
    ).all()
    for coop_order_id, total, fee, processor_fee, refunded_amount in rows:
        where = f"co-op order {coop_order_id}"
        book = books.get(coop_order_id)
        if book is None:
            # paid orders record every co-op order that was owed at payment; a co-op order
            # cancelled before the payment arrived has no postings and no transfer
            if coop_order_id in transfers or refunded_amount:
                breaches.append(f"{where}: money moved but the ledger has no postings for it")
            continue
        try:
            settled = settle(total, fee, processor_fee, refunded_amount)
        except SplitError as error:
            breaches.append(f"{where}: {error}")
            continue
        if refunded.get(coop_order_id, 0) != refunded_amount:
            breaches.append(
                f"{where}: refunds sum to {refunded.get(coop_order_id, 0)}, "
                f"the co-op order says {refunded_amount}"
            )
        if -book.fee_income != settled.fee:
            breaches.append(
                f"{where}: fee income {-book.fee_income}, the policy gives {settled.fee}"
            )
        if -book.processor_fees != settled.processor_fee:
            breaches.append(
                f"{where}: processor fee borne {-book.processor_fees}, "
                f"expected {settled.processor_fee}"
            )
        if -book.refunds_payable != unpaid_refunds.get(coop_order_id, 0):
            breaches.append(
                f"{where}: refunds owed {-book.refunds_payable}, "
                f"unpaid refunds {unpaid_refunds.get(coop_order_id, 0)}"
            )
        transfer = transfers.get(coop_order_id)
        if transfer is None:
            breaches.append(f"{where}: paid but no transfer to the co-op is recorded")
            continue
        if transfer.amount - reversed_all.get(coop_order_id, 0) != settled.payout:
            breaches.append(
                f"{where}: transfer {transfer.amount} less reversals "
                f"{reversed_all.get(coop_order_id, 0)} is not the payout {settled.payout}"
            )
        sent = transfer.amount if transfer.status == TransferStatus.PAID else 0
        owed = settled.payout - sent + reversed_done.get(coop_order_id, 0)
        if -book.payable != owed:
            breaches.append(f"{where}: owed to the co-op {-book.payable}, expected {owed}")
    return breaches


def _order_breaches() -> list[str]:
    breaches: list[str] = []
    received = _sums(
        select(PaymentReceipt.order_id, func.sum(PaymentReceipt.amount)).group_by(
            PaymentReceipt.order_id
        )
    )
    unapplied = _sums(
        select(Posting.order_id, func.sum(Posting.amount))
        .where(Posting.account == Account.BUYER_PAYMENTS)
        .group_by(Posting.order_id)
    )
    applied = _sums(
        select(Posting.order_id, func.sum(Posting.amount))
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(
            Posting.account == Account.BUYER_PAYMENTS,
            LedgerTransaction.kind == EventKind.PAYMENT_APPLIED,
        )
        .group_by(Posting.order_id)
    )
    owed_back = _sums(
        select(Refund.order_id, func.sum(Refund.amount))
        .where(Refund.kind == RefundKind.OVERPAYMENT)
        .group_by(Refund.order_id)
    )
    live_totals = _sums(
        select(CoopOrder.order_id, func.sum(CoopOrder.subtotal_amount + CoopOrder.shipping_amount))
        .join(
            Posting,
            and_(
                Posting.coop_order_id == CoopOrder.id,
                Posting.account == Account.COOP_PAYABLE,
            ),
        )
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(LedgerTransaction.kind == EventKind.PAYMENT_APPLIED)
        .group_by(CoopOrder.order_id)
    )
    rows = db.session.execute(
        select(Order.id, Order.reference, Order.amount_received, Order.payment_status).where(
            Order.amount_received > 0
        )
    ).all()
    for order_id, reference, amount_received, status in rows:
        where = f"order {reference}"
        if received.get(order_id, 0) != amount_received:
            breaches.append(
                f"{where}: receipts sum to {received.get(order_id, 0)}, "
                f"the order says {amount_received}"
            )
        waiting = -unapplied.get(order_id, 0)
        if status == PaymentStatus.PENDING and waiting != amount_received:
            breaches.append(f"{where}: {waiting} waiting to be applied, {amount_received} received")
        if status != PaymentStatus.PENDING and waiting != 0:
            breaches.append(f"{where}: {waiting} received but neither applied nor owed back")
        if applied.get(order_id, 0) != live_totals.get(order_id, 0):
            breaches.append(
                f"{where}: applied {applied.get(order_id, 0)}, "
                f"co-op orders owed {live_totals.get(order_id, 0)}"
            )
        if status != PaymentStatus.PENDING and (
            applied.get(order_id, 0) + owed_back.get(order_id, 0) != amount_received
        ):
            breaches.append(
                f"{where}: received {amount_received} is not what was applied "
                f"({applied.get(order_id, 0)}) plus what is owed back "
                f"({owed_back.get(order_id, 0)})"
            )
    return breaches


def _cash_breaches() -> list[str]:
    """The cash account agrees with the money that came in and went out, per currency."""
    breaches: list[str] = []
    cash = _by_currency(
        select(Posting.currency, func.sum(Posting.amount))
        .where(Posting.account == Account.CASH)
        .group_by(Posting.currency)
    )
    expected: dict[str, int] = defaultdict(int)
    for currency, total in db.session.execute(
        select(PaymentReceipt.currency, func.sum(PaymentReceipt.amount)).group_by(
            PaymentReceipt.currency
        )
    ).all():
        expected[currency] += int(total)
    for currency, total in db.session.execute(
        select(Order.currency, func.sum(Order.processor_fee_amount)).group_by(Order.currency)
    ).all():
        expected[currency] -= int(total or 0)
    for currency, total in db.session.execute(
        select(Refund.currency, func.sum(Refund.amount))
        .where(Refund.status == RefundStatus.PAID)
        .group_by(Refund.currency)
    ).all():
        expected[currency] -= int(total)
    for currency, total in db.session.execute(
        select(Transfer.currency, func.sum(Transfer.amount))
        .where(Transfer.status == TransferStatus.PAID)
        .group_by(Transfer.currency)
    ).all():
        expected[currency] -= int(total)
    for currency, total in db.session.execute(
        select(Transfer.currency, func.sum(TransferReversal.amount))
        .join(TransferReversal, TransferReversal.transfer_id == Transfer.id)
        .where(TransferReversal.status == TransferStatus.PAID)
        .group_by(Transfer.currency)
    ).all():
        expected[currency] += int(total)
    for currency in sorted(set(cash) | set(expected)):
        if cash.get(currency, 0) != expected.get(currency, 0):
            breaches.append(
                f"cash in {currency} is {cash.get(currency, 0)}, the payments, refunds, "
                f"transfers and reversals give {expected.get(currency, 0)}"
            )
    return breaches


def _by_currency(query: object) -> dict[str, int]:
    return {cur: int(total) for cur, total in db.session.execute(query).all()}  # type: ignore[call-overload]
