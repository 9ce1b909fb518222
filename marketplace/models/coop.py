"""Member co-ops and the people who belong to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamp, enum_column, utcnow

if TYPE_CHECKING:
    from .listing import Listing
    from .user import User


class CoopStatus(StrEnum):
    APPLIED = "applied"
    ADMITTED = "admitted"
    SUSPENDED = "suspended"


class MemberRole(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


class Coop(db.Model):
    __tablename__ = "coops"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: ISO 3166-1 alpha-2
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(120), default="")
    #: what the co-op does, in a few words ("coffee roasting")
    trade: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[CoopStatus] = mapped_column(
        enum_column(CoopStatus, "coop_status"), default=CoopStatus.APPLIED, index=True
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    admitted_at: Mapped[datetime | None] = mapped_column(Timestamp)

    #: Stripe Connect connected account, once onboarded
    stripe_account_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: transfers capability active and payouts enabled on the connected account
    stripe_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    #: bank details for manual payouts (bank-transfer mode)
    bank_account_holder: Mapped[str | None] = mapped_column(String(140))
    bank_iban: Mapped[str | None] = mapped_column(String(34))
    bank_bic: Mapped[str | None] = mapped_column(String(11))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="coop", cascade="all, delete-orphan"
    )
    listings: WriteOnlyMapped[Listing] = relationship(back_populates="coop")

    @property
    def is_admitted(self) -> bool:
        return self.status is CoopStatus.ADMITTED

    def __repr__(self) -> str:
        return f"<Coop {self.slug}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "coop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("coops.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(
        enum_column(MemberRole, "member_role"), default=MemberRole.MEMBER
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    coop: Mapped[Coop] = relationship(back_populates="memberships")
