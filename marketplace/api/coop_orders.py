"""A co-op fulfils its co-op orders through the API, with the co-op's token."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn

from flask_babel import gettext as _

from ..models import Coop, CoopOrder
from ..services import coop_orders
from .base import BEARER_AUTH, ApiBlueprint, token_coop
from .errors import api_abort
from .order_schemas import (
    STATUS_EVENTS,
    CoopOrderChangeSchema,
    CoopOrderQuerySchema,
    FulfilmentListSchema,
    FulfilmentSchema,
)
from .schemas import ErrorSchema

#: co-op order ids in paths: positive and within the database's integer range
COOP_ORDER_ID = "<int(min=1, max=2147483647):coop_order_id>"

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
