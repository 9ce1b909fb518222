"""Typed SQLAlchemy models, one module per aggregate."""

from .category import Category
from .coop import Coop, CoopStatus, MemberRole, Membership
from .label import Label, LabelScope
from .listing import Condition, Listing, ListingImage, ListingKind, ListingStatus
from .user import User

__all__ = [
    "Category",
    "Condition",
    "Coop",
    "CoopStatus",
    "Label",
    "LabelScope",
    "Listing",
    "ListingImage",
    "ListingKind",
    "ListingStatus",
    "MemberRole",
    "Membership",
    "User",
]
