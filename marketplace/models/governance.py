"""Democratic control: proposals, one vote per admitted co-op, and the fee policy."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamp, enum_column, utcnow

if TYPE_CHECKING:
    from .coop import Coop
    from .user import User


class ProposalKind(StrEnum):
    CRITERIA = "criteria"  #: adopt a new criteria version of a label
    FEE_POLICY = "fee_policy"  #: change the federation fee
    ADMISSION = "admission"  #: admit a co-op that applied


class ProposalStatus(StrEnum):
    OPEN = "open"
    PASSED = "passed"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


class VoteChoice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class FeePolicy(db.Model):
    """The federation fee, as adopted by vote. The newest adopted row is in force."""

    __tablename__ = "fee_policies"
    __table_args__ = (
        CheckConstraint("basis_points >= 0 AND basis_points <= 10000", name="bps_range"),
        CheckConstraint(
            "fair_basis_points IS NULL OR (fair_basis_points >= 0 AND fair_basis_points <= 10000)",
            name="fair_bps_range",
        ),
        CheckConstraint("minimum_fee IS NULL OR minimum_fee >= 0", name="minimum_not_negative"),
        CheckConstraint("maximum_fee IS NULL OR maximum_fee >= 0", name="maximum_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the fee per co-op order, in basis points of its amount (600 = 6 %)
    basis_points: Mapped[int] = mapped_column(Integer)
    #: the lower rate for lines with a verified fair-trade label; None: no lower rate
    fair_basis_points: Mapped[int | None] = mapped_column(Integer)
    #: per co-op order, in minor units of the order's currency
    minimum_fee: Mapped[int | None] = mapped_column(BigInteger)
    maximum_fee: Mapped[int | None] = mapped_column(BigInteger)
    adopted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Proposal(db.Model):
    """A question put to the member co-ops, open for a set period."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ProposalKind] = mapped_column(enum_column(ProposalKind, "proposal_kind"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus, "proposal_status"), default=ProposalStatus.OPEN, index=True
    )
    #: the criteria version put to the vote (kind criteria)
    criteria_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("criteria_versions.id", ondelete="RESTRICT")
    )
    #: the fee policy put to the vote (kind fee_policy)
    fee_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("fee_policies.id", ondelete="RESTRICT")
    )
    #: the co-op whose admission is put to the vote (kind admission)
    coop_id: Mapped[int | None] = mapped_column(ForeignKey("coops.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opens_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: quorum and majority in force when the proposal opened (percent)
    quorum_percent: Mapped[int] = mapped_column(Integer)
    majority_percent: Mapped[int] = mapped_column(Integer)
    #: JSON: the tally and why it passed or failed, written when the vote closes
    outcome_json: Mapped[str | None] = mapped_column(Text)

    votes: Mapped[list[Vote]] = relationship(back_populates="proposal", order_by="Vote.id")
    coop: Mapped[Coop | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class Vote(db.Model):
    """One co-op's vote on a proposal, cast by one of its admins; changeable until the close."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("proposal_id", "coop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    coop_id: Mapped[int] = mapped_column(ForeignKey("coops.id", ondelete="CASCADE"), index=True)
    cast_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    choice: Mapped[VoteChoice] = mapped_column(enum_column(VoteChoice, "vote_choice"))
    cast_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="votes")
    coop: Mapped[Coop] = relationship()
