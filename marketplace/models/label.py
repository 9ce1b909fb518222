"""Fairness and sustainability labels (their criteria and claims come with reviews)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import enum_column


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

    def __repr__(self) -> str:
        return f"<Label {self.slug}>"
