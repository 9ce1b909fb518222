"""A co-op's label claims: list, start, answer with evidence, submit, renew, withdraw."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ...authz import can, ensure
from ...domain.messages import FieldError
from ...domain.permissions import Permission
from ...models import ClaimStatus, Coop, LabelClaim, LabelScope
from ...services import claim_reviews, claims, evidence
from ..helpers import coop_or_404
from . import bp
from .forms import ClaimActionForm, NewClaimForm, WithdrawForm

WHOLE_COOP = "coop"
#: how each claim status is named on pages
STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Waiting for review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
}
DECISION_LABELS = {
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
    "request_changes": _l("Asked for changes"),
}


@bp.app_context_processor
def _claim_labels() -> dict[str, Any]:
    return {"claim_status_labels": STATUS_LABELS, "claim_decision_labels": DECISION_LABELS}


def _claim_or_404(coop: Coop, claim_id: int) -> LabelClaim:
    try:
        return claims.get_claim(claim_id, coop)
    except claims.ClaimNotFound:
        abort(404)


def flash_problem(problem: claims.ClaimProblem) -> None:
    """Show a service's refusal as an error message, in the reader's language."""
    params = dict(problem.params)
    if "status" in params:
        params["status"] = str(STATUS_LABELS.get(str(params["status"]), params["status"])).lower()
    flash(_(problem.template, **params), "error")


def _messages(errors: list[FieldError]) -> dict[str, list[str]]:
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error.field, []).append(_(error.template, **error.params))
    return by_field


@bp.get("/dashboard/<slug>/claims")
def index(slug: str) -> str:
    coop = coop_or_404(slug, Permission.VIEW_COOP_DASHBOARD)
    return render_template(
        "claims/index.html",
        coop=coop,
        claims=claims.claims_of(coop),
        may_claim=can(Permission.CLAIM_LABELS, coop),
    )


@bp.route("/dashboard/<slug>/claims/new", methods=["GET", "POST"])
def new(slug: str) -> Any:
    coop = coop_or_404(slug, Permission.CLAIM_LABELS)
    labels = {label.id: label for label in claims.claimable_labels()}
    form = NewClaimForm()
    form.label.choices = [SelectChoice(label.id, _label_choice(label)) for label in labels.values()]
    listings = {str(listing.id): listing for listing in claims.claimable_listings(coop)}
    form.target.choices = [SelectChoice(WHOLE_COOP, _("The whole co-op"))] + [
        SelectChoice(key, listing.title) for key, listing in listings.items()
    ]
    if form.validate_on_submit():
        label = labels[form.label.data]
        try:
            claim = claims.start_claim(
                coop, label, listings.get(form.target.data or ""), current_user
            )
        except claims.ClaimProblem as problem:
            flash_problem(problem)
        else:
            flash(_("Draft claim started: answer every criterion, then submit it."), "success")
            return redirect(url_for("claims.claim", slug=slug, claim_id=claim.id))
    status = 400 if request.method == "POST" else 200
    return render_template("claims/new.html", coop=coop, form=form, labels=labels), status


def _label_choice(label: Any) -> str:
    scope = {
        LabelScope.LISTING: _("for a listing"),
        LabelScope.COOP: _("for the whole co-op"),
        LabelScope.BOTH: _("for a listing or the whole co-op"),
    }[label.scope]
    return f"{label.name} ({scope})"


@bp.route("/dashboard/<slug>/claims/<int:claim_id>", methods=["GET", "POST"])
def claim(slug: str, claim_id: int) -> Any:
    coop = coop_or_404(slug, Permission.VIEW_COOP_DASHBOARD)
    found = _claim_or_404(coop, claim_id)
    form = ClaimActionForm()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        ensure(Permission.CLAIM_LABELS, coop)
        if form.validate_on_submit():
            answers, files = _answers_from_form(found)
            submitting = request.form.get("action") == "submit"
            try:
                claims.save_answers(found, answers, current_user, files, submit=submitting)
            except claims.AnswersInvalid as invalid:
                errors = _messages(invalid.errors)
                flash_problem(invalid)
            except claims.ClaimIncomplete as incomplete:
                errors = _messages(incomplete.missing)
                flash_problem(incomplete)
            except claims.ClaimProblem as problem:
                flash_problem(problem)
            else:
                flash(
                    _("Claim submitted to the review board.")
                    if submitting
                    else _("Answers saved."),
                    "success",
                )
                return redirect(url_for("claims.claim", slug=slug, claim_id=found.id))
    return _claim_page(coop, found, form, errors, 400 if request.method == "POST" else 200)


def _answers_from_form(claim: LabelClaim) -> tuple[dict[int, dict[str, str]], dict[int, Any]]:
    answers: dict[int, dict[str, str]] = {}
    files: dict[int, Any] = {}
    for criterion in claim.criteria_version.criteria:
        answers[criterion.id] = {
            "answer": request.form.get(f"answer-{criterion.id}", ""),
            "evidence_url": request.form.get(f"link-{criterion.id}", ""),
        }
        upload = request.files.get(f"file-{criterion.id}")
        if upload is not None and (upload.filename or "").strip():
            files[criterion.id] = upload
    return answers, files


def _claim_page(
    coop: Coop, found: LabelClaim, form: ClaimActionForm, errors: dict[str, list[str]], status: int
) -> tuple[str, int]:
    entered = request.form if request.method == "POST" else None
    return render_template(
        "claims/claim.html",
        coop=coop,
        claim=found,
        form=form,
        withdraw_form=WithdrawForm(formdata=None),
        errors=errors,
        entered=entered,
        answers={a.criterion_id: a for a in found.answers},
        editable=str(found.status) in claims.EDITABLE and can(Permission.CLAIM_LABELS, coop),
        may_claim=can(Permission.CLAIM_LABELS, coop),
        max_mb=f"{int(current_app.config['EVIDENCE_MAX_BYTES']) / 2**20:g}",
    ), status


@bp.post("/dashboard/<slug>/claims/<int:claim_id>/evidence/<int:criterion_id>/remove")
def remove_evidence(slug: str, claim_id: int, criterion_id: int) -> Response:
    coop = coop_or_404(slug, Permission.CLAIM_LABELS)
    found = _claim_or_404(coop, claim_id)
    if ClaimActionForm().validate_on_submit():
        try:
            claims.remove_evidence(found, criterion_id, current_user)
        except claims.ClaimNotFound:
            abort(404)
        except claims.ClaimProblem as problem:
            flash_problem(problem)
        else:
            flash(_("Evidence file removed."), "success")
    return redirect(url_for("claims.claim", slug=slug, claim_id=claim_id))


@bp.post("/dashboard/<slug>/claims/<int:claim_id>/renew")
def renew(slug: str, claim_id: int) -> Response:
    coop = coop_or_404(slug, Permission.CLAIM_LABELS)
    found = _claim_or_404(coop, claim_id)
    if ClaimActionForm().validate_on_submit():
        try:
            claims.renew(found, current_user)
        except claims.ClaimProblem as problem:
            flash_problem(problem)
        else:
            if found.status is ClaimStatus.CHANGES_REQUESTED:
                flash(
                    _("The criteria have changed: answer the new questions, then submit."), "info"
                )
            else:
                flash(_("Claim sent to the review board again."), "success")
    return redirect(url_for("claims.claim", slug=slug, claim_id=claim_id))


@bp.post("/dashboard/<slug>/claims/<int:claim_id>/withdraw")
def withdraw(slug: str, claim_id: int) -> Response:
    coop = coop_or_404(slug, Permission.CLAIM_LABELS)
    found = _claim_or_404(coop, claim_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            claim_reviews.revoke(found, current_user, form.reason.data or "")
        except claims.ClaimProblem as problem:
            flash_problem(problem)
        else:
            flash(_("Claim withdrawn."), "success")
    return redirect(url_for("claims.claim", slug=slug, claim_id=claim_id))


@bp.get("/claims/<int:claim_id>/evidence/<int:answer_id>")
def evidence_file(claim_id: int, answer_id: int) -> Response:
    try:
        found = claims.get_claim(claim_id)
    except claims.ClaimNotFound:
        abort(404)
    # Reviewers see evidence once a claim has been sent to the board, never a draft.
    sent = str(found.status) != "draft"
    if not (
        (sent and can(Permission.REVIEW_CLAIMS)) or can(Permission.VIEW_COOP_DASHBOARD, found.coop)
    ):
        ensure(Permission.VIEW_COOP_DASHBOARD, found.coop)
    answer = next((a for a in found.answers if a.id == answer_id), None)
    if answer is None or not evidence.is_stored_name(answer.evidence_file or ""):
        abort(404)
    response = send_from_directory(
        evidence.evidence_folder(),
        answer.evidence_file or "",
        mimetype=answer.evidence_content_type,
        as_attachment=True,
        download_name=answer.evidence_name or answer.evidence_file,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
