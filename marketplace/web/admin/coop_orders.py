"""One co-op order as the federation's admins see it: its money, refunds and refund form."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, url_for

from ...authz import ensure, require
from ...domain.permissions import Permission
from ...i18n import money_of
from ...models import CoopOrder
from ...services import orders
from ..dashboard.orders import refund_parts, submit_refund
from . import bp


@bp.get("/admin/coop-orders/<int(max=2147483647):coop_order_id>")
@require(Permission.ADMINISTER_FEDERATION)
def coop_order(coop_order_id: int) -> str:
    return _page(_coop_order_or_404(coop_order_id))


@bp.post("/admin/coop-orders/<int(max=2147483647):coop_order_id>/refund")
@require(Permission.ADMINISTER_FEDERATION)
def coop_order_refund(coop_order_id: int) -> object:
    found = _coop_order_or_404(coop_order_id)
    ensure(Permission.REFUND_COOP_ORDERS, found.coop)
    return submit_refund(
        found,
        lambda **shown: _page(found, **shown),
        url_for("admin.coop_order", coop_order_id=coop_order_id),
    )


def _coop_order_or_404(coop_order_id: int) -> CoopOrder:
    found = orders.coop_order_by_id(coop_order_id)
    if found is None:
        abort(404)
    return found


def _page(found: CoopOrder, **shown: Any) -> str:
    return render_template(
        "admin/coop_order.html",
        coop_order=found,
        order=found.order,
        coop=found.coop,
        amount=money_of,
        for_federation=True,
        refund_url=url_for("admin.coop_order_refund", coop_order_id=found.id),
        **refund_parts(found, True, **shown),
    )
