"""Comparing criteria versions for the proposal page, and checking a new version."""

import pytest

from marketplace.domain.criteria import CriterionText, diff
from marketplace.domain.proposals import (
    MAX_CRITERIA,
    ProposalInvalid,
    check_criteria,
    check_fee_policy,
)

WAGES = CriterionText("wages", "Do all workers earn a living wage?", "", True)
SOURCING = CriterionText("sourcing", "Where do raw materials come from?", "Name them.", False)


def _kinds(changes):
    return [(c.kind, c.key, c.fields) for c in changes]


def test_identical_versions_have_only_unchanged_criteria():
    assert _kinds(diff([WAGES, SOURCING], [WAGES, SOURCING])) == [
        ("unchanged", "wages", ()),
        ("unchanged", "sourcing", ()),
    ]


def test_a_new_key_is_added_and_a_missing_key_is_removed():
    repair = CriterionText("repair", "Can it be repaired?", "", False)
    assert _kinds(diff([WAGES, SOURCING], [WAGES, repair])) == [
        ("unchanged", "wages", ()),
        ("added", "repair", ()),
        ("removed", "sourcing", ()),
    ]


@pytest.mark.parametrize(
    ("changed", "fields"),
    [
        (CriterionText("wages", "Do all workers earn enough?", "", True), ("question",)),
        (CriterionText("wages", WAGES.question, "Give the lowest wage.", True), ("guidance",)),
        (CriterionText("wages", WAGES.question, "", False), ("evidence_required",)),
        (
            CriterionText("wages", "Other?", "Other.", False),
            ("question", "guidance", "evidence_required"),
        ),
    ],
)
def test_a_changed_criterion_names_the_fields_that_differ(changed, fields):
    [change] = diff([WAGES], [changed])
    assert (change.kind, change.fields, change.old, change.new) == (
        "changed",
        fields,
        WAGES,
        changed,
    )


def test_a_first_version_is_all_added_and_follows_the_new_order():
    assert _kinds(diff([], [SOURCING, WAGES])) == [
        ("added", "sourcing", ()),
        ("added", "wages", ()),
    ]


ROW = {"key": "wages", "question": "Do all workers earn a living wage?", "guidance": ""}


def _fields(rows):
    with pytest.raises(ProposalInvalid) as refused:
        check_criteria(rows)
    return {error.field for error in refused.value.errors}


def test_good_criteria_are_cleaned():
    [text] = check_criteria(
        [dict(ROW, key=" Wages ", question="  Do all  workers earn? ", evidence_required="on")]
    )
    assert text == CriterionText("wages", "Do all workers earn?", "", True)


@pytest.mark.parametrize(
    ("rows", "fields"),
    [
        ([], {"criteria"}),
        ([{"key": "", "question": "", "guidance": ""}], {"criteria"}),
        ([dict(ROW, key="Wages & pay")], {"criteria-0-key"}),
        ([ROW, ROW], {"criteria-1-key"}),
        ([dict(ROW, question="Ok?")], {"criteria-0-question"}),
        ([dict(ROW, question="x" * 501)], {"criteria-0-question"}),
        ([dict(ROW, guidance="x" * 2001)], {"criteria-0-guidance"}),
        ([dict(ROW, key=f"k{i}") for i in range(MAX_CRITERIA + 1)], {"criteria"}),
    ],
)
def test_bad_criteria_name_the_faulty_field(rows, fields):
    assert _fields(rows) == fields


def test_blank_rows_are_ignored_but_keep_their_place_in_error_names():
    blank = {"key": "", "question": "", "guidance": ""}
    assert len(check_criteria([ROW, blank])) == 1
    assert _fields([blank, dict(ROW, key="")]) == {"criteria-1-key"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ((None, None, None, None), "basis_points"),
        ((10001, None, None, None), "basis_points"),
        ((600, 700, None, None), "fair_basis_points"),
        ((600, None, 200, 100), "maximum_fee"),
        ((600, None, "1.5", None), "minimum_fee"),
        ((600, None, None, -5), "maximum_fee"),
        ((True, None, None, None), "basis_points"),
    ],
)
def test_a_fee_policy_that_makes_no_sense_names_the_field(values, field):
    with pytest.raises(ProposalInvalid) as refused:
        check_fee_policy(*values)
    assert field in {error.field for error in refused.value.errors}


def test_a_good_fee_policy_is_read_as_integers():
    terms = check_fee_policy("600", "300", "", "5000")
    assert (terms.basis_points, terms.fair_basis_points, terms.minimum_fee, terms.maximum_fee) == (
        600,
        300,
        None,
        5000,
    )
