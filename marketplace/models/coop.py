"""Member co-ops and the people who belong to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
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
    DECLINED = "declined"


class MemberRole(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


class Coop(db.Model):
    __tablename__ = "coops"
    __table_args__ = (
        CheckConstraint("shipping_flat_fee >= 0", name="shipping_fee_not_negative"),
        CheckConstraint(
            "shipping_free_above IS NULL OR shipping_free_above >= 0",
            name="free_shipping_threshold_not_negative",
        ),
    )

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
    #: who applied for the co-op's membership of the federation
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the federation's reason for the last decline or suspension, shown to the co-op
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(Timestamp)

    #: the currency of the co-op's shipping fees (its listings may be priced in it too)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    #: shipping per co-op order, in minor units of `currency`; 0 means free
    shipping_flat_fee: Mapped[int] = mapped_column(BigInteger, default=0)
    #: order subtotal from which shipping is free; None: never free
    shipping_free_above: Mapped[int | None] = mapped_column(BigInteger)
    #: buyers may collect their order instead of having it shipped
    offers_pickup: Mapped[bool] = mapped_column(Boolean, default=False)
    pickup_address: Mapped[str | None] = mapped_column(String(300))

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
    invites: WriteOnlyMapped[CoopInvite] = relationship(back_populates="coop")
    api_tokens: WriteOnlyMapped[ApiToken] = relationship(back_populates="coop")

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


class CoopInvite(db.Model):
    """A single-use, expiring link that makes whoever opens it a member of the co-op."""

    __tablename__ = "coop_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("coops.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token in the link; the token itself is never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[MemberRole] = mapped_column(
        enum_column(MemberRole, "member_role"), default=MemberRole.MEMBER
    )
    #: whom the link was meant for (shown to the co-op's admins only)
    email: Mapped[str | None] = mapped_column(String(254))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    used_at: Mapped[datetime | None] = mapped_column(Timestamp)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)

    coop: Mapped[Coop] = relationship(back_populates="invites")


class ApiToken(db.Model):
    """A co-op's API token: shown once, stored hashed, scoped to that co-op."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("coops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    #: SHA-256 of the token; the token itself is shown once and never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the token's first characters, so people can tell their tokens apart
    prefix: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)

    coop: Mapped[Coop] = relationship(back_populates="api_tokens")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
