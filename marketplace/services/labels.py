"""Which labels count as verified, for listings and co-ops.

Only approved, unexpired claims whose re-review deadline (if any) has not passed
count, everywhere: pages, search, fee rules and the API all ask here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from ..domain.claims import ClaimFacts, is_verified
from ..extensions import db
from ..models import ClaimStatus, Label, LabelClaim, Listing
from ..models.base import utcnow


@dataclass(frozen=True)
class VerifiedLabel:
    """A label a listing or co-op may show as verified, with what backs it."""

    slug: str
    name: str
    summary: str
    #: "listing" when granted to the listing itself, "coop" when granted to its co-op
    granted_to: str
    claim_id: int
    criteria_version: int
    reviewed_at: datetime
    expires_at: datetime
    rereview_due_at: datetime | None


def verified_claims(now: datetime | None = None) -> Select[tuple[LabelClaim]]:
    """Claims that make their label show as verified right now (mirrors domain.claims)."""
    now = now or utcnow()
    return (
        select(LabelClaim)
        .where(
            LabelClaim.status == ClaimStatus.APPROVED,
            LabelClaim.expires_at > now,
            or_(LabelClaim.rereview_due_at.is_(None), LabelClaim.rereview_due_at > now),
        )
        .options(joinedload(LabelClaim.label), joinedload(LabelClaim.criteria_version))
    )


def _facts(claim: LabelClaim) -> ClaimFacts:
    return ClaimFacts(str(claim.status), claim.expires_at, claim.rereview_due_at)


def _verified(claim: LabelClaim, granted_to: str) -> VerifiedLabel:
    assert claim.approved_at is not None and claim.expires_at is not None
    return VerifiedLabel(
        slug=claim.label.slug,
        name=claim.label.name,
        summary=claim.label.summary,
        granted_to=granted_to,
        claim_id=claim.id,
        criteria_version=claim.criteria_version.number,
        reviewed_at=claim.approved_at,
        expires_at=claim.expires_at,
        rereview_due_at=claim.rereview_due_at,
    )


def for_listings(listings: Iterable[Listing]) -> dict[int, list[VerifiedLabel]]:
    """Verified labels per listing id: its own, then those of its co-op (one label once)."""
    items = list(listings)
    if not items:
        return {}
    listing_ids = [item.id for item in items]
    coop_ids = sorted({item.coop_id for item in items})
    # The claims of these listings and co-ops, checked with the domain rule in Python: a
    # status condition in SQL made SQLite scan every approved claim (it prefers the
    # status index), which cost a search page 20 ms at 100,000 listings.
    now = utcnow()
    candidates = db.session.scalars(
        select(LabelClaim)
        .where(
            or_(
                LabelClaim.listing_id.in_(listing_ids),
                (LabelClaim.listing_id.is_(None)) & (LabelClaim.coop_id.in_(coop_ids)),
            )
        )
        .options(joinedload(LabelClaim.label), joinedload(LabelClaim.criteria_version))
    ).unique()
    claims = [claim for claim in candidates if is_verified(_facts(claim), now)]
    own: dict[int, list[LabelClaim]] = defaultdict(list)
    of_coop: dict[int, list[LabelClaim]] = defaultdict(list)
    for claim in claims:
        if claim.listing_id is not None:
            own[claim.listing_id].append(claim)
        else:
            of_coop[claim.coop_id].append(claim)
    result: dict[int, list[VerifiedLabel]] = {}
    for item in items:
        seen: set[str] = set()
        labels: list[VerifiedLabel] = []
        for claim, granted_to in [(c, "listing") for c in own[item.id]] + [
            (c, "coop") for c in of_coop[item.coop_id]
        ]:
            if claim.label.slug not in seen:
                seen.add(claim.label.slug)
                labels.append(_verified(claim, granted_to))
        result[item.id] = sorted(labels, key=lambda label: label.name)
    return result


def for_listing(listing: Listing) -> list[VerifiedLabel]:
    return for_listings([listing])[listing.id]


def for_coop(coop_id: int) -> list[VerifiedLabel]:
    """Labels verified for the co-op as a whole."""
    claims = db.session.scalars(
        verified_claims().where(LabelClaim.coop_id == coop_id, LabelClaim.listing_id.is_(None))
    ).unique()
    return sorted((_verified(c, "coop") for c in claims), key=lambda label: label.name)


def slugs_for_listing(listing: Listing) -> list[str]:
    """The slugs of the listing's verified labels (the API's `labels`)."""
    return [label.slug for label in for_listing(listing)]


def label_by_slug(slug: str) -> Label | None:
    return db.session.scalar(select(Label).where(Label.slug == slug))
