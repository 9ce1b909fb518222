import pytest

from marketplace.domain.permissions import GRANTS, Permission, Role, allowed

R = Role
P = Permission

# (permission, role, allowed?) for every pair: the table the application enforces.
EXPECTED = {
    P.BROWSE: set(Role),
    P.MANAGE_ACCOUNT: {R.BUYER, R.COOP_MEMBER, R.COOP_ADMIN, R.REVIEWER, R.FEDERATION_ADMIN},
    P.PLACE_ORDER: {R.BUYER, R.COOP_MEMBER, R.COOP_ADMIN, R.REVIEWER, R.FEDERATION_ADMIN},
    P.VIEW_COOP_DASHBOARD: {R.COOP_MEMBER, R.COOP_ADMIN},
    P.PREVIEW_COOP_LISTING: {R.COOP_MEMBER, R.COOP_ADMIN, R.FEDERATION_ADMIN},
    P.EDIT_COOP_LISTINGS: {R.COOP_MEMBER, R.COOP_ADMIN},
    P.MANAGE_COOP: {R.COOP_ADMIN},
    P.REVIEW_CLAIMS: {R.REVIEWER},
    P.ADMINISTER_FEDERATION: {R.FEDERATION_ADMIN},
    P.CLAIM_LABELS: {R.COOP_ADMIN},
    P.VOTE: {R.COOP_ADMIN},
    P.PROPOSE: {R.FEDERATION_ADMIN, R.REVIEWER},
    P.VIEW_AUDIT_LOG: {R.FEDERATION_ADMIN},
    P.VIEW_COOP_AUDIT_LOG: {R.COOP_MEMBER, R.COOP_ADMIN},
    P.FULFIL_COOP_ORDERS: {R.COOP_MEMBER, R.COOP_ADMIN},
    P.REFUND_COOP_ORDERS: {R.COOP_ADMIN, R.FEDERATION_ADMIN},
    P.VIEW_COOP_PAYOUTS: {R.COOP_ADMIN},
}


@pytest.mark.parametrize(
    ("permission", "role"), [(p, r) for p in Permission for r in Role], ids=str
)
def test_each_role_holds_exactly_the_permissions_in_the_table(permission, role):
    assert allowed({role}, permission) is (role in EXPECTED[permission])


def test_every_permission_is_granted_somewhere():
    assert set(GRANTS) == set(Permission)


def test_no_roles_means_nothing_but_what_anonymous_may_do():
    assert not allowed(set(), Permission.BROWSE)
    assert allowed({Role.ANONYMOUS}, Permission.BROWSE)
    assert not allowed({Role.ANONYMOUS}, Permission.PLACE_ORDER)
