"""Fairness and sustainability labels (their criteria and claims come with reviews)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamp, enum_column, utcnow


class LabelScope(StrEnum):
    LISTING = "listing"  #: claimed for one listing
    COOP = "coop"  #: claimed for a whole co-op
    BOTH = "both"


class Label(db.Model):
    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: one sentence shown beside the badge
    summary: Mapped[str] = mapped_column(String(300))
    #: what the label means, in plain words
    description: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[LabelScope] = mapped_column(
        enum_column(LabelScope, "label_scope"), default=LabelScope.LISTING
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    criteria_versions: Mapped[list[CriteriaVersion]] = relationship(
        back_populates="label", order_by="CriteriaVersion.number", cascade="all, delete-orphan"
    )

    @property
    def current_version(self) -> CriteriaVersion | None:
        """The criteria claims are checked against now."""
        for version in self.criteria_versions:
            if version.status is CriteriaStatus.CURRENT:
                return version
        return None

    def __repr__(self) -> str:
        return f"<Label {self.slug}>"


class CriteriaStatus(StrEnum):
    PROPOSED = "proposed"  #: put to a vote, not in force
    CURRENT = "current"  #: the version claims are checked against now
    SUPERSEDED = "superseded"  #: replaced by a newer version
    REJECTED = "rejected"  #: its proposal did not pass


class CriteriaVersion(db.Model):
    """One version of a label's criteria; member co-ops adopt new versions by vote."""

    __tablename__ = "criteria_versions"
    __table_args__ = (UniqueConstraint("label_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 ... per label
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[CriteriaStatus] = mapped_column(
        enum_column(CriteriaStatus, "criteria_status"), default=CriteriaStatus.PROPOSED
    )
    #: why this version changes the last one (shown beside the diff)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    adopted_at: Mapped[datetime | None] = mapped_column(Timestamp)

    label: Mapped[Label] = relationship(back_populates="criteria_versions")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="version", order_by="Criterion.position", cascade="all, delete-orphan"
    )


class Criterion(db.Model):
    """One question a co-op answers when it claims the label."""

    __tablename__ = "criteria"
    __table_args__ = (UniqueConstraint("version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("criteria_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    #: stable across versions, so a diff can tell a changed question from a new one
    key: Mapped[str] = mapped_column(String(60))
    question: Mapped[str] = mapped_column(String(500))
    #: how to answer well, in plain words
    guidance: Mapped[str] = mapped_column(Text, default="")
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False)

    version: Mapped[CriteriaVersion] = relationship(back_populates="criteria")
