"""The buyer's cart: kept by a cookie for guests, joined to the account at login."""

from __future__ import annotations

import logging

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in

from ...domain.cart import MAX_QUANTITY
from ...i18n import money_of
from ...models import Cart, User
from ...services import carts
from ..helpers import safe_next
from . import bp
from .forms import AddToCartForm, QuantityForm, RemoveForm

log = logging.getLogger(__name__)

#: how long a guest's cart cookie lasts without a visit
COOKIE_MAX_AGE = 60 * 60 * 24 * 90


def _guest_token() -> str | None:
    return request.cookies.get(carts.CART_COOKIE) or None


def _current(create: bool = False) -> tuple[Cart | None, str | None]:
    return carts.current_cart(current_user, _guest_token(), create=create)


@bp.get("/cart")
def show() -> object:
    cart, _token = _current()
    return _page(carts.summarize(cart))


def _page(summary: carts.CartSummary, line_errors: dict[int, str] | None = None) -> object:
    page = render_template("cart/show.html", summary=summary, line_errors=line_errors or {})
    return page, 400 if line_errors else 200


@bp.post("/cart/items")
def add() -> object:
    form = AddToCartForm()
    back = safe_next(form.next.data)
    if not form.validate_on_submit():
        if form.listing_id.errors:
            flash(_("This offer is not available."), "error")
        else:
            flash(_("Enter a quantity from 1 to %(max)d.", max=MAX_QUANTITY), "error")
        return redirect(back or url_for("cart.show"))
    cart, token = _current(create=True)
    assert cart is not None
    try:
        item = carts.add_item(cart, form.listing_id.data, form.quantity.data)
    except carts.CartProblem as problem:
        flash(problem.message, "error")
        return redirect(back or url_for("cart.show"))
    if token:
        g.new_cart_token = token
    flash(
        _(
            "Added to your cart: %(quantity)d × “%(title)s”.",
            quantity=form.quantity.data,
            title=item.listing.title,
        ),
        "success",
    )
    return redirect(back or url_for("shop.listing", listing_id=item.listing_id))


@bp.post("/cart/items/<int:item_id>")
def update(item_id: int) -> object:
    form = QuantityForm()
    cart, _token = _current()
    if cart is None:
        return _gone()
    if not form.validate_on_submit():
        message = _("Enter a quantity from 1 to %(max)d, or 0 to remove.", max=MAX_QUANTITY)
        return _page(carts.summarize(cart), {item_id: message})
    try:
        item = carts.set_quantity(cart, item_id, form.quantity.data)
    except carts.ItemNotFound:
        return _gone()
    except carts.CartProblem as problem:
        return _page(carts.summarize(cart), {item_id: problem.message})
    if item is None:
        flash(_("Removed from your cart."), "success")
    else:
        flash(_("Quantity of “%(title)s” updated.", title=item.listing.title), "success")
    return redirect(url_for("cart.show"))


@bp.post("/cart/items/<int:item_id>/remove")
def remove(item_id: int) -> object:
    RemoveForm().validate_on_submit()  # the CSRF check itself is app-wide
    cart, _token = _current()
    if cart is None:
        return _gone()
    try:
        carts.remove_item(cart, item_id)
    except carts.ItemNotFound:
        return _gone()
    flash(_("Removed from your cart."), "success")
    return redirect(url_for("cart.show"))


def _gone() -> object:
    """A second click on an old page: the line is gone already, which is no error."""
    flash(_("That offer is no longer in your cart."), "info")
    return redirect(url_for("cart.show"))


@user_logged_in.connect
def _merge_guest_cart(sender: Flask, user: User, **extra: object) -> None:
    """At login or registration the guest's cart joins the account's; the cookie goes."""
    token = _guest_token()
    if not token:
        return
    try:
        carts.merge_guest_cart(token, user)
    except carts.CartProblem:
        log.warning("guest cart of user %s not merged: changed at the same time", user.id)
        return
    g.drop_cart_cookie = True


@bp.after_app_request
def _cart_cookie(response: Response) -> Response:
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    token = g.pop("new_cart_token", None)
    if token:
        response.set_cookie(
            carts.CART_COOKIE,
            token,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=secure,
        )
    if g.pop("drop_cart_cookie", False):
        response.delete_cookie(carts.CART_COOKIE, httponly=True, samesite="Lax", secure=secure)
    return response


def _cart_count() -> int:
    """Units in the visitor's cart, for the header (no query for a guest without a cart)."""
    token = _guest_token()
    if not token and not current_user.is_authenticated:
        return 0
    cart, _token = carts.current_cart(current_user, token, create=False)
    return carts.item_count(cart)


@bp.app_context_processor
def _cart_helpers() -> dict[str, object]:
    return {"cart_count": _cart_count, "money_of": money_of}
