"""Forms of a co-op order page: only what was typed; the services have the rules.

The refund form checks what was asked against what is left, only to put the message
next to the field; services/refunds.py decides."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import NumberRange, Optional

from ...domain.money import Money, MoneyError, parse_major
from ...i18n import money_of
from ...models import CoopOrder
from ...services import refunds
from ...services.refunds import MAX_REASON_LENGTH, LineRefund


class OrderActionForm(FlaskForm):
    """Accept or mark delivered: only the CSRF token."""


class ShipForm(FlaskForm):
    tracking_reference = StringField(
        _l("Tracking reference"),
        description=_l("Optional: the parcel service's number, sent to the buyer."),
        render_kw={"maxlength": 120, "autocomplete": "off"},
    )


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Why do you cancel?"),
        description=_l("Required. The buyer reads it in their e-mail and on their order."),
        render_kw={"rows": 3, "maxlength": 2000},
    )


def units_field(line_id: int) -> str:
    """The refund form's field for the units of one order line."""
    return f"units_{line_id}"


class RefundForm(FlaskForm):
    """Refund units of the co-op order's lines, or an amount; `refund_form` adds the lines."""

    # ids of their own: the cancel form on the same page has a `reason` too
    amount = StringField(
        _l("Or an amount"),
        id="refund-amount",
        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20},
    )
    reason = TextAreaField(
        _l("Reason"),
        id="refund-reason",
        description=_l("Optional. The buyer sees it with the refund."),
        render_kw={"rows": 2, "maxlength": MAX_REASON_LENGTH},
    )
    #: made when the form is shown: sending the same form twice makes one refund
    idempotency_key = HiddenField()
    #: the amount the person checked; a refund of another amount is shown to check again
    checked_total = HiddenField()
    preview = SubmitField(_l("Check the refund"))
    confirm = SubmitField(_l("Refund now"))

    def units(self, line_id: int) -> Field:
        return self[units_field(line_id)]

    def wanted(self, coop_order: CoopOrder) -> WantedRefund | None:
        """What was asked, checked against what is left; None with the errors on the fields."""
        currency = coop_order.order.currency
        lines = [
            LineRefund(line.id, quantity)
            for line in coop_order.lines
            if (quantity := self.units(line.id).data)
        ]
        typed = (self.amount.data or "").strip()
        amount = None
        if typed:
            try:
                amount = parse_major(typed, currency)
            except MoneyError:
                return self._refuse(
                    self.amount,
                    _(
                        "“%(text)s” is not an amount in %(currency)s.",
                        text=typed,
                        currency=currency,
                    ),
                )
        if typed and lines:
            return self._refuse(self.amount, _("Choose units or type an amount, not both."))
        if not typed and not lines:
            return self._refuse(self.amount, _("Choose the units to refund, or type an amount."))
        if amount is not None and amount <= 0:
            return self._refuse(self.amount, _("The amount to refund must be more than zero."))
        by_id = {line.id: line for line in coop_order.lines}
        total = (
            amount
            if amount is not None
            else sum(by_id[item.line_id].unit_price * item.quantity for item in lines)
        )
        left = refunds.refundable(coop_order)
        if total > left:
            return self._refuse(
                self.amount,
                _("At most %(left)s can still be refunded.", left=money_of(left, currency)),
            )
        return WantedRefund(amount, lines, total)

    def _refuse(self, field: Field, message: str) -> None:
        field.errors = [*field.errors, message]
        return None


@dataclass(frozen=True)
class WantedRefund:
    """A refund asked for on the page: an amount or units of lines, and what it comes to."""

    amount: int | None
    lines: list[LineRefund]
    total: int


def refund_form(coop_order: CoopOrder, left: Mapping[int, int], **kwargs: Any) -> RefundForm:
    """The refund form of a co-op order: a units field per line, up to `left` of it."""

    class CoopOrderRefundForm(RefundForm):
        pass

    for line in coop_order.lines:
        most = left.get(line.id, 0)
        setattr(
            CoopOrderRefundForm,
            units_field(line.id),
            IntegerField(
                line.title,
                id=f"refund-units-{line.id}",
                validators=[
                    Optional(),
                    NumberRange(
                        0,
                        most,
                        message=_l("Between 0 and %(max)d for this line.", max=most),
                    ),
                ],
                render_kw={"min": 0, "max": most, "inputmode": "numeric", "size": 4},
            ),
        )
    kwargs.setdefault("idempotency_key", uuid.uuid4().hex)
    form = CoopOrderRefundForm(**kwargs)
    currency = coop_order.order.currency
    example = Money(coop_order.lines[0].unit_price if coop_order.lines else 0, currency)
    form.amount.description = _(
        "In %(currency)s, e.g. %(example)s: for a refund that is not whole units.",
        currency=currency,
        example=example.to_decimal(),
    )
    return form
