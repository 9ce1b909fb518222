"""Everything a co-op has here, as one archive it can take with it (co-op principle: autonomy)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Coop, LabelClaim, Listing, Membership
from ..models.base import utcnow
from .listings import listing_values

FORMAT_VERSION = 1


def _coop_profile(coop: Coop) -> dict[str, Any]:
    return {
        "id": coop.id,
        "slug": coop.slug,
        "name": coop.name,
        "country": coop.country,
        "region": coop.region,
        "trade": coop.trade,
        "description": coop.description,
        "website": coop.website,
        "status": str(coop.status),
        "created_at": coop.created_at.isoformat(),
        "admitted_at": coop.admitted_at.isoformat() if coop.admitted_at else None,
        "currency": coop.currency,
        "shipping": {
            "flat_fee": coop.shipping_flat_fee,
            "free_above": coop.shipping_free_above,
            "offers_pickup": coop.offers_pickup,
            "pickup_address": coop.pickup_address,
        },
        "payout": {
            "stripe_account_id": coop.stripe_account_id,
            "bank_account_holder": coop.bank_account_holder,
            "bank_iban": coop.bank_iban,
            "bank_bic": coop.bank_bic,
        },
    }


def _listing_record(listing: Listing) -> dict[str, Any]:
    record = {"id": listing.id, **listing_values(listing)}
    record.update(
        status=str(listing.status),
        version=listing.version,
        created_at=listing.created_at.isoformat(),
        updated_at=listing.updated_at.isoformat(),
        published_at=listing.published_at.isoformat() if listing.published_at else None,
        images=[
            {
                "file": f"images/{image.filename}",
                "position": image.position,
                "alt_text": image.alt_text,
                "content_type": image.content_type,
            }
            for image in listing.images
        ],
    )
    return record


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _claim_record(claim: LabelClaim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "label": claim.label.slug,
        "listing_id": claim.listing_id,
        "status": str(claim.status),
        "criteria_version": claim.criteria_version.number,
        "submitted_at": _iso(claim.submitted_at),
        "approved_at": _iso(claim.approved_at),
        "expires_at": _iso(claim.expires_at),
        "rereview_due_at": _iso(claim.rereview_due_at),
        "decision_reason": claim.decision_reason,
        "answers": [
            {
                "criterion": answer.criterion.key,
                "question": answer.criterion.question,
                "answer": answer.answer,
                "evidence_url": answer.evidence_url,
                "evidence_file": f"evidence/{answer.evidence_file}"
                if answer.evidence_file
                else None,
                "evidence_name": answer.evidence_name,
            }
            for answer in claim.answers
        ],
        "reviews": [
            {
                "decision": str(r.decision),
                "reason": r.reason,
                "at": _iso(r.created_at),
                "reviewer": r.reviewer.name,
            }
            for r in claim.reviews
        ],
    }


def _cell(text: str) -> str:
    """Keep spreadsheets from running a name as a formula (=, +, -, @ at the start)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _members_csv(coop: Coop) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "role", "joined_at"])
    for membership in db.session.scalars(
        select(Membership).where(Membership.coop_id == coop.id).order_by(Membership.id)
    ):
        writer.writerow(
            [
                _cell(membership.user.name),
                membership.user.email,
                str(membership.role),
                membership.created_at.isoformat(),
            ]
        )
    return out.getvalue()


def export_coop(coop: Coop) -> io.BytesIO:
    """A zip of the co-op's profile, members, listings (JSON and CSV) and images."""
    listings = list(
        db.session.scalars(select(Listing).where(Listing.coop_id == coop.id).order_by(Listing.id))
    )
    media = Path(current_app.instance_path) / "media"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        manifest = {
            "format_version": FORMAT_VERSION,
            "exported_at": utcnow().isoformat(),
            "coop": coop.slug,
            "files": [
                "coop.json",
                "members.csv",
                "listings.json",
                "listings.csv",
                "images/",
                "label_claims.json",
                "evidence/",
            ],
            "not_yet_included": "orders and payouts arrive with later versions",
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        archive.writestr("coop.json", json.dumps(_coop_profile(coop), indent=2, ensure_ascii=False))
        archive.writestr("members.csv", _members_csv(coop))
        archive.writestr(
            "listings.json",
            json.dumps([_listing_record(item) for item in listings], indent=2, ensure_ascii=False),
        )
        archive.writestr("listings.csv", _listings_csv(coop))
        for listing in listings:
            for image in listing.images:
                path = media / image.filename
                if path.is_file():
                    archive.write(path, f"images/{image.filename}")
        claims = list(
            db.session.scalars(
                select(LabelClaim).where(LabelClaim.coop_id == coop.id).order_by(LabelClaim.id)
            )
        )
        archive.writestr(
            "label_claims.json",
            json.dumps([_claim_record(c) for c in claims], indent=2, ensure_ascii=False),
        )
        evidence = Path(current_app.instance_path) / "evidence"
        for claim in claims:
            for answer in claim.answers:
                if answer.evidence_file and (evidence / answer.evidence_file).is_file():
                    archive.write(
                        evidence / answer.evidence_file, f"evidence/{answer.evidence_file}"
                    )
    buffer.seek(0)
    return buffer


def _listings_csv(coop: Coop) -> bytes:
    """The listings in the CSV import format, so they can be imported elsewhere."""
    from . import csv_io

    return csv_io.export_csv(coop)
