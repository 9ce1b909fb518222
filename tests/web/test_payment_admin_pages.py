"""The federation admin's payments page (bank transfers in, statements, refunds to send) and
payouts page (what each co-op is owed, exported, marked paid)."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import (
    MemberRole,
    Order,
    PaymentReceipt,
    PaymentSource,
    PaymentStatus,
    Refund,
    RefundStatus,
    Transfer,
    TransferStatus,
)
from marketplace.services import ledger, refunds
from tests.factories import make_coop, make_listing, make_member, make_user
from tests.governance_factories import adopt_fee_policy
from tests.order_factories import mark_paid, place_order
from tests.web.helpers import log_in

pytestmark = pytest.mark.usefixtures("no_search_sync")


def text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def flashes(markup: str) -> list[str]:
    found = [text(m) for m in re.findall(r'<p class="flash[^"]*">(.*?)</p>', markup, re.S)]
    return [message for message in found if message != "You are logged in."]


def table_rows(markup: str, css: str) -> list[str]:
    table = re.search(rf'<table class="data {css}">(.*?)</table>', markup, re.S)
    assert table is not None, css
    return [text(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table[1], re.S)]


@pytest.fixture
def shop(app):
    """A 74.99 EUR three-co-op order awaiting a bank transfer, and a federation admin."""
    adopt_fee_policy(basis_points=600, fair_basis_points=300)
    bakery = make_coop(
        name="Kornblume Bakery",
        slug="kornblume",
        bank_account_holder="Kornblume eG",
        bank_iban="DE89370400440532013000",
        bank_bic="COBADEFFXXX",
    )
    weavers = make_coop(name="Lindengarn Weavers", slug="lindengarn")
    soap = make_coop(name="Seifen Kollektiv", slug="seife", bank_iban="DE02120300000000202051")
    buyer = make_user(name="Ada Buyer", email="ada@example.org")
    order = place_order(
        buyer,
        (make_listing(coop=bakery, price_amount=4000), 1),
        (make_listing(coop=weavers, price_amount=1250), 2),
        (make_listing(coop=soap, price_amount=999), 1),
    )
    return {
        "admin": make_user(is_federation_admin=True),
        "order": order,
        "buyer": buyer,
        "bakery": bakery,
    }


def fresh(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/payments"),
        ("post", "/admin/payments/{ref}"),
        ("post", "/admin/payments/statement"),
        ("post", "/admin/refunds/1/sent"),
        ("get", "/admin/payouts"),
        ("get", "/admin/payouts.csv"),
        ("get", "/admin/payouts.xml"),
        ("post", "/admin/payouts/kornblume/EUR/paid"),
    ],
)
def test_only_federation_admins_reach_the_bank_desk(client, shop, method, path):
    url = path.format(ref=shop["order"].reference)
    anonymous = client.open(url, method=method.upper(), data={"amount": "74.99"})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    coop_admin = make_user()
    make_member(coop_admin, shop["bakery"], MemberRole.ADMIN)
    for person in (shop["buyer"], coop_admin, make_user(is_reviewer=True)):
        log_in(client, person)
        response = client.open(url, method=method.upper(), data={"amount": "74.99"})
        assert response.status_code == 403, (person, url)
    assert fresh(shop["order"]).amount_received == 0


def test_the_page_lists_orders_awaiting_payment_with_the_outstanding_amount(client, shop):
    order = shop["order"]
    mark_paid(order, 2500)
    log_in(client, shop["admin"])

    markup = client.get("/admin/payments").get_data(as_text=True)

    rows = table_rows(markup, "payments-awaiting")
    assert rows[1].startswith(f"{order.reference} Ada Buyer · ada@example.org ")
    assert rows[1].endswith("€74.99 €25.00 €49.99 EUR Record")
    # the amount to type is prefilled with what is still owed, in major units
    assert f'id="amount-{order.id}" name="amount" value="49.99"' in markup
    assert 'href="/admin/payments"' in client.get("/admin/").get_data(as_text=True)


def test_marking_a_typed_amount_received_pays_the_order(client, shop):
    order = shop["order"]
    log_in(client, shop["admin"])

    response = client.post(
        f"/admin/payments/{order.reference}",
        data={"amount": "74,99", "note": "Sparkasse 10.03."},
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert flashes(response.get_data(as_text=True)) == [
        f"Order {order.reference}: received €74.99, paid in full; 3 co-op transfers pending."
    ]
    assert fresh(order).payment_status is PaymentStatus.PAID
    receipt = db.session.scalars(select(PaymentReceipt)).one()
    assert (receipt.source, receipt.note, receipt.recorded_by_id) == (
        PaymentSource.ADMIN,
        "Sparkasse 10.03.",
        shop["admin"].id,
    )
    assert ledger.check() == []


def test_less_or_more_than_is_owed_says_what_is_left_or_owed_back(client, shop):
    order = shop["order"]
    log_in(client, shop["admin"])

    less = client.post(f"/admin/payments/{order.reference}", data={"amount": "50"})
    more = client.post(f"/admin/payments/{order.reference}", data={"amount": "26.00"})

    assert less.status_code == more.status_code == 302
    markup = client.get("/admin/payments").get_data(as_text=True)
    assert flashes(markup) == [
        f"Order {order.reference}: received €50.00, €24.99 still owed.",
        f"Order {order.reference}: received €26.00, paid in full; 3 co-op transfers pending; "
        "€1.01 owed back to the buyer.",
    ]
    owed_back = table_rows(markup, "refunds-to-send")[1]
    assert owed_back.startswith(f"{order.reference} Ada Buyer · ada@example.org ")
    assert owed_back.endswith("Paid too much Paid more than the order was worth. €1.01 Mark sent")


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Give the amount received."),
        ("lots", "Type the amount in EUR, like 74.99."),
        ("74.999", "Type the amount in EUR, like 74.99."),
        ("0", "The amount received must be more than zero."),
        ("-5", "The amount received must be more than zero."),
        ("9" * 30, "That amount is too large to record here."),
    ],
)
def test_an_amount_that_cannot_be_read_is_a_400_with_a_message(client, shop, typed, message):
    order = shop["order"]
    log_in(client, shop["admin"])

    response = client.post(f"/admin/payments/{order.reference}", data={"amount": typed})

    assert response.status_code == 400
    markup = response.get_data(as_text=True)
    assert flashes(markup) == [f"Nothing recorded for order {order.reference}: check the amount."]
    assert message in text(markup)
    assert f'value="{html.escape(typed)}"' in markup  # what was typed stays to correct it
    assert fresh(order).amount_received == 0


def test_an_unknown_reference_is_a_404(client, shop):
    log_in(client, shop["admin"])
    assert client.post("/admin/payments/ZZZZ-ZZZZ", data={"amount": "1"}).status_code == 404


def test_an_uploaded_bank_statement_is_recorded_and_reported(client, shop):
    order = shop["order"]
    log_in(client, shop["admin"])
    statement = (
        "Buchungstag;Name;Verwendungszweck;Betrag;Währung\n"
        f"10.03.2026;Ada Buyer;Bestellung {order.reference.replace('-', '').lower()};74,99;EUR\n"
        "10.03.2026;Stadtwerke;Strom;-50,00;EUR\n"
        "11.03.2026;Unbekannt;Spende;20,00;EUR\n"
    ).encode("utf-8-sig")

    def upload(**extra):
        return client.post(
            "/admin/payments/statement",
            data={"file": (io.BytesIO(statement), "maerz.csv"), **extra},
            content_type="multipart/form-data",
        )

    checked = upload(dry_run="y")
    assert checked.status_code == 200
    assert "Statement checked: nothing was recorded" in text(checked.get_data(as_text=True))
    assert fresh(order).amount_received == 0

    response = upload()

    assert response.status_code == 200
    markup = response.get_data(as_text=True)
    assert (
        "Statement imported 1 recorded 0 already recorded 1 to handle by hand 1 debit passed"
        in (text(markup))
    )
    assert table_rows(markup, "statement-report")[1:] == [
        f"2 10.03.2026 Ada Buyer Bestellung {order.reference.replace('-', '').lower()} "
        f"€74.99 {order.reference} paid in full",
        "4 11.03.2026 Unbekannt Spende €20.00 no order reference in the text",
    ]
    assert fresh(order).payment_status is PaymentStatus.PAID
    again = text(upload().get_data(as_text=True))
    assert "0 recorded 1 already recorded" in again
    assert ledger.check() == []


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Choose the CSV file your bank exported."),
        (b"hello;world\n", "No header row with an amount"),
    ],
)
def test_a_missing_or_unreadable_statement_is_a_400_with_the_reason(client, shop, content, message):
    log_in(client, shop["admin"])
    upload = {} if content is None else {"file": (io.BytesIO(content), "x.csv")}

    response = client.post(
        "/admin/payments/statement", data=upload, content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert message in text(response.get_data(as_text=True))


def test_refunds_to_send_by_bank_are_listed_and_marked_sent(client, shop):
    order = mark_paid(shop["order"])
    jam = next(co for co in order.coop_orders if co.total_amount == 2500)
    made, _created = refunds.refund(
        jam, actor=None, idempotency_key="r1", amount=1250, reason="One jar arrived broken."
    )
    log_in(client, shop["admin"])

    rows = table_rows(client.get("/admin/payments").get_data(as_text=True), "refunds-to-send")
    assert rows[1].startswith(f"{order.reference} Ada Buyer · ada@example.org ")
    assert rows[1].endswith("Co-op refund One jar arrived broken. €12.50 Mark sent")

    response = client.post(f"/admin/refunds/{made.id}/sent", follow_redirects=True)

    markup = response.get_data(as_text=True)
    assert flashes(markup) == [
        f"Recorded: €12.50 sent back to Ada Buyer for order {order.reference}."
    ]
    assert "No refund is waiting to be sent by bank." in markup
    db.session.expire_all()
    assert db.session.get(Refund, made.id).status is RefundStatus.PAID
    assert ledger.check() == []
    unknown = client.post("/admin/refunds/999999/sent", follow_redirects=True)
    assert flashes(unknown.get_data(as_text=True)) == ["No such refund."]


def test_the_payouts_page_shows_each_coops_exact_amount_and_bank_details(client, shop):
    order = mark_paid(shop["order"])
    log_in(client, shop["admin"])

    markup = client.get("/admin/payouts").get_data(as_text=True)

    rows = table_rows(markup, "payouts-pending")
    ref = order.reference
    assert rows[1:] == [
        f"Kornblume Bakery Kornblume eG DE89370400440532013000 · COBADEFFXXX {ref} €37.60 "
        "Mark paid",
        f"Lindengarn Weavers No bank details Ask the co-op to add them in its settings. "
        f"{ref} €23.50 Mark paid",
        f"Seifen Kollektiv Seifen Kollektiv DE02120300000000202051 {ref} €9.39 Mark paid",
    ]
    assert "SEPA file (2 payments)" in markup
    csv_response = client.get("/admin/payouts.csv")
    assert csv_response.mimetype == "text/csv"
    assert csv_response.headers["Content-Disposition"].startswith('attachment; filename="payouts-')
    assert csv_response.get_data(as_text=True).startswith("\ufeffcoop,coop_slug,account_holder")
    xml_response = client.get("/admin/payouts.xml")
    assert xml_response.mimetype == "application/xml"
    assert b"<CtrlSum>46.99</CtrlSum>" in xml_response.get_data()


def test_marking_a_payout_paid_keeps_the_ledger_sound(client, shop):
    mark_paid(shop["order"])
    bakery = shop["bakery"]
    log_in(client, shop["admin"])

    stale = client.post("/admin/payouts/kornblume/EUR/paid", data={"expected": "3700"})
    assert stale.status_code == 302
    response = client.post(
        "/admin/payouts/kornblume/EUR/paid", data={"expected": "3760"}, follow_redirects=True
    )

    markup = response.get_data(as_text=True)
    assert flashes(markup) == [
        "The amount owed to Kornblume Bakery changed since you looked: check it again.",
        "Recorded: €37.60 paid to Kornblume Bakery.",
    ]
    paid = db.session.scalars(select(Transfer).where(Transfer.coop_id == bakery.id)).one()
    assert paid.status is TransferStatus.PAID and paid.paid_by_id == shop["admin"].id
    assert "Kornblume Bakery" in table_rows(markup, "transfers-paid")[1]
    assert "€37.60" in table_rows(markup, "transfers-paid")[1]
    assert ledger.check() == []
    again = client.post(
        "/admin/payouts/kornblume/EUR/paid", data={"expected": "3760"}, follow_redirects=True
    )
    assert flashes(again.get_data(as_text=True)) == ["Nothing is owed to Kornblume Bakery."]


def test_a_coop_that_owes_money_back_reads_owes_back(client, shop):
    order = mark_paid(shop["order"])
    bakery = shop["bakery"]
    log_in(client, shop["admin"])
    client.post("/admin/payouts/kornblume/EUR/paid", data={"expected": "3760"})
    bread = next(co for co in order.coop_orders if co.coop_id == bakery.id)
    refunds.refund(bread, actor=None, idempotency_key="r", amount=1000)

    markup = client.get("/admin/payouts").get_data(as_text=True)

    row = next(r for r in table_rows(markup, "payouts-pending") if "Kornblume" in r)
    assert row.endswith(
        f"{order.reference} less 1 refund after an earlier payout owes back €9.40 Mark paid back"
    )
    response = client.post(
        "/admin/payouts/kornblume/EUR/paid", data={"expected": "-940"}, follow_redirects=True
    )
    assert flashes(response.get_data(as_text=True)) == [
        "Recorded: Kornblume Bakery paid back €9.40."
    ]
    assert ledger.check() == []
