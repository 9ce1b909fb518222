"""The buyer's cart through the API, with a personal token: the same rules as the shop's cart."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Response
from flask_babel import gettext as _

from ..models import Cart, User
from ..services import carts, catalog
from .base import ApiBlueprint
from .buyer_auth import personal_token_auth
from .errors import api_abort
from .order_schemas import CartItemAddSchema, CartItemSchema, CartItemUpdateSchema, CartSchema
from .schemas import ErrorSchema

#: cart line ids in paths: positive and within the database's integer range
ITEM_ID = "<int(min=1, max=2147483647):item_id>"

cart_bp = ApiBlueprint(
    "api_cart",
    __name__,
    url_prefix="/api/v1",
    tag="Cart",
    description=(
        "Your cart across co-ops, priced as the listings are now. Needs your personal API "
        "token: `Authorization: Bearer <token>` (see Accounts)."
    ),
)
buyer = personal_token_auth(cart_bp)


def _cart_problem_doc(view: Any) -> Any:
    return cart_bp.alt_response(
        409,
        schema=ErrorSchema,
        description="`cart_problem`: the cart cannot take it (more than is available, "
        "another currency...); `message` says why",
    )(view)


@cart_bp.route("/cart")
@buyer
@cart_bp.response(200, CartSchema)
def show_cart(user: User) -> carts.CartSummary:
    """Read your cart

    Lines are priced as the listings are now; `changes` lists what changed since you
    added them, and `problem` on a line why it cannot be checked out as it is.
    """
    cart, _token = carts.current_cart(user, None, create=False)
    return carts.summarize(cart)


@cart_bp.route("/cart/items", methods=["POST"])
@buyer
@cart_bp.arguments(CartItemAddSchema)
@cart_bp.response(201, CartItemSchema, description="The cart's line for this listing")
@cart_bp.alt_response(404, schema=ErrorSchema, description="No active listing with this id")
@_cart_problem_doc
def add_cart_item(user: User, data: dict[str, Any]) -> carts.LineSummary:
    """Put a listing in your cart

    Added to the units of that listing already in the cart, held to what is available.
    """
    try:
        catalog.listing_for_viewer(data["listing_id"], lambda coop: False)
    except catalog.NotFound:
        api_abort(404, "not_found", _("There is no listing %(id)d here.", id=data["listing_id"]))
    cart, _token = carts.current_cart(user, None, create=True)
    try:
        item = carts.add_item(cart, data["listing_id"], data["quantity"])
    except carts.CartProblem as problem:
        _cart_problem(problem)
    return _line(cart, item.id)


@cart_bp.route(f"/cart/items/{ITEM_ID}", methods=["PATCH"])
@buyer
@cart_bp.arguments(CartItemUpdateSchema)
@cart_bp.response(200, CartItemSchema)
@cart_bp.alt_response(204, description="Quantity 0: the line was removed")
@cart_bp.alt_response(404, schema=ErrorSchema, description="No such line in your cart")
@_cart_problem_doc
def update_cart_item(user: User, data: dict[str, Any], item_id: int) -> Any:
    """Change the quantity of a line in your cart

    A quantity of 0 removes the line.
    """
    cart = _own_cart(user, item_id)
    try:
        item = carts.set_quantity(cart, item_id, data["quantity"])
    except carts.ItemNotFound:
        _item_not_found(item_id)
    except carts.CartProblem as problem:
        _cart_problem(problem)
    if item is None:
        return Response(status=204)
    return _line(cart, item.id)


@cart_bp.route(f"/cart/items/{ITEM_ID}", methods=["DELETE"])
@buyer
@cart_bp.response(204, description="Removed")
@cart_bp.alt_response(404, schema=ErrorSchema, description="No such line in your cart")
def remove_cart_item(user: User, item_id: int) -> None:
    """Take a line out of your cart

    The same as setting its quantity to 0.
    """
    cart = _own_cart(user, item_id)
    try:
        carts.remove_item(cart, item_id)
    except carts.ItemNotFound:
        _item_not_found(item_id)


def _own_cart(user: User, item_id: int) -> Cart:
    cart, _token = carts.current_cart(user, None, create=False)
    if cart is None:
        _item_not_found(item_id)
    return cart


def _line(cart: Cart, item_id: int) -> carts.LineSummary:
    """The line as GET /cart shows it."""
    summary = carts.summarize(cart)
    return next(line for group in summary.groups for line in group.lines if line.item.id == item_id)


def _item_not_found(item_id: int) -> NoReturn:
    api_abort(404, "not_found", _("There is no line %(id)d in your cart.", id=item_id))


def _cart_problem(problem: carts.CartProblem) -> NoReturn:
    api_abort(409, "cart_problem", problem.message)
