"""Index work waiting to be applied to the search engine."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import Timestamp, enum_column, utcnow


class IndexTarget(StrEnum):
    """What changed; the indexer works out which listings that touches."""

    LISTING = "listing"
    COOP = "coop"
    CATEGORY = "category"
    LABEL = "label"
    #: everything (after an expiry sweep found many, or by hand)
    ALL = "all"


class SearchOutbox(db.Model):
    """One change to apply to the index, written in the transaction that made the change.

    Rows are deleted only after the engine has committed their effect, so a process
    that dies in between leaves them for the next writer (or `flask search sync`).
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    target: Mapped[IndexTarget] = mapped_column(enum_column(IndexTarget, "index_target"))
    #: the listing, co-op, category or label id; None for ALL
    target_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class SearchState(db.Model):
    """Named moments the indexer remembers, e.g. when label expiries were last swept."""

    __tablename__ = "search_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[datetime] = mapped_column(Timestamp)
