"""The audit log: an append-only record of every decision. Nothing in it is ever edited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db
from .base import Timestamp, utcnow


class AuditEntryImmutable(RuntimeError):
    """Something tried to change or remove an audit entry."""


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_coop_id_at", "coop_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    #: who did it; empty for the system (a vote closing, an approval expiring)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: what happened, e.g. "claim.approved", "coop.suspended", "vote.cast"
    action: Mapped[str] = mapped_column(String(60), index=True)
    #: what it happened to, e.g. ("claim", 12) or ("coop", 3)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    #: the co-op it concerns, so the co-op can read its own entries
    coop_id: Mapped[int | None] = mapped_column(ForeignKey("coops.id", ondelete="RESTRICT"))
    #: JSON of the relevant fields before and after
    before_json: Mapped[str] = mapped_column(Text, default="{}")
    after_json: Mapped[str] = mapped_column(Text, default="{}")
    reason: Mapped[str | None] = mapped_column(Text)


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise AuditEntryImmutable(f"audit entry {target.id} cannot be changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise AuditEntryImmutable(f"audit entry {target.id} cannot be removed")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: Any) -> None:
    if (state.is_update or state.is_delete) and any(
        getattr(mapper, "class_", None) is AuditEntry for mapper in state.all_mappers
    ):
        raise AuditEntryImmutable("audit entries cannot be changed or removed")
