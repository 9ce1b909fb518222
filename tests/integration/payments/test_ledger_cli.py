"""`flask payments mark-paid|import-statement` and `flask ledger check`, run as cron would."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from marketplace.extensions import db
from marketplace.models import (
    Order,
    PaymentSource,
    PaymentStatus,
    Posting,
    Transfer,
    TransferStatus,
)
from marketplace.services import payments
from tests.factories import make_coop, make_listing, make_user
from tests.governance_factories import adopt_fee_policy
from tests.integration.payments.conftest import SLOW_MACHINE_TIMEOUT
from tests.order_factories import mark_paid, place_order
from tests.stripe_fake import FakeStripe


@pytest.fixture
def order(app):
    """Three co-ops, fee 6 %: 40.00 + 2×12.50 + 9.99 = 74.99 EUR by bank transfer."""
    adopt_fee_policy(basis_points=600, fair_basis_points=300)
    return place_order(
        make_user(),
        (make_listing(price_amount=4000), 1),
        (make_listing(price_amount=1250), 2),
        (make_listing(price_amount=999), 1),
    )


def flask(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    db.session.expire_all()
    return result


def test_mark_paid_records_exactly_what_is_owed(app, order):
    result = flask(app, "payments", "mark-paid", order.reference.lower())

    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Order {order.reference}: received 74.99 EUR, paid in full; 3 co-op transfers pending\n"
    )
    assert db.session.get(Order, order.id).payment_status is PaymentStatus.PAID


def test_mark_paid_with_an_amount_says_what_is_still_owed_or_owed_back(app, order):
    partly = flask(app, "payments", "mark-paid", order.reference, "--amount", "2500")
    rest = flask(app, "payments", "mark-paid", order.reference, "--amount", "5100", "--note", "x")

    assert partly.output == f"Order {order.reference}: received 25.00 EUR, 49.99 EUR still owed\n"
    assert rest.output == (
        f"Order {order.reference}: received 51.00 EUR, paid in full; 3 co-op transfers pending; "
        "1.01 EUR owed back to the buyer\n"
    )
    late = flask(app, "payments", "mark-paid", order.reference, "--amount", "500")
    assert late.output == (
        f"Order {order.reference}: received 5.00 EUR, but the order was already paid or has "
        "ended; 5.00 EUR owed back to the buyer\n"
    )
    assert flask(app, "ledger", "check").exit_code == 0


def test_mark_paid_refuses_an_unknown_reference_or_a_bad_amount(app, order):
    unknown = flask(app, "payments", "mark-paid", "ZZZZ-ZZZZ")
    zero = flask(app, "payments", "mark-paid", order.reference, "--amount", "0")
    words = flask(app, "payments", "mark-paid", order.reference, "--amount", "12.50")
    mark_paid(order)
    nothing_owed = flask(app, "payments", "mark-paid", order.reference)

    assert (unknown.exit_code, unknown.output) == (
        1,
        "Error: No order has the reference ZZZZ-ZZZZ.\n",
    )
    assert zero.exit_code == 2 and "0 is not in the range 1<=x<=1000000000000" in zero.output
    assert words.exit_code == 2 and "'12.50' is not a valid integer" in words.output
    assert nothing_owed.exit_code == 1
    assert nothing_owed.output == (
        f"Error: Order {order.reference} owes nothing: give the amount received.\n"
    )


def test_ledger_check_passes_on_sound_books_and_fails_on_a_tampered_posting(app, order):
    mark_paid(order)

    sound = flask(app, "ledger", "check")

    assert sound.exit_code == 0, sound.output
    assert re.fullmatch(
        r"ledger check: \d+ transactions, \d+ postings, 1 orders: all invariants hold "
        r"\(in \d+\.\d\d s\)\n",
        sound.output,
    )
    posting = db.session.scalars(select(Posting).order_by(Posting.id)).first()
    db.session.execute(
        update(Posting).where(Posting.id == posting.id).values(amount=posting.amount + 1)
    )
    db.session.commit()

    tampered = flask(app, "ledger", "check")

    assert tampered.exit_code == 1
    lines = tampered.output.splitlines()
    assert lines[-1] == f"ledger check: {len(lines) - 1} breach(es)"
    assert f"transaction {posting.transaction_id} does not sum to zero in EUR: 1" in lines


def test_import_statement_prints_every_line_and_a_summary(app, order, tmp_path):
    statement = tmp_path / "march.csv"
    statement.write_text(
        "Buchungstag;Verwendungszweck;Betrag;Währung\n"
        f"10.03.2026;Bestellung {order.reference};50,00;EUR\n"
        "10.03.2026;Miete;-800,00;EUR\n"
        "11.03.2026;Spende;20,00;EUR\n",
        encoding="utf-8-sig",
    )

    dry = flask(app, "payments", "import-statement", str(statement), "--dry-run")
    done = flask(app, "payments", "import-statement", str(statement))
    again = flask(app, "payments", "import-statement", str(statement))

    ref = order.reference
    assert dry.exit_code == done.exit_code == again.exit_code == 0
    assert dry.output == (
        f"  line    2  {ref}       50.00 EUR  24.99 EUR still owed\n"
        "  line    3  -             -800.00 EUR  money out: passed over\n"
        "  line    4  -               20.00 EUR  no order reference in the text\n"
        "Would record 1 payment(s); 0 already recorded; 1 unmatched; 1 debit(s) passed over.\n"
    )
    assert done.output == dry.output.replace("Would record", "Recorded")
    assert again.output.splitlines()[0] == (
        f"  line    2  {ref}       50.00 EUR  already recorded by an earlier import"
    )
    assert again.output.splitlines()[-1] == (
        "Recorded 0 payment(s); 1 already recorded; 1 unmatched; 1 debit(s) passed over."
    )


def test_import_statement_refuses_a_file_that_is_no_statement(app, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_text("hello;world\n1;2\n")

    result = flask(app, "payments", "import-statement", str(junk))

    assert result.exit_code == 1
    assert result.output.startswith("Error: junk.csv: No header row with an amount column")


def test_payouts_run_without_stripe_says_there_is_nothing_to_send(app):
    result = flask(app, "payouts", "run")

    assert result.exit_code == 0
    assert result.output == (
        "Stripe is not set up (STRIPE_SECRET_KEY is unset): nothing to send. "
        "Bank payouts are listed on /admin/payouts.\n"
    )


def test_payouts_run_sends_what_is_due_and_lists_what_failed_with_exit_status_0(app):
    with FakeStripe() as fake:
        app.config.update(
            STRIPE_SECRET_KEY="sk_test_marketplace",
            STRIPE_PUBLISHABLE_KEY="pk_test_marketplace",
            STRIPE_API_BASE=fake.url,
            STRIPE_TIMEOUT=SLOW_MACHINE_TIMEOUT,
            STRIPE_MAX_NETWORK_RETRIES=0,
        )
        adopt_fee_policy(basis_points=600)
        bakery, jam = (
            make_coop(stripe_account_id=fake.create_account(), stripe_ready=True) for _ in "ab"
        )
        placed = place_order(
            make_user(),
            (make_listing(coop=bakery, price_amount=4000), 1),
            (make_listing(coop=jam, price_amount=1250), 2),
            payment_method="stripe",
        )
        order = db.session.get(Order, placed.id)
        charge = fake.succeed_payment(str(order.payment_intent_id))
        # the card payment was recorded, and the process stopped before any transfer was sent
        payments.receive(
            order, 6500, source=PaymentSource.STRIPE, processor_fee=0, charge_id=charge
        )
        fake.fail_next("POST", "/v1/transfers", "insufficient_balance")

        result = flask(app, "payouts", "run")

    assert result.exit_code == 0, result.output
    waiting = db.session.scalars(
        select(Transfer).where(Transfer.status == TransferStatus.PENDING)
    ).one()
    assert waiting.last_error.startswith("balance_insufficient")
    assert result.output.splitlines() == [
        "transfers: 1 sent, 1 failed; reversals: 0 done, 0 failed; refunds: 0 paid, 0 failed",
        "1 waiting for a later run after a failed attempt:",
        f"  transfer {waiting.id} to {waiting.coop.slug} for order {order.reference}: "
        f"{waiting.last_error}",
    ]
