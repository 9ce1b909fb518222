"""Proposals and votes: one co-op, one vote on criteria, the fee policy and admissions.

Any logged-in person may read proposals and see how each co-op voted (votes of member
co-ops are open in a federation of co-ops); federation admins and reviewers propose;
admins of admitted co-ops vote.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_datetime, format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...authz import can, ensure
from ...domain.messages import FieldError
from ...domain.permissions import Permission
from ...models import Proposal
from ...models.base import utcnow
from ...services import catalog, coops, governance, proposal_closing, proposals
from ..helpers import coop_or_404, field_errors_to_form
from . import bp
from .forms import ConfirmForm, CriteriaProposalForm, FeePolicyForm, VoteForm


@bp.context_processor
def _helpers() -> dict[str, object]:
    def time_left(until: datetime) -> str:
        return format_timedelta(until - utcnow(), threshold=1.1, add_direction=False)

    return {"time_left": time_left, "format_datetime": format_datetime}


def _proposal_or_404(proposal_id: int) -> Proposal:
    proposal = proposals.proposal_by_id(proposal_id)
    if proposal is None:
        abort(404)
    return proposal


@bp.get("/proposals/")
@login_required
def index() -> str:
    proposal_closing.close_due()
    may_propose = can(Permission.PROPOSE)
    return render_template(
        "governance/index.html",
        open_rows=proposals.open_proposals(),
        recent_rows=proposals.recent_proposals(),
        labels=catalog.all_labels() if may_propose else [],
        may_propose=may_propose,
    )


def _show(proposal: Proposal, status: int = 200) -> tuple[str, int]:
    return render_template(
        "governance/show.html",
        view=proposals.proposal_view(proposal),
        ballots=proposals.ballots(proposal, current_user),
        form=VoteForm(),
    ), status


@bp.get("/proposals/<int:proposal_id>")
@login_required
def show(proposal_id: int) -> tuple[str, int]:
    proposal_closing.close_due()
    return _show(_proposal_or_404(proposal_id))


@bp.post("/proposals/<int:proposal_id>/vote")
@login_required
def vote(proposal_id: int) -> object:
    proposal = _proposal_or_404(proposal_id)
    form = VoteForm()
    if not form.validate_on_submit():
        flash(_("Choose yes, no or abstain."), "error")
        return _show(proposal, 400)
    coop = coop_or_404(form.coop.data, Permission.VOTE)
    try:
        governance.cast_vote(proposal, coop, form.choice.data, current_user)
    except governance.CoopNotAdmitted:
        flash(_("Only admitted co-ops vote; %(name)s is not admitted.", name=coop.name), "error")
        return _show(proposal, 403)
    except governance.VotingClosed:
        flash(_("This vote has closed; no more votes can be cast."), "error")
        return _show(proposal, 409)
    flash(_("%(name)s's vote is recorded. You can change it until the close.", name=coop.name))
    return redirect(url_for("governance.show", proposal_id=proposal.id), 303)


def _row_errors(form: CriteriaProposalForm, errors: list[FieldError]) -> None:
    """Put `criteria-<row>-<field>` errors next to that row's field."""
    others = []
    for error in errors:
        parts = error.field.split("-")
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(form.criteria.entries):
            row = form.criteria.entries[int(parts[1])].form
            getattr(row, parts[2]).errors.append(_(error.template, **error.params))
        else:
            others.append(error)
    field_errors_to_form(form, others)


@bp.route("/proposals/new/criteria/<label_slug>", methods=["GET", "POST"])
def new_criteria(label_slug: str) -> object:
    ensure(Permission.PROPOSE)
    try:
        label = catalog.label_by_slug(label_slug)
    except catalog.NotFound:
        abort(404)
    form = CriteriaProposalForm()
    status = 200
    if not form.is_submitted():
        form = CriteriaProposalForm(data={"criteria": proposals.criteria_rows(label)})
    elif not form.validate():
        status = 400
    elif form.add_row.data:
        if len(form.criteria.entries) < (form.criteria.max_entries or 30):
            form.criteria.append_entry()
        else:
            flash(_("That is as many criteria as one version may have."), "error")
    else:
        try:
            proposal = governance.propose_criteria(
                label, form.criteria.data, form.summary.data or "", current_user
            )
        except governance.ProposalInvalid as invalid:
            _row_errors(form, invalid.errors)
            status = 400
        except governance.AlreadyProposed:
            flash(_("New criteria for this label are already put to a vote."), "error")
            return redirect(url_for("governance.index"))
        else:
            flash(_("The new criteria are put to a vote."), "success")
            return redirect(url_for("governance.show", proposal_id=proposal.id))
    return render_template("governance/new_criteria.html", form=form, label=label), status


@bp.route("/proposals/new/fee-policy", methods=["GET", "POST"])
def new_fee_policy() -> object:
    ensure(Permission.PROPOSE)
    form = FeePolicyForm()
    if not form.is_submitted():
        form = FeePolicyForm(data=proposals.fee_policy_form_values())
    status = 400 if form.is_submitted() and not form.validate() else 200
    if form.is_submitted() and status == 200:
        try:
            proposal = governance.propose_fee_policy(
                form.basis_points.data,
                form.fair_basis_points.data,
                form.minimum_fee.data,
                form.maximum_fee.data,
                form.summary.data or "",
                current_user,
            )
        except governance.ProposalInvalid as invalid:
            field_errors_to_form(form, invalid.errors)
            status = 400
        else:
            flash(_("The new fee policy is put to a vote."), "success")
            return redirect(url_for("governance.show", proposal_id=proposal.id))
    return render_template("governance/new_fee_policy.html", form=form), status


@bp.post("/proposals/new/admission/<coop_slug>")
def new_admission(coop_slug: str) -> object:
    ensure(Permission.PROPOSE)
    try:
        coop = coops.coop_by_slug(coop_slug)
    except coops.CoopNotFound:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        proposal = governance.propose_admission(coop, current_user)
    except governance.NotApplied:
        flash(_("Only a co-op that applied can be put to an admission vote."), "error")
        return redirect(url_for("governance.index"))
    except governance.AlreadyProposed:
        flash(_("The admission of %(name)s is already put to a vote.", name=coop.name), "error")
        return redirect(url_for("governance.index"))
    flash(_("The admission of %(name)s is put to a vote.", name=coop.name), "success")
    return redirect(url_for("governance.show", proposal_id=proposal.id))
