"""English, German and Swedish, with prices formatted for the locale."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.factories import make_coop, make_listing, make_user
from tests.web.helpers import log_in

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "marketplace" / "translations"


@pytest.mark.parametrize(
    ("language", "words", "price"),
    [
        ("en", "Categories", "€12.50"),
        ("de", "Kategorien", "12,50\xa0€"),
        ("sv", "Kategorier", "12,50\xa0€"),
    ],
)
def test_the_browser_language_picks_text_and_price_format(client, language, words, price):
    listing = make_listing(price_amount=1250, currency="EUR")
    page = client.get(f"/listings/{listing.id}", headers={"Accept-Language": language}).get_data(
        as_text=True
    )
    assert words in page and price in page
    assert f'<html lang="{language}">' in page


def test_swedish_crowns_read_as_kronor(client):
    coop = make_coop(country="SE")
    listing = make_listing(coop=coop, price_amount=8900, currency="SEK", vat_rate_bp=2500)
    page = client.get(f"/listings/{listing.id}", headers={"Accept-Language": "sv"})
    text = page.get_data(as_text=True)
    assert "89,00\xa0kr" in text and "25\xa0%" in text


def test_the_language_switch_overrides_the_browser_and_is_kept_for_the_account(client):
    user = make_user()
    log_in(client, user)
    client.post("/language", data={"lang": "sv", "next": "/categories/"})
    page = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Kategorier" in page
    from marketplace.extensions import db

    db.session.refresh(user)
    assert user.locale == "sv"


def test_an_unknown_language_is_ignored(client):
    response = client.post("/language", data={"lang": "xx", "next": "/"})
    assert response.status_code == 302
    assert "Categories" in client.get("/").get_data(as_text=True)


def test_the_language_switch_never_redirects_off_site(client):
    response = client.post("/language", data={"lang": "de", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_the_catalogs_cover_every_message_in_the_code(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    for language in ("de", "sv"):
        with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle)
        done = {
            m.id
            for m in catalog
            if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
        }
        missing = {m if isinstance(m, str) else m[0] for m in wanted - done}
        assert not missing, f"{language} lacks translations for {sorted(missing)[:10]}"
