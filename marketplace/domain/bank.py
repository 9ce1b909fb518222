"""Bank account details for bank payouts: IBAN and BIC, checked as banks check them."""

from __future__ import annotations

import re

_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")


def normalise_iban(text: str) -> str:
    """An IBAN as typed ("de89 3704 0044 ...") in its electronic form ("DE8937040044...")."""
    return "".join(text.split()).upper()


def valid_iban(iban: str) -> bool:
    """True for an IBAN in electronic form whose ISO 13616 check digits (mod 97) hold."""
    if not _IBAN.match(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def valid_bic(bic: str) -> bool:
    """True for a BIC of 8 or 11 characters (bank, country, location, optional branch)."""
    return bool(_BIC.match(bic))
