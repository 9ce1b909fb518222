"""The co-ops' pending bank payouts, exported for the federation's bank.

Two shapes: a CSV the treasurer can read or load into a spreadsheet, and a SEPA
credit-transfer order (pain.001.001.03, the version every SEPA bank accepts) that
online banking pays in one upload. The XML holds only what a bank can pay: positive
euro amounts to a co-op with a valid IBAN; the rest is listed as skipped with why.
Amounts are written as exact decimals from the integer minor units.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from ..domain.bank import normalise_iban, valid_iban
from ..domain.money import Money
from .transfers import BankPayout

SEPA_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
CSV_HEADER = (
    "coop",
    "coop_slug",
    "account_holder",
    "iban",
    "bic",
    "amount",
    "currency",
    "remittance",
    "transfer_ids",
    "reversal_ids",
)
#: the SEPA limits: names, remittance text, identifiers
_NAME_LIMIT, _REMITTANCE_LIMIT, _ID_LIMIT = 70, 140, 35
#: what SEPA guarantees every bank carries (the EPC's basic Latin character set)
_SEPA_UNSAFE = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                          "ß": "ss", "&": "+", "Å": "A", "å": "a", "Ø": "O", "ø": "o",
                          "Æ": "AE", "æ": "ae"})  # fmt: skip


class Skip(StrEnum):
    """Why a payout is not in the SEPA file."""

    #: the co-op has not given an IBAN
    NO_IBAN = "no_iban"
    #: the IBAN fails its check digits
    BAD_IBAN = "bad_iban"
    #: SEPA pays euros only
    NOT_EUR = "not_eur"
    #: nothing is owed (refunds took it all)
    NOTHING_OWED = "nothing_owed"
    #: refunds after an earlier payout: the co-op owes the federation
    COOP_OWES = "coop_owes"


@dataclass(frozen=True)
class Skipped:
    payout: BankPayout
    reason: Skip


def iban_of(payout: BankPayout) -> str:
    """The co-op's IBAN without spaces, upper case ("" when it has none)."""
    return normalise_iban(payout.coop.bank_iban or "")


def sepa_split(payouts: Sequence[BankPayout]) -> tuple[list[BankPayout], list[Skipped]]:
    """The payouts a SEPA credit transfer can pay, and the others with the reason."""
    payable: list[BankPayout] = []
    skipped: list[Skipped] = []
    for payout in payouts:
        reason = skip_reason(payout)
        if reason is None:
            payable.append(payout)
        else:
            skipped.append(Skipped(payout, reason))
    return payable, skipped


def skip_reason(payout: BankPayout) -> Skip | None:
    """Why the payout cannot go in a SEPA file; None when it can."""
    if payout.amount < 0:
        return Skip.COOP_OWES
    if payout.amount == 0:
        return Skip.NOTHING_OWED
    if payout.currency != "EUR":
        return Skip.NOT_EUR
    iban = iban_of(payout)
    if not iban:
        return Skip.NO_IBAN
    if not valid_iban(iban):
        return Skip.BAD_IBAN
    return None


def _major(amount: int, currency: str) -> Decimal:
    return Money(amount, currency).to_decimal()


def references(payout: BankPayout) -> list[str]:
    """The orders the payout pays for, and those whose refunds it takes back."""
    refunded = {r.transfer.order.reference for r in payout.reversals}
    return sorted(set(payout.references) | refunded)


def remittance(payout: BankPayout, limit: int | None = None) -> str:
    """ "Co-op Market payout, orders K7Q4-M2XD, ABCD-EFGH", cut to `limit` characters with the
    number of references left out."""
    head = "Co-op Market payout, orders " if payout.amount >= 0 else "Owed back, orders "
    named = references(payout)
    text = head + ", ".join(named)
    if limit is None or len(text) <= limit:
        return text
    for shown in range(len(named) - 1, -1, -1):
        text = f"{head}{', '.join(named[:shown])} +{len(named) - shown} more"
        if len(text) <= limit:
            return text
    return text[:limit]


def _cell(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def payouts_csv(payouts: Sequence[BankPayout]) -> str:
    """One row per co-op and currency: bank details, amount (negative: owed back), references."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for payout in payouts:
        coop = payout.coop
        writer.writerow(
            [
                _cell(coop.name),
                coop.slug,
                _cell(coop.bank_account_holder or ""),
                iban_of(payout),
                (coop.bank_bic or "").strip().upper(),
                _major(payout.amount, payout.currency),
                payout.currency,
                remittance(payout),
                " ".join(str(t.id) for t in payout.transfers),
                " ".join(str(r.id) for r in payout.reversals),
            ]
        )
    return buffer.getvalue()


def sepa_text(text: str, limit: int) -> str:
    """`text` in the SEPA character set (umlauts spelled out, accents dropped), cut to `limit`."""
    spelled = unicodedata.normalize("NFKD", text.translate(_SPELLED))
    plain = "".join(char for char in spelled if not unicodedata.combining(char))
    return " ".join(_SEPA_UNSAFE.sub(" ", plain).split())[:limit].strip()


def end_to_end_id(payout: BankPayout) -> str:
    """The same id whenever the same payout is exported: C<co-op>-T<first>-<last transfer>."""
    ids = sorted(t.id for t in payout.transfers)
    return f"C{payout.coop.id}-T{ids[0]}-{ids[-1]}"[:_ID_LIMIT] if ids else f"C{payout.coop.id}"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _agent(parent: ET.Element, tag: str, bic: str) -> None:
    institution = _add(_add(parent, tag), "FinInstnId")
    if bic:
        _add(institution, "BIC", bic)
    else:  # IBAN-only payments: the bank finds the BIC itself
        _add(_add(institution, "Othr"), "Id", "NOTPROVIDED")


def sepa_xml(
    payouts: Sequence[BankPayout],
    *,
    debtor_name: str,
    debtor_iban: str,
    debtor_bic: str,
    message_id: str,
    created_at: datetime,
    execution_date: date | None = None,
) -> bytes:
    """A pain.001.001.03 credit-transfer order paying every payout a SEPA bank can pay."""
    payable, _skipped = sepa_split(payouts)
    total = sum((_major(p.amount, p.currency) for p in payable), Decimal("0.00"))
    message_id = sepa_text(message_id, _ID_LIMIT)
    ET.register_namespace("", SEPA_NAMESPACE)
    document = ET.Element(f"{{{SEPA_NAMESPACE}}}Document")
    root = _add(document, "CstmrCdtTrfInitn")
    header = _add(root, "GrpHdr")
    _add(header, "MsgId", message_id)
    _add(header, "CreDtTm", created_at.replace(microsecond=0, tzinfo=None).isoformat())
    _add(header, "NbOfTxs", str(len(payable)))
    _add(header, "CtrlSum", f"{total:.2f}")
    _add(_add(header, "InitgPty"), "Nm", sepa_text(debtor_name, _NAME_LIMIT))
    batch = _add(root, "PmtInf")
    _add(batch, "PmtInfId", message_id)
    _add(batch, "PmtMtd", "TRF")
    _add(batch, "NbOfTxs", str(len(payable)))
    _add(batch, "CtrlSum", f"{total:.2f}")
    _add(_add(_add(batch, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    _add(batch, "ReqdExctnDt", (execution_date or created_at.date()).isoformat())
    _add(_add(batch, "Dbtr"), "Nm", sepa_text(debtor_name, _NAME_LIMIT))
    _add(_add(_add(batch, "DbtrAcct"), "Id"), "IBAN", normalise_iban(debtor_iban))
    _agent(batch, "DbtrAgt", debtor_bic.strip().upper())
    _add(batch, "ChrgBr", "SLEV")
    for payout in payable:
        coop = payout.coop
        transaction = _add(batch, "CdtTrfTxInf")
        _add(_add(transaction, "PmtId"), "EndToEndId", end_to_end_id(payout))
        amount = _major(payout.amount, payout.currency)
        _add(_add(transaction, "Amt"), "InstdAmt", f"{amount:.2f}", Ccy="EUR")
        bic = (coop.bank_bic or "").strip().upper()
        if bic:
            _agent(transaction, "CdtrAgt", bic)
        _add(
            _add(transaction, "Cdtr"),
            "Nm",
            sepa_text(coop.bank_account_holder or coop.name, _NAME_LIMIT),
        )
        _add(_add(_add(transaction, "CdtrAcct"), "Id"), "IBAN", iban_of(payout))
        _add(
            _add(transaction, "RmtInf"),
            "Ustrd",
            sepa_text(remittance(payout, _REMITTANCE_LIMIT), _REMITTANCE_LIMIT),
        )
    ET.indent(document)
    body = ET.tostring(document, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()
