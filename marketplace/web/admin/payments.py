"""The federation's bank desk: bank transfers received (typed in or from a bank statement)
and refunds to send back by bank."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length

from ...authz import require
from ...domain.money import CURRENCY_EXPONENTS, Money, MoneyError, parse_major
from ...domain.permissions import Permission
from ...i18n import money_of
from ...models import PaymentSource
from ...services import bank_desk, bank_statement, payments, refunds
from . import bp


class MarkPaidForm(FlaskForm):
    amount = StringField(
        _l("Amount received"),
        validators=[InputRequired(_l("Give the amount received."))],
    )
    note = StringField(_l("Note (optional)"), validators=[Length(max=payments.MAX_NOTE_LENGTH)])


class StatementForm(FlaskForm):
    file = FileField(
        _l("Bank statement (CSV)"),
        validators=[FileRequired(_l("Choose the CSV file your bank exported."))],
    )
    currency = SelectField(
        _l("Currency, if the file names none"),
        choices=[SelectChoice("", "—"), *(SelectChoice(c, c) for c in sorted(CURRENCY_EXPONENTS))],
        default="",
    )
    dry_run = BooleanField(_l("Only check: record nothing"))


class RefundSentForm(FlaskForm):
    """Only the CSRF token."""


def _page(
    *,
    failed: tuple[str, MarkPaidForm] | None = None,
    statement_form: StatementForm | None = None,
    report: bank_statement.StatementReport | None = None,
    status: int = 200,
) -> tuple[str, int]:
    reference = request.args.get("reference", "").strip()[:20]
    awaiting, count = bank_desk.awaiting_payment(reference)
    return render_template(
        "admin/payments.html",
        awaiting=awaiting,
        awaiting_count=count,
        reference=reference,
        failed_reference=failed[0] if failed else None,
        failed_form=failed[1] if failed else None,
        statement_form=statement_form or StatementForm(),
        report=report,
        describe=bank_statement.describe,
        refunds_to_send=bank_desk.bank_refunds_to_send(),
        amount=money_of,
        major=lambda minor, cur: str(Money(minor, cur).to_decimal()),
        max_mb=bank_statement.MAX_BYTES // 2**20,
    ), status


@bp.get("/admin/payments", endpoint="payments")
@require(Permission.ADMINISTER_FEDERATION)
def payments_desk() -> tuple[str, int]:
    return _page()


def _typed_amount(form: MarkPaidForm, currency: str) -> int | None:
    try:
        amount = parse_major(form.amount.data or "", currency)
    except MoneyError:
        form.amount.errors.append(
            _("Type the amount in %(currency)s, like 74.99.", currency=currency)
        )
        return None
    if amount <= 0:
        form.amount.errors.append(_("The amount received must be more than zero."))
        return None
    if amount > bank_statement.MAX_LINE_AMOUNT:
        form.amount.errors.append(_("That amount is too large to record here."))
        return None
    return amount


@bp.post("/admin/payments/<reference>")
@require(Permission.ADMINISTER_FEDERATION)
def mark_paid(reference: str) -> object:
    order = payments.find_order(reference)
    if order is None:
        abort(404)
    form = MarkPaidForm()
    amount = _typed_amount(form, order.currency) if form.validate_on_submit() else None
    if amount is None:
        flash(
            _(
                "Nothing recorded for order %(reference)s: check the amount.",
                reference=order.reference,
            ),
            "error",
        )
        return _page(failed=(order.reference, form), status=400)
    try:
        result = payments.receive(
            order,
            amount,
            actor=current_user,
            source=PaymentSource.ADMIN,
            note=form.note.data or "",
        )
    except payments.PaymentRefused as error:
        flash(str(error), "error")
        return _page(failed=(order.reference, form), status=400)
    flash(bank_desk.payment_outcome(result, money_of) + ".", "success")
    return redirect(url_for("admin.payments"))


@bp.post("/admin/payments/statement")
@require(Permission.ADMINISTER_FEDERATION)
def import_statement() -> tuple[str, int]:
    form = StatementForm()
    if not form.validate_on_submit():
        return _page(statement_form=form, status=400)
    data = form.file.data.stream.read(bank_statement.MAX_BYTES + 1)
    try:
        report = bank_statement.import_statement(
            data,
            actor=current_user,
            dry_run=form.dry_run.data,
            default_currency=form.currency.data or None,
        )
    except bank_statement.StatementUnreadable as error:
        form.file.errors.append(str(error))
        return _page(statement_form=form, status=400)
    return _page(statement_form=StatementForm(formdata=None), report=report)


@bp.post("/admin/refunds/<int:refund_id>/sent")
@require(Permission.ADMINISTER_FEDERATION)
def refund_sent(refund_id: int) -> object:
    if not RefundSentForm().validate_on_submit():
        abort(400)
    try:
        made = bank_desk.send_bank_refund(refund_id, actor=current_user)
    except refunds.RefundRefused as error:
        flash(str(error), "error")
    else:
        flash(
            _(
                "Recorded: %(amount)s sent back to %(buyer)s for order %(reference)s.",
                amount=money_of(made.amount, made.currency),
                buyer=made.order.buyer.name,
                reference=made.order.reference,
            ),
            "success",
        )
    return redirect(url_for("admin.payments", _anchor="refunds"))
