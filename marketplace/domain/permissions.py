"""Who may do what: the one table of roles and permissions.

Views and services ask `allowed(roles, permission)`; nobody else compares roles.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """The roles a person can hold in the marketplace."""

    ANONYMOUS = "anonymous"
    BUYER = "buyer"  #: any registered, logged-in person
    COOP_MEMBER = "coop_member"  #: member of the co-op in question
    COOP_ADMIN = "coop_admin"  #: admin of the co-op in question
    REVIEWER = "reviewer"  #: on the federation's review board
    FEDERATION_ADMIN = "federation_admin"


class Permission(StrEnum):
    """Actions that are not open to everyone."""

    BROWSE = "browse"
    MANAGE_ACCOUNT = "manage_account"
    PLACE_ORDER = "place_order"
    VIEW_COOP_DASHBOARD = "view_coop_dashboard"
    PREVIEW_COOP_LISTING = "preview_coop_listing"
    EDIT_COOP_LISTINGS = "edit_coop_listings"
    MANAGE_COOP = "manage_coop"
    REVIEW_CLAIMS = "review_claims"
    ADMINISTER_FEDERATION = "administer_federation"
    CLAIM_LABELS = "claim_labels"  #: claim a label for the co-op or one of its listings
    VOTE = "vote"  #: cast the co-op's one vote (the co-op must be admitted too)
    PROPOSE = "propose"  #: put new criteria, a fee policy or an admission to a vote
    VIEW_AUDIT_LOG = "view_audit_log"  #: the whole federation's log
    VIEW_COOP_AUDIT_LOG = "view_coop_audit_log"  #: the entries that concern the co-op
    FULFIL_COOP_ORDERS = "fulfil_coop_orders"  #: accept, ship, deliver or cancel the co-op's orders
    REFUND_COOP_ORDERS = "refund_coop_orders"  #: give a buyer money back for the co-op's order
    VIEW_COOP_PAYOUTS = "view_coop_payouts"  #: see what the co-op was paid, and onboard to Stripe


_R = Role
#: permission -> roles that hold it. Co-op roles apply only to the co-op in question.
GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.BROWSE: frozenset(Role),
    Permission.MANAGE_ACCOUNT: frozenset(set(Role) - {_R.ANONYMOUS}),
    Permission.PLACE_ORDER: frozenset(set(Role) - {_R.ANONYMOUS}),
    Permission.VIEW_COOP_DASHBOARD: frozenset({_R.COOP_MEMBER, _R.COOP_ADMIN}),
    Permission.PREVIEW_COOP_LISTING: frozenset(
        {_R.COOP_MEMBER, _R.COOP_ADMIN, _R.FEDERATION_ADMIN}
    ),
    Permission.EDIT_COOP_LISTINGS: frozenset({_R.COOP_MEMBER, _R.COOP_ADMIN}),
    Permission.MANAGE_COOP: frozenset({_R.COOP_ADMIN}),
    Permission.REVIEW_CLAIMS: frozenset({_R.REVIEWER}),
    Permission.ADMINISTER_FEDERATION: frozenset({_R.FEDERATION_ADMIN}),
    Permission.CLAIM_LABELS: frozenset({_R.COOP_ADMIN}),
    Permission.VOTE: frozenset({_R.COOP_ADMIN}),
    Permission.PROPOSE: frozenset({_R.FEDERATION_ADMIN, _R.REVIEWER}),
    Permission.VIEW_AUDIT_LOG: frozenset({_R.FEDERATION_ADMIN}),
    Permission.VIEW_COOP_AUDIT_LOG: frozenset({_R.COOP_MEMBER, _R.COOP_ADMIN}),
    Permission.FULFIL_COOP_ORDERS: frozenset({_R.COOP_MEMBER, _R.COOP_ADMIN}),
    Permission.REFUND_COOP_ORDERS: frozenset({_R.COOP_ADMIN, _R.FEDERATION_ADMIN}),
    Permission.VIEW_COOP_PAYOUTS: frozenset({_R.COOP_ADMIN}),
}


def allowed(roles: set[Role] | frozenset[Role], permission: Permission) -> bool:
    """True when any of the roles grants the permission."""
    return bool(GRANTS[permission] & roles)
