"""The people of a co-op: invitations by link, roles, leaving."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from ..domain.coop_rules import leaves_an_admin
from ..extensions import db
from ..models import Coop, CoopInvite, MemberRole, Membership, User
from ..models.base import utcnow
from . import audit

log = logging.getLogger(__name__)


class MembershipError(Exception):
    """A membership change that cannot be made; the subclass says why."""


class LastAdmin(MembershipError):
    """The co-op would be left without an admin."""


class InviteInvalid(MembershipError):
    """The link is unknown, used, revoked or expired."""


class AlreadyMember(MembershipError):
    pass


class NotAMember(MembershipError):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(coop: Coop, role: MemberRole, email: str | None, by: User) -> tuple[CoopInvite, str]:
    """A single-use link that expires; returns the invite and the token for the link."""
    token = secrets.token_urlsafe(24)
    record = CoopInvite(
        coop=coop,
        token_hash=_hash(token),
        role=MemberRole(role),
        email=(email or "").strip().lower() or None,
        created_by_id=by.id,
        expires_at=utcnow() + timedelta(hours=current_app.config["INVITE_TTL_HOURS"]),
    )
    db.session.add(record)
    db.session.commit()
    log.info("user %s invited someone to co-op %s as %s", by.id, coop.slug, role)
    return record, token


def find_invite(token: str) -> CoopInvite:
    """The open invite for this token, or InviteInvalid."""
    record = db.session.scalar(select(CoopInvite).where(CoopInvite.token_hash == _hash(token)))
    if record is None or record.used_at or record.revoked_at or record.expires_at <= utcnow():
        raise InviteInvalid()
    return record


def accept_invite(token: str, user: User) -> Membership:
    """Join the co-op the link invites to; the link then stops working."""
    record = find_invite(token)
    if _membership(record.coop, user.id) is not None:
        raise AlreadyMember()
    # Claim the link atomically: of two people opening it at once, only one joins.
    claimed = db.session.execute(
        update(CoopInvite)
        .where(CoopInvite.id == record.id, CoopInvite.used_at.is_(None))
        .values(used_at=utcnow(), used_by_id=user.id)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise InviteInvalid()
    membership = Membership(user=user, coop=record.coop, role=record.role)
    db.session.add(membership)
    audit.record(
        "member.joined",
        "user",
        user.id,
        actor=user,
        coop_id=record.coop_id,
        after={"role": str(record.role), "invite": record.id},
    )
    db.session.commit()
    log.info("user %s joined co-op %s as %s", user.id, record.coop.slug, record.role)
    return membership


def revoke_invite(coop: Coop, invite_id: int, by: User) -> None:
    """Stop an unused link from working."""
    record = db.session.get(CoopInvite, invite_id)
    if record is None or record.coop_id != coop.id:
        raise InviteInvalid()
    record.revoked_at = record.revoked_at or utcnow()
    db.session.commit()
    log.info("user %s revoked invite %s of co-op %s", by.id, invite_id, coop.slug)


def _membership(coop: Coop, user_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.coop_id == coop.id, Membership.user_id == user_id)
    )


def _admin_ids(coop: Coop) -> set[int]:
    return set(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.coop_id == coop.id, Membership.role == MemberRole.ADMIN
            )
        )
    )


def set_role(coop: Coop, user_id: int, role: MemberRole, by: User) -> Membership:
    """Make a member an admin or an admin a member; the last admin stays."""
    membership = _membership(coop, user_id)
    if membership is None:
        raise NotAMember()
    role = MemberRole(role)
    if not leaves_an_admin(_admin_ids(coop), user_id, stays_admin=role is MemberRole.ADMIN):
        raise LastAdmin()
    audit.record(
        "member.role_changed",
        "user",
        user_id,
        actor=by,
        coop_id=coop.id,
        before={"role": str(membership.role)},
        after={"role": str(role)},
    )
    membership.role = role
    db.session.commit()
    log.info("user %s set user %s's role in co-op %s to %s", by.id, user_id, coop.slug, role)
    return membership


def remove_member(coop: Coop, user_id: int, by: User) -> None:
    """Take someone out of the co-op (or leave it); the last admin cannot go."""
    membership = _membership(coop, user_id)
    if membership is None:
        raise NotAMember()
    if not leaves_an_admin(_admin_ids(coop), user_id, stays_admin=False):
        raise LastAdmin()
    audit.record(
        "member.removed",
        "user",
        user_id,
        actor=by,
        coop_id=coop.id,
        before={"role": str(membership.role)},
        after={},
    )
    db.session.delete(membership)
    db.session.commit()
    log.info("user %s removed user %s from co-op %s", by.id, user_id, coop.slug)


def members_of(coop: Coop) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(Membership.user)
            .where(Membership.coop_id == coop.id)
            .order_by(Membership.role, User.name)
        )
    )


def open_invites(coop: Coop) -> list[CoopInvite]:
    now = utcnow()
    return list(
        db.session.scalars(
            select(CoopInvite)
            .where(
                CoopInvite.coop_id == coop.id,
                CoopInvite.used_at.is_(None),
                CoopInvite.revoked_at.is_(None),
                CoopInvite.expires_at > now,
            )
            .order_by(CoopInvite.created_at.desc())
        )
    )
