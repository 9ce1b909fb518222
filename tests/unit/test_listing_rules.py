import pytest

from marketplace.domain.listing_rules import (
    TRANSITIONS,
    ListingAction,
    TransitionRefused,
    clean_listing,
    next_status,
)

STATUSES = ("draft", "active", "paused", "archived")
ALLOWED = {
    ("draft", "publish"): "active",
    ("paused", "publish"): "active",
    ("active", "pause"): "paused",
    ("draft", "archive"): "archived",
    ("active", "archive"): "archived",
    ("paused", "archive"): "archived",
    ("archived", "restore"): "draft",
}


@pytest.mark.parametrize(
    ("status", "action"), [(s, a) for s in STATUSES for a in ListingAction], ids=str
)
def test_every_status_and_action_is_allowed_or_refused_as_the_table_says(status, action):
    expected = ALLOWED.get((status, str(action)))
    if expected is None:
        with pytest.raises(TransitionRefused):
            next_status(status, action)
    else:
        assert next_status(status, action) == expected


def test_the_transition_table_is_exactly_the_documented_one():
    assert {(s, str(a)): t for (s, a), t in TRANSITIONS.items()} == ALLOWED


GOOD = {
    "title": "Rye sourdough, 1 kg",
    "description": "Baked this morning.",
    "kind": "good",
    "category": "bread",
    "price": "4.50",
    "currency": "EUR",
    "vat_rate": "7",
    "stock": "12",
}


def test_a_complete_listing_is_cleaned_into_model_values():
    values, errors = clean_listing({**GOOD, "ships_to": "de, at de", "sku": "RYE-1"})
    assert errors == []
    assert values["price_amount"] == 450 and values["vat_rate_bp"] == 700
    assert values["stock"] == 12 and values["capacity"] is None
    assert values["ships_to"] == "DE AT" and values["sku"] == "RYE-1"
    assert values["condition"] == "new" and values["language"] == "en"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "-1"}, "price"),
        ({"price": "0"}, "price"),
        ({"price": "0.00"}, "price"),
        ({"price": "99999999999"}, "price"),
        ({"price": "12.345"}, "price"),
        ({"price": "twelve"}, "price"),
        ({"price": ""}, "price"),
        ({"price_amount": 1.5}, "price"),
        ({"price_amount": True}, "price"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": 5}, "currency"),
        ({"title": "x" * 10_000}, "title"),
        ({"title": ""}, "title"),
        ({"title": "ab"}, "title"),
        ({"title": 42}, "title"),
        ({"description": "y" * 10_001}, "description"),
        ({"kind": "thing"}, "kind"),
        ({"kind": None}, "kind"),
        ({"category": ""}, "category"),
        ({"vat_rate": "abc"}, "vat_rate"),
        ({"vat_rate": "101"}, "vat_rate"),
        ({"vat_rate": "-5"}, "vat_rate"),
        ({"vat_rate": "7.125"}, "vat_rate"),
        ({"stock": "-1"}, "stock"),
        ({"stock": "1.5"}, "stock"),
        ({"stock": ""}, "stock"),
        ({"stock": "99999999"}, "stock"),
        ({"condition": "broken"}, "condition"),
        ({"language": "fr"}, "language"),
        ({"sku": "has spaces"}, "sku"),
        ({"sku": "s" * 65}, "sku"),
        ({"ships_to": "Germany"}, "ships_to"),
    ],
)
def test_bad_values_are_named_by_field(change, field):
    raw = {**GOOD, **change}
    if "price_amount" in change:
        raw.pop("price")
    values, errors = clean_listing(raw)
    assert field in {error.field for error in errors}, errors
    assert all(error.message for error in errors)


def test_services_need_no_stock_and_may_be_on_request():
    values, errors = clean_listing({**GOOD, "kind": "service", "stock": "5", "capacity": ""})
    assert errors == []
    assert values["stock"] is None and values["capacity"] is None


def test_html_in_text_is_kept_as_text_for_the_pages_to_escape():
    values, errors = clean_listing({**GOOD, "title": "<script>alert(1)</script>"})
    assert errors == [] and values["title"] == "<script>alert(1)</script>"


def test_zero_decimal_currencies_take_whole_amounts_only():
    assert clean_listing({**GOOD, "currency": "ISK", "price": "1500"})[0]["price_amount"] == 1500
    assert clean_listing({**GOOD, "currency": "ISK", "price": "15.5"})[1]
