"""IBAN and BIC checks for the account a co-op's bank payouts go to."""

from __future__ import annotations

import pytest

from marketplace.domain.bank import normalise_iban, valid_bic, valid_iban


@pytest.mark.parametrize(
    ("typed", "valid"),
    [
        ("DE89 3704 0044 0532 0130 00", True),
        ("de89370400440532013000", True),
        ("NL91ABNA0417164300", True),
        ("SE45 5000 0000 0583 9825 7466", True),
        ("DE89 3704 0044 0532 0130 01", False),  # one digit off: the check digits catch it
        ("DE8937040044053201300", False),  # too short for any IBAN
        ("1234", False),
        ("", False),
    ],
)
def test_an_iban_is_valid_only_when_its_check_digits_hold(typed, valid):
    assert valid_iban(normalise_iban(typed)) is valid


@pytest.mark.parametrize(
    ("bic", "valid"),
    [("BYLADEM1001", True), ("ABNANL2A", True), ("ABNANL2", False), ("1BNANL2A", False)],
)
def test_a_bic_has_eight_or_eleven_characters_of_the_right_kinds(bic, valid):
    assert valid_bic(bic) is valid
