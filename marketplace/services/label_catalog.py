"""What buyers see of labels: the label pages, the API's label list and "why verified".

Which labels count as verified is decided in services.labels alone; this module only
explains them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    ClaimReview,
    Coop,
    CoopStatus,
    CriteriaStatus,
    CriteriaVersion,
    Label,
    LabelClaim,
    Listing,
    ListingStatus,
    ReviewDecision,
)
from . import labels as verified_labels
from .labels import VerifiedLabel

#: listings shown on a label page; the page says how many more there are
LABEL_PAGE_LISTINGS = 24


class LabelNotFound(LookupError):
    """No label by that slug."""


@dataclass(frozen=True)
class LabelPage:
    """A label with its criteria history and who carries it verified right now."""

    label: Label
    current: CriteriaVersion | None
    #: versions that were in force before the current one, newest first
    earlier: list[CriteriaVersion]
    coops: list[Coop]
    listings: list[Listing]
    #: listings carrying the label verified, also those beyond `listings`
    listing_total: int
    #: the verified labels of each listing in `listings`, for its badges
    listing_labels: dict[int, list[VerifiedLabel]] = field(default_factory=dict)


@dataclass(frozen=True)
class WhyVerified:
    """What backs one verified label of a listing: who checked it, when, and on what evidence."""

    label: VerifiedLabel
    reviewers: list[str]
    criteria: int
    answered: int
    documents: int
    links: int
    adopted_at: datetime | None


def _with_criteria() -> Iterable[object]:
    return (selectinload(Label.criteria_versions).selectinload(CriteriaVersion.criteria),)


def public_labels() -> list[Label]:
    """Every label with all its criteria versions loaded, in the federation's order."""
    query = select(Label).options(*_with_criteria()).order_by(Label.position, Label.name)
    return list(db.session.scalars(query))


def label_page(slug: str) -> LabelPage:
    """A label's public page, or LabelNotFound."""
    label = db.session.scalar(select(Label).where(Label.slug == slug).options(*_with_criteria()))
    if label is None:
        raise LabelNotFound(slug)
    claims = db.session.scalars(
        verified_labels.verified_claims().where(LabelClaim.label_id == label.id)
    ).unique()
    coop_ids: set[int] = set()
    listing_ids: set[int] = set()
    for claim in claims:
        if claim.listing_id is None:
            coop_ids.add(claim.coop_id)
        else:
            listing_ids.add(claim.listing_id)
    coops = db.session.scalars(
        select(Coop)
        .where(Coop.status == CoopStatus.ADMITTED, Coop.id.in_(coop_ids))
        .order_by(Coop.name)
    ).all()
    public = (
        select(Listing)
        .join(Listing.coop)
        .where(
            Listing.id.in_(listing_ids),
            Listing.status == ListingStatus.ACTIVE,
            Coop.status == CoopStatus.ADMITTED,
        )
    )
    total = db.session.scalar(select(func.count()).select_from(public.subquery())) or 0
    listings = db.session.scalars(
        public.options(joinedload(Listing.coop), selectinload(Listing.images))
        .order_by(Listing.title, Listing.id)
        .limit(LABEL_PAGE_LISTINGS)
    ).all()
    superseded = [v for v in label.criteria_versions if v.status is CriteriaStatus.SUPERSEDED]
    return LabelPage(
        label=label,
        current=label.current_version,
        earlier=sorted(superseded, key=lambda v: v.number, reverse=True),
        coops=list(coops),
        listings=list(listings),
        listing_total=total,
        listing_labels=verified_labels.for_listings(listings),
    )


def _approvers(claim: LabelClaim) -> list[str]:
    """Names of the reviewers whose approvals granted the claim's current approval."""
    names: list[str] = []
    for review in claim.reviews:
        if review.decision is not ReviewDecision.APPROVE:
            continue
        if review.criteria_version_id != claim.criteria_version_id:
            continue
        if claim.submitted_at is not None and review.created_at < claim.submitted_at:
            continue  # an approval of an earlier round (before a renewal)
        if review.reviewer.name not in names:
            names.append(review.reviewer.name)
    return names


def why_verified(labels: list[VerifiedLabel]) -> list[WhyVerified]:
    """The "why verified" panel of a listing: one entry per verified label, in one query."""
    if not labels:
        return []
    claims = {
        claim.id: claim
        for claim in db.session.scalars(
            select(LabelClaim)
            .where(LabelClaim.id.in_([label.claim_id for label in labels]))
            .options(
                selectinload(LabelClaim.answers),
                selectinload(LabelClaim.reviews).joinedload(ClaimReview.reviewer),
                joinedload(LabelClaim.criteria_version).selectinload(CriteriaVersion.criteria),
            )
        )
    }
    panel = []
    for label in labels:
        claim = claims[label.claim_id]
        answers = claim.answers
        panel.append(
            WhyVerified(
                label=label,
                reviewers=_approvers(claim),
                criteria=len(claim.criteria_version.criteria),
                answered=sum(1 for a in answers if a.answer.strip()),
                documents=sum(1 for a in answers if a.evidence_file),
                links=sum(1 for a in answers if a.evidence_url),
                adopted_at=claim.criteria_version.adopted_at,
            )
        )
    return panel
