"""What co-ops offer: goods and services."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.money import MAX_AMOUNT, Money
from ..extensions import db
from .base import Timestamp, enum_column, utcnow
from .category import Category
from .coop import Coop


class ListingKind(StrEnum):
    GOOD = "good"
    SERVICE = "service"


class ListingStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    ARCHIVED = "archived"


class Condition(StrEnum):
    NEW = "new"
    USED = "used"
    REFURBISHED = "refurbished"


class Listing(db.Model):
    __tablename__ = "listings"
    __table_args__ = (
        UniqueConstraint("coop_id", "sku"),
        CheckConstraint(f"price_amount > 0 AND price_amount <= {MAX_AMOUNT}", name="price_range"),
        CheckConstraint("vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="vat_rate_range"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("kind <> 'good' OR stock IS NOT NULL", name="goods_have_stock"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_listings_status_coop_id", "status", "coop_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("coops.id", ondelete="RESTRICT"))
    #: the co-op's own article number; matches CSV rows to listings
    sku: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[ListingKind] = mapped_column(enum_column(ListingKind, "listing_kind"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    #: gross price (VAT included) in the currency's minor unit
    price_amount: Mapped[int] = mapped_column(BigInteger)
    #: ISO 4217 code
    currency: Mapped[str] = mapped_column(String(3))
    #: VAT rate in basis points: 1900 is 19 %
    vat_rate_bp: Mapped[int] = mapped_column(Integer)
    #: units on hand (goods); None for services
    stock: Mapped[int | None] = mapped_column(Integer)
    #: bookable units (services); None means "on request"
    capacity: Mapped[int | None] = mapped_column(Integer)
    condition: Mapped[Condition] = mapped_column(
        enum_column(Condition, "listing_condition"), default=Condition.NEW
    )
    #: where the offer is made or given, e.g. "Berlin" or "Skåne"
    region: Mapped[str] = mapped_column(String(120), default="")
    #: ISO country codes separated by spaces, or EU / WORLD; empty: pickup or on site only
    ships_to: Mapped[str] = mapped_column(String(200), default="")
    #: language of title and description (en, de, sv): chooses the search stemmer
    language: Mapped[str] = mapped_column(String(2), default="en")
    status: Mapped[ListingStatus] = mapped_column(
        enum_column(ListingStatus, "listing_status"), default=ListingStatus.DRAFT
    )
    #: optimistic concurrency: a save based on an older version is refused
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(Timestamp)

    coop: Mapped[Coop] = relationship(back_populates="listings")
    category: Mapped[Category] = relationship()
    images: Mapped[list[ListingImage]] = relationship(
        back_populates="listing", order_by="ListingImage.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)

    @property
    def is_available(self) -> bool:
        """Can be put in a cart now: active, and stock or capacity left (or on request)."""
        if self.status is not ListingStatus.ACTIVE:
            return False
        if self.kind is ListingKind.GOOD:
            return (self.stock or 0) > 0
        return self.capacity is None or self.capacity > 0

    def __repr__(self) -> str:
        return f"<Listing {self.id} {self.title!r}>"


class ListingImage(db.Model):
    __tablename__ = "listing_images"
    __table_args__ = (UniqueConstraint("listing_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: file name under instance/media, content-addressed (the hash of the cleaned image)
    filename: Mapped[str] = mapped_column(String(100))
    #: the thumbnail's file name under instance/media
    thumb_filename: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    alt_text: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    listing: Mapped[Listing] = relationship(back_populates="images")
