"""Label claims, the co-op's side: start, answer, attach evidence, submit, renew, withdraw.

Every function is one transaction. Errors a person can cause are `ClaimProblem`s: a message
template and its values, translated by the page that shows them. The review board's side
(decisions, revoking, expiry and reminders, the queue) is in `claim_reviews`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..authz import can
from ..domain.claims import (
    EDITABLE,
    ClaimEvent,
    ClaimFacts,
    ClaimTransitionRefused,
    is_verified,
    next_claim_status,
)
from ..domain.messages import N_, FieldError
from ..domain.permissions import Permission
from ..extensions import db
from ..models import (
    ClaimAnswer,
    ClaimStatus,
    Coop,
    Criterion,
    Label,
    LabelClaim,
    LabelScope,
    Listing,
    ListingStatus,
    User,
)
from ..models.base import utcnow
from . import audit, evidence

log = logging.getLogger(__name__)

MAX_ANSWER = 5000
MAX_URL = 500
#: statuses of a claim that still waits for the co-op or the board
OPEN = frozenset({ClaimStatus.DRAFT, ClaimStatus.SUBMITTED, ClaimStatus.CHANGES_REQUESTED})


class ClaimProblem(ValueError):
    """Something a person asked for that cannot be done; `template` % `params` says why."""

    template = N_("This cannot be done with this claim.")

    def __init__(self, template: str | None = None, **params: Any) -> None:
        self.template = template or self.template
        self.params = params
        super().__init__(self.template % params if params else self.template)


class ClaimNotFound(LookupError):
    pass


class ClaimNotAllowed(ClaimProblem):
    template = N_("You may not do this with this claim.")


class ClaimRefused(ClaimProblem):
    """The claim cannot be started (scope, listing, duplicate, no criteria)."""


class ClaimStateRefused(ClaimProblem):
    template = N_("This claim is %(status)s: that is not possible now.")


class ClaimChanged(ClaimProblem):
    template = N_("Someone else changed this claim at the same moment. Please look again.")


class AnswersInvalid(ClaimProblem):
    """Nothing was saved; `errors` names each bad field (answer-<id>, link-<id>, file-<id>)."""

    template = N_("Some answers or files could not be used; nothing was saved.")

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__()
        self.errors = errors


class ClaimIncomplete(ClaimProblem):
    """Submitting needs every criterion answered and evidence where required."""

    template = N_("The claim is not complete yet, so it was not submitted.")

    def __init__(self, missing: list[FieldError]) -> None:
        super().__init__()
        self.missing = missing


def get_claim(claim_id: int, coop: Coop | None = None) -> LabelClaim:
    """One claim (of `coop`, when given); ClaimNotFound otherwise."""
    claim = db.session.get(LabelClaim, claim_id)
    if claim is None or (coop is not None and claim.coop_id != coop.id):
        raise ClaimNotFound(claim_id)
    return claim


def claims_of(coop: Coop) -> list[LabelClaim]:
    """The co-op's claims, newest first."""
    return list(
        db.session.scalars(
            select(LabelClaim)
            .where(LabelClaim.coop_id == coop.id)
            .options(selectinload(LabelClaim.label), selectinload(LabelClaim.listing))
            .order_by(LabelClaim.created_at.desc(), LabelClaim.id.desc())
        )
    )


def claimable_labels() -> list[Label]:
    """Labels that have criteria in force, in their display order."""
    labels = db.session.scalars(select(Label).order_by(Label.position, Label.name))
    return [label for label in labels if label.current_version is not None]


def claimable_listings(coop: Coop) -> list[Listing]:
    """The co-op's listings a label can be claimed for (all but archived ones)."""
    return list(
        db.session.scalars(
            select(Listing)
            .where(Listing.coop_id == coop.id, Listing.status != ListingStatus.ARCHIVED)
            .order_by(Listing.title)
        )
    )


def answer_for(claim: LabelClaim, criterion: Criterion) -> ClaimAnswer | None:
    """The claim's answer to one criterion, if there is one."""
    return next((a for a in claim.answers if a.criterion_id == criterion.id), None)


def missing_items(claim: LabelClaim) -> list[FieldError]:
    """What still stops the claim from being submitted, one entry per criterion."""
    missing: list[FieldError] = []
    for number, criterion in enumerate(claim.criteria_version.criteria, start=1):
        answer = answer_for(claim, criterion)
        params = {"number": number, "question": criterion.question}
        if answer is None or not answer.answer.strip():
            missing.append(
                FieldError(
                    f"answer-{criterion.id}", N_("%(number)d. %(question)s: no answer yet"), params
                )
            )
        elif criterion.evidence_required and not (answer.evidence_file or answer.evidence_url):
            missing.append(
                FieldError(
                    f"file-{criterion.id}",
                    N_("%(number)d. %(question)s: evidence (a file or a link) is required"),
                    params,
                )
            )
    return missing


def start_claim(coop: Coop, label: Label, listing: Listing | None, by: User) -> LabelClaim:
    """A draft claim against the label's current criteria."""
    _ensure_may_claim(coop, by)
    if label.scope is LabelScope.LISTING and listing is None:
        raise ClaimRefused(N_("%(label)s is claimed for a listing: choose one."), label=label.name)
    if label.scope is LabelScope.COOP and listing is not None:
        raise ClaimRefused(
            N_("%(label)s is claimed for the whole co-op, not for a listing."), label=label.name
        )
    if listing is not None and listing.coop_id != coop.id:
        raise ClaimRefused(N_("That listing belongs to another co-op."))
    version = label.current_version
    if version is None:
        raise ClaimRefused(N_("%(label)s has no criteria in force yet."), label=label.name)
    if _blocking_claim(coop, label, listing) is not None:
        raise ClaimRefused(
            N_("There already is an open or verified claim of %(label)s for this."),
            label=label.name,
        )
    claim = LabelClaim(
        label=label,
        coop=coop,
        listing=listing,
        criteria_version=version,
        status=ClaimStatus.DRAFT,
        created_by_id=by.id,
    )
    db.session.add(claim)
    db.session.flush()
    audit.record(
        "claim.started",
        "claim",
        claim.id,
        actor=by,
        coop_id=coop.id,
        after=_facts(claim),
    )
    db.session.commit()
    log.info(
        "claim %s of %s started for co-op %s by user %s", claim.id, label.slug, coop.slug, by.id
    )
    return claim


def save_answers(
    claim: LabelClaim,
    answers: Mapping[int, Mapping[str, str | None]],
    by: User,
    files: Mapping[int, evidence.UploadedFile] | None = None,
    *,
    submit: bool = False,
    now: datetime | None = None,
) -> LabelClaim:
    """Save answers, links and evidence files (all or nothing); with `submit`, send it too."""
    _ensure_may_claim(claim.coop, by)
    if str(claim.status) not in EDITABLE:
        raise ClaimStateRefused(status=str(claim.status))
    criteria = {criterion.id: criterion for criterion in claim.criteria_version.criteria}
    errors: list[FieldError] = []
    values = _check_answers(answers, criteria, errors)
    cleaned: dict[int, evidence.CleanEvidence] = {}
    for criterion_id, upload in (files or {}).items():
        if criterion_id not in criteria:
            errors.append(FieldError(f"file-{criterion_id}", N_("is not one of the criteria")))
            continue
        result = evidence.check(upload, f"file-{criterion_id}")
        if isinstance(result, FieldError):
            errors.append(result)
        else:
            cleaned[criterion_id] = result
    if errors:
        raise AnswersInvalid(errors)
    replaced: list[str] = []
    for criterion_id, value in values.items():
        answer = _answer(claim, criteria[criterion_id])
        answer.answer, answer.evidence_url = value
    for criterion_id, item in cleaned.items():
        answer = _answer(claim, criteria[criterion_id])
        if answer.evidence_file and answer.evidence_file != item.filename:
            replaced.append(answer.evidence_file)
        answer.evidence_file = item.filename
        answer.evidence_name = item.name
        answer.evidence_content_type = item.content_type
        answer.evidence_size = len(item.data)
    if submit:
        missing = missing_items(claim)
        if missing:
            db.session.rollback()
            raise ClaimIncomplete(missing)
        _submit(claim, by, now or utcnow())
    _commit(undo_files=evidence.write(cleaned.values()))
    evidence.delete_unused(replaced)
    log.info(
        "claim %s answers saved by user %s%s", claim.id, by.id, " and submitted" if submit else ""
    )
    return claim


def attach_evidence(
    claim: LabelClaim, criterion_id: int, file: evidence.UploadedFile, by: User
) -> LabelClaim:
    """Attach one evidence file to the answer to one criterion (replacing any earlier file)."""
    return save_answers(claim, {}, by, {criterion_id: file})


def remove_evidence(claim: LabelClaim, criterion_id: int, by: User) -> LabelClaim:
    """Take the evidence file off the answer to one criterion."""
    _ensure_may_claim(claim.coop, by)
    if str(claim.status) not in EDITABLE:
        raise ClaimStateRefused(status=str(claim.status))
    answer = next((a for a in claim.answers if a.criterion_id == criterion_id), None)
    if answer is None or not answer.evidence_file:
        raise ClaimNotFound(criterion_id)
    name = answer.evidence_file
    answer.evidence_file = answer.evidence_name = answer.evidence_content_type = None
    answer.evidence_size = None
    _commit()
    evidence.delete_unused([name])
    return claim


def submit(claim: LabelClaim, by: User, now: datetime | None = None) -> LabelClaim:
    """Send the claim to the review board: every criterion answered, evidence where required."""
    return save_answers(claim, {}, by, submit=True, now=now)


def renew(claim: LabelClaim, by: User, now: datetime | None = None) -> LabelClaim:
    """Send an approved or expired claim for review again, against the current criteria."""
    _ensure_may_claim(claim.coop, by)
    now = now or utcnow()
    _next(claim, ClaimEvent.RENEW)  # refuses claims that cannot be renewed
    version = claim.label.current_version
    if version is None:
        raise ClaimRefused(N_("%(label)s has no criteria in force yet."), label=claim.label.name)
    before = _facts(claim)
    dropped: list[str] = []
    if version.id != claim.criteria_version_id:
        dropped = _carry_over(claim, version.criteria)
        claim.criteria_version = version
    # Newer criteria the claim does not answer yet: back to the co-op, not to the board.
    event = ClaimEvent.REOPEN if missing_items(claim) else ClaimEvent.RENEW
    claim.status = _next(claim, event)
    claim.submitted_at = now
    claim.rereview_due_at = None
    claim.reminded_at = None
    audit.record(
        "claim.renewed",
        "claim",
        claim.id,
        actor=by,
        coop_id=claim.coop_id,
        before=before,
        after=_facts(claim),
    )
    _commit()
    evidence.delete_unused(dropped)
    log.info("claim %s renewed by user %s", claim.id, by.id)
    return claim


def _carry_over(claim: LabelClaim, criteria: list[Criterion]) -> list[str]:
    """Keep the answers whose criterion key still exists; drop the rest.

    Returns the evidence files of the dropped answers, to delete after the commit."""
    by_key = {answer.criterion.key: answer for answer in claim.answers}
    kept: list[ClaimAnswer] = []
    for criterion in criteria:
        old = by_key.get(criterion.key)
        if old is None:
            continue
        kept.append(
            ClaimAnswer(
                criterion=criterion,
                answer=old.answer,
                evidence_url=old.evidence_url,
                evidence_file=old.evidence_file,
                evidence_name=old.evidence_name,
                evidence_content_type=old.evidence_content_type,
                evidence_size=old.evidence_size,
            )
        )
    dropped = [
        answer.evidence_file
        for answer in claim.answers
        if answer.evidence_file and answer.criterion.key not in {c.key for c in criteria}
    ]
    claim.answers.clear()
    db.session.flush()
    claim.answers.extend(kept)
    return dropped


def _submit(claim: LabelClaim, by: User, now: datetime) -> None:
    before = _facts(claim)
    claim.status = _next(claim, ClaimEvent.SUBMIT)
    claim.submitted_at = now
    audit.record(
        "claim.submitted",
        "claim",
        claim.id,
        actor=by,
        coop_id=claim.coop_id,
        before=before,
        after=_facts(claim),
    )


def _check_answers(
    answers: Mapping[int, Mapping[str, str | None]],
    criteria: Mapping[int, Criterion],
    errors: list[FieldError],
) -> dict[int, tuple[str, str | None]]:
    values: dict[int, tuple[str, str | None]] = {}
    for criterion_id, raw in answers.items():
        if criterion_id not in criteria:
            errors.append(FieldError(f"answer-{criterion_id}", N_("is not one of the criteria")))
            continue
        text = str(raw.get("answer") or "").strip()
        url = str(raw.get("evidence_url") or "").strip()
        if len(text) > MAX_ANSWER:
            errors.append(
                FieldError(
                    f"answer-{criterion_id}",
                    N_("must be at most %(limit)d characters"),
                    {"limit": MAX_ANSWER},
                )
            )
        if url and (not url.startswith(("https://", "http://")) or len(url) > MAX_URL):
            errors.append(
                FieldError(
                    f"link-{criterion_id}",
                    N_("must be a link starting with https:// (%(limit)d characters at most)"),
                    {"limit": MAX_URL},
                )
            )
        values[criterion_id] = (text, url or None)
    return values


def _answer(claim: LabelClaim, criterion: Criterion) -> ClaimAnswer:
    answer = answer_for(claim, criterion)
    if answer is None:
        answer = ClaimAnswer(criterion=criterion, criterion_id=criterion.id, answer="")
        claim.answers.append(answer)
    return answer


def _blocking_claim(coop: Coop, label: Label, listing: Listing | None) -> LabelClaim | None:
    query = select(LabelClaim).where(
        LabelClaim.coop_id == coop.id,
        LabelClaim.label_id == label.id,
        LabelClaim.status.in_([*OPEN, ClaimStatus.APPROVED]),
    )
    if listing is None:
        query = query.where(LabelClaim.listing_id.is_(None))
    else:
        query = query.where(LabelClaim.listing_id == listing.id)
    now = utcnow()
    for claim in db.session.scalars(query):
        if claim.status in OPEN or is_verified(facts_of(claim), now):
            return claim
    return None


def facts_of(claim: LabelClaim) -> ClaimFacts:
    """What the domain needs to know whether the claim counts as verified."""
    return ClaimFacts(str(claim.status), claim.expires_at, claim.rereview_due_at)


def _ensure_may_claim(coop: Coop, by: User) -> None:
    if not can(Permission.CLAIM_LABELS, coop, user=by):
        raise ClaimNotAllowed()


def _next(claim: LabelClaim, event: ClaimEvent) -> ClaimStatus:
    try:
        return ClaimStatus(next_claim_status(str(claim.status), event))
    except ClaimTransitionRefused:
        raise ClaimStateRefused(status=str(claim.status)) from None


def _facts(claim: LabelClaim) -> dict[str, Any]:
    """What the audit log records about a claim before and after a change."""
    return {
        "status": str(claim.status),
        "label": claim.label.slug if claim.label else None,
        "listing_id": claim.listing_id,
        "criteria_version": claim.criteria_version.number if claim.criteria_version else None,
        "expires_at": claim.expires_at,
        "rereview_due_at": claim.rereview_due_at,
    }


def _commit(undo_files: list[str] | None = None) -> None:
    """Commit; on a clash or failure roll back and drop the files this change wrote."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        evidence.delete_unused(undo_files or [])
        raise ClaimChanged() from None
    except BaseException:
        db.session.rollback()
        evidence.delete_unused(undo_files or [])
        raise
