"""Writing and reading the audit log. Entries are added in the same transaction as the
decision they record, so a decision is never without its entry (nor an entry without it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import AuditEntry, Coop, User


def _json(values: dict[str, Any] | None) -> str:
    return json.dumps(values or {}, sort_keys=True, default=str, ensure_ascii=False)


def record(
    action: str,
    subject_type: str,
    subject_id: int | None,
    *,
    actor: User | None = None,
    coop_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEntry:
    """Add an entry to the current transaction; the caller's commit writes it."""
    entry = AuditEntry(
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_id=actor.id if actor is not None else None,
        coop_id=coop_id,
        before_json=_json(before),
        after_json=_json(after),
        reason=reason or None,
    )
    db.session.add(entry)
    return entry


def entries(coop: Coop | None = None, page: int = 1, per_page: int = 50) -> Pagination:
    """Newest first; only the entries that concern `coop` when one is given."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if coop is not None:
        query = query.where(AuditEntry.coop_id == coop.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def actors(page: Pagination) -> dict[int, User]:
    """The people named in a page of entries, by id."""
    ids = {entry.actor_id for entry in page.items if entry.actor_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def decode(entry: AuditEntry) -> tuple[dict[str, Any], dict[str, Any]]:
    """An entry's before and after values."""
    return json.loads(entry.before_json), json.loads(entry.after_json)


def counts_by_subject(
    subject_type: str, subject_ids: list[int], actions: list[str]
) -> dict[int, int]:
    """How many entries with one of `actions` each subject has (e.g. review rounds)."""
    rows = db.session.execute(
        select(AuditEntry.subject_id, func.count())
        .where(
            AuditEntry.subject_type == subject_type,
            AuditEntry.subject_id.in_(subject_ids),
            AuditEntry.action.in_(actions),
        )
        .group_by(AuditEntry.subject_id)
    )
    return dict(rows.tuples().all())


def coops_ever_joined(user_id: int) -> set[int]:
    """Co-ops the log shows the user in: joined, had a role changed, left or was removed."""
    return set(
        db.session.scalars(
            select(AuditEntry.coop_id).where(
                AuditEntry.subject_type == "user",
                AuditEntry.subject_id == user_id,
                AuditEntry.action.like("member.%"),
                AuditEntry.coop_id.is_not(None),
            )
        )
    )


@contextmanager
def dated(at: datetime) -> Iterator[None]:
    """Entries recorded meanwhile carry `at` instead of now: for seeding a demo history,
    since an entry can never be changed once written."""
    session = db.session()

    def stamp(session: Session, context: Any, instances: Any) -> None:
        for obj in session.new:
            if isinstance(obj, AuditEntry):
                obj.at = at

    event.listen(session, "before_flush", stamp)
    try:
        yield
    finally:
        event.remove(session, "before_flush", stamp)
