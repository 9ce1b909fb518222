"""A co-op's orders in its dashboard: the list, one co-op order, accept, ship, deliver, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from ...authz import can
from ...domain.orders import FINAL
from ...domain.permissions import Permission
from ...i18n import money_of
from ...models import Coop, CoopOrder
from ...services import coop_orders as fulfilment
from ..helpers import coop_or_404
from . import bp
from .order_forms import CancelForm, OrderActionForm, ShipForm

#: the list's tabs: name in the URL -> (label, the statuses shown; None = all)
TABS: dict[str, tuple[Any, frozenset[str] | None]] = {
    "all": (_l("All"), None),
    "to-accept": (_l("To accept"), frozenset({"placed"})),
    "to-ship": (_l("To ship"), frozenset({"accepted"})),
    "shipped": (_l("Shipped"), frozenset({"shipped"})),
    "done": (_l("Done"), frozenset({"delivered"})),
    "ended": (_l("Cancelled or expired"), frozenset({"cancelled", "expired"})),
}
#: co-op orders that wait for the co-op to do something (the count in the dashboard's tabs)
WAITING = ("placed", "accepted")
_FORMS: dict[str, type[FlaskForm]] = {
    "accept": OrderActionForm,
    "ship": ShipForm,
    "deliver": OrderActionForm,
    "cancel": CancelForm,
}
_DONE = {
    "accept": lambda: _("Accepted. The buyer has been told."),
    "ship": lambda: _("Marked as shipped. The buyer has been told."),
    "deliver": lambda: _("Marked as delivered. The buyer can now rate the order."),
    "cancel": lambda: _("Cancelled. The units are back in stock and the buyer has been told."),
}


@bp.app_context_processor
def _order_helpers() -> dict[str, Any]:
    return {"waiting_coop_orders": waiting_coop_orders}


def waiting_coop_orders(coop: Coop) -> int:
    """How many of the co-op's orders wait for it: placed (to accept) or accepted (to ship)."""
    return fulfilment.waiting_count(coop)


@bp.get("/dashboard/<slug>/orders")
def coop_orders(slug: str) -> str:
    coop = coop_or_404(slug, Permission.VIEW_COOP_DASHBOARD)
    tab = request.args.get("show", "all")
    if tab not in TABS:
        abort(404)
    everything = fulfilment.coop_orders_of(coop)
    counts = {name: len(_in_tab(everything, name)) for name in TABS}
    return render_template(
        "dashboard/orders.html",
        coop=coop,
        coop_orders=_in_tab(everything, tab),
        tabs=TABS,
        tab=tab,
        counts=counts,
        amount=money_of,
    )


@bp.get("/dashboard/<slug>/orders/<int:coop_order_id>")
def coop_order(slug: str, coop_order_id: int) -> str:
    coop = coop_or_404(slug, Permission.VIEW_COOP_DASHBOARD)
    return _order_page(coop, _coop_order_or_404(coop, coop_order_id))


@bp.post("/dashboard/<slug>/orders/<int:coop_order_id>/<action>")
def coop_order_action(slug: str, coop_order_id: int, action: str) -> object:
    coop = coop_or_404(slug, Permission.FULFIL_COOP_ORDERS)
    coop_order = _coop_order_or_404(coop, coop_order_id)
    if action not in _FORMS:
        abort(404)
    form = _FORMS[action]()
    if not form.validate_on_submit():
        abort(400)
    typed = form.data
    try:
        fulfilment.change_status(
            coop_order,
            action,
            actor=current_user,
            reason=typed.get("reason"),
            tracking_reference=typed.get("tracking_reference"),
        )
    except (fulfilment.ReasonRequired, fulfilment.TrackingTooLong) as problem:
        if action == "cancel":
            form.reason.errors = [str(problem)]
            return _order_page(coop, coop_order, cancel_form=form), 400
        form.tracking_reference.errors = [str(problem)]
        return _order_page(coop, coop_order, ship_form=form), 400
    except (fulfilment.OrderTransitionRefused, fulfilment.PaymentPending) as problem:
        flash(str(problem), "error")
    else:
        flash(_DONE[action](), "success")
    return redirect(url_for("dashboard.coop_order", slug=slug, coop_order_id=coop_order_id))


def _in_tab(found: list[CoopOrder], tab: str) -> list[CoopOrder]:
    statuses = TABS[tab][1]
    if statuses is None:
        return found
    return [co for co in found if co.status.value in statuses]


def _coop_order_or_404(coop: Coop, coop_order_id: int) -> CoopOrder:
    coop_order = fulfilment.coop_order_for(coop, coop_order_id)
    if coop_order is None:
        abort(404)
    return coop_order


def _history(coop_order: CoopOrder) -> list[tuple[datetime, str]]:
    """What happened to the co-op order, oldest first."""
    order = coop_order.order
    ended = (
        _("Expired: no payment arrived in time")
        if coop_order.status.value == "expired"
        else _("Cancelled")
    )
    events = [
        (order.placed_at, _("Placed")),
        (order.paid_at, _("Payment received")),
        (coop_order.accepted_at, _("Accepted")),
        (coop_order.shipped_at, _("Shipped")),
        (coop_order.delivered_at, _("Delivered")),
        (coop_order.cancelled_at, ended),
    ]
    # sorted by time, but a tie keeps the order above (placed before paid ...)
    return sorted(((when, what) for when, what in events if when is not None), key=lambda e: e[0])


def _order_page(
    coop: Coop,
    coop_order: CoopOrder,
    ship_form: ShipForm | None = None,
    cancel_form: CancelForm | None = None,
) -> str:
    return render_template(
        "dashboard/order.html",
        coop=coop,
        coop_order=coop_order,
        order=coop_order.order,
        can_fulfil=can(Permission.FULFIL_COOP_ORDERS, coop),
        is_final=coop_order.status.value in FINAL,
        history=_history(coop_order),
        action_form=OrderActionForm(),
        ship_form=ship_form or ShipForm(formdata=None),
        cancel_form=cancel_form or CancelForm(formdata=None),
        amount=money_of,
    )
