"""Proposals and votes on both databases: casting, changing, closing and applying."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import (
    AuditEntry,
    CoopStatus,
    CriteriaStatus,
    MemberRole,
    ProposalStatus,
    Vote,
)
from marketplace.services import admission, governance
from marketplace.services.proposal_closing import close_due
from marketplace.services.proposals import proposal_view
from tests.factories import make_coop, make_member, make_user
from tests.governance_factories import (
    CRITERIA,
    NOW,
    make_approved_claim,
    make_label_with_criteria,
    make_proposer,
    make_voter,
)

AFTER_CLOSE = NOW + timedelta(days=15)


def _actions(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _new_criteria() -> list[dict]:
    changed = dict(CRITERIA[0], question="Do all workers earn at least a living wage?")
    added = {"key": "repair", "question": "Can buyers get it repaired?", "guidance": ""}
    return [changed, added]


def _fee_proposal(by=None):
    return governance.propose_fee_policy(
        500, 250, 30, None, "Lower fee", by or make_proposer(), NOW
    )


def test_a_criteria_proposal_holds_a_new_proposed_version_and_the_settings(app):
    label = make_label_with_criteria()
    proposal = governance.propose_criteria(label, _new_criteria(), "Clearer", make_proposer(), NOW)
    version = label.criteria_versions[-1]
    assert (version.number, version.status) == (2, CriteriaStatus.PROPOSED)
    assert [c.key for c in version.criteria] == ["wages", "repair"]
    assert proposal.closes_at == NOW + timedelta(days=app.config["PROPOSAL_DAYS"])
    assert proposal.quorum_percent == app.config["VOTE_QUORUM_PERCENT"]
    assert proposal.majority_percent == app.config["VOTE_MAJORITY_PERCENT"]
    assert len(_actions("proposal.opened")) == 1


def test_bad_criteria_are_refused_and_nothing_is_written(app):
    label = make_label_with_criteria()
    rows = [dict(CRITERIA[0]), dict(CRITERIA[0], question="Hi")]
    with pytest.raises(governance.ProposalInvalid) as refused:
        governance.propose_criteria(label, rows, "", make_proposer(), NOW)
    fields = {error.field for error in refused.value.errors}
    assert fields == {"criteria-1-key", "criteria-1-question"}
    db.session.rollback()
    assert len(label.criteria_versions) == 1
    assert _actions("proposal.opened") == []


def test_only_one_criteria_vote_per_label_is_open_at_a_time(app):
    label = make_label_with_criteria()
    governance.propose_criteria(label, _new_criteria(), "", make_proposer(), NOW)
    with pytest.raises(governance.AlreadyProposed):
        governance.propose_criteria(label, CRITERIA, "", make_proposer(), NOW)


def test_a_buyer_cannot_propose(app):
    label = make_label_with_criteria()
    with pytest.raises(governance.NotAllowed):
        governance.propose_criteria(label, CRITERIA, "", make_user(), NOW)
    with pytest.raises(governance.NotAllowed):
        governance.propose_fee_policy(500, None, None, None, "", make_user(), NOW)


@pytest.mark.parametrize(
    ("bps", "fair", "low", "high", "field"),
    [
        (10001, None, None, None, "basis_points"),
        (500, 600, None, None, "fair_basis_points"),
        (500, None, 100, 50, "maximum_fee"),
        ("5.5", None, None, None, "basis_points"),
        (500, None, -1, None, "minimum_fee"),
    ],
)
def test_a_fee_policy_that_makes_no_sense_is_refused(app, bps, fair, low, high, field):
    with pytest.raises(governance.ProposalInvalid) as refused:
        governance.propose_fee_policy(bps, fair, low, high, "", make_proposer(), NOW)
    assert field in {error.field for error in refused.value.errors}


def test_a_coop_admin_casts_one_vote_with_an_audit_entry(app):
    proposal = _fee_proposal()
    coop, admin = make_voter()
    governance.cast_vote(proposal, coop, "yes", admin, NOW + timedelta(days=1))
    [entry] = _actions("vote.cast")
    assert (entry.actor_id, entry.coop_id, entry.subject_id) == (admin.id, coop.id, proposal.id)
    assert json.loads(entry.after_json)["choice"] == "yes"


def test_a_second_vote_from_the_same_coop_changes_its_vote(app):
    proposal = _fee_proposal()
    coop, admin = make_voter()
    other_admin = make_user()
    make_member(other_admin, coop, MemberRole.ADMIN)
    governance.cast_vote(proposal, coop, "yes", admin, NOW)
    governance.cast_vote(proposal, coop, "no", other_admin, NOW + timedelta(hours=1))
    votes = list(db.session.scalars(select(Vote).where(Vote.proposal_id == proposal.id)))
    assert len(votes) == 1
    assert (votes[0].choice, votes[0].cast_by_id) == ("no", other_admin.id)
    [changed] = _actions("vote.changed")
    assert json.loads(changed.before_json)["choice"] == "yes"
    assert json.loads(changed.after_json) == {"choice": "no", "cast_by_id": other_admin.id}


def test_a_vote_after_the_close_is_refused(app):
    proposal = _fee_proposal()
    coop, admin = make_voter()
    with pytest.raises(governance.VotingClosed):
        governance.cast_vote(proposal, coop, "yes", admin, proposal.closes_at)
    close_due(AFTER_CLOSE)
    with pytest.raises(governance.VotingClosed):
        governance.cast_vote(proposal, coop, "yes", admin, NOW)
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_a_member_who_is_not_an_admin_cannot_vote(app):
    proposal = _fee_proposal()
    coop = make_coop()
    member = make_user()
    make_member(member, coop, MemberRole.MEMBER)
    with pytest.raises(governance.NotAllowed):
        governance.cast_vote(proposal, coop, "yes", member, NOW)


@pytest.mark.parametrize("status", [CoopStatus.APPLIED, CoopStatus.SUSPENDED])
def test_an_admin_of_a_coop_not_admitted_cannot_vote(app, status):
    proposal = _fee_proposal()
    coop, admin = make_voter(status=status)
    with pytest.raises(governance.CoopNotAdmitted):
        governance.cast_vote(proposal, coop, "yes", admin, NOW)


def test_a_tie_fails(app):
    proposal = _fee_proposal()
    for choice in ("yes", "no"):
        coop, admin = make_voter()
        governance.cast_vote(proposal, coop, choice, admin, NOW)
    [closed] = close_due(AFTER_CLOSE)
    assert closed.status is ProposalStatus.FAILED
    assert json.loads(closed.outcome_json)["reason"] == "majority_missed"
    assert governance.current_fee_policy() is None
    assert len(_actions("proposal.failed")) == 1


def test_a_missed_quorum_fails_even_when_every_vote_is_yes(app):
    proposal = _fee_proposal()
    coop, admin = make_voter()
    make_coop(), make_coop()
    governance.cast_vote(proposal, coop, "yes", admin, NOW)
    [closed] = close_due(AFTER_CLOSE)
    assert closed.status is ProposalStatus.FAILED
    assert json.loads(closed.outcome_json)["reason"] == "quorum_missed"


def test_a_coop_suspended_during_the_vote_loses_its_vote(app):
    proposal = _fee_proposal()
    voters = [make_voter() for _ in range(3)]
    for (coop, admin), choice in zip(voters, ("yes", "no", "no"), strict=True):
        governance.cast_vote(proposal, coop, choice, admin, NOW)
    for coop, _admin in voters[1:]:
        admission.decide(coop, "suspend", "Unpaid dues.", make_proposer())
        coop.decided_at = NOW + timedelta(days=1)  # decide() stamps the real clock
    db.session.commit()
    [closed] = close_due(AFTER_CLOSE)
    outcome = json.loads(closed.outcome_json)
    assert (outcome["yes"], outcome["no"], outcome["eligible"]) == (1, 0, 1)
    assert closed.status is ProposalStatus.PASSED


def test_a_passed_fee_policy_is_adopted_and_in_force(app):
    proposal = _fee_proposal()
    coop, admin = make_voter()
    governance.cast_vote(proposal, coop, "yes", admin, NOW)
    close_due(AFTER_CLOSE)
    policy = governance.current_fee_policy()
    assert policy is not None and policy.id == proposal.fee_policy_id
    assert policy.adopted_at == AFTER_CLOSE
    [entry] = _actions("fee_policy.adopted")
    assert json.loads(entry.after_json)["basis_points"] == 500


def test_closing_twice_does_nothing_the_second_time(app):
    proposal = _fee_proposal()
    coop, admin = make_voter()
    governance.cast_vote(proposal, coop, "yes", admin, NOW)
    assert len(close_due(AFTER_CLOSE)) == 1
    assert close_due(AFTER_CLOSE + timedelta(days=1)) == []
    assert len(_actions("proposal.passed")) == 1
    assert len(_actions("fee_policy.adopted")) == 1
    assert proposal.closed_at == AFTER_CLOSE


def test_a_proposal_still_open_is_not_closed(app):
    _fee_proposal()
    assert close_due(NOW + timedelta(days=1)) == []


def test_new_criteria_passed_mark_older_approved_claims_for_rereview(app):
    label = make_label_with_criteria()
    coop, admin = make_voter()
    claim = make_approved_claim(label, coop)
    other_label_claim = make_approved_claim(make_label_with_criteria(), coop)
    proposal = governance.propose_criteria(label, _new_criteria(), "", make_proposer(), NOW)
    governance.cast_vote(proposal, coop, "yes", admin, NOW)
    close_due(AFTER_CLOSE)
    versions = {v.number: v.status for v in label.criteria_versions}
    assert versions == {1: CriteriaStatus.SUPERSEDED, 2: CriteriaStatus.CURRENT}
    assert label.current_version.adopted_at == AFTER_CLOSE
    grace = timedelta(days=app.config["REREVIEW_GRACE_DAYS"])
    assert claim.rereview_due_at == AFTER_CLOSE + grace
    assert claim.status == "approved"  # still verified until the deadline
    assert other_label_claim.rereview_due_at is None
    [adopted] = _actions("criteria.adopted")
    assert json.loads(adopted.after_json)["claims_due_for_rereview"] == 1
    [due] = _actions("claim.rereview_due")
    assert due.coop_id == coop.id


def test_failed_criteria_are_rejected_and_claims_are_left_alone(app):
    label = make_label_with_criteria()
    coop, admin = make_voter()
    claim = make_approved_claim(label, coop)
    proposal = governance.propose_criteria(label, _new_criteria(), "", make_proposer(), NOW)
    governance.cast_vote(proposal, coop, "no", admin, NOW)
    close_due(AFTER_CLOSE)
    versions = {v.number: v.status for v in label.criteria_versions}
    assert versions == {1: CriteriaStatus.CURRENT, 2: CriteriaStatus.REJECTED}
    assert claim.rereview_due_at is None
    assert len(_actions("criteria.rejected")) == 1


def test_the_proposal_page_shows_the_diff_against_the_current_version(app):
    label = make_label_with_criteria()
    proposal = governance.propose_criteria(label, _new_criteria(), "", make_proposer(), NOW)
    view = proposal_view(proposal, NOW)
    assert [(c.kind, c.key) for c in view.changes] == [
        ("changed", "wages"),
        ("added", "repair"),
        ("removed", "sourcing"),
    ]
    assert view.is_open


def test_an_admission_vote_admits_the_coop_through_the_admission_decision(app):
    applicant = make_coop(status=CoopStatus.APPLIED)
    proposal = governance.propose_admission(applicant, make_proposer(), NOW)
    coop, admin = make_voter()
    governance.cast_vote(proposal, coop, "yes", admin, NOW)
    close_due(AFTER_CLOSE)
    db.session.refresh(applicant)
    assert applicant.status is CoopStatus.ADMITTED
    [admitted] = _actions("coop.admitted")
    assert admitted.actor_id is None and admitted.coop_id == applicant.id
    [passed] = _actions("proposal.passed")
    assert passed.coop_id == applicant.id


def test_only_an_applied_coop_can_be_put_to_an_admission_vote_once(app):
    applicant = make_coop(status=CoopStatus.APPLIED)
    governance.propose_admission(applicant, make_proposer(), NOW)
    with pytest.raises(governance.AlreadyProposed):
        governance.propose_admission(applicant, make_proposer(), NOW)
    with pytest.raises(governance.NotApplied):
        governance.propose_admission(make_coop(), make_proposer(), NOW)


def test_an_admission_vote_passed_after_the_admin_admitted_the_coop_changes_nothing(app):
    applicant = make_coop(status=CoopStatus.APPLIED)
    proposal = governance.propose_admission(applicant, make_proposer(), NOW)
    coop, admin = make_voter()
    governance.cast_vote(proposal, coop, "yes", admin, NOW)
    admission.decide(applicant, "admit", "", make_proposer())
    [closed] = close_due(AFTER_CLOSE)
    assert closed.status is ProposalStatus.PASSED
    assert len(_actions("coop.admitted")) == 1
    assert len(_actions("proposal.not_applied")) == 1
