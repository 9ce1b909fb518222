"""A co-op fulfils and refunds its co-op orders through the API, with the co-op's token."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn

from flask import g, request
from flask_babel import gettext as _

from ..authz import roles_of
from ..domain.permissions import Permission, Role, allowed
from ..extensions import db
from ..models import ApiToken, Coop, CoopOrder, Refund, User
from ..services import coop_orders, refunds
from .base import BEARER_AUTH, ApiBlueprint, token_coop
from .errors import api_abort
from .order_schemas import (
    STATUS_EVENTS,
    CoopOrderChangeSchema,
    CoopOrderQuerySchema,
    FulfilmentListSchema,
    FulfilmentSchema,
    RefundCreateSchema,
    RefundSchema,
)
from .schemas import ErrorSchema

#: co-op order ids in paths: positive and within the database's integer range
COOP_ORDER_ID = "<int(min=1, max=2147483647):coop_order_id>"
IDEMPOTENCY_HEADER = "Idempotency-Key"
#: the co-op roles a token can act with
_COOP_ROLES = frozenset({Role.COOP_MEMBER, Role.COOP_ADMIN})

coop_orders_bp = ApiBlueprint(
    "api_coop_orders",
    __name__,
    url_prefix="/api/v1",
    tag="Co-op orders",
    description=(
        "Your co-op's part of buyers' orders: read them, accept, mark shipped and delivered, "
        "or cancel with a reason. Needs the co-op's API token: `Authorization: Bearer <token>`."
    ),
)


def coop_token(view: Callable[..., Any]) -> Callable[..., Any]:
    """Authenticate the co-op token first (before parsing the body) and pass its co-op."""

    @wraps(view)
    def authenticated(*args: Any, **kwargs: Any) -> Any:
        return view(token_coop(), *args, **kwargs)

    documented = coop_orders_bp.doc(security=[{BEARER_AUTH: []}])(authenticated)
    documented = coop_orders_bp.alt_response(
        401, schema=ErrorSchema, description="No co-op token, or a revoked or unknown one"
    )(documented)
    return coop_orders_bp.alt_response(
        403,
        schema=ErrorSchema,
        description="The token's co-op is suspended (`coop_suspended`) or not admitted",
    )(documented)


def token_roles(token: ApiToken, coop: Coop) -> frozenset[Role]:
    """The co-op roles a token acts with: those its maker holds in the co-op now.

    Co-op admins make tokens; one whose maker is no longer an admin cannot move money.
    A token made with `flask coop token` (no maker) acts as the co-op's admin.
    """
    if token.created_by_id is None:
        return _COOP_ROLES
    maker = db.session.get(User, token.created_by_id)
    return roles_of(maker, coop) & _COOP_ROLES if maker is not None else frozenset()


def coop_token_may(
    blueprint: ApiBlueprint, permission: Permission
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Like `coop_token`, on `blueprint`, for a token whose roles hold `permission` (else 403)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def authenticated(*args: Any, **kwargs: Any) -> Any:
            coop = token_coop()
            if not allowed(token_roles(g.api_token, coop), permission):
                api_abort(
                    403,
                    "forbidden",
                    _("Only a token made by one of the co-op's admins may do this."),
                )
            return view(coop, *args, **kwargs)

        documented = blueprint.doc(security=[{BEARER_AUTH: []}])(authenticated)
        documented = blueprint.alt_response(
            401, schema=ErrorSchema, description="No co-op token, or a revoked or unknown one"
        )(documented)
        return blueprint.alt_response(
            403,
            schema=ErrorSchema,
            description="`forbidden`: the token's maker is no longer one of the co-op's "
            "admins; `coop_suspended` or `coop_not_admitted`: the co-op may not trade",
        )(documented)

    return decorate


def _not_yours_doc(view: Any) -> Any:
    return coop_orders_bp.alt_response(
        404, schema=ErrorSchema, description="No co-op order of your co-op with this id"
    )(view)


@coop_orders_bp.route("/coop-orders")
@coop_token
@coop_orders_bp.arguments(CoopOrderQuerySchema, location="query")
@coop_orders_bp.response(200, FulfilmentListSchema)
def list_coop_orders(coop: Coop, query: dict[str, Any]) -> dict[str, Any]:
    """List your co-op's co-op orders

    Newest first; `?status=placed` for those still to accept.
    """
    return {"coop_orders": coop_orders.coop_orders_of(coop, query.get("status"))}


@coop_orders_bp.route(f"/coop-orders/{COOP_ORDER_ID}")
@coop_token
@coop_orders_bp.response(200, FulfilmentSchema)
@_not_yours_doc
def show_coop_order(coop: Coop, coop_order_id: int) -> CoopOrder:
    """Read one of your co-op's co-op orders

    With the lines to send and the buyer's delivery address.
    """
    return _own(coop, coop_order_id)


@coop_orders_bp.route(f"/coop-orders/{COOP_ORDER_ID}", methods=["PATCH"])
@coop_token
@coop_orders_bp.arguments(CoopOrderChangeSchema)
@coop_orders_bp.response(200, FulfilmentSchema)
@_not_yours_doc
@coop_orders_bp.alt_response(
    409,
    schema=ErrorSchema,
    description="`transition_refused`: not from its current status; `payment_pending`: "
    "not paid yet, so it cannot be shipped or delivered",
)
def change_coop_order(coop: Coop, data: dict[str, Any], coop_order_id: int) -> CoopOrder:
    """Accept, ship, deliver or cancel a co-op order

    The buyer is told by e-mail. Cancelling needs a `reason` and puts the units back in
    stock. A tracking reference may come with `shipped`.
    """
    coop_order = _own(coop, coop_order_id)
    try:
        return coop_orders.change_status(
            coop_order,
            STATUS_EVENTS[data["status"]],
            actor=None,
            reason=data.get("reason"),
            tracking_reference=data.get("tracking_reference"),
        )
    except coop_orders.OrderTransitionRefused as refused:
        api_abort(409, "transition_refused", str(refused), status=coop_order.status.value)
    except coop_orders.PaymentPending as pending:
        api_abort(409, "payment_pending", str(pending))
    except coop_orders.ReasonRequired as missing:
        _invalid("reason", str(missing))
    except coop_orders.TrackingTooLong as too_long:
        _invalid("tracking_reference", str(too_long))


@coop_orders_bp.route(f"/coop-orders/{COOP_ORDER_ID}/refunds", methods=["POST"])
@coop_token_may(coop_orders_bp, Permission.REFUND_COOP_ORDERS)
@coop_orders_bp.arguments(RefundCreateSchema)
@coop_orders_bp.doc(
    parameters=[
        {
            "in": "header",
            "name": IDEMPOTENCY_HEADER,
            "required": False,
            "schema": {"type": "string", "maxLength": refunds.MAX_KEY_LENGTH},
            "description": "The idempotency key, when the body has no `idempotency_key`",
        }
    ]
)
@coop_orders_bp.response(201, RefundSchema, description="Refunded")
@coop_orders_bp.alt_response(200, schema=RefundSchema, description="Refunded before with this key")
@_not_yours_doc
@coop_orders_bp.alt_response(
    400,
    schema=ErrorSchema,
    description="`idempotency_key_required`: neither the body nor the header has one",
)
@coop_orders_bp.alt_response(
    422,
    schema=ErrorSchema,
    description="`validation_failed`: the body is wrong (both `amount` and `lines`, neither, "
    "not a positive whole number; see `errors`); `refund_refused`: the co-op order cannot be "
    "refunded so (not paid, more than is left, a line of another order); nothing was refunded",
)
def refund_coop_order(coop: Coop, data: dict[str, Any], coop_order_id: int) -> tuple[Refund, int]:
    """Refund a co-op order, in part or in full

    Send `lines` (units of the co-op order's lines) or an `amount` (in minor units). The
    buyer gets exactly that back; what comes out of your payout and what the federation
    gives back of its fee are in the answer. Send an idempotency key: a retry with the
    same key returns the first refund with 200 instead of refunding twice.
    """
    coop_order = _own(coop, coop_order_id)
    key = (data.get("idempotency_key") or request.headers.get(IDEMPOTENCY_HEADER, "")).strip()
    if not key:
        api_abort(
            400,
            "idempotency_key_required",
            _("Send an idempotency key: the Idempotency-Key header or `idempotency_key`."),
        )
    wanted = [
        refunds.LineRefund(line["line_id"], line["quantity"]) for line in data.get("lines", [])
    ]
    try:
        made, created = refunds.refund(
            coop_order,
            actor=None,
            idempotency_key=key,
            amount=data.get("amount"),
            lines=wanted or None,
            reason=data.get("reason", ""),
        )
    except refunds.RefundRefused as refused:
        api_abort(422, "refund_refused", str(refused))
    return made, 201 if created else 200


def _own(coop: Coop, coop_order_id: int) -> CoopOrder:
    coop_order = coop_orders.coop_order_for(coop, coop_order_id)
    if coop_order is None:
        api_abort(404, "not_found", _("Your co-op has no co-op order %(id)d.", id=coop_order_id))
    return coop_order


def _invalid(field: str, message: str) -> NoReturn:
    api_abort(
        422,
        "validation_failed",
        _("Nothing was changed; see `errors`."),
        errors={field: [message]},
    )
