from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import CoopInvite, MemberRole, Membership
from marketplace.models.base import utcnow
from marketplace.services import members
from tests.factories import make_coop, make_member, make_user


@pytest.fixture
def coop_with_admin(app):
    coop = make_coop()
    admin = make_user()
    make_member(admin, coop, MemberRole.ADMIN)
    return coop, admin


def test_an_invite_link_makes_its_opener_a_member_once(coop_with_admin):
    coop, admin = coop_with_admin
    record, token = members.invite(coop, MemberRole.MEMBER, "new@example.org", admin)
    assert token not in record.token_hash and len(record.token_hash) == 64
    newcomer = make_user()
    membership = members.accept_invite(token, newcomer)
    assert membership.coop == coop and membership.role is MemberRole.MEMBER
    with pytest.raises(members.InviteInvalid):
        members.accept_invite(token, make_user())


def test_an_expired_or_revoked_link_does_not_work(coop_with_admin, app):
    coop, admin = coop_with_admin
    record, token = members.invite(coop, MemberRole.ADMIN, None, admin)
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(members.InviteInvalid):
        members.accept_invite(token, make_user())
    other, other_token = members.invite(coop, MemberRole.MEMBER, None, admin)
    members.revoke_invite(coop, other.id, admin)
    with pytest.raises(members.InviteInvalid):
        members.accept_invite(other_token, make_user())
    with pytest.raises(members.InviteInvalid):
        members.accept_invite("made-up-token", make_user())


def test_an_existing_member_cannot_use_up_a_link(coop_with_admin):
    coop, admin = coop_with_admin
    record, token = members.invite(coop, MemberRole.MEMBER, None, admin)
    with pytest.raises(members.AlreadyMember):
        members.accept_invite(token, admin)
    assert db.session.get(CoopInvite, record.id).used_at is None


def test_the_last_admin_cannot_leave_or_step_down(coop_with_admin):
    coop, admin = coop_with_admin
    with pytest.raises(members.LastAdmin):
        members.remove_member(coop, admin.id, admin)
    with pytest.raises(members.LastAdmin):
        members.set_role(coop, admin.id, MemberRole.MEMBER, admin)
    second = make_user()
    make_member(second, coop, MemberRole.MEMBER)
    members.set_role(coop, second.id, MemberRole.ADMIN, admin)
    members.remove_member(coop, admin.id, admin)
    remaining = db.session.query(Membership).filter_by(coop_id=coop.id).all()
    assert [(m.user_id, m.role) for m in remaining] == [(second.id, MemberRole.ADMIN)]
