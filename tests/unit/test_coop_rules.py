import pytest

from marketplace.domain.coop_rules import Decision, DecisionRefused, decide_status, leaves_an_admin

STATUSES = ("applied", "admitted", "suspended", "declined")
ALLOWED = {
    ("applied", "admit"): "admitted",
    ("applied", "decline"): "declined",
    ("declined", "admit"): "admitted",
    ("admitted", "suspend"): "suspended",
    ("suspended", "readmit"): "admitted",
}


@pytest.mark.parametrize(("status", "decision"), [(s, d) for s in STATUSES for d in Decision])
def test_every_admission_decision_follows_the_table(status, decision):
    expected = ALLOWED.get((status, str(decision)))
    if expected is None:
        with pytest.raises(DecisionRefused):
            decide_status(status, decision)
    else:
        assert decide_status(status, decision) == expected


@pytest.mark.parametrize(
    ("admins", "user", "stays", "ok"),
    [
        ({1}, 1, False, False),
        ({1}, 1, True, True),
        ({1, 2}, 1, False, True),
        ({1}, 2, False, True),
        (set(), 3, True, True),
    ],
)
def test_a_coop_always_keeps_an_admin(admins, user, stays, ok):
    assert leaves_an_admin(admins, user, stays) is ok
