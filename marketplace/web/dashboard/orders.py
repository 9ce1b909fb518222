"""A co-op's orders in its dashboard: the list, one co-op order, accept, ship, deliver, cancel,
refund."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from ...authz import can, ensure
from ...domain.orders import FINAL
from ...domain.permissions import Permission
from ...domain.split import RefundEffect, refund_effect
from ...i18n import money_of
from ...models import Coop, CoopOrder, PaymentStatus, Refund
from ...services import coop_orders as fulfilment
from ...services import orders, refunds
from ..helpers import coop_or_404
from . import bp
from .order_forms import CancelForm, OrderActionForm, RefundForm, ShipForm, refund_form

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


@bp.post("/dashboard/<slug>/orders/<int:coop_order_id>/refund")
def coop_order_refund(slug: str, coop_order_id: int) -> object:
    coop = coop_or_404(slug, Permission.VIEW_COOP_DASHBOARD)
    ensure(Permission.REFUND_COOP_ORDERS, coop)
    coop_order = _coop_order_or_404(coop, coop_order_id)
    return submit_refund(
        coop_order,
        lambda **shown: _order_page(coop, coop_order, **shown),
        url_for("dashboard.coop_order", slug=slug, coop_order_id=coop_order_id),
    )


def submit_refund(coop_order: CoopOrder, page: Callable[..., str], done: str) -> object:
    """Check the refund form, show what the refund would do, or make it; never twice."""
    form = refund_form(coop_order, _units_left(coop_order), idempotency_key="")
    earlier = refunds.by_key(coop_order, form.idempotency_key.data or "")
    if earlier is not None:  # the same form sent again: the refund is made already
        flash(_refunded(earlier.amount, coop_order), "success")
        return redirect(done)
    if not refunds.refundable(coop_order):
        flash(_nothing_to_refund(coop_order), "error")
        return page(), 400
    wanted = form.wanted(coop_order) if form.validate_on_submit() else None
    if wanted is None:
        return page(refund_form=form), 400
    checked = form.checked_total.data or str(wanted.total)
    if not form.confirm.data or checked != str(wanted.total):
        if form.confirm.data:
            flash(_("The refund changed after you checked it: check it again."), "error")
        form.checked_total.data = str(wanted.total)
        return page(refund_form=form, preview=refund_effect(coop_order.settlement, wanted.total))
    try:
        made, _created = refunds.refund(
            coop_order,
            actor=current_user,
            idempotency_key=form.idempotency_key.data or "",
            amount=wanted.amount,
            lines=wanted.lines,
            reason=form.reason.data or "",
        )
    except refunds.RefundRefused as refused:
        flash(str(refused), "error")
        return page(refund_form=form), 400
    flash(_refunded(made.amount, coop_order), "success")
    return redirect(done)


def _nothing_to_refund(coop_order: CoopOrder) -> str:
    if coop_order.order.payment_status is not PaymentStatus.PAID:
        return _("The order is not paid: there is nothing to refund.")
    return _("This order has been refunded in full.")


def _refunded(amount: int, coop_order: CoopOrder) -> str:
    return _(
        "Refunded %(amount)s to the buyer.", amount=money_of(amount, coop_order.order.currency)
    )


def _units_left(coop_order: CoopOrder) -> dict[int, int]:
    """Order line id -> units not refunded yet."""
    done = refunds.refunded_quantities(coop_order)
    return {line.id: line.quantity - done.get(line.id, 0) for line in coop_order.lines}


def refund_parts(
    coop_order: CoopOrder,
    may_refund: bool,
    refund_form: RefundForm | None = None,
    preview: RefundEffect | None = None,
) -> dict[str, Any]:
    """What the refund partials show: the money box, the refunds so far and, for those who
    may refund a paid co-op order with money left, the form."""
    left = refunds.refundable(coop_order)
    units_left = _units_left(coop_order)
    if may_refund and left and refund_form is None:
        refund_form = refund_form_for(coop_order, units_left)
    return {
        "share": orders.coop_share(coop_order),
        "transfer": orders.transfer_of(coop_order),
        "refunds": orders.refunds_of(coop_order.order, coop_order),
        "refundable": left,
        "units_left": units_left,
        "refund_form": refund_form if may_refund and left else None,
        "preview": preview,
    }


def refund_form_for(coop_order: CoopOrder, units_left: dict[int, int]) -> RefundForm:
    """A fresh refund form, with a new idempotency key."""
    return refund_form(coop_order, units_left, formdata=None)


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


def _history(coop_order: CoopOrder, refunds_made: list[Refund]) -> list[tuple[datetime, str]]:
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
    currency = order.currency
    events += [
        (made.created_at, _("Refunded %(amount)s", amount=money_of(made.amount, currency)))
        for made in refunds_made
    ]
    # sorted by time, but a tie keeps the order above (placed before paid ...)
    return sorted(((when, what) for when, what in events if when is not None), key=lambda e: e[0])


def _order_page(
    coop: Coop,
    coop_order: CoopOrder,
    ship_form: ShipForm | None = None,
    cancel_form: CancelForm | None = None,
    refund_form: RefundForm | None = None,
    preview: RefundEffect | None = None,
) -> str:
    parts = refund_parts(coop_order, can(Permission.REFUND_COOP_ORDERS, coop), refund_form, preview)
    return render_template(
        "dashboard/order.html",
        coop=coop,
        coop_order=coop_order,
        order=coop_order.order,
        can_fulfil=can(Permission.FULFIL_COOP_ORDERS, coop),
        is_final=coop_order.status.value in FINAL,
        history=_history(coop_order, parts["refunds"]),
        action_form=OrderActionForm(),
        ship_form=ship_form or ShipForm(formdata=None),
        cancel_form=cancel_form or CancelForm(formdata=None),
        amount=money_of,
        refund_url=url_for(
            "dashboard.coop_order_refund", slug=coop.slug, coop_order_id=coop_order.id
        ),
        **parts,
    )
