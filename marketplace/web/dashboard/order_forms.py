"""Forms of a co-op order page: only what was typed; services/coop_orders.py has the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


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
