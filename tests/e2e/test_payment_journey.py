"""Pay once, split exactly: a three-co-op cart paid by bank transfer, marked paid by the
federation, one line refunded by its co-op, and every co-op's exact payout on the payouts page."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect
from werkzeug.serving import make_server

from marketplace import create_app
from marketplace.extensions import db
from marketplace.i18n import money_of
from marketplace.models import Order, PaymentStatus
from marketplace.services import ledger, payments, transfers
from marketplace.services.seed import seed_demo
from tests import conftest as base
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

COOPS = ["backstube-mur", "de-draad", "elbdruck"]
PASSWORD = "demo-password"


@pytest.fixture(scope="module")
def site(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Flask]]:
    """A demo federation of its own, and its app, so the test can read the books it kept."""
    folder = tmp_path_factory.mktemp("payment-live")
    database = folder / "live.db"
    shutil.copyfile(sqlite_template, database)
    settings = base.test_settings(f"sqlite:///{database}", folder / "instance")
    settings.update({"WTF_CSRF_ENABLED": True, "TESTING": False})
    app = create_app(settings)
    with app.app_context():
        seed_demo()
        db.engine.dispose()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(timeout=5)


def _log_in(browser, url: str, email: str):
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash")).to_contain_text("You are logged in")
    return context, page


def _add_first_available_offer(page, slug: str) -> None:
    page.goto(f"/coops/{slug}")
    for href in [a.get_attribute("href") for a in page.locator(".card a").all()]:
        page.goto(href)
        button = page.get_by_role("button", name="Add to cart")
        if button.count():
            button.click()
            expect(page.locator(".flash")).to_contain_text("cart")
            return
    raise AssertionError(f"nothing to buy at {slug}")


def _order(app: Flask, reference: str) -> Order:
    found = payments.find_order(reference)
    assert found is not None
    return found


def test_a_three_coop_cart_paid_by_bank_refunded_in_part_and_paid_out_to_the_unit(browser, site):
    url, app = site
    buyer, page = _log_in(browser, url, "maria@example.org")
    for slug in COOPS:
        _add_first_available_offer(page, slug)
    page.goto("/cart")
    page.get_by_role("link", name="Check out").or_(
        page.get_by_role("button", name="Check out")
    ).first.click()
    page.get_by_label("Full name").fill("Maria Buyer")
    page.get_by_label("Street and house number").fill("Hauptstraße 1")
    page.get_by_label("Postcode").fill("10115")
    page.get_by_label("Town or city").fill("Berlin")
    page.get_by_label("Country").select_option("DE")
    page.get_by_role("button", name="Continue to review").click()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Order [A-Z0-9]{4}-"))
    reference = page.get_by_role("heading", level=1).inner_text().removeprefix("Order ").strip()
    # the buyer is shown the federation's account and the reference to quote
    box = page.locator(".pay-box")
    expect(box).to_contain_text("IBAN")
    expect(box).to_contain_text(reference)
    screenshot(page, "payment-journey-how-to-pay")

    # the federation's admin records the transfer that arrived: exactly the amount due
    admin, desk = _log_in(browser, url, "admin@example.org")
    desk.goto("/admin/payments")
    row = desk.locator(f"#order-{reference}")
    expect(row).to_be_visible()
    row.get_by_role("button", name="Record").click()
    expect(desk.locator(".flash")).to_contain_text("paid in full")
    with app.app_context():
        order = _order(app, reference)
        assert order.payment_status is PaymentStatus.PAID
        assert order.amount_received == order.total_amount
        parts = {co.coop.slug: co for co in order.coop_orders}
        assert set(parts) == set(COOPS)
        refunded_coop = parts[COOPS[0]]
        line = refunded_coop.lines[0]
        coop_order_id, unit_price, title = refunded_coop.id, line.unit_price, line.title

    # the first co-op refunds one unit of its line
    coop, dashboard = _log_in(browser, url, f"admin.{COOPS[0]}@example.org")
    dashboard.goto(f"/dashboard/{COOPS[0]}/orders/{coop_order_id}")
    dashboard.get_by_label(title).fill("1")
    dashboard.get_by_role("button", name="Check the refund").click()
    dashboard.get_by_role("button", name=re.compile("^Refund .* now$")).click()
    with app.test_request_context():
        refunded = money_of(unit_price, "EUR")  # formatted as pages do
    expect(dashboard.locator(".flash")).to_contain_text(f"Refunded {refunded} to the buyer")
    screenshot(dashboard, "payment-journey-refund")

    # the payouts page shows every co-op's exact amount: its orders' totals, less the fee,
    # less what went back to the buyer, to the cent
    desk.goto("/admin/payouts")
    with app.test_request_context():
        order = _order(app, reference)
        for co in order.coop_orders:
            settled = co.settlement
            assert settled.payout + settled.fee + settled.refunded == co.total_amount
            assert settled.refunded == (unit_price if co.id == coop_order_id else 0)
        owed = {p.coop.slug: money_of(p.amount, "EUR") for p in transfers.pending_bank_payouts()}
        assert ledger.check() == []
    for slug in COOPS:
        cell = desk.locator(f"#payout-{slug}-EUR")
        expect(cell).to_contain_text(owed[slug])
        expect(cell).to_contain_text(reference)
    screenshot(desk, "payment-journey-payouts")
    for context in (buyer, admin, coop):
        context.close()
