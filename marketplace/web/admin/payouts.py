"""Bank payouts to the co-ops: what each is owed, exported for the bank, marked paid."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired

from ...authz import require
from ...domain.permissions import Permission
from ...i18n import money_of
from ...models.base import utcnow
from ...services import bank_desk, coops, payouts_export, transfers
from . import bp


class PayoutPaidForm(FlaskForm):
    #: the amount the admin saw: if more became owed since, nothing is marked
    expected = IntegerField(validators=[InputRequired()])


def _federation_account() -> dict[str, str]:
    config = current_app.config
    return {
        "debtor_name": config["FEDERATION_BANK_HOLDER"],
        "debtor_iban": config["FEDERATION_IBAN"],
        "debtor_bic": config["FEDERATION_BIC"],
    }


@bp.get("/admin/payouts", endpoint="payouts")
@require(Permission.ADMINISTER_FEDERATION)
def payouts_page() -> str:
    pending = transfers.pending_bank_payouts()
    payable = payouts_export.sepa_split(pending)[0]
    return render_template(
        "admin/payouts.html",
        payouts=pending,
        payable=payable,
        skip_reasons=[payouts_export.skip_reason(p) for p in pending],
        paid=bank_desk.recent_transfers(),
        account=_federation_account(),
        iban_of=payouts_export.iban_of,
        references_of=payouts_export.references,
        form=PayoutPaidForm(),
        amount=money_of,
    )


@bp.post("/admin/payouts/<coop_slug>/<currency>/paid")
@require(Permission.ADMINISTER_FEDERATION)
def payout_paid(coop_slug: str, currency: str) -> object:
    try:
        coop = coops.coop_by_slug(coop_slug)
    except coops.CoopNotFound:
        abort(404)
    form = PayoutPaidForm()
    if not form.validate_on_submit():
        flash(_("Nothing marked: reload the page and try again."), "error")
        return redirect(url_for("admin.payouts"))
    try:
        payout = transfers.mark_bank_payout_paid(
            coop, currency.upper()[:3], actor=current_user, expected=form.expected.data
        )
    except transfers.PayoutRefused as error:
        flash(str(error), "error")
        return redirect(url_for("admin.payouts"))
    if payout.amount < 0:
        message = _(
            "Recorded: %(coop)s paid back %(amount)s.",
            coop=coop.name,
            amount=money_of(-payout.amount, payout.currency),
        )
    else:
        message = _(
            "Recorded: %(amount)s paid to %(coop)s.",
            coop=coop.name,
            amount=money_of(payout.amount, payout.currency),
        )
    flash(message, "success")
    return redirect(url_for("admin.payouts"))


def _attachment(body: str | bytes, mimetype: str, name: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/admin/payouts.csv")
@require(Permission.ADMINISTER_FEDERATION)
def payouts_csv() -> Response:
    body = payouts_export.payouts_csv(transfers.pending_bank_payouts())
    name = f"payouts-{utcnow():%Y-%m-%d}.csv"
    # the BOM: spreadsheets then read UTF-8 right
    return _attachment("\ufeff" + body, "text/csv", name)


@bp.get("/admin/payouts.xml")
@require(Permission.ADMINISTER_FEDERATION)
def payouts_xml() -> object:
    pending = transfers.pending_bank_payouts()
    if not payouts_export.sepa_split(pending)[0]:
        flash(_("No payout can go in a SEPA file now: see why next to each co-op."), "error")
        return redirect(url_for("admin.payouts"))
    now = utcnow()
    body = payouts_export.sepa_xml(
        pending, message_id=f"COOPMKT-{now:%Y%m%d-%H%M%S}", created_at=now, **_federation_account()
    )
    return _attachment(body, "application/xml", f"sepa-payouts-{now:%Y-%m-%d-%H%M}.xml")
