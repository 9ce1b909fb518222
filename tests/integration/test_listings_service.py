import pytest

from marketplace.extensions import db
from marketplace.models import Listing, ListingStatus
from marketplace.services import listings
from tests.factories import make_category, make_coop, make_listing

RAW = {
    "title": "Rye sourdough",
    "kind": "good",
    "category": "bread",
    "price": "4.50",
    "currency": "EUR",
    "vat_rate": "7",
    "stock": "3",
    "sku": "RYE-1",
}


@pytest.fixture
def coop(app):
    make_category(slug="bread", name="Bread")
    return make_coop()


def test_a_new_listing_is_a_draft_with_exact_minor_units(coop):
    listing = listings.create_listing(coop, RAW)
    assert listing.status is ListingStatus.DRAFT and listing.version == 1
    assert listing.price_amount == 450 and listing.vat_rate_bp == 700


def test_an_invalid_listing_stores_nothing(coop):
    with pytest.raises(listings.ListingInvalid) as refused:
        listings.create_listing(coop, {**RAW, "price": "-3", "category": "nope"})
    assert {e.field for e in refused.value.errors} == {"price", "category"}
    assert db.session.query(Listing).count() == 0


def test_a_sku_is_unique_within_a_coop_only(coop):
    listings.create_listing(coop, RAW)
    with pytest.raises(listings.ListingInvalid):
        listings.create_listing(coop, RAW)
    listings.create_listing(make_coop(), RAW)
    assert db.session.query(Listing).count() == 2


def test_saving_an_old_version_is_a_conflict_and_changes_nothing(coop):
    listing = listings.create_listing(coop, RAW)
    listings.update_listing(listing, {"title": "Rye sourdough, large"}, expected_version=1)
    assert listing.version == 2
    with pytest.raises(listings.VersionConflict) as conflict:
        listings.update_listing(listing, {"price": "9.00"}, expected_version=1)
    assert conflict.value.listing.version == 2
    db.session.refresh(listing)
    assert listing.price_amount == 450 and listing.title == "Rye sourdough, large"


def test_publish_pause_archive_restore(coop):
    listing = listings.create_listing(coop, RAW)
    listings.change_status(listing, "publish")
    assert listing.status is ListingStatus.ACTIVE and listing.published_at is not None
    listings.change_status(listing, "pause")
    listings.change_status(listing, "archive")
    with pytest.raises(listings.TransitionRefused):
        listings.change_status(listing, "pause")
    listings.change_status(listing, "restore")
    assert listing.status is ListingStatus.DRAFT


def test_a_listing_of_another_coop_is_not_found(coop):
    theirs = make_listing()
    with pytest.raises(listings.ListingNotFound):
        listings.coop_listing(coop, theirs.id)
