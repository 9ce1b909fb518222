"""The buyer's orders: the list, one order with each co-op's part, the receipt, ratings."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...i18n import money_of
from ...models import CoopOrder, Order
from ...services import orders, ratings
from . import bp
from .forms import RatingForm

#: the co-op order's way to the buyer, as the progress on the order page shows it
STEPS = ("placed", "accepted", "shipped", "delivered")


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {"amount": money_of, "steps": STEPS}


def _order_or_404(reference: str) -> Order:
    """The current buyer's order; anyone else's is a 404, so references cannot be probed."""
    order = orders.order_for_buyer(current_user, reference)
    if order is None:
        abort(404)
    return order


@bp.get("/orders")
@login_required
def index() -> str:
    return render_template("orders/index.html", orders=orders.orders_of(current_user))


@bp.get("/orders/<reference>")
@login_required
def show(reference: str) -> str:
    order = _order_or_404(reference)
    # first: a buyer coming back from Stripe may have just paid (the payment is recorded)
    stripe_payment = orders.card_payment(order)
    found = orders.receipt(order)
    return render_template(
        "orders/show.html",
        order=order,
        stripe_payment=stripe_payment,
        due=orders.amount_due(order),
        receipt=found,
        shares={share.coop_order.id: share for share in found.shares},
        instructions=orders.payment_instructions(order),
        form=RatingForm(formdata=None),
    )


@bp.get("/orders/<reference>/receipt")
@login_required
def receipt(reference: str) -> str:
    order = _order_or_404(reference)
    return render_template(
        "orders/receipt.html",
        order=order,
        receipt=orders.receipt(order),
        live=orders.live_coop_orders(order),
    )


@bp.post("/orders/<reference>/coop-orders/<int:coop_order_id>/rating")
@login_required
def rate(reference: str, coop_order_id: int) -> object:
    order = _order_or_404(reference)
    coop_order = next((co for co in order.coop_orders if co.id == coop_order_id), None)
    if coop_order is None:
        abort(404)
    form = RatingForm()
    try:
        ratings.rate(current_user, coop_order, form.score.data or "", form.text.data or "")
    except ratings.RatingRefused as refused:
        flash(refused.message, "error")
    else:
        flash(_("Thank you: your rating is shown on %(coop)s's page.", coop=coop_order.coop.name))
    return redirect(_coop_order_url(order, coop_order), 303)


def _coop_order_url(order: Order, coop_order: CoopOrder) -> str:
    return url_for("orders.show", reference=order.reference, _anchor=f"coop-order-{coop_order.id}")
