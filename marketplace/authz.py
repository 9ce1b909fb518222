"""Role checks, in one place: which roles a person holds, and a view guard."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from .domain.permissions import Permission, Role, allowed
from .extensions import login_manager
from .models import Coop, MemberRole, User

F = TypeVar("F", bound=Callable[..., Any])


def roles_of(user: User | Any, coop: Coop | None = None) -> frozenset[Role]:
    """The roles `user` holds, with co-op roles counted for `coop` only."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset({Role.ANONYMOUS})
    roles = {Role.BUYER}
    if user.is_reviewer:
        roles.add(Role.REVIEWER)
    if user.is_federation_admin:
        roles.add(Role.FEDERATION_ADMIN)
    if coop is not None:
        for membership in user.memberships:
            if membership.coop_id == coop.id:
                roles.add(Role.COOP_MEMBER)
                if membership.role is MemberRole.ADMIN:
                    roles.add(Role.COOP_ADMIN)
    return frozenset(roles)


def can(permission: Permission, coop: Coop | None = None, user: User | None = None) -> bool:
    """Whether `user` (default: the current user) holds `permission`, for `coop` if given."""
    return allowed(roles_of(current_user if user is None else user, coop), permission)


def ensure(permission: Permission, coop: Coop | None = None) -> None:
    """Stop the request: anonymous people are sent to log in, the rest get 403."""
    if can(permission, coop):
        return
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    abort(403)


def require(permission: Permission) -> Callable[[F], F]:
    """View decorator for permissions that do not depend on a co-op."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            ensure(permission)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
