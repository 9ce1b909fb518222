"""Buyers rate each delivered co-op order once; a co-op's page shows its ratings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..domain.orders import RATEABLE
from ..extensions import db
from ..models import Coop, CoopOrder, Rating, RatingScore, User

log = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 2000


class RatingRefused(ValueError):
    """This rating cannot be given; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotRateable(RatingRefused):
    """Only the buyer of a delivered co-op order rates it."""


class AlreadyRated(RatingRefused):
    """One rating per co-op order."""


class RatingInvalid(RatingRefused):
    """A score out of positive / neutral / negative, or a text too long."""


def rate(user: User, coop_order: CoopOrder, score: str, text: str) -> Rating:
    """Record the buyer's rating of a delivered co-op order."""
    if coop_order.order.buyer_id != user.id:
        raise NotRateable(_("Only the buyer rates an order."))
    if coop_order.status.value not in RATEABLE:
        raise NotRateable(_("You can rate an order once it has been delivered."))
    try:
        value = RatingScore(score)
    except ValueError:
        raise RatingInvalid(_("Choose positive, neutral or negative.")) from None
    text = (text or "").strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise RatingInvalid(_("At most %(count)d characters.", count=MAX_TEXT_LENGTH))
    if coop_order.rating is not None:
        raise AlreadyRated(_("You have rated this order already."))
    rating = Rating(
        coop_order_id=coop_order.id,
        coop_id=coop_order.coop_id,
        buyer_id=user.id,
        score=value,
        text=text,
    )
    db.session.add(rating)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyRated(_("You have rated this order already.")) from None
    log.info("co-op order %s rated %s by user %s", coop_order.id, value.value, user.id)
    return rating


@dataclass
class RatingSummary:
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    recent: list[Rating] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative


def ratings_for_coop(coop: Coop, recent: int = 10) -> RatingSummary:
    """Counts per score and the newest ratings of a co-op."""
    summary = RatingSummary()
    counts = db.session.execute(
        select(Rating.score, func.count()).where(Rating.coop_id == coop.id).group_by(Rating.score)
    ).all()
    for score, count in counts:
        setattr(summary, RatingScore(score).value, count)
    summary.recent = list(
        db.session.scalars(
            select(Rating)
            .where(Rating.coop_id == coop.id)
            .order_by(Rating.created_at.desc(), Rating.id.desc())
            .limit(recent)
        )
    )
    return summary
