"""The co-ops' pending bank payouts as CSV and as a SEPA credit-transfer order (pain.001.001.03)."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from marketplace.domain.bank import valid_iban
from marketplace.models import Coop, Order, Transfer
from marketplace.services import refunds, transfers
from marketplace.services.payouts_export import (
    CSV_HEADER,
    SEPA_NAMESPACE,
    Skip,
    payouts_csv,
    remittance,
    sepa_split,
    sepa_text,
    sepa_xml,
)
from tests.factories import make_coop, make_listing, make_user
from tests.governance_factories import adopt_fee_policy
from tests.order_factories import mark_paid, place_order

NS = {"p": SEPA_NAMESPACE}
CREATED = datetime(2026, 3, 31, 16, 5, 9, 123456, tzinfo=UTC)


@pytest.fixture
def owed(app):
    """Four co-ops owed money by bank (one without an IBAN, one in SEK), one owing some back."""
    adopt_fee_policy(basis_points=600, fair_basis_points=300)
    buyer = make_user()
    bakery = make_coop(
        name="Kornblume Bäckerei",
        slug="kornblume",
        bank_account_holder="Kornblume Bäckerei & Café eG",
        bank_iban="DE89 3704 0044 0532 0130 00",
        bank_bic="COBADEFFXXX",
    )
    weavers = make_coop(
        name="=Lindengarn Weavers", slug="lindengarn", bank_iban="de02120300000000202051"
    )
    fika = make_coop(name="Fika Kooperativ", slug="fika", currency="SEK", country="SE")
    fika.bank_iban, fika.bank_bic = "SE4550000000058398257466", "ESSESESS"
    nobank = make_coop(name="Mühle ohne Bank", slug="muehle")
    sugar = make_coop(name="Zuckerhut", slug="zuckerhut", bank_iban="DE89370400440532013000")
    euro_order = place_order(
        buyer,
        (make_listing(coop=bakery, price_amount=4000), 1),
        (make_listing(coop=weavers, price_amount=1250), 2),
        (make_listing(coop=nobank, price_amount=999), 1),
        (make_listing(coop=sugar, price_amount=1000), 1),
    )
    second = place_order(buyer, (make_listing(coop=bakery, price_amount=555), 1))
    sek_order = place_order(buyer, (make_listing(coop=fika, price_amount=10000, currency="SEK"), 1))
    for order in (euro_order, second, sek_order):
        mark_paid(order)
    # the federation paid the sugar co-op, then refunded its whole order: it owes 9.40 back
    transfers.mark_bank_payout_paid(sugar, "EUR", actor=None)
    sugar_order = next(co for co in euro_order.coop_orders if co.coop_id == sugar.id)
    refunds.refund(sugar_order, actor=None, idempotency_key="all", amount=1000)
    return {
        "payouts": transfers.pending_bank_payouts(),
        "orders": (euro_order, second, sek_order),
    }


def ids(payout) -> str:
    return " ".join(str(t.id) for t in payout.transfers)


def test_the_csv_lists_every_payout_with_bank_details_and_exact_amounts(owed):
    euro, second, sek = (order.reference for order in owed["orders"])
    by_name = {p.coop.slug: p for p in owed["payouts"]}
    assert [p.coop.slug for p in owed["payouts"]] == [
        "lindengarn",
        "fika",
        "kornblume",
        "muehle",
        "zuckerhut",
    ]

    rows = list(csv.reader(io.StringIO(payouts_csv(owed["payouts"]))))

    sugar_reversal = by_name["zuckerhut"].reversals[0].id
    assert rows == [
        list(CSV_HEADER),
        # the name starts with "=": a spreadsheet must show it, never run it
        [
            "'=Lindengarn Weavers", "lindengarn", "", "DE02120300000000202051", "", "23.50",
            "EUR", f"Co-op Market payout, orders {euro}", ids(by_name["lindengarn"]), "",
        ],
        [
            "Fika Kooperativ", "fika", "", "SE4550000000058398257466", "ESSESESS", "94.00",
            "SEK", f"Co-op Market payout, orders {sek}", ids(by_name["fika"]), "",
        ],
        [
            "Kornblume Bäckerei", "kornblume", "Kornblume Bäckerei & Café eG",
            "DE89370400440532013000", "COBADEFFXXX", "42.82", "EUR",
            f"Co-op Market payout, orders {', '.join(sorted([euro, second]))}",
            ids(by_name["kornblume"]), "",
        ],
        [
            "Mühle ohne Bank", "muehle", "", "", "", "9.39", "EUR",
            f"Co-op Market payout, orders {euro}", ids(by_name["muehle"]), "",
        ],
        [
            "Zuckerhut", "zuckerhut", "", "DE89370400440532013000", "", "-9.40", "EUR",
            f"Owed back, orders {euro}", "", str(sugar_reversal),
        ],
    ]  # fmt: skip


def test_only_positive_euro_payouts_to_a_valid_iban_go_in_the_sepa_file(owed):
    payable, skipped = sepa_split(owed["payouts"])

    assert [p.coop.slug for p in payable] == ["lindengarn", "kornblume"]
    assert [(s.payout.coop.slug, s.reason) for s in skipped] == [
        ("fika", Skip.NOT_EUR),
        ("muehle", Skip.NO_IBAN),
        ("zuckerhut", Skip.COOP_OWES),
    ]


def test_the_sepa_file_parses_and_its_control_sum_is_the_sum_of_its_amounts(owed):
    euro, second, _sek = (order.reference for order in owed["orders"])

    xml = sepa_xml(
        owed["payouts"],
        debtor_name="Föderation der Genossenschaften",
        debtor_iban="DE02 1203 0000 0000 2020 51",
        debtor_bic="BYLADEM1001",
        message_id="COOPMKT-20260331-160509",
        created_at=CREATED,
    )

    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso')
    root = ET.fromstring(xml)  # noqa: S314 - our own output
    assert root.tag == f"{{{SEPA_NAMESPACE}}}Document"
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert [child.tag.split("}")[1] for child in header] == [
        "MsgId",
        "CreDtTm",
        "NbOfTxs",
        "CtrlSum",
        "InitgPty",
    ]
    assert header.findtext("p:MsgId", namespaces=NS) == "COOPMKT-20260331-160509"
    assert header.findtext("p:CreDtTm", namespaces=NS) == "2026-03-31T16:05:09"
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "2"
    batch = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert batch.findtext("p:PmtMtd", namespaces=NS) == "TRF"
    assert batch.findtext("p:ReqdExctnDt", namespaces=NS) == "2026-03-31"
    assert batch.findtext("p:Dbtr/p:Nm", namespaces=NS) == "Foederation der Genossenschaften"
    assert batch.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "DE02120300000000202051"
    assert batch.findtext("p:DbtrAgt/p:FinInstnId/p:BIC", namespaces=NS) == "BYLADEM1001"
    amounts = [el.text for el in batch.iterfind("p:CdtTrfTxInf/p:Amt/p:InstdAmt", NS)]
    assert amounts == ["23.50", "42.82"]
    assert all(re.fullmatch(r"\d+\.\d\d", text) for text in amounts)
    control = header.findtext("p:CtrlSum", namespaces=NS)
    assert control == batch.findtext("p:CtrlSum", namespaces=NS) == "66.32"
    assert Decimal(control) == sum(Decimal(text) for text in amounts)
    assert {el.get("Ccy") for el in batch.iterfind("p:CdtTrfTxInf/p:Amt/p:InstdAmt", NS)} == {"EUR"}
    weavers, bakery = batch.findall("p:CdtTrfTxInf", NS)
    by_slug = {p.coop.slug: p for p in owed["payouts"]}
    first = sorted(t.id for t in by_slug["kornblume"].transfers)
    assert bakery.findtext("p:PmtId/p:EndToEndId", namespaces=NS) == (
        f"C{by_slug['kornblume'].coop.id}-T{first[0]}-{first[-1]}"
    )
    assert bakery.findtext("p:Cdtr/p:Nm", namespaces=NS) == "Kornblume Baeckerei + Cafe eG"
    assert bakery.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) == "DE89370400440532013000"
    assert bakery.findtext("p:CdtrAgt/p:FinInstnId/p:BIC", namespaces=NS) == "COBADEFFXXX"
    assert bakery.findtext("p:RmtInf/p:Ustrd", namespaces=NS) == (
        f"Co-op Market payout, orders {', '.join(sorted([euro, second]))}"
    )
    # no BIC given: IBAN-only, the bank finds the creditor's bank itself
    assert weavers.find("p:CdtrAgt", NS) is None
    assert weavers.findtext("p:Cdtr/p:Nm", namespaces=NS) == "Lindengarn Weavers"


def test_a_long_list_of_orders_is_cut_to_140_characters_with_the_count_left_out(app):
    coop = Coop(id=7, name="Kornblume", slug="kornblume")
    payout = transfers.BankPayout(
        coop,
        "EUR",
        transfers=[
            Transfer(id=n, amount=100, order=Order(reference=f"R{n:03d}-XXXX"))
            for n in range(1, 31)
        ],
    )

    text = remittance(payout, 140)

    assert len(text) <= 140
    assert text.startswith("Co-op Market payout, orders R001-XXXX, R002-XXXX, ")
    shown = text.count("-XXXX")
    assert text.endswith(f", R{shown:03d}-XXXX +{30 - shown} more")
    assert len(remittance(payout, 140 - 10)) <= 130


def test_iban_check_digits_and_the_sepa_character_set():
    assert valid_iban("DE89370400440532013000")
    assert not valid_iban("DE89370400440532013001")
    assert not valid_iban("DE8937")
    assert sepa_text("Åsa & Söner <Kaffe> ça va?", 70) == "Asa + Soener Kaffe ca va?"
    assert sepa_text("x" * 200, 70) == "x" * 70
