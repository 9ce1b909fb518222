"""The public shop shows only active listings of admitted co-ops."""

from marketplace.models import CoopStatus, ListingKind, ListingStatus, MemberRole
from tests.factories import (
    make_category,
    make_coop,
    make_label,
    make_listing,
    make_member,
    make_user,
)
from tests.web.helpers import log_in


def test_home_features_listings_from_several_coops(client):
    bakery = make_coop(name="Kornblume Bakery")
    roasters = make_coop(name="Fika Roasters")
    for _ in range(6):
        make_listing(coop=bakery, title="Rye bread")
    make_listing(coop=roasters, title="Ethiopia Yirgacheffe 250 g")
    make_label(name="Fair trade", summary="Producers are paid fairly.")
    page = client.get("/").get_data(as_text=True)
    assert "Ethiopia Yirgacheffe 250 g" in page and "Rye bread" in page
    assert "Fair trade" in page and "Producers are paid fairly." in page


def test_home_leaves_out_drafts_and_suspended_coops(client):
    make_listing(title="Secret draft", status=ListingStatus.DRAFT)
    make_listing(title="Suspended bread", coop=make_coop(status=CoopStatus.SUSPENDED))
    make_listing(title="Applied bread", coop=make_coop(status=CoopStatus.APPLIED))
    make_listing(title="Visible bread")
    page = client.get("/").get_data(as_text=True)
    assert "Visible bread" in page
    assert "Secret draft" not in page
    assert "Suspended bread" not in page and "Applied bread" not in page


def test_listing_page_shows_price_vat_coop_and_stock(client):
    listing = make_listing(title="Spelt loaf", price_amount=1250, vat_rate_bp=700, stock=3)
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "Spelt loaf" in page
    assert "€12.50" in page
    assert "7" in page and "VAT" in page
    assert "3 in stock" in page
    assert listing.coop.name in page


def test_services_on_request_and_sold_out_goods_say_so(client):
    service = make_listing(kind=ListingKind.SERVICE, title="Website audit", capacity=None)
    sold_out = make_listing(title="Last loaf", stock=0)
    assert "On request" in client.get(f"/listings/{service.id}").get_data(as_text=True)
    assert "Sold out" in client.get(f"/listings/{sold_out.id}").get_data(as_text=True)


def test_a_draft_is_404_for_the_public_but_previewable_by_its_coop(client):
    coop = make_coop()
    draft = make_listing(coop=coop, status=ListingStatus.DRAFT, title="Unfinished")
    assert client.get(f"/listings/{draft.id}").status_code == 404
    outsider = make_user()
    log_in(client, outsider)
    assert client.get(f"/listings/{draft.id}").status_code == 404
    member = make_user()
    make_member(member, coop, MemberRole.MEMBER)
    log_in(client, member)
    response = client.get(f"/listings/{draft.id}")
    assert response.status_code == 200
    assert "Preview" in response.get_data(as_text=True)


def test_listings_of_a_suspended_coop_disappear(client):
    coop = make_coop(status=CoopStatus.SUSPENDED)
    listing = make_listing(coop=coop)
    assert client.get(f"/listings/{listing.id}").status_code == 404
    assert client.get(f"/coops/{coop.slug}").status_code == 404


def test_coop_page_lists_its_active_offers_paginated(client, app):
    app.config["LISTINGS_PER_PAGE"] = 2
    coop = make_coop(name="Velo Kollektiv", description="We repair bikes.")
    titles = [f"Bike service {n}" for n in range(3)]
    for title in titles:
        make_listing(coop=coop, title=title)
    make_listing(coop=coop, title="Paused one", status=ListingStatus.PAUSED)
    first = client.get(f"/coops/{coop.slug}").get_data(as_text=True)
    second = client.get(f"/coops/{coop.slug}?page=2").get_data(as_text=True)
    assert "Velo Kollektiv" in first and "We repair bikes." in first
    assert "3 offers" in first
    shown = [t for t in titles if t in first] + [t for t in titles if t in second]
    assert sorted(shown) == titles
    assert "Paused one" not in first + second


def test_category_page_includes_subcategories_and_sorts_by_price(client):
    food = make_category(name="Food", slug="food")
    bread = make_category(name="Bread", slug="bread", parent=food)
    make_listing(category=bread, title="Cheap roll", price_amount=90)
    make_listing(category=food, title="Dear hamper", price_amount=9900)
    page = client.get("/categories/food?sort=price_desc").get_data(as_text=True)
    assert page.index("Dear hamper") < page.index("Cheap roll")
    page = client.get("/categories/food?sort=price_asc").get_data(as_text=True)
    assert page.index("Cheap roll") < page.index("Dear hamper")
    assert "Cheap roll" in client.get("/categories/bread").get_data(as_text=True)
    assert "Dear hamper" not in client.get("/categories/bread").get_data(as_text=True)


def test_category_index_and_coop_index_list_what_exists(client):
    food = make_category(name="Food and drink", slug="food")
    make_category(name="Coffee", slug="coffee", parent=food)
    make_coop(name="Printworks Collective")
    make_coop(name="Still Applying", status=CoopStatus.APPLIED)
    categories = client.get("/categories/").get_data(as_text=True)
    assert "Food and drink" in categories and "Coffee" in categories
    coops = client.get("/coops/").get_data(as_text=True)
    assert "Printworks Collective" in coops and "Still Applying" not in coops


def test_labels_page_explains_each_label(client):
    make_label(
        name="Organic",
        summary="Grown without synthetic pesticides.",
        description="Certified by an accredited body.",
    )
    page = client.get("/labels/").get_data(as_text=True)
    assert "Organic" in page and "Certified by an accredited body." in page


def test_unknown_things_get_the_404_page(client):
    for url in ("/listings/999999", "/coops/nope", "/categories/nope", "/no-such-page"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.get_data(as_text=True)


def test_text_from_coops_is_escaped(client):
    listing = make_listing(title="<script>alert(1)</script>", description="<b>bold</b>")
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
