"""The review board: the queue of claims and the decision on each. Reviewers only."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ...authz import require
from ...domain.permissions import Permission
from ...models import LabelClaim
from ...models.base import utcnow
from ...services import claim_reviews, claims
from ..claims.routes import flash_problem
from . import bp
from .forms import DecisionForm, RevokeForm


def _claim_or_404(claim_id: int) -> LabelClaim:
    try:
        return claims.get_claim(claim_id)
    except claims.ClaimNotFound:
        abort(404)


@bp.get("/review/")
@require(Permission.REVIEW_CLAIMS)
def queue() -> str:
    # Cheap housekeeping on page load: approvals that ran out stop counting right away.
    claim_reviews.expire_due()
    claim_reviews.remind_due()
    label = request.args.get("label") or None
    return render_template(
        "review/queue.html",
        entries=claim_reviews.queue(label),
        labels=claims.claimable_labels(),
        chosen_label=label,
        required=claim_reviews.approvals_required(),
        now=utcnow(),
        format_timedelta=format_timedelta,
    )


@bp.route("/review/claims/<int:claim_id>", methods=["GET", "POST"])
@require(Permission.REVIEW_CLAIMS)
def claim(claim_id: int) -> Any:
    found = _claim_or_404(claim_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            claim_reviews.review(found, current_user, form.decision.data, form.reason.data)
        except claims.ClaimProblem as problem:
            flash_problem(problem)
        else:
            flash(_("Decision recorded."), "success")
            return redirect(url_for("review.claim", claim_id=claim_id))
    status = 400 if request.method == "POST" else 200
    return _page(found, form, RevokeForm(formdata=None)), status


def _page(found: LabelClaim, form: DecisionForm, revoke_form: RevokeForm) -> str:
    return render_template(
        "review/claim.html",
        claim=found,
        form=form,
        revoke_form=revoke_form,
        may_decide=claim_reviews.may_decide(found, current_user),
        approvers=claim_reviews.approvers_this_round(found),
        required=claim_reviews.approvals_required(),
        answers={a.criterion_id: a for a in found.answers},
    )


@bp.post("/review/claims/<int:claim_id>/revoke")
@require(Permission.REVIEW_CLAIMS)
def revoke(claim_id: int) -> Response | tuple[str, int]:
    found = _claim_or_404(claim_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            claim_reviews.revoke(found, current_user, form.reason.data)
        except claims.ClaimProblem as problem:
            flash_problem(problem)
        else:
            flash(_("The approval is revoked: the label no longer shows as verified."), "success")
        return redirect(url_for("review.claim", claim_id=claim_id))
    return _page(found, DecisionForm(formdata=None), form), 400
