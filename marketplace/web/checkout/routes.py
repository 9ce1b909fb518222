"""Checkout: address, shipping per co-op and payment method, a review page, then the order.

The review page carries what the buyer confirms (prices and quantities) and a fresh
idempotency key: if anything changed before "Place order" the buyer is shown exactly
what and confirms again; a double click or a retry of the same form makes one order.
"""

from __future__ import annotations

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...authz import ensure
from ...domain.cart import Change, Shipping
from ...domain.permissions import Permission
from ...models import Cart
from ...services import carts, checkout
from . import bp
from .forms import CheckoutForm, shipping_choices
from .presenting import describe_changes, vat_by_rate


@bp.before_request
def _buyers_only() -> object:
    if not current_user.is_authenticated:
        flash(_("Log in or register to check out; your cart is kept."), "info")
        return redirect(url_for("auth.login", next=url_for("checkout.start")))
    ensure(Permission.PLACE_ORDER)
    return None


def _cart() -> Cart | None:
    cart, _token = carts.current_cart(current_user, None, create=False)
    return cart


def _form() -> CheckoutForm:
    return CheckoutForm(checkout.payment_methods())


@bp.route("/checkout", methods=["GET", "POST"])
def start() -> object:
    """The form; a POST comes from the review page's "Change" button, filled in."""
    summary = carts.summarize(_cart(), shipping_choices(request.form))
    if not summary.can_checkout:
        return _back_to_cart(summary)
    form = _form()
    if request.method == "GET":
        form.name.data = current_user.name
    return _form_page(form, summary)


@bp.post("/checkout/review")
def review() -> object:
    form = _form()
    form.validate_on_submit()  # the CSRF check itself is app-wide
    summary = carts.summarize(_cart(), shipping_choices(request.form))
    if not summary.can_checkout:
        return _back_to_cart(summary)
    try:
        address = checkout.check_address(request.form)
    except checkout.CheckoutInvalid as invalid:
        form.add_errors(invalid.errors)
        address = None
    if form.payment_method.data not in checkout.payment_methods():
        form.add_errors({"payment_method": _("Choose how you will pay.")})
    if address is None or form.errors:
        return _form_page(form, summary, status=400)
    return _review_page(address, summary, form.payment_method.data, summary.changes)


@bp.post("/checkout/place")
def place() -> object:
    form = _form()
    form.validate_on_submit()  # the CSRF check itself is app-wide
    cart, choices = _cart(), shipping_choices(request.form)
    try:
        address = checkout.check_address(request.form)
        order = checkout.place_order(
            current_user,
            cart,
            address=address,
            shipping=choices,
            payment_method=form.payment_method.data or "",
            idempotency_key=form.idempotency_key.data or "",
            confirmed=checkout.decode_snapshot(form.confirmed.data or ""),
        )
    except checkout.CartChanged as changed:
        return _confirm_again(address, cart, choices, form.payment_method.data, changed.changes)
    except checkout.SoldOut as sold_out:
        return _sold_out(sold_out.titles)
    except checkout.CheckoutInvalid as invalid:
        summary = carts.summarize(cart, choices)
        if "cart" in invalid.errors or not summary.can_checkout:
            return _back_to_cart(summary)
        form.add_errors(invalid.errors)
        return _form_page(form, summary, status=400)
    flash(_("Thank you! Your order %(reference)s is placed.", reference=order.reference), "success")
    return redirect(url_for("orders.show", reference=order.reference))


def _confirm_again(
    address: checkout.Address,
    cart: Cart | None,
    choices: dict[int, Shipping],
    payment_method: str | None,
    changes: list[Change],
) -> object:
    """The review again, showing what changed; the cart if it cannot be ordered as it is."""
    summary = carts.summarize(cart, choices)
    short = [line.listing.title for group in summary.groups for line in group.lines if line.problem]
    if short:
        return _sold_out(short)
    if not summary.can_checkout:
        return _back_to_cart(summary)
    return _review_page(address, summary, payment_method, changes), 409


def _sold_out(titles: list[str]) -> object:
    quoted = ", ".join(f"“{title}”" for title in titles)
    flash(
        _(
            "Sold out while you were checking out: %(titles)s. Your cart is unchanged.",
            titles=quoted,
        ),
        "error",
    )
    return redirect(url_for("cart.show"))


def _back_to_cart(summary: carts.CartSummary) -> object:
    if summary.groups:
        flash(_("Please fix the marked lines in your cart before you check out."), "error")
    else:
        flash(_("Your cart is empty."), "info")
    return redirect(url_for("cart.show"))


def _form_page(form: CheckoutForm, summary: carts.CartSummary, status: int = 200) -> object:
    choices = {group.coop.id: group.shipping_choice.value for group in summary.groups}
    page = render_template("checkout/start.html", form=form, summary=summary, choices=choices)
    return page, status


def _review_page(
    address: checkout.Address,
    summary: carts.CartSummary,
    payment_method: str | None,
    changes: list[Change],
) -> str:
    """The review, with what the buyer confirms and a new key for this confirmation."""
    return render_template(
        "checkout/review.html",
        summary=summary,
        address=address,
        payment_method=payment_method,
        changes=describe_changes(changes, summary),
        changed_ids={change.listing_id for change in changes},
        vat=vat_by_rate(summary),
        confirmed=checkout.encode_snapshot(checkout.snapshot(summary)),
        idempotency_key=secrets.token_urlsafe(16),
    )
