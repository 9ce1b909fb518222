"""Bank transfer payments: received, applied, split to the co-ops, refunded, paid out, checked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.domain.ledger import Account
from marketplace.extensions import db
from marketplace.models import (
    Order,
    PaymentSource,
    PaymentStatus,
    Posting,
    Refund,
    RefundKind,
    RefundStatus,
    Transfer,
    TransferReversal,
    TransferStatus,
)
from marketplace.services import coop_orders, ledger, payments, refunds, transfers
from marketplace.services.refunds import LineRefund, RefundRefused
from tests.factories import make_listing, make_user
from tests.governance_factories import adopt_fee_policy
from tests.order_factories import mark_paid, place_order


@pytest.fixture
def buyer(app):
    return make_user(email="ada@example.org")


@pytest.fixture
def three_coop_order(buyer):
    """Three co-ops, fee 6 % (3 % fair); 40.00 + 2×12.50 + 9.99 of goods, no shipping."""
    adopt_fee_policy(basis_points=600, fair_basis_points=300)
    bread = make_listing(price_amount=4000, stock=10)
    jam = make_listing(price_amount=1250, stock=10)
    soap = make_listing(price_amount=999, stock=10)
    return place_order(buyer, (bread, 1), (jam, 2), (soap, 1))


def _transfers(order: Order) -> dict[int, Transfer]:
    rows = db.session.scalars(select(Transfer).where(Transfer.order_id == order.id))
    return {t.coop_order_id: t for t in rows}


def test_a_bank_payment_of_the_whole_amount_pays_every_coop_order(three_coop_order):
    order = mark_paid(three_coop_order)
    assert order.payment_status is PaymentStatus.PAID and order.amount_received == 7499
    sent = _transfers(order)
    for co in order.coop_orders:
        assert sent[co.id].amount == co.total_amount - co.fee_amount
        assert sent[co.id].status is TransferStatus.PENDING
    fees = sum(co.fee_amount for co in order.coop_orders)
    assert fees == 240 + 150 + 60  # 6 % of 40.00, 25.00 and 9.99 (59.94 rounds to 60)
    assert sum(t.amount for t in sent.values()) + fees == order.total_amount
    assert ledger.check() == []


def test_less_than_is_due_waits_for_the_rest(three_coop_order):
    order = mark_paid(three_coop_order, 5000)
    assert order.payment_status is PaymentStatus.PENDING
    assert payments.outstanding(order) == 2499
    assert _transfers(order) == {}
    assert ledger.check() == []
    order = mark_paid(order)  # the rest
    assert order.payment_status is PaymentStatus.PAID and order.amount_received == 7499
    assert ledger.check() == []


def test_more_than_is_due_is_owed_back_to_the_buyer(three_coop_order):
    order = mark_paid(three_coop_order, 7600)
    assert order.payment_status is PaymentStatus.PAID
    owed = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).one()
    assert owed.kind is RefundKind.OVERPAYMENT and owed.amount == 101
    assert owed.status is RefundStatus.PENDING
    refunds.mark_refund_paid(owed.id, actor=None)
    assert ledger.check() == []
    assert ledger.balance(Account.CASH, currency="EUR") == 7499


def test_the_same_statement_line_is_recorded_once(three_coop_order):
    order = three_coop_order
    first = payments.mark_paid(
        order.reference, 7499, actor=None, source=PaymentSource.STATEMENT, source_key="line-1"
    )
    again = payments.mark_paid(
        order.reference, 7499, actor=None, source=PaymentSource.STATEMENT, source_key="line-1"
    )
    assert first.now_paid and again.duplicate
    db.session.refresh(order)
    assert order.amount_received == 7499
    assert ledger.check() == []


def test_an_unknown_reference_or_a_zero_amount_is_refused(three_coop_order):
    with pytest.raises(payments.PaymentRefused):
        payments.mark_paid("ZZZZ-ZZZZ", 100, actor=None)
    with pytest.raises(payments.PaymentRefused):
        payments.mark_paid(three_coop_order.reference, 0, actor=None)
    with pytest.raises(payments.PaymentRefused):
        payments.mark_paid(three_coop_order.reference, 10**13, actor=None)
    assert db.session.scalars(select(Posting)).all() == []


def test_refunding_a_line_before_the_payout_shrinks_only_that_coops_transfer(three_coop_order):
    order = mark_paid(three_coop_order)
    jam_order = next(co for co in order.coop_orders if co.total_amount == 2500)
    before = {cid: t.amount for cid, t in _transfers(order).items()}
    line = jam_order.lines[0]
    made, created = refunds.refund(
        jam_order, actor=None, idempotency_key="r1", lines=[LineRefund(line.id, 1)]
    )
    assert created and made.amount == 1250
    assert made.fee_returned == 75 and made.reversal_amount == 1175
    after = {cid: t.amount for cid, t in _transfers(order).items()}
    assert after[jam_order.id] == before[jam_order.id] - 1175
    assert {k: v for k, v in after.items() if k != jam_order.id} == {
        k: v for k, v in before.items() if k != jam_order.id
    }
    settled = jam_order.settlement
    assert settled.payout + settled.fee + settled.refunded == jam_order.total_amount
    assert ledger.check() == []
    again, created = refunds.refund(
        jam_order, actor=None, idempotency_key="r1", lines=[LineRefund(line.id, 1)]
    )
    assert not created and again.id == made.id
    with pytest.raises(RefundRefused):
        refunds.refund(jam_order, actor=None, idempotency_key="r2", lines=[LineRefund(line.id, 2)])


def test_a_refund_after_the_payout_is_taken_off_the_next_payout(three_coop_order, buyer):
    order = mark_paid(three_coop_order)
    bread_order = next(co for co in order.coop_orders if co.total_amount == 4000)
    transfers.mark_bank_payout_paid(bread_order.coop, "EUR", actor=None)
    refunds.refund(bread_order, actor=None, idempotency_key="r1", amount=1000)
    reversal = db.session.scalars(select(TransferReversal)).one()
    assert reversal.amount == 1000 - 60 and reversal.status is TransferStatus.PENDING
    owed = transfers.pending_bank_payouts(bread_order.coop)
    assert [p.amount for p in owed] == [-940]
    assert ledger.check() == []
    transfers.mark_bank_payout_paid(bread_order.coop, "EUR", actor=None)
    assert ledger.check() == []


def test_cancelling_a_paid_coop_order_refunds_all_of_it(three_coop_order):
    order = mark_paid(three_coop_order)
    soap_order = next(co for co in order.coop_orders if co.total_amount == 999)
    coop_orders.change_status(soap_order, "cancel", actor=None, reason="out of soap")
    db.session.refresh(soap_order)
    assert soap_order.refunded_amount == 999
    assert soap_order.settlement.payout == 0 and soap_order.settlement.fee == 0
    assert _transfers(order)[soap_order.id].status is TransferStatus.PAID
    assert _transfers(order)[soap_order.id].amount == 0
    assert ledger.check() == []


def test_the_check_names_a_tampered_posting(three_coop_order):
    mark_paid(three_coop_order)
    posting = db.session.scalars(
        select(Posting).where(Posting.account == Account.FEE_INCOME)
    ).first()
    posting.amount -= 1
    db.session.commit()
    breaches = ledger.check()
    assert any("does not sum to zero" in b for b in breaches)
    assert any("fee income" in b for b in breaches)
