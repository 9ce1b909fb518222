"""Typed SQLAlchemy models, one module per aggregate."""

from .category import Category
from .coop import ApiToken, Coop, CoopInvite, CoopStatus, MemberRole, Membership
from .jobs import ImportStatus, ListingImport
from .label import Label, LabelScope
from .listing import Condition, Listing, ListingImage, ListingKind, ListingStatus
from .user import User

__all__ = [
    "ApiToken",
    "CoopInvite",
    "ImportStatus",
    "ListingImport",
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
