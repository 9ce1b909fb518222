"""Checkout and the buyer's orders through the API, with a personal token."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import request, url_for
from flask_babel import gettext as _

from ..domain.cart import Shipping
from ..models import Cart, Order, User
from ..services import carts, checkout, orders
from ..services.checkout import MAX_KEY_LENGTH
from .base import ApiBlueprint
from .buyer_auth import personal_token_auth
from .errors import api_abort
from .order_schemas import (
    ChangeSchema,
    CheckoutConflictSchema,
    CheckoutSchema,
    OrderListSchema,
    OrderSchema,
)
from .schemas import ErrorSchema

#: order ids in paths: positive and within the database's integer range
ORDER_ID = "<int(min=1, max=2147483647):order_id>"
IDEMPOTENCY_HEADER = "Idempotency-Key"

orders_bp = ApiBlueprint(
    "api_orders",
    __name__,
    url_prefix="/api/v1",
    tag="Orders",
    description=(
        "Check out your cart, and read your orders: one order per checkout, one co-op "
        "order per co-op, each fulfilled by its co-op. Needs your personal API token."
    ),
)
buyer = personal_token_auth(orders_bp)


@orders_bp.route("/checkout", methods=["POST"])
@buyer
@orders_bp.arguments(CheckoutSchema)
@orders_bp.doc(
    parameters=[
        {
            "in": "header",
            "name": IDEMPOTENCY_HEADER,
            "required": False,
            "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
            "description": "The idempotency key, when the body has no `idempotency_key`",
        }
    ]
)
@orders_bp.response(201, OrderSchema, description="Placed")
@orders_bp.alt_response(200, schema=OrderSchema, description="Placed before with this key")
@orders_bp.alt_response(
    409,
    schema=CheckoutConflictSchema,
    description="Nothing was placed. `cart_changed`: prices or availability changed (see "
    "`changes`); the cart now knows them: check, then send again with a new key. "
    "`sold_out`: someone else got the last units (see `titles`); your cart is kept",
)
def place_order(user: User, data: dict[str, Any]) -> tuple[Order, int, dict[str, str]]:
    """Place an order for your cart

    One order, with one co-op order per co-op in the cart, paid at once by bank transfer
    (the answer's `payment` says how). The stock is reserved now; an unpaid order
    expires after its payment time. Send an idempotency key: a retry with the same key
    returns the first order with 200 instead of placing a second. 422 `validation_failed`
    names the wrong fields in `errors` (`address.city`, `shipping.<slug>`, `cart` when
    the cart is empty or cannot be checked out).
    """
    key = (data.get("idempotency_key") or request.headers.get(IDEMPOTENCY_HEADER, "")).strip()
    # A retry answers 200 with the order placed first, so the client knows it is not new.
    placed = checkout.order_with_key(user, key) if key else None
    if placed is not None:
        return placed, 200, _location(placed)
    cart, _token = carts.current_cart(user, None, create=False)
    try:
        address = checkout.check_address(data["address"])
        order = checkout.place_order(
            user,
            cart,
            address=address,
            shipping=_shipping_choices(cart, data["shipping"]),
            payment_method=data["payment_method"],
            idempotency_key=key,
        )
    except checkout.CheckoutInvalid as invalid:
        _invalid(invalid.errors)
    except checkout.CartChanged as changed:
        api_abort(
            409,
            "cart_changed",
            _("Prices or availability changed since you filled your cart. Check and send again."),
            changes=ChangeSchema(many=True).dump(changed.changes),
        )
    except checkout.SoldOut as sold_out:
        api_abort(
            409,
            "sold_out",
            _(
                "Sold out while you checked out: %(titles)s. Your cart is kept.",
                titles=", ".join(sold_out.titles),
            ),
            titles=sold_out.titles,
        )
    # A concurrent retry with the same key may have won: place_order then returns its order.
    return order, 201, _location(order)


def _location(order: Order) -> dict[str, str]:
    return {"Location": url_for("api_orders.show_order", order_id=order.id, _external=True)}


def _shipping_choices(cart: Cart | None, wanted: dict[str, str]) -> dict[int, Shipping]:
    """The request's {coop slug: choice} as {coop id: Shipping}, for co-ops in the cart."""
    in_cart = {group.coop.slug: group.coop.id for group in carts.summarize(cart).groups}
    unknown = sorted(set(wanted) - set(in_cart))
    if unknown:
        _invalid(
            {f"shipping.{slug}": _("No offer of this co-op is in your cart.") for slug in unknown}
        )
    return {in_cart[slug]: Shipping(choice) for slug, choice in wanted.items()}


@orders_bp.route("/orders")
@buyer
@orders_bp.response(200, OrderListSchema)
def list_orders(user: User) -> dict[str, Any]:
    """List your orders

    Newest first, each with its co-op orders and their lines.
    """
    return {"orders": orders.orders_of(user)}


@orders_bp.route(f"/orders/{ORDER_ID}")
@buyer
@orders_bp.response(200, OrderSchema)
@orders_bp.alt_response(404, schema=ErrorSchema, description="No order of yours with this id")
def show_order(user: User, order_id: int) -> Order:
    """Read one of your orders

    Each co-op order has its own status: every co-op ships on its own.
    """
    order = orders.order_for_buyer(user, order_id)
    if order is None:
        api_abort(404, "not_found", _("You have no order %(id)d.", id=order_id))
    return order


_ADDRESS_FIELDS = frozenset({"name", "line1", "line2", "postcode", "city", "country"})


def _invalid(errors: dict[str, str]) -> NoReturn:
    api_abort(
        422,
        "validation_failed",
        _("The order was not placed; see `errors`."),
        errors={
            (f"address.{field}" if field in _ADDRESS_FIELDS else field): [message]
            for field, message in errors.items()
        },
    )
