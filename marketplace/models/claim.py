"""Label claims: a co-op's request to carry a label, its answers, evidence and reviews."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamp, enum_column, utcnow

if TYPE_CHECKING:
    from .coop import Coop
    from .label import CriteriaVersion, Criterion, Label
    from .listing import Listing
    from .user import User


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ReviewDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"


class LabelClaim(db.Model):
    """A co-op claims a label for one of its listings, or (listing_id empty) for itself."""

    __tablename__ = "label_claims"
    __table_args__ = (
        Index("ix_label_claims_status_submitted_at", "status", "submitted_at"),
        Index("ix_label_claims_listing_id_status", "listing_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id", ondelete="RESTRICT"), index=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("coops.id", ondelete="CASCADE"), index=True)
    #: the listing the label is claimed for; empty when claimed for the whole co-op
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    #: the criteria the answers respond to (and were reviewed against)
    criteria_version_id: Mapped[int] = mapped_column(
        ForeignKey("criteria_versions.id", ondelete="RESTRICT")
    )
    status: Mapped[ClaimStatus] = mapped_column(
        enum_column(ClaimStatus, "claim_status"), default=ClaimStatus.DRAFT
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    decided_at: Mapped[datetime | None] = mapped_column(Timestamp)
    approved_at: Mapped[datetime | None] = mapped_column(Timestamp)
    expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: set when newer criteria were adopted: the claim must be reviewed again by then
    rereview_due_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: when the co-op was last reminded that the approval runs out
    reminded_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: the last decision's written reason, shown to the co-op
    decision_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    label: Mapped[Label] = relationship()
    coop: Mapped[Coop] = relationship()
    listing: Mapped[Listing | None] = relationship()
    criteria_version: Mapped[CriteriaVersion] = relationship()
    answers: Mapped[list[ClaimAnswer]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="ClaimAnswer.id"
    )
    reviews: Mapped[list[ClaimReview]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="ClaimReview.id"
    )

    __mapper_args__ = {"version_id_col": version}


class ClaimAnswer(db.Model):
    """The co-op's answer to one criterion, with its evidence."""

    __tablename__ = "claim_answers"
    __table_args__ = (UniqueConstraint("claim_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("label_claims.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="RESTRICT"))
    answer: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    #: stored file under instance/evidence (content-addressed), never served publicly
    evidence_file: Mapped[str | None] = mapped_column(String(100))
    evidence_name: Mapped[str | None] = mapped_column(String(200))
    evidence_content_type: Mapped[str | None] = mapped_column(String(60))
    evidence_size: Mapped[int | None] = mapped_column(Integer)

    claim: Mapped[LabelClaim] = relationship(back_populates="answers")
    criterion: Mapped[Criterion] = relationship()


class ClaimReview(db.Model):
    """One reviewer's decision on a claim, with the written reason."""

    __tablename__ = "claim_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        ForeignKey("label_claims.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decision: Mapped[ReviewDecision] = mapped_column(enum_column(ReviewDecision, "review_decision"))
    reason: Mapped[str] = mapped_column(Text)
    #: the criteria the reviewer checked the answers against
    criteria_version_id: Mapped[int] = mapped_column(
        ForeignKey("criteria_versions.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    claim: Mapped[LabelClaim] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()
