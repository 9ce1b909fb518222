"""One admitted co-op, one vote: the outcome of a proposal. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Choice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


@dataclass(frozen=True)
class Outcome:
    passed: bool
    #: "passed", "quorum_missed", "majority_missed" or "no_eligible_coops"
    reason: str
    yes: int
    no: int
    abstain: int
    eligible: int
    #: votes needed for the quorum
    quorum_needed: int


def tally(
    votes: dict[int, Choice | str],
    eligible: set[int],
    quorum_percent: int,
    majority_percent: int,
) -> Outcome:
    """Count one vote per eligible co-op; votes of co-ops no longer eligible do not count.

    Quorum: at least `quorum_percent` of eligible co-ops voted (abstentions count as
    taking part). Majority: yes is MORE than `majority_percent` of yes + no, so a tie
    at 50 % fails. Integer arithmetic only.
    """
    counted = {coop: Choice(choice) for coop, choice in votes.items() if coop in eligible}
    yes = sum(1 for c in counted.values() if c is Choice.YES)
    no = sum(1 for c in counted.values() if c is Choice.NO)
    abstain = len(counted) - yes - no
    total = len(eligible)
    # ceil(total * quorum / 100) without floats
    needed = -(-total * quorum_percent // 100)

    def outcome(passed: bool, reason: str) -> Outcome:
        return Outcome(passed, reason, yes, no, abstain, total, needed)

    if total == 0:
        return outcome(False, "no_eligible_coops")
    if len(counted) < needed or not counted:
        return outcome(False, "quorum_missed")
    if yes * 100 > majority_percent * (yes + no):
        return outcome(True, "passed")
    return outcome(False, "majority_missed")
