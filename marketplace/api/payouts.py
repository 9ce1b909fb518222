"""A co-op's payouts through the API: each co-op order's transfer and what refunds took back."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, pre_dump

from ..domain.permissions import Permission
from ..models import Coop, Transfer, TransferReversal, TransferStatus
from ..services import transfers
from .base import coop_bp
from .coop_orders import coop_token_may
from .order_schemas import money
from .schemas import MoneySchema, OutputSchema, described

TRANSFER_STATUSES = [status.value for status in TransferStatus]


def _money(description: str) -> fields.Nested:
    return fields.Nested(MoneySchema, required=True, **described(description))


class TransferSchema(OutputSchema):
    """What the co-op is paid for one co-op order: sent once, by Stripe or by bank."""

    id = fields.Integer(required=True)
    coop_order_id = fields.Integer(required=True)
    order_reference = fields.String(required=True, **described("The buyer's order"))
    amount = _money(
        "What is sent: the co-op order's payout; it follows refunds until it is first sent"
    )
    status = fields.String(
        required=True,
        **described(
            "`pending`: owed, not sent yet (see `last_error` when an attempt failed); `paid`: sent",
            enum=TRANSFER_STATUSES,
        ),
    )
    method = fields.String(required=True, metadata={"enum": ["bank_transfer", "stripe"]})
    stripe_transfer_id = fields.String(required=True, allow_none=True)
    last_error = fields.String(
        required=True, allow_none=True, **described("Why the last attempt failed; null: none")
    )
    created_at = fields.DateTime(required=True)
    paid_at = fields.DateTime(required=True, allow_none=True)

    @pre_dump
    def from_transfer(self, transfer: Transfer, **kwargs: Any) -> dict[str, Any]:
        return {
            "id": transfer.id,
            "coop_order_id": transfer.coop_order_id,
            "order_reference": transfer.order.reference,
            "amount": money(transfer.amount, transfer.currency),
            "status": transfer.status.value,
            "method": transfer.method,
            "stripe_transfer_id": transfer.stripe_transfer_id,
            "last_error": transfer.last_error,
            "created_at": transfer.created_at,
            "paid_at": transfer.paid_at,
        }


class ReversalSchema(OutputSchema):
    """Money taken back from a transfer that was sent, for a refund."""

    id = fields.Integer(required=True)
    transfer_id = fields.Integer(required=True)
    refund_id = fields.Integer(
        required=True, allow_none=True, **described("null: made on Stripe's dashboard")
    )
    coop_order_id = fields.Integer(required=True)
    order_reference = fields.String(required=True)
    amount = _money("Taken back from the co-op")
    status = fields.String(
        required=True,
        **described(
            "`pending`: still to be taken back (from Stripe, or off the next bank payout); "
            "`paid`: done",
            enum=TRANSFER_STATUSES,
        ),
    )
    stripe_reversal_id = fields.String(required=True, allow_none=True)
    last_error = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    done_at = fields.DateTime(required=True, allow_none=True)

    @pre_dump
    def from_reversal(self, reversal: TransferReversal, **kwargs: Any) -> dict[str, Any]:
        transfer = reversal.transfer
        return {
            "id": reversal.id,
            "transfer_id": reversal.transfer_id,
            "refund_id": reversal.refund_id,
            "coop_order_id": transfer.coop_order_id,
            "order_reference": transfer.order.reference,
            "amount": money(reversal.amount, transfer.currency),
            "status": reversal.status.value,
            "stripe_reversal_id": reversal.stripe_reversal_id,
            "last_error": reversal.last_error,
            "created_at": reversal.created_at,
            "done_at": reversal.done_at,
        }


class PayoutsSchema(OutputSchema):
    transfers = fields.List(
        fields.Nested(TransferSchema), required=True, **described("Newest first")
    )
    reversals = fields.List(
        fields.Nested(ReversalSchema), required=True, **described("Newest first")
    )


@coop_bp.route("/coop/payouts")
@coop_token_may(coop_bp, Permission.VIEW_COOP_PAYOUTS)
@coop_bp.response(200, PayoutsSchema)
def coop_payouts(coop: Coop) -> dict[str, Any]:
    """List your co-op's payouts

    One transfer per paid co-op order, and the reversals that took the co-op's part of a
    refund back from a transfer already sent. Newest first.
    """
    sent, reversals = transfers.coop_transfers(coop)
    return {"transfers": sent, "reversals": reversals}
