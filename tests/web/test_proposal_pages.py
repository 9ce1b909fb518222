"""The proposal pages: reading, proposing, voting and the close on page load."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import (
    CoopStatus,
    FeePolicy,
    MemberRole,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Vote,
)
from marketplace.models.base import utcnow
from marketplace.services import governance
from tests.factories import make_coop, make_member, make_user
from tests.governance_factories import (
    CRITERIA,
    make_label_with_criteria,
    make_proposer,
    make_voter,
)
from tests.web.helpers import log_in


def _fee_proposal() -> Proposal:
    return governance.propose_fee_policy(500, None, None, None, "Lower fee", make_proposer())


def _criteria_form(rows: list[dict], **extra: str) -> dict[str, str]:
    data = {"summary": "Clearer wording", **extra}
    for i, row in enumerate(rows):
        for name in ("key", "question", "guidance"):
            data[f"criteria-{i}-{name}"] = row.get(name, "")
        if row.get("evidence_required"):
            data[f"criteria-{i}-evidence_required"] = "y"
    return data


def _votes(proposal: Proposal) -> list[Vote]:
    return list(db.session.scalars(select(Vote).where(Vote.proposal_id == proposal.id)))


def test_proposals_need_an_account_but_any_buyer_may_read_them(client):
    proposal = _fee_proposal()
    response = client.get("/proposals/")
    assert response.status_code == 302 and "/login" in response.location
    log_in(client, make_user())
    page = client.get("/proposals/").get_data(as_text=True)
    assert "A new federation fee" in page
    assert "0 of 0 co-ops voted" in page
    assert client.get(f"/proposals/{proposal.id}").status_code == 200
    assert client.get("/proposals/999999").status_code == 404


def test_a_buyer_cannot_propose(client):
    label = make_label_with_criteria()
    applicant = make_coop(status=CoopStatus.APPLIED)
    log_in(client, make_user())
    assert client.get("/proposals/new/fee-policy").status_code == 403
    assert client.get(f"/proposals/new/criteria/{label.slug}").status_code == 403
    assert client.post(f"/proposals/new/admission/{applicant.slug}").status_code == 403
    assert "Put something to a vote" not in client.get("/proposals/").get_data(as_text=True)
    assert db.session.scalar(select(Proposal.id)) is None


def test_the_criteria_form_starts_from_the_current_criteria_and_adds_rows(client):
    label = make_label_with_criteria()
    log_in(client, make_user(is_reviewer=True))
    page = client.get(f"/proposals/new/criteria/{label.slug}").get_data(as_text=True)
    assert CRITERIA[0]["question"] in page and CRITERIA[1]["question"] in page
    response = client.post(
        f"/proposals/new/criteria/{label.slug}", data=_criteria_form(CRITERIA, add_row="1")
    )
    assert response.status_code == 200
    assert 'name="criteria-2-question"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Proposal.id)) is None


def test_bad_criteria_are_shown_next_to_their_field(client):
    label = make_label_with_criteria()
    log_in(client, make_proposer())
    rows = [CRITERIA[0], dict(CRITERIA[1], key="wages")]
    response = client.post(f"/proposals/new/criteria/{label.slug}", data=_criteria_form(rows))
    assert response.status_code == 400
    assert "another criterion has this key" in response.get_data(as_text=True)
    assert db.session.scalar(select(Proposal.id)) is None


def test_a_criteria_proposal_is_shown_as_a_diff_against_the_current_version(client):
    label = make_label_with_criteria()
    log_in(client, make_proposer())
    rows = [
        dict(CRITERIA[0], question="Do all workers earn at least a living wage?"),
        {"key": "repair", "question": "Can buyers get it repaired?"},
        {"key": "", "question": "", "guidance": ""},
    ]
    response = client.post(f"/proposals/new/criteria/{label.slug}", data=_criteria_form(rows))
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Version 2 compared with version 1" in page
    assert (
        'class="diff-changed"' in page and "<del>Do all workers earn a living wage?</del>" in page
    )
    assert 'class="diff-added"' in page and "Can buyers get it repaired?" in page
    assert 'class="diff-removed"' in page and CRITERIA[1]["question"] in page


def test_a_fee_policy_is_proposed_and_shown_old_to_new(client):
    db.session.add(FeePolicy(basis_points=600, adopted_at=utcnow() - timedelta(days=90)))
    db.session.commit()
    log_in(client, make_proposer())
    form = client.get("/proposals/new/fee-policy").get_data(as_text=True)
    assert 'value="600"' in form
    response = client.post(
        "/proposals/new/fee-policy", data={"basis_points": "500", "fair_basis_points": "300"}
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "600 basis points" in page and "500 basis points" in page


def test_a_fee_policy_that_makes_no_sense_is_refused_with_a_400(client):
    log_in(client, make_proposer())
    response = client.post(
        "/proposals/new/fee-policy", data={"basis_points": "500", "fair_basis_points": "700"}
    )
    assert response.status_code == 400
    assert "must not be more than the normal rate" in response.get_data(as_text=True)
    assert db.session.scalar(select(Proposal.id)) is None


def test_a_coop_admin_votes_and_changes_the_vote_until_the_close(client):
    proposal = _fee_proposal()
    coop, admin = make_voter()
    log_in(client, admin)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Cast the vote" in page
    url = f"/proposals/{proposal.id}/vote"
    assert client.post(url, data={"coop": coop.slug, "choice": "yes"}).status_code == 303
    assert client.post(url, data={"coop": coop.slug, "choice": "no"}).status_code == 303
    [vote] = _votes(proposal)
    assert vote.choice == "no"
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Change the vote" in page and coop.name in page


def test_a_vote_without_a_choice_is_a_400(client):
    proposal = _fee_proposal()
    coop, admin = make_voter()
    log_in(client, admin)
    response = client.post(f"/proposals/{proposal.id}/vote", data={"coop": coop.slug})
    assert response.status_code == 400
    assert _votes(proposal) == []


def test_a_member_who_is_not_an_admin_cannot_vote(client):
    proposal = _fee_proposal()
    coop = make_coop()
    member = make_user()
    make_member(member, coop, MemberRole.MEMBER)
    log_in(client, member)
    assert "Cast the vote" not in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    response = client.post(
        f"/proposals/{proposal.id}/vote", data={"coop": coop.slug, "choice": "yes"}
    )
    assert response.status_code == 403
    assert _votes(proposal) == []


def test_an_admin_of_a_coop_not_admitted_cannot_vote(client):
    proposal = _fee_proposal()
    for status in (CoopStatus.SUSPENDED, CoopStatus.APPLIED):
        coop, admin = make_voter(status=status)
        log_in(client, admin)
        page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
        assert "Only admitted co-ops vote" in page and "Cast the vote" not in page
        response = client.post(
            f"/proposals/{proposal.id}/vote", data={"coop": coop.slug, "choice": "yes"}
        )
        assert response.status_code == 403
    assert _votes(proposal) == []


def test_a_vote_after_the_close_is_refused_and_the_page_load_closes_the_vote(client):
    proposal = _fee_proposal()
    coop, admin = make_voter()
    governance.cast_vote(proposal, coop, "yes", admin)
    proposal.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    log_in(client, admin)
    response = client.post(
        f"/proposals/{proposal.id}/vote", data={"coop": coop.slug, "choice": "no"}
    )
    assert response.status_code == 409
    assert "This vote has closed" in response.get_data(as_text=True)
    page = client.get("/proposals/").get_data(as_text=True)
    assert "Passed" in page
    db.session.refresh(proposal)
    assert proposal.status is ProposalStatus.PASSED
    assert governance.current_fee_policy().id == proposal.fee_policy_id
    assert _votes(proposal)[0].choice == "yes"


def test_a_federation_admin_puts_an_applied_coop_to_an_admission_vote(client):
    applicant = make_coop(status=CoopStatus.APPLIED, name="Neue Mühle")
    log_in(client, make_proposer())
    response = client.post(f"/proposals/new/admission/{applicant.slug}")
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert proposal.kind is ProposalKind.ADMISSION and proposal.coop_id == applicant.id
    assert "Admit Neue Mühle" in client.get(response.location).get_data(as_text=True)
    again = client.post(f"/proposals/new/admission/{applicant.slug}", follow_redirects=True)
    assert "already put to a vote" in again.get_data(as_text=True)
    assert client.post("/proposals/new/admission/no-such-coop").status_code == 404
