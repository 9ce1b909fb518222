"""The outcome of a vote: one eligible co-op, one vote; quorum and majority as settings."""

import pytest

from marketplace.domain.voting import Choice, tally

Y, N, A = Choice.YES, Choice.NO, Choice.ABSTAIN


@pytest.mark.parametrize(
    ("votes", "eligible", "quorum", "majority", "passed", "reason"),
    [
        # a tie fails
        ({1: Y, 2: N}, {1, 2}, 50, 50, False, "majority_missed"),
        ({1: Y, 2: N, 3: A, 4: A}, {1, 2, 3, 4}, 50, 50, False, "majority_missed"),
        # quorum exactly met: 2 of 4 is 50 %
        ({1: Y, 2: Y}, {1, 2, 3, 4}, 50, 50, True, "passed"),
        # quorum missed: 1 of 4 is 25 %, even though all who voted said yes
        ({1: Y}, {1, 2, 3, 4}, 50, 50, False, "quorum_missed"),
        # quorum rounds up: 50 % of 3 needs 2 votes
        ({1: Y}, {1, 2, 3}, 50, 50, False, "quorum_missed"),
        # abstentions count for the quorum, not for the majority
        ({1: Y, 2: A, 3: A}, {1, 2, 3, 4}, 50, 50, True, "passed"),
        ({1: A, 2: A}, {1, 2, 3, 4}, 50, 50, False, "majority_missed"),
        # votes of co-ops no longer eligible are ignored
        ({1: Y, 9: N, 8: N}, {1, 2}, 50, 50, True, "passed"),
        ({9: Y, 8: Y}, {1, 2}, 50, 50, False, "quorum_missed"),
        # nobody may vote
        ({}, set(), 50, 50, False, "no_eligible_coops"),
        ({1: Y}, set(), 0, 50, False, "no_eligible_coops"),
        # a quorum of 0 still needs someone to vote
        ({}, {1, 2}, 0, 50, False, "quorum_missed"),
        # a two-thirds majority: yes must be more than 66 % of yes + no
        ({1: Y, 2: Y, 3: N}, {1, 2, 3}, 50, 66, True, "passed"),
        ({1: Y, 2: Y, 3: N}, {1, 2, 3}, 50, 67, False, "majority_missed"),
        ({1: Y, 2: N}, {1, 2}, 50, 66, False, "majority_missed"),
        # a plain majority
        ({1: Y, 2: Y, 3: N}, {1, 2, 3}, 50, 50, True, "passed"),
        ({1: N, 2: N, 3: Y}, {1, 2, 3}, 50, 50, False, "majority_missed"),
        # choices as stored strings
        ({1: "yes", 2: "abstain"}, {1, 2}, 100, 50, True, "passed"),
    ],
)
def test_the_tally_follows_the_table(votes, eligible, quorum, majority, passed, reason):
    outcome = tally(votes, eligible, quorum, majority)
    assert (outcome.passed, outcome.reason) == (passed, reason)


def test_the_tally_counts_only_eligible_votes_and_says_how_many_were_needed():
    outcome = tally({1: Y, 2: N, 3: A, 7: Y}, {1, 2, 3, 4, 5}, 50, 50)
    assert (outcome.yes, outcome.no, outcome.abstain) == (1, 1, 1)
    assert (outcome.eligible, outcome.quorum_needed) == (5, 3)


def test_an_unknown_choice_is_refused():
    with pytest.raises(ValueError):
        tally({1: "maybe"}, {1}, 50, 50)
