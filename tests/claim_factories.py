"""Factories for label claims: a label with current criteria, reviewers, claims in a state."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from PIL import Image

from marketplace.extensions import db
from marketplace.models import (
    CriteriaStatus,
    CriteriaVersion,
    Criterion,
    Label,
    LabelScope,
    MemberRole,
    User,
)
from tests.factories import make_coop, make_label, make_member, make_user

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

CRITERIA = [
    ("wages", "Are wages fair?", False),
    ("sourcing", "Where do materials come from?", True),
]


def make_label_with_criteria(
    scope: LabelScope = LabelScope.BOTH,
    criteria: list[tuple[str, str, bool]] | None = None,
    number: int = 1,
    label: Label | None = None,
    **kw: Any,
) -> Label:
    """A label whose criteria version `number` is current (earlier current ones superseded)."""
    if label is None:
        label = make_label(scope=scope, **kw)
    for version in label.criteria_versions:
        if version.status is CriteriaStatus.CURRENT:
            version.status = CriteriaStatus.SUPERSEDED
    version = CriteriaVersion(
        label=label, number=number, status=CriteriaStatus.CURRENT, adopted_at=T0
    )
    for position, (key, question, required) in enumerate(criteria or CRITERIA):
        version.criteria.append(
            Criterion(
                position=position,
                key=key,
                question=question,
                guidance="Say how.",
                evidence_required=required,
            )
        )
    db.session.add(version)
    db.session.commit()
    return label


def make_reviewer(**kw: Any) -> User:
    return make_user(is_reviewer=True, **kw)


def make_coop_admin(coop: Any = None) -> tuple[Any, User]:
    coop = coop or make_coop()
    admin = make_user()
    make_member(admin, coop, MemberRole.ADMIN)
    return coop, admin


def full_answers(label: Label) -> dict[int, dict[str, str]]:
    """An answer and an evidence link for every current criterion."""
    version = label.current_version
    assert version is not None
    return {
        c.id: {"answer": f"Yes: {c.key}.", "evidence_url": "https://example.org/proof"}
        for c in version.criteria
    }


class Upload:
    """A file upload like werkzeug's FileStorage."""

    def __init__(self, data: bytes, filename: str, mimetype: str = "") -> None:
        self.stream = io.BytesIO(data)
        self.filename = filename
        self.mimetype = mimetype


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png_bytes(exif: bool = False) -> bytes:
    image = Image.new("RGB", (20, 10), (200, 30, 30))
    buffer = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        image.save(buffer, "JPEG", exif=data.tobytes())
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()
