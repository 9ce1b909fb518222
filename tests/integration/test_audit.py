"""The audit log is append-only: decisions are recorded, and nothing can change an entry."""

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from marketplace.extensions import db
from marketplace.models import AuditEntry, AuditEntryImmutable, CoopStatus, MemberRole
from marketplace.services import admission, audit, members
from tests.factories import make_coop, make_member, make_user

ROOT = Path(__file__).resolve().parents[2] / "marketplace"


def _entry() -> AuditEntry:
    entry = audit.record("test.recorded", "thing", 1, after={"a": 1})
    db.session.commit()
    return entry


def test_a_suspension_records_who_what_when_before_after_and_why(app):
    chair = make_user(is_federation_admin=True)
    coop = make_coop()
    admission.decide(coop, "suspend", "Fees unpaid.", chair)
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "coop.suspended"))
    assert entry.actor_id == chair.id and entry.coop_id == coop.id and entry.at is not None
    assert audit.decode(entry) == ({"status": "admitted"}, {"status": "suspended"})
    assert entry.reason == "Fees unpaid."


def test_role_changes_and_leaving_are_recorded(app):
    coop = make_coop()
    admin, member = make_user(), make_user()
    make_member(admin, coop, MemberRole.ADMIN)
    make_member(member, coop, MemberRole.MEMBER)
    members.set_role(coop, member.id, MemberRole.ADMIN, admin)
    members.remove_member(coop, admin.id, admin)
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["member.role_changed", "member.removed"]


def test_a_refused_decision_leaves_no_entry(app):
    coop = make_coop(status=CoopStatus.APPLIED)
    with pytest.raises(admission.ReasonRequired):
        admission.decide(coop, "decline", "", make_user(is_federation_admin=True))
    assert db.session.scalar(select(AuditEntry)) is None


def test_the_orm_refuses_to_change_or_remove_an_entry(app):
    entry = _entry()
    entry.reason = "rewritten history"
    with pytest.raises(AuditEntryImmutable):
        db.session.commit()
    db.session.rollback()
    db.session.delete(entry)
    with pytest.raises(AuditEntryImmutable):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(AuditEntryImmutable):
        db.session.execute(update(AuditEntry).values(reason="bulk rewrite"))
    with pytest.raises(AuditEntryImmutable):
        db.session.execute(delete(AuditEntry))
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).reason is None


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_entries SET reason = 'sql rewrite'", "DELETE FROM audit_entries"],
)
def test_the_database_itself_refuses_to_change_or_remove_an_entry(app, statement):
    entry = _entry()
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(statement))
    db.session.expire_all()
    assert db.session.get(AuditEntry, entry.id).reason is None


def test_no_code_outside_the_audit_service_touches_entries():
    allowed = {"models/audit.py", "models/__init__.py", "services/audit.py"}
    offenders = []
    for path in ROOT.rglob("*.py"):
        name = path.relative_to(ROOT).as_posix()
        source = path.read_text()
        if name in allowed:
            continue
        if re.search(r"\bAuditEntry\b|\baudit_entries\b", source):
            offenders.append(name)
    assert offenders == [], "only services/audit.py may use AuditEntry"
    service = ast.parse((ROOT / "services" / "audit.py").read_text())
    calls = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(service)
        if isinstance(node, ast.Call)
    }
    assert not calls & {"update", "delete", "merge"}, calls
    source = (ROOT / "services" / "audit.py").read_text()
    assert not re.search(r"\b(UPDATE|DELETE)\b", source)
