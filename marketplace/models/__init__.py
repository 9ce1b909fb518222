"""Typed SQLAlchemy models, one module per aggregate."""

from .audit import AuditEntry, AuditEntryImmutable
from .category import Category
from .claim import ClaimAnswer, ClaimReview, ClaimStatus, LabelClaim, ReviewDecision
from .coop import ApiToken, Coop, CoopInvite, CoopStatus, MemberRole, Membership
from .governance import FeePolicy, Proposal, ProposalKind, ProposalStatus, Vote, VoteChoice
from .jobs import ImportStatus, ListingImport
from .label import CriteriaStatus, CriteriaVersion, Criterion, Label, LabelScope
from .ledger import LedgerTransaction, Posting
from .listing import Condition, Listing, ListingImage, ListingKind, ListingStatus
from .mail import OutgoingMail
from .order import (
    Cart,
    CartItem,
    CoopOrder,
    CoopOrderStatus,
    Order,
    OrderLine,
    PaymentStatus,
    Rating,
    RatingScore,
    ShippingMethod,
)
from .payment import (
    PaymentReceipt,
    PaymentSource,
    Refund,
    RefundKind,
    RefundLine,
    RefundStatus,
    StripeEvent,
    Transfer,
    TransferReversal,
    TransferStatus,
)
from .search import IndexTarget, SearchOutbox, SearchState
from .user import PersonalToken, User

__all__ = [
    "AuditEntry",
    "AuditEntryImmutable",
    "ClaimAnswer",
    "ClaimReview",
    "ClaimStatus",
    "LabelClaim",
    "ReviewDecision",
    "FeePolicy",
    "Proposal",
    "ProposalKind",
    "ProposalStatus",
    "Vote",
    "VoteChoice",
    "CriteriaStatus",
    "CriteriaVersion",
    "Criterion",
    "ApiToken",
    "CoopInvite",
    "ImportStatus",
    "IndexTarget",
    "SearchOutbox",
    "SearchState",
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
    "PersonalToken",
    "OutgoingMail",
    "Cart",
    "CartItem",
    "CoopOrder",
    "CoopOrderStatus",
    "Order",
    "OrderLine",
    "PaymentStatus",
    "Rating",
    "RatingScore",
    "ShippingMethod",
    "LedgerTransaction",
    "Posting",
    "PaymentReceipt",
    "PaymentSource",
    "Refund",
    "RefundKind",
    "RefundLine",
    "RefundStatus",
    "StripeEvent",
    "Transfer",
    "TransferReversal",
    "TransferStatus",
]
