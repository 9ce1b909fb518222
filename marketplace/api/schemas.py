"""What the API reads and writes: marshmallow schemas, also the source of the OpenAPI document.

Request schemas check types and shape (unknown keys are refused); the listing
rules themselves (lengths, ranges, known category...) are checked once, by
services.listings, for forms, CSV and API alike. The limits are repeated here
as documentation only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import url_for
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_dump,
    validate,
    validates_schema,
)

from ..domain import listing_rules as rules
from ..domain.money import CURRENCY_EXPONENTS, MAX_AMOUNT, vat_percent
from ..models import Coop, Label, Listing
from ..services import labels as verified_labels
from ..services.labels import VerifiedLabel

CURRENCIES = sorted(CURRENCY_EXPONENTS)
STATUSES = ["draft", "active", "paused", "archived"]
MAX_PER_PAGE = 100
VAT_PERCENT = re.compile(r"^\d{1,3}(\.\d{1,2})?$")


def described(text: str, **extra: Any) -> dict[str, Any]:
    return {"metadata": {"description": text, **extra}}


def vat_rate_text(rate_bp: int) -> str:
    """A VAT rate in basis points as an exact percent string: 1900 -> "19", 550 -> "5.5"."""
    return format(vat_percent(rate_bp), "f")


@dataclass(frozen=True)
class LabelledListing:
    """A listing with its verified labels, fetched for a whole page at once."""

    listing: Listing
    labels: list[VerifiedLabel]


def labelled(listings: list[Listing]) -> list[LabelledListing]:
    """The listings with their verified labels, in one query for all of them."""
    found = verified_labels.for_listings(listings)
    return [LabelledListing(item, found[item.id]) for item in listings]


class OutputSchema(Schema):
    """What the API answers: clients must accept keys added in later versions."""

    class Meta:
        unknown = EXCLUDE


# --- errors -------------------------------------------------------------------------------


class ErrorSchema(OutputSchema):
    """Every error: a stable machine-readable `code` and a message for people."""

    code = fields.String(
        required=True,
        **described(
            "Stable error code: bad_request, invalid_json, unauthorized, invalid_token, "
            "forbidden, coop_suspended, coop_not_admitted, not_found, method_not_allowed, "
            "version_conflict, invalid_transition, payload_too_large, unsupported_media_type, "
            "validation_failed, rate_limited, server_error, search_unavailable, email_taken, "
            "invalid_credentials, cart_problem, cart_changed, sold_out, transition_refused, "
            "payment_pending, idempotency_key_required, refund_refused"
        ),
    )
    message = fields.String(required=True, **described("What went wrong, for people"))
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        **described(
            "Only for validation_failed: field -> messages. Nested fields are dotted "
            "(`price.amount`, `ships_to.0`)."
        ),
    )


# --- reading ------------------------------------------------------------------------------


class MoneySchema(OutputSchema):
    amount = fields.Integer(
        required=True, **described("In the currency's minor unit (cents, öre): 1250 is 12.50")
    )
    currency = fields.String(required=True, **described("ISO 4217 code", enum=CURRENCIES))


class CoopRefSchema(OutputSchema):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class LabelDetailSchema(OutputSchema):
    """What backs one verified label of a listing."""

    slug = fields.String(required=True, **described("The label's slug"))
    criteria_version = fields.Integer(
        required=True,
        **described("The version of the label's criteria the claim was checked against"),
    )
    reviewed_at = fields.DateTime(required=True, **described("When the review board approved it"))
    expires_at = fields.DateTime(required=True, **described("When the approval runs out"))
    granted_to = fields.String(
        required=True,
        **described(
            "`listing`: verified for this listing; `coop`: verified for its whole co-op",
            enum=["listing", "coop"],
        ),
    )


class ListingSchema(OutputSchema):
    """A listing as the API shows it."""

    id = fields.Integer(required=True)
    sku = fields.String(
        required=True, allow_none=True, **described("The co-op's own article number")
    )
    title = fields.String(required=True)
    description = fields.String(required=True, **described("Plain text"))
    kind = fields.String(required=True, **described("good or service", enum=list(rules.KINDS)))
    price = fields.Nested(
        MoneySchema, required=True, **described("Gross price, VAT included, in minor units")
    )
    vat_rate = fields.String(
        required=True,
        **described('VAT rate in percent as an exact decimal string: "19", "5.5", "0"'),
    )
    vat_rate_bp = fields.Integer(
        required=True, **described("The same VAT rate in basis points: 1900 is 19 %")
    )
    stock = fields.Integer(
        required=True, allow_none=True, **described("Units on hand (goods); null for services")
    )
    capacity = fields.Integer(
        required=True,
        allow_none=True,
        **described('Bookable units (services); null means "on request" (and for goods)'),
    )
    status = fields.String(required=True, **described("Listing status", enum=STATUSES))
    condition = fields.String(required=True, metadata={"enum": list(rules.CONDITIONS)})
    category = fields.String(required=True, **described("The category's slug"))
    coop = fields.Nested(CoopRefSchema, required=True, **described("The co-op that offers it"))
    labels = fields.List(
        fields.String(),
        required=True,
        **described(
            "Slugs of the listing's verified labels: approved, unexpired claims only "
            "(for the listing or for its co-op)"
        ),
    )
    label_details = fields.List(
        fields.Nested(LabelDetailSchema),
        required=True,
        **described("For each label in `labels`: what backs it"),
    )
    url = fields.Url(required=True, **described("The listing's page in the shop"))
    version = fields.Integer(
        required=True,
        **described("Changes with every save; send it back when you update (PATCH)"),
    )
    region = fields.String(required=True, **described("Where it is made or given"))
    ships_to = fields.List(
        fields.String(),
        required=True,
        **described("Country codes, or EU or WORLD; empty: pickup or on site only"),
    )
    language = fields.String(
        required=True,
        **described("Language of title and description", enum=list(rules.LANGUAGES)),
    )
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    published_at = fields.DateTime(required=True, allow_none=True)

    @pre_dump
    def from_listing(self, item: Listing | LabelledListing, **kwargs: Any) -> dict[str, Any]:
        if isinstance(item, LabelledListing):
            listing, verified = item.listing, item.labels
        else:
            listing, verified = item, verified_labels.for_listing(item)
        return {
            "id": listing.id,
            "sku": listing.sku,
            "title": listing.title,
            "description": listing.description,
            "kind": str(listing.kind),
            "price": {"amount": listing.price_amount, "currency": listing.currency},
            "vat_rate": vat_rate_text(listing.vat_rate_bp),
            "vat_rate_bp": listing.vat_rate_bp,
            "stock": listing.stock,
            "capacity": listing.capacity,
            "status": str(listing.status),
            "condition": str(listing.condition),
            "category": listing.category.slug,
            "coop": {"slug": listing.coop.slug, "name": listing.coop.name},
            "labels": [label.slug for label in verified],
            "label_details": [
                {
                    "slug": label.slug,
                    "criteria_version": label.criteria_version,
                    "reviewed_at": label.reviewed_at,
                    "expires_at": label.expires_at,
                    "granted_to": label.granted_to,
                }
                for label in verified
            ],
            "url": url_for("shop.listing", listing_id=listing.id, _external=True),
            "version": listing.version,
            "region": listing.region,
            "ships_to": listing.ships_to.split(),
            "language": listing.language,
            "created_at": listing.created_at,
            "updated_at": listing.updated_at,
            "published_at": listing.published_at,
        }


class CoopSchema(OutputSchema):
    """An admitted co-op, as anyone may see it."""

    slug = fields.String(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True, **described("ISO 3166-1 alpha-2"))
    region = fields.String(required=True)
    trade = fields.String(required=True, **described('What the co-op does ("bakery")'))
    description = fields.String(required=True)
    website = fields.String(required=True, allow_none=True)
    url = fields.Url(required=True, **described("The co-op's page in the shop"))

    @pre_dump
    def from_coop(self, coop: Coop, **kwargs: Any) -> dict[str, Any]:
        return {
            "slug": coop.slug,
            "name": coop.name,
            "country": coop.country,
            "region": coop.region,
            "trade": coop.trade,
            "description": coop.description,
            "website": coop.website,
            "url": url_for("shop.coop", slug=coop.slug, _external=True),
            "status": str(coop.status),
            "currency": coop.currency,
            "shipping": {
                "flat_fee": {"amount": coop.shipping_flat_fee, "currency": coop.currency},
                "free_above": None
                if coop.shipping_free_above is None
                else {"amount": coop.shipping_free_above, "currency": coop.currency},
                "offers_pickup": coop.offers_pickup,
                "pickup_address": coop.pickup_address,
            },
            "admitted_at": coop.admitted_at,
        }


class ShippingSchema(OutputSchema):
    flat_fee = fields.Nested(
        MoneySchema, required=True, **described("Per co-op order; 0 means free")
    )
    free_above = fields.Nested(
        MoneySchema,
        required=True,
        allow_none=True,
        **described("Order subtotal from which shipping is free; null: never free"),
    )
    offers_pickup = fields.Boolean(required=True)
    pickup_address = fields.String(required=True, allow_none=True)


class CoopProfileSchema(CoopSchema):
    """The token's own co-op, with its shop settings."""

    status = fields.String(required=True, metadata={"enum": ["admitted"]})
    currency = fields.String(
        required=True, **described("Currency of the shipping fees", enum=CURRENCIES)
    )
    shipping = fields.Nested(ShippingSchema, required=True)
    admitted_at = fields.DateTime(required=True, allow_none=True)


def page_schema(name: str, item: type[Schema]) -> type[Schema]:
    """The list envelope {"total", "page", "per_page", "items"} around `item`."""
    return OutputSchema.from_dict(
        {
            "total": fields.Integer(required=True, **described("Items on all pages")),
            "page": fields.Integer(required=True, **described("This page, from 1")),
            "per_page": fields.Integer(required=True),
            "items": fields.List(fields.Nested(item), required=True),
        },
        name=name,
    )


class CriterionSchema(OutputSchema):
    key = fields.String(
        required=True, **described("Stable across versions: the same question keeps its key")
    )
    question = fields.String(required=True)
    guidance = fields.String(required=True, **described("How to answer well, in plain words"))
    evidence_required = fields.Boolean(
        required=True, **described("Whether a claim must attach a document or a link")
    )


class CriteriaVersionSchema(OutputSchema):
    number = fields.Integer(required=True, **described("1, 2, 3 ... per label"))
    adopted_at = fields.DateTime(
        required=True, allow_none=True, **described("When the member co-ops adopted it")
    )
    criteria = fields.List(fields.Nested(CriterionSchema), required=True)


class LabelSchema(OutputSchema):
    """A label with the criteria claims are checked against now."""

    slug = fields.String(required=True)
    name = fields.String(required=True)
    summary = fields.String(required=True, **described("One sentence shown beside the badge"))
    description = fields.String(required=True, **described("What the label means"))
    scope = fields.String(
        required=True,
        **described(
            "Who may claim it: a single `listing`, a whole `coop`, or `both`",
            enum=["listing", "coop", "both"],
        ),
    )
    current_version = fields.Nested(
        CriteriaVersionSchema,
        required=True,
        allow_none=True,
        **described("The criteria version in force; null when none is adopted yet"),
    )
    url = fields.Url(required=True, **described("The label's page in the shop"))

    @pre_dump
    def from_label(self, label: Label, **kwargs: Any) -> dict[str, Any]:
        current = label.current_version
        return {
            "slug": label.slug,
            "name": label.name,
            "summary": label.summary,
            "description": label.description,
            "scope": str(label.scope),
            "current_version": None
            if current is None
            else {
                "number": current.number,
                "adopted_at": current.adopted_at,
                "criteria": [
                    {
                        "key": c.key,
                        "question": c.question,
                        "guidance": c.guidance,
                        "evidence_required": c.evidence_required,
                    }
                    for c in current.criteria
                ],
            },
            "url": url_for("shop.label", slug=label.slug, _external=True),
        }


class LabelListSchema(OutputSchema):
    items = fields.List(fields.Nested(LabelSchema), required=True)


ListingPageSchema = page_schema("ListingPage", ListingSchema)
CoopPageSchema = page_schema("CoopPage", CoopSchema)


class VersionConflictSchema(ErrorSchema):
    listing = fields.Nested(
        ListingSchema, required=True, **described("The listing as it is now saved")
    )


class InvalidTransitionSchema(ErrorSchema):
    status = fields.String(
        required=True, **described("The listing's current status", enum=STATUSES)
    )


# --- query strings ------------------------------------------------------------------------


class PageQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        **described("At most 100"),
    )


class PublicListingQuerySchema(PageQuerySchema):
    coop = fields.String(**described("Only this co-op's listings (its slug)"))
    category = fields.String(**described("Only listings in this category or below it (its slug)"))


class CoopListingQuerySchema(PageQuerySchema):
    status = fields.String(
        validate=validate.OneOf(STATUSES), **described("Only listings with this status")
    )
    sku = fields.String(**described("Only the listing with this article number"))


# --- writing ------------------------------------------------------------------------------


@dataclass
class ListingInput:
    """A listing request turned into the raw fields services.listings accepts."""

    raw: dict[str, Any]
    #: the request's top-level keys, to name fields in errors as the client sent them
    sent: frozenset[str] = field(default_factory=frozenset)
    version: int | None = None


class PriceInputSchema(Schema):
    error_messages = {"type": 'Must be an object such as {"amount": 1250, "currency": "EUR"}.'}

    amount = fields.Integer(
        strict=True,
        required=True,
        **described(
            "Whole number of minor units (cents): 1250 is 12.50 EUR. Not a float, not a string.",
            minimum=1,
            maximum=MAX_AMOUNT,
        ),
    )
    currency = fields.String(required=True, **described("ISO 4217 code", enum=CURRENCIES))


def _text(description: str, max_length: int, **kwargs: Any) -> fields.String:
    return fields.String(**kwargs, **described(description, maxLength=max_length))


class ListingChangesSchema(Schema):
    """Fields of a listing a co-op may set; any subset changes only those fields."""

    error_messages = {"type": "The body must be a JSON object."}

    sku = _text(
        "The co-op's own article number, unique in the co-op; null removes it",
        rules.MAX_SKU,
        allow_none=True,
    )
    title = fields.String(
        **described("Plain text", minLength=rules.MIN_TITLE, maxLength=rules.MAX_TITLE)
    )
    description = _text("Plain text", rules.MAX_DESCRIPTION)
    kind = fields.String(metadata={"enum": list(rules.KINDS)})
    category = fields.String(**described("A category's slug"))
    price = fields.Nested(PriceInputSchema, **described("Gross price, VAT included"))
    vat_rate = fields.String(
        error_messages={"invalid": 'Give the percent as a string such as "19" or "5.5".'},
        **described(
            'VAT rate in percent, as a string: "19", "5.5". Or give vat_rate_bp instead.',
            pattern=VAT_PERCENT.pattern,
        ),
    )
    vat_rate_bp = fields.Integer(
        strict=True,
        **described("VAT rate in basis points (1900 is 19 %)", minimum=0, maximum=10_000),
    )
    stock = fields.Integer(
        strict=True,
        allow_none=True,
        **described("Units on hand; required for goods", minimum=0, maximum=rules.MAX_STOCK),
    )
    capacity = fields.Integer(
        strict=True,
        allow_none=True,
        **described(
            'Bookable units of a service; null: "on request"', minimum=0, maximum=rules.MAX_STOCK
        ),
    )
    condition = fields.String(metadata={"enum": list(rules.CONDITIONS), "default": "new"})
    region = _text("Where it is made or given", rules.MAX_REGION)
    ships_to = fields.List(
        fields.String(),
        **described('Country codes ("DE", "SE"), or "EU", or "WORLD"; empty: no shipping'),
    )
    language = fields.String(
        **described("Language of title and description", enum=list(rules.LANGUAGES))
    )

    @validates_schema
    def one_vat_rate(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "vat_rate" in data and "vat_rate_bp" in data:
            raise ValidationError("Give vat_rate or vat_rate_bp, not both.", "vat_rate")
        if "vat_rate" in data and not VAT_PERCENT.match(data["vat_rate"]):
            raise ValidationError('Give the percent as a string such as "19" or "5.5".', "vat_rate")

    @post_load
    def to_input(self, data: dict[str, Any], **kwargs: Any) -> ListingInput:
        sent = frozenset(data)
        version = data.pop("version", None)
        raw = dict(data)
        price = raw.pop("price", None)
        if price is not None:
            raw["price_amount"] = price["amount"]
            raw["currency"] = price["currency"]
        if "vat_rate" in raw:
            raw["vat_rate_bp"] = int(Decimal(raw.pop("vat_rate")) * 100)
        if "ships_to" in raw:
            raw["ships_to"] = " ".join(raw["ships_to"])
        return ListingInput(raw=raw, sent=sent, version=version)


class ListingCreateSchema(ListingChangesSchema):
    """A new listing. It starts as a draft: publish it with POST .../publish."""

    title = fields.String(
        required=True,
        **described("Plain text", minLength=rules.MIN_TITLE, maxLength=rules.MAX_TITLE),
    )
    kind = fields.String(required=True, metadata={"enum": list(rules.KINDS)})
    category = fields.String(required=True, **described("A category's slug"))
    price = fields.Nested(PriceInputSchema, required=True, **described("Gross price, VAT included"))

    @validates_schema
    def needs_vat_rate(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "vat_rate" not in data and "vat_rate_bp" not in data:
            raise ValidationError("Give vat_rate (percent) or vat_rate_bp.", "vat_rate")


class ListingUpdateSchema(ListingChangesSchema):
    """Changes to a listing, made to the version you read."""

    version = fields.Integer(
        strict=True,
        required=True,
        **described("The version you read; a stale one gets 409 version_conflict"),
    )


class VersionSchema(Schema):
    version = fields.Integer(
        strict=True,
        **described("Optional: the version you read; a stale one gets 409 version_conflict"),
    )
