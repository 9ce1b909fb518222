"""What the cart, checkout, order and co-op order endpoints read and write.

Amounts are `{"amount", "currency"}` in the currency's minor unit, as everywhere in
the API. Output schemas turn the services' objects into plain dicts in `pre_dump`.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_dump, validate, validates_schema

from payments.gateway import DEFAULT_METHOD

from ..domain.cart import MAX_QUANTITY
from ..models import CoopOrder, CoopOrderStatus, Order, Refund, RefundStatus
from ..services import carts, orders
from ..services.checkout import MAX_KEY_LENGTH
from ..services.coop_orders import MAX_REASON_LENGTH, MAX_TRACKING_LENGTH
from ..services.refunds import MAX_KEY_LENGTH as MAX_REFUND_KEY_LENGTH
from ..services.refunds import MAX_REASON_LENGTH as MAX_REFUND_REASON_LENGTH
from .schemas import CoopRefSchema, MoneySchema, OutputSchema, described

#: ids in the database's integer range: larger ones are refused before any query
MAX_ID = 2_147_483_647
#: far beyond any order's total, and within a BIGINT
MAX_REFUND_AMOUNT = 10**15
#: a refund names each line of a co-op order at most once or twice
MAX_REFUND_LINES = 200
COOP_ORDER_STATUSES = [status.value for status in CoopOrderStatus]
#: the statuses a co-op may set, and the event each one is
STATUS_EVENTS = {
    "accepted": "accept",
    "shipped": "ship",
    "delivered": "deliver",
    "cancelled": "cancel",
}


def money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def _money(description: str, **kwargs: Any) -> fields.Nested:
    return fields.Nested(MoneySchema, required=True, **kwargs, **described(description))


class _Input(Schema):
    error_messages = {"type": "The body must be a JSON object."}


# --- cart ---------------------------------------------------------------------------------


class CartItemSchema(OutputSchema):
    """A line of your cart, priced as the listing is now."""

    id = fields.Integer(required=True, **described("The line's id, for PATCH and DELETE"))
    listing_id = fields.Integer(required=True)
    title = fields.String(required=True, **described("The listing's title now"))
    coop = fields.Nested(CoopRefSchema, required=True, **described("The co-op that offers it"))
    quantity = fields.Integer(required=True)
    unit_price = _money("The listing's gross price now (VAT included)")
    total = _money("unit_price × quantity")
    available = fields.Integer(
        required=True,
        allow_none=True,
        **described("Units that can be ordered now; null: no limit (a service on request)"),
    )
    problem = fields.String(
        required=True,
        allow_none=True,
        **described("Why this line cannot be checked out as it is, for people; null: none"),
    )

    @pre_dump
    def from_line(self, line: carts.LineSummary, **kwargs: Any) -> dict[str, Any]:
        listing = line.listing
        return {
            "id": line.item.id,
            "listing_id": listing.id,
            "title": listing.title,
            "coop": {"slug": listing.coop.slug, "name": listing.coop.name},
            "quantity": line.quantity,
            "unit_price": money(line.unit_price, listing.currency),
            "total": money(line.total, listing.currency),
            "available": line.available,
            "problem": line.problem,
        }


class CoopGroupSchema(OutputSchema):
    """The lines of one co-op: each co-op ships (and is paid) on its own."""

    coop = fields.Nested(CoopRefSchema, required=True)
    subtotal = _money("The co-op's lines")
    shipping = _money("The co-op's delivery fee (0 when free from its threshold)")
    total = _money("subtotal + shipping")
    offers_pickup = fields.Boolean(
        required=True,
        **described('Whether checkout may choose `"pickup"` (no shipping fee) for this co-op'),
    )


class ChangeSchema(OutputSchema):
    """Something that changed on a line since you put it in the cart (or last tried)."""

    listing_id = fields.Integer(required=True)
    kind = fields.String(
        required=True,
        **described(
            "`price`: before and now are unit prices; `quantity`: fewer units are left "
            "than you want (before: wanted, now: left); `unavailable`: none can be bought "
            "(now: 0)",
            enum=["price", "quantity", "unavailable"],
        ),
    )
    before = fields.Integer(required=True)
    now = fields.Integer(required=True)


class CartSchema(OutputSchema):
    """Your cart: lines priced as listings are now, grouped per co-op with its shipping."""

    items = fields.List(fields.Nested(CartItemSchema), required=True)
    coop_groups = fields.List(
        fields.Nested(CoopGroupSchema), required=True, **described("One per co-op, with delivery")
    )
    total = fields.Nested(
        MoneySchema,
        required=True,
        allow_none=True,
        **described("What checkout would charge with delivery everywhere; null: empty cart"),
    )
    changes = fields.List(
        fields.Nested(ChangeSchema),
        required=True,
        **described("Prices or availability changed since you added the lines"),
    )
    problems = fields.List(
        fields.String(),
        required=True,
        **described("Why the cart as a whole cannot be checked out (e.g. two currencies)"),
    )

    @pre_dump
    def from_summary(self, summary: carts.CartSummary, **kwargs: Any) -> dict[str, Any]:
        currency = summary.currency
        return {
            "items": [line for group in summary.groups for line in group.lines],
            "coop_groups": [
                {
                    "coop": {"slug": group.coop.slug, "name": group.coop.name},
                    "subtotal": money(group.subtotal, currency or ""),
                    "shipping": money(group.shipping, currency or ""),
                    "total": money(group.total, currency or ""),
                    "offers_pickup": group.offers_pickup,
                }
                for group in summary.groups
            ],
            "total": money(summary.total, currency) if summary.groups and currency else None,
            "changes": summary.changes,
            "problems": summary.problems,
        }


class CartItemAddSchema(_Input):
    listing_id = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=1, max=MAX_ID),
        **described("An active listing (404 `not_found` otherwise)"),
    )
    quantity = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=1, max=MAX_QUANTITY),
        **described(
            "Units to add to what the cart holds already; more than is available is "
            "409 `cart_problem`",
            minimum=1,
            maximum=MAX_QUANTITY,
        ),
    )


class CartItemUpdateSchema(_Input):
    quantity = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=0, max=MAX_QUANTITY),
        **described("The line's new quantity; 0 removes the line", minimum=0, maximum=MAX_QUANTITY),
    )


# --- checkout -----------------------------------------------------------------------------


class AddressSchema(_Input):
    """Where the co-ops deliver (and the name on the receipt)."""

    name = fields.String(required=True, **described("Who receives it", maxLength=120))
    line1 = fields.String(required=True, **described("Street and number", maxLength=200))
    line2 = fields.String(**described("Optional", maxLength=200))
    postcode = fields.String(required=True, metadata={"maxLength": 20})
    city = fields.String(required=True, metadata={"maxLength": 120})
    country = fields.String(
        required=True, **described("ISO 3166-1 alpha-2 code: DE, SE", pattern="^[A-Za-z]{2}$")
    )


class CheckoutSchema(_Input):
    """Place an order for everything in your cart."""

    address = fields.Nested(AddressSchema, required=True)
    shipping = fields.Dict(
        keys=fields.String(),
        values=fields.String(validate=validate.OneOf(["delivery", "pickup"])),
        load_default=dict,
        **described(
            'Per co-op slug: `"delivery"` or `"pickup"` (only where `offers_pickup`); '
            'default: delivery. Example: `{"kornblume": "pickup"}`'
        ),
    )
    payment_method = fields.String(
        load_default=DEFAULT_METHOD,
        **described("How you pay", enum=[DEFAULT_METHOD], default=DEFAULT_METHOD),
    )
    idempotency_key = fields.String(
        **described(
            "Any unique text of yours for this checkout (a UUID): sending it again returns "
            "the same order (200) instead of placing another. Or send the "
            "`Idempotency-Key` header.",
            minLength=1,
            maxLength=MAX_KEY_LENGTH,
        )
    )


class CheckoutConflictSchema(OutputSchema):
    """409: nothing was placed. `cart_changed` comes with `changes`, `sold_out` with `titles`."""

    code = fields.String(required=True, metadata={"enum": ["cart_changed", "sold_out"]})
    message = fields.String(required=True)
    changes = fields.List(
        fields.Nested(ChangeSchema),
        **described("`cart_changed`: what changed; your cart now shows the new prices"),
    )
    titles = fields.List(
        fields.String(), **described("`sold_out`: what ran out; your cart is kept as it was")
    )


# --- orders -------------------------------------------------------------------------------


class OrderLineSchema(OutputSchema):
    """A listing as you bought it: later edits of the listing do not change it."""

    id = fields.Integer(required=True)
    listing_id = fields.Integer(
        required=True, allow_none=True, **described("null once the listing is deleted")
    )
    title = fields.String(required=True)
    quantity = fields.Integer(required=True)
    unit_price = _money("Gross unit price (VAT included) as confirmed")
    vat_rate_bp = fields.Integer(
        required=True, **described("VAT rate in basis points: 1900 is 19 %")
    )
    total = _money("unit_price × quantity")


class RefundLineSchema(OutputSchema):
    """Units of one line refunded."""

    line_id = fields.Integer(required=True, **described("The order line's `id`"))
    quantity = fields.Integer(required=True)
    amount = _money("unit_price × quantity")


class RefundSchema(OutputSchema):
    """Money back to the buyer for a co-op order: its lines' units or an amount of it."""

    id = fields.Integer(required=True)
    coop_order_id = fields.Integer(required=True)
    amount = _money("What the buyer gets back")
    reversal_amount = _money("Of it, what comes out of the co-op's payout")
    fee_returned = _money("Of it, the federation fee given back")
    processor_fee_released = _money(
        "Of it, the payment processor fee share the co-op no longer bears"
    )
    status = fields.String(
        required=True,
        **described(
            "`pending`: decided, on its way to the buyer; `paid`: the buyer has it back",
            enum=[status.value for status in RefundStatus],
        ),
    )
    reason = fields.String(required=True, **described("Empty when none was given"))
    created_at = fields.DateTime(required=True)
    paid_at = fields.DateTime(required=True, allow_none=True)
    lines = fields.List(
        fields.Nested(RefundLineSchema),
        required=True,
        **described("The units refunded; empty for a refund of an amount"),
    )

    @pre_dump
    def from_refund(self, refund: Refund, **kwargs: Any) -> dict[str, Any]:
        return refund_dict(refund)


def refund_dict(refund: Refund) -> dict[str, Any]:
    currency = refund.currency
    return {
        "id": refund.id,
        "coop_order_id": refund.coop_order_id,
        "amount": money(refund.amount, currency),
        "reversal_amount": money(refund.reversal_amount, currency),
        "fee_returned": money(refund.fee_returned, currency),
        "processor_fee_released": money(refund.processor_fee_released, currency),
        "status": refund.status.value,
        "reason": refund.reason,
        "created_at": refund.created_at,
        "paid_at": refund.paid_at,
        "lines": [
            {
                "line_id": line.order_line_id,
                "quantity": line.quantity,
                "amount": money(line.amount, currency),
            }
            for line in refund.lines
        ],
    }


class CoopOrderSchema(OutputSchema):
    """One co-op's part of an order, which that co-op fulfils on its own.

    Its money after the refunds so far: `payout + fee + processor_fee + refunded == total`.
    """

    id = fields.Integer(required=True)
    coop = fields.Nested(CoopRefSchema, required=True)
    status = fields.String(required=True, metadata={"enum": COOP_ORDER_STATUSES})
    shipping_method = fields.String(required=True, metadata={"enum": ["delivery", "pickup"]})
    subtotal = _money("The lines' total, VAT included")
    shipping = _money("The co-op's delivery fee")
    total = _money("subtotal + shipping: what the buyer pays for this co-op order")
    fee = _money("What the federation keeps, after the refunds so far")
    payout = _money(
        "What the co-op keeps, after the refunds so far: total − fee − processor_fee − refunded"
    )
    refunded = _money("What went back to the buyer so far")
    processor_fee = _money(
        "The payment processor's fee the co-op bears (0 while unpaid, or when the federation "
        "bears it), after the refunds so far"
    )
    refunds = fields.List(fields.Nested(RefundSchema), required=True, **described("Oldest first"))
    tracking_reference = fields.String(required=True, allow_none=True)
    cancel_reason = fields.String(required=True, allow_none=True)
    lines = fields.List(fields.Nested(OrderLineSchema), required=True)

    @pre_dump
    def from_coop_order(self, coop_order: CoopOrder, **kwargs: Any) -> dict[str, Any]:
        return coop_order_dict(coop_order)


def coop_order_dict(coop_order: CoopOrder) -> dict[str, Any]:
    currency = coop_order.order.currency
    settled = coop_order.settlement
    # refunded_amount is the sum of the refunds: without it there is none to look up
    made = orders.refunds_of(coop_order.order, coop_order) if coop_order.refunded_amount else []
    return {
        "id": coop_order.id,
        "coop": {"slug": coop_order.coop.slug, "name": coop_order.coop.name},
        "status": coop_order.status.value,
        "shipping_method": coop_order.shipping_method.value,
        "subtotal": money(coop_order.subtotal_amount, currency),
        "shipping": money(coop_order.shipping_amount, currency),
        "total": money(coop_order.total_amount, currency),
        "fee": money(settled.fee, currency),
        "payout": money(settled.payout, currency),
        "refunded": money(settled.refunded, currency),
        "processor_fee": money(settled.processor_fee, currency),
        "refunds": made,
        "tracking_reference": coop_order.tracking_reference,
        "cancel_reason": coop_order.cancel_reason,
        "lines": [
            {
                "id": line.id,
                "listing_id": line.listing_id,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price, currency),
                "vat_rate_bp": line.vat_rate_bp,
                "total": money(line.total, currency),
            }
            for line in coop_order.lines
        ],
    }


class PaymentSchema(OutputSchema):
    """How to pay an order that waits for its payment."""

    method = fields.String(required=True, metadata={"enum": [DEFAULT_METHOD]})
    details = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        **described("For a bank transfer: account_holder, iban, bic and the reference to quote"),
    )
    due_at = fields.DateTime(
        required=True,
        allow_none=True,
        **described("Unpaid after this moment, the order expires and its stock is released"),
    )


class OrderSchema(OutputSchema):
    """One checkout: one payment, one co-op order per co-op."""

    id = fields.Integer(required=True)
    reference = fields.String(required=True, **described("Quote it on the bank transfer"))
    status = fields.String(
        required=True,
        **described(
            "From the co-op orders' statuses",
            enum=["open", "shipped", "delivered", "cancelled", "expired"],
        ),
    )
    payment_status = fields.String(
        required=True, metadata={"enum": ["pending", "paid", "expired", "cancelled"]}
    )
    placed_at = fields.DateTime(required=True)
    total = _money("What you pay: every co-op order's subtotal and shipping")
    coop_orders = fields.List(fields.Nested(CoopOrderSchema), required=True)
    payment = fields.Nested(
        PaymentSchema,
        required=True,
        allow_none=True,
        **described("How to pay, while the payment is pending; null otherwise"),
    )

    @pre_dump
    def from_order(self, order: Order, **kwargs: Any) -> dict[str, Any]:
        instructions = orders.payment_instructions(order)
        return {
            "id": order.id,
            "reference": order.reference,
            "status": order.status,
            "payment_status": order.payment_status.value,
            "placed_at": order.placed_at,
            "total": money(order.total_amount, order.currency),
            "coop_orders": order.coop_orders,
            "payment": None
            if instructions is None
            else {
                "method": instructions.method,
                "details": instructions.details,
                "due_at": order.payment_due_at,
            },
        }


class OrderListSchema(OutputSchema):
    orders = fields.List(fields.Nested(OrderSchema), required=True, **described("Newest first"))


# --- co-op orders -------------------------------------------------------------------------


class ShipToSchema(OutputSchema):
    name = fields.String(required=True)
    line1 = fields.String(required=True)
    line2 = fields.String(required=True, **described("Empty when not given"))
    postcode = fields.String(required=True)
    city = fields.String(required=True)
    country = fields.String(required=True, **described("ISO 3166-1 alpha-2"))


class OrderRefSchema(OutputSchema):
    """The buyer's order a co-op order belongs to."""

    reference = fields.String(required=True)
    placed_at = fields.DateTime(required=True)
    payment_status = fields.String(
        required=True,
        **described(
            "Ship only once it is `paid`", enum=["pending", "paid", "expired", "cancelled"]
        ),
    )
    ship_to = fields.Nested(ShipToSchema, required=True)


class FulfilmentSchema(CoopOrderSchema):
    """A co-op order of your co-op, with where to send it."""

    order = fields.Nested(OrderRefSchema, required=True)

    @pre_dump
    def from_coop_order(self, coop_order: CoopOrder, **kwargs: Any) -> dict[str, Any]:
        order = coop_order.order
        return {
            **coop_order_dict(coop_order),
            "order": {
                "reference": order.reference,
                "placed_at": order.placed_at,
                "payment_status": order.payment_status.value,
                "ship_to": {
                    "name": order.ship_name,
                    "line1": order.ship_line1,
                    "line2": order.ship_line2,
                    "postcode": order.ship_postcode,
                    "city": order.ship_city,
                    "country": order.ship_country,
                },
            },
        }


class FulfilmentListSchema(OutputSchema):
    coop_orders = fields.List(
        fields.Nested(FulfilmentSchema), required=True, **described("Newest first")
    )


class CoopOrderQuerySchema(Schema):
    status = fields.String(
        validate=validate.OneOf(COOP_ORDER_STATUSES),
        **described("Only co-op orders with this status", enum=COOP_ORDER_STATUSES),
    )


class CoopOrderChangeSchema(_Input):
    """Move a co-op order on: accept it, mark it shipped or delivered, or cancel it."""

    status = fields.String(
        required=True,
        validate=validate.OneOf(list(STATUS_EVENTS)),
        **described(
            "placed → accepted → shipped → delivered; `cancelled` before it ships. "
            "Shipped and delivered need the order paid (409 `payment_pending`)",
            enum=list(STATUS_EVENTS),
        ),
    )
    tracking_reference = fields.String(
        allow_none=True,
        **described(
            "Optional, with `shipped`: the carrier's reference", maxLength=MAX_TRACKING_LENGTH
        ),
    )
    reason = fields.String(
        allow_none=True,
        **described(
            "Required with `cancelled`: why (the buyer is told)", maxLength=MAX_REASON_LENGTH
        ),
    )


class RefundLineInputSchema(_Input):
    line_id = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=1, max=MAX_ID),
        **described("The order line's `id` (from the co-op order's `lines`)"),
    )
    quantity = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=1, max=MAX_QUANTITY),
        **described("Units to refund, at most those not refunded yet", minimum=1),
    )


class RefundCreateSchema(_Input):
    """Refund units of a co-op order's lines (`lines`) or an amount of it (`amount`)."""

    amount = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=MAX_REFUND_AMOUNT),
        **described(
            "In the order's currency's minor unit, at most what is not refunded yet",
            minimum=1,
        ),
    )
    lines = fields.List(
        fields.Nested(RefundLineInputSchema),
        validate=validate.Length(min=1, max=MAX_REFUND_LINES),
        **described("Each line with the units to refund"),
    )
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=MAX_REFUND_REASON_LENGTH),
        **described("Shown to the buyer with the refund", maxLength=MAX_REFUND_REASON_LENGTH),
    )
    idempotency_key = fields.String(
        validate=validate.Length(min=1, max=MAX_REFUND_KEY_LENGTH),
        **described(
            "Any unique text of yours for this refund (a UUID): sending it again returns the "
            "same refund (200) instead of refunding twice. Or send the `Idempotency-Key` header.",
            minLength=1,
            maxLength=MAX_REFUND_KEY_LENGTH,
        ),
    )

    @validates_schema
    def amount_or_lines(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("amount" in data) == ("lines" in data):
            raise ValidationError("Give either `amount` or `lines`, not both.")
