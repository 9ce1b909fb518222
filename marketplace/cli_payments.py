"""Money commands: `flask payments mark-paid|import-statement`, `flask ledger check`,
`flask payouts run` (scripted reconciliation and the checks cron runs)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup

payments_cli = AppGroup("payments", help="Buyers' payments received by bank transfer.")
ledger_cli = AppGroup("ledger", help="The double-entry ledger.")
payouts_cli = AppGroup("payouts", help="Money out to the co-ops and back to buyers.")


@payments_cli.command("mark-paid")
@click.argument("reference")
@click.option(
    "--amount",
    type=click.IntRange(min=1, max=10**12),
    help="Amount received in minor units (cents); default: exactly what is still owed.",
)
@click.option("--note", default="", help="Kept with the payment, e.g. the bank's booking text.")
def mark_paid_command(reference: str, amount: int | None, note: str) -> None:
    """Record a bank transfer received for the order REFERENCE (as the admin page does)."""
    from .models import PaymentSource
    from .services import bank_desk, payments
    from .services.bank_statement import major

    try:
        result = payments.mark_paid(
            reference, amount, actor=None, source=PaymentSource.CLI, note=note
        )
    except payments.PaymentRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(bank_desk.payment_outcome(result, major))


@payments_cli.command("import-statement")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Match and report, record nothing.")
@click.option(
    "--currency",
    default=None,
    help="Currency of the amounts when the statement has no currency column, e.g. EUR.",
)
def import_statement_command(file: Path, dry_run: bool, currency: str | None) -> None:
    """Record the credits of a bank statement CSV, matched to orders by their reference."""
    from .services import bank_statement as statements

    try:
        report = statements.import_statement(
            file.read_bytes(), dry_run=dry_run, default_currency=currency
        )
    except statements.StatementUnreadable as error:
        raise click.ClickException(f"{file.name}: {error}") from None
    for result in report.lines:
        amount = (
            statements.major(result.amount, result.currency) if result.amount is not None else "-"
        )
        click.echo(
            f"  line {result.line:>4}  {result.reference or '-':<9}  {amount:>14}  "
            f"{statements.describe(result)}"
        )
    verb = "Would record" if dry_run else "Recorded"
    click.echo(
        f"{verb} {len(report.matched)} payment(s); {len(report.already_recorded)} already "
        f"recorded; {len(report.unmatched)} unmatched; {len(report.skipped)} debit(s) passed over."
    )


@ledger_cli.command("check")
def ledger_check_command() -> None:
    """Verify every invariant of the ledger; exit 1 and list each breach if one fails."""
    from sqlalchemy import func, select

    from .extensions import db
    from .models import LedgerTransaction, Posting
    from .services import ledger

    started = time.perf_counter()
    breaches = ledger.check()
    seconds = time.perf_counter() - started
    if breaches:
        for breach in breaches:
            click.echo(breach)
        click.echo(f"ledger check: {len(breaches)} breach(es)")
        click.get_current_context().exit(1)
    transactions = db.session.scalar(select(func.count(LedgerTransaction.id)))
    postings = db.session.scalar(select(func.count(Posting.id)))
    orders = db.session.scalar(
        select(func.count(func.distinct(LedgerTransaction.order_id))).where(
            LedgerTransaction.order_id.is_not(None)
        )
    )
    click.echo(
        f"ledger check: {transactions} transactions, {postings} postings, {orders} orders: "
        f"all invariants hold (in {seconds:.2f} s)"
    )


@payouts_cli.command("run")
def payouts_run_command() -> None:
    """Send the Stripe transfers, reversals and refunds that are due, retries included.

    What fails stays pending for a later run: it is listed, and the exit status is still 0.
    Bank payouts are paid by the federation and marked on the payouts page.
    """
    from flask import current_app

    from payments.stripe_gateway import enabled

    from .services import bank_desk, stripe_payouts

    if not enabled(current_app.config):
        click.echo(
            "Stripe is not set up (STRIPE_SECRET_KEY is unset): nothing to send. "
            "Bank payouts are listed on /admin/payouts."
        )
        return
    report = stripe_payouts.run()
    click.echo(
        f"transfers: {report.transfers_sent} sent, {report.transfers_failed} failed; "
        f"reversals: {report.reversals_done} done, {report.reversals_failed} failed; "
        f"refunds: {report.refunds_paid} paid, {report.refunds_failed} failed"
    )
    waiting = bank_desk.failures_waiting()
    if waiting:
        click.echo(f"{len(waiting)} waiting for a later run after a failed attempt:")
        for line in waiting:
            click.echo(f"  {line}")


def register(cli: AppGroup) -> None:
    """Add `flask payments|ledger|payouts ...` to the app's commands (`register(app.cli)`)."""
    for group in (payments_cli, ledger_cli, payouts_cli):
        cli.add_command(group)
