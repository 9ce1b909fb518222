"""The pictures page of a listing, and the media files it serves."""

from __future__ import annotations

import io
import re

import pytest
from flask import render_template_string

from marketplace.models import MemberRole
from marketplace.services import images
from tests.factories import make_coop, make_listing, make_member, make_user
from tests.integration.test_images import jpeg_with_gps, media_files, picture, upload
from tests.web.helpers import log_in


@pytest.fixture
def shop(app):
    coop = make_coop(name="Kornblume Bakery", slug="kornblume")
    other = make_coop(name="Fika Roasters", slug="fika")
    listing = make_listing(coop=coop, title="Rye sourdough")
    theirs = make_listing(coop=other, title="Dark roast")
    member, admin, outsider = make_user(), make_user(), make_user()
    make_member(member, coop, MemberRole.MEMBER)
    make_member(admin, coop, MemberRole.ADMIN)
    make_member(outsider, other, MemberRole.ADMIN)
    return {
        "listing": listing,
        "theirs": theirs,
        "member": member,
        "admin": admin,
        "outsider": outsider,
        "buyer": make_user(),
        "federation_admin": make_user(is_federation_admin=True),
    }


def page_url(listing, slug="kornblume"):
    return f"/dashboard/{slug}/listings/{listing.id}/images"


def files(*items):
    return {"images": [(io.BytesIO(data), name, ctype) for data, name, ctype in items]}


def post_files(client, url, *items):
    return client.post(url, data=files(*items), content_type="multipart/form-data")


# Who may -----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, shop):
    response = client.get(page_url(shop["listing"]))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("who", "status"),
    [("buyer", 403), ("outsider", 403), ("federation_admin", 403), ("member", 200), ("admin", 200)],
)
def test_only_the_coops_own_people_reach_the_pictures_page(client, shop, who, status):
    log_in(client, shop[who])
    response = client.get(page_url(shop["listing"]))
    assert response.status_code == status
    if status == 200:
        assert "Rye sourdough" in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["buyer", "outsider"])
def test_nobody_else_can_add_move_describe_or_delete(client, shop, who):
    listing = shop["listing"]
    [image] = images.add_images(listing, [upload(picture(), "a.jpg")])
    log_in(client, shop[who])
    base = f"{page_url(listing)}/{image.id}"
    assert (
        post_files(client, page_url(listing), (picture(), "b.jpg", "image/jpeg")).status_code == 403
    )
    assert client.post(f"{base}/move", data={"direction": "down"}).status_code == 403
    assert client.post(f"{base}/alt-text", data={"alt_text": "hacked"}).status_code == 403
    assert client.post(f"{base}/delete").status_code == 403
    assert len(images.listing_image(listing, image.id).listing.images) == 1


def test_another_coops_listing_under_my_coop_is_not_found(client, shop):
    log_in(client, shop["member"])
    theirs = shop["theirs"]
    [image] = images.add_images(theirs, [upload(picture(), "a.jpg")])
    assert client.get(page_url(theirs)).status_code == 404
    assert client.post(f"{page_url(theirs)}/{image.id}/delete").status_code == 404
    # and a picture of another listing under my own listing's address
    assert client.post(f"{page_url(shop['listing'])}/{image.id}/delete").status_code == 404
    assert images.listing_image(theirs, image.id) is not None


# Uploading and managing ------------------------------------------------------------------------


def test_a_member_uploads_pictures_and_sees_their_thumbnails(client, shop):
    log_in(client, shop["member"])
    listing = shop["listing"]
    response = post_files(
        client,
        page_url(listing),
        (jpeg_with_gps(), "photo.jpg", "image/jpeg"),
        (picture("PNG", colour=(1, 2, 3)), "plan.png", "image/png"),
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 pictures added." in page
    first, second = images.listing_image(listing, listing.images[0].id).listing.images
    assert f'src="/media/{first.thumb_filename}"' in page
    assert f'src="/media/{second.thumb_filename}"' in page
    assert "Main picture" in page and "2 of 8 pictures." in page
    assert 'accept="image/jpeg,image/png,image/webp"' in page
    assert f'href="/dashboard/kornblume/listings/{listing.id}/edit"' in page


def test_a_bad_file_shows_every_problem_and_stores_nothing(client, shop):
    log_in(client, shop["member"])
    response = post_files(
        client,
        page_url(shop["listing"]),
        (picture(), "good.jpg", "image/jpeg"),
        (b"just some text", "notes.jpg", "image/jpeg"),
        (picture("PNG"), "disguised.jpg", "image/jpeg"),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page
    assert "notes.jpg is not a JPEG, PNG or WebP image." in page
    assert "disguised.jpg is really a PNG image, not JPEG as its name says." in page
    assert shop["listing"].images == [] and media_files() == set()


def test_names_in_messages_are_escaped(client, shop):
    log_in(client, shop["member"])
    response = post_files(
        client, page_url(shop["listing"]), (b"x", "<img src=x onerror=alert(1)>.jpg", "image/jpeg")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.jpg" in page


def test_submitting_without_a_file_asks_for_one(client, shop):
    log_in(client, shop["member"])
    response = client.post(page_url(shop["listing"]), data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose at least one picture." in response.get_data(as_text=True)


def test_pictures_are_moved_described_and_deleted(client, shop):
    log_in(client, shop["admin"])
    listing = shop["listing"]
    a, b = images.add_images(
        listing, [upload(picture(colour=(9, 9, 9)), "a.jpg"), upload(picture(), "b.jpg")]
    )
    base = page_url(listing)

    assert client.post(f"{base}/{b.id}/move", data={"direction": "up"}).status_code == 302
    assert client.post(f"{base}/{b.id}/move", data={"direction": "sideways"}).status_code == 400
    response = client.post(f"{base}/{a.id}/alt-text", data={"alt_text": "Loaf, cut open"})
    assert response.status_code == 302
    too_long = client.post(f"{base}/{a.id}/alt-text", data={"alt_text": "x" * 300})
    assert too_long.status_code == 400
    assert "Keep the description to 200 characters." in too_long.get_data(as_text=True)

    page = client.get(base).get_data(as_text=True)
    assert page.index(b.thumb_filename) < page.index(a.thumb_filename)
    assert 'alt="Loaf, cut open"' in page

    gone = {b.filename, b.thumb_filename}
    assert client.post(f"{base}/{b.id}/delete").status_code == 302
    assert "Picture deleted." in client.get(base).get_data(as_text=True)
    assert not gone & media_files()


def test_the_upload_form_goes_away_when_the_listing_is_full(client, shop, app):
    app.config["MAX_IMAGES_PER_LISTING"] = 1
    log_in(client, shop["member"])
    images.add_images(shop["listing"], [upload(picture(), "a.jpg")])
    page = client.get(page_url(shop["listing"])).get_data(as_text=True)
    assert 'type="file"' not in page
    assert "Delete one to add another." in page


def test_forms_carry_a_csrf_token_and_a_post_without_one_is_refused(client, shop, app):
    listing = shop["listing"]
    [image] = images.add_images(listing, [upload(picture(), "a.jpg")])
    log_in(client, shop["member"])
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(page_url(listing)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert page.count(f'name="csrf_token" value="{token}"') >= 4  # describe, move, delete, upload

    delete = f"{page_url(listing)}/{image.id}/delete"
    assert client.post(delete).status_code == 400
    assert len(images.listing_image(listing, image.id).listing.images) == 1
    assert client.post(delete, data={"csrf_token": token}).status_code == 302


def test_an_upload_over_the_request_limit_gets_a_clear_page(client, shop, app):
    log_in(client, shop["member"])
    # Encoded by hand: the test client would spool a body this big to a file it never closes.
    head = (
        '--b\r\nContent-Disposition: form-data; name="images"; filename="huge.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    )
    body = head.encode() + b"0" * app.config["MAX_CONTENT_LENGTH"] + b"\r\n--b--\r\n"
    response = client.post(
        page_url(shop["listing"]), data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "16 MB" in page and "fewer or smaller" in page


# Serving ---------------------------------------------------------------------------------


def get(client, path, **kwargs):
    """GET and close: a served file stays open until its response is closed."""
    with client.get(path, **kwargs) as response:
        response.get_data()
        return response


def test_media_files_are_served_to_be_cached_for_good(client, shop):
    [image] = images.add_images(shop["listing"], [upload(picture(), "a.jpg")])
    response = get(client, f"/media/{image.filename}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    cache = response.cache_control
    assert cache.public and cache.max_age == 31536000 and cache.immutable
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"]
    assert response.data == (images.media_folder() / image.filename).read_bytes()

    etag = response.headers["ETag"]
    assert (
        get(client, f"/media/{image.filename}", headers={"If-None-Match": etag}).status_code == 304
    )

    thumb = get(client, f"/media/{image.thumb_filename}")
    assert thumb.status_code == 200 and thumb.mimetype == "image/webp"


@pytest.mark.parametrize(
    "path",
    [
        "/media/" + "a" * 64 + ".jpg",
        "/media/secret_key",
        "/media/../secret_key",
        "/media/..%2fsecret_key",
        "/media/%2e%2e/%2e%2e/marketplace.db",
        "/media/" + "a" * 64 + ".jpg/..%2f..%2fsecret_key",
    ],
)
def test_unknown_files_and_paths_outside_the_media_folder_are_not_found(client, shop, path):
    images.add_images(shop["listing"], [upload(picture(), "a.jpg")])
    assert get(client, path).status_code == 404


# In the shop -------------------------------------------------------------------------------


def test_shop_cards_show_the_first_pictures_thumbnail(client, shop):
    listing = shop["listing"]
    first, _ = images.add_images(
        listing, [upload(picture(colour=(9, 9, 9)), "a.jpg"), upload(picture(), "b.jpg")]
    )
    page = client.get("/").get_data(as_text=True)
    assert f'src="/media/{first.thumb_filename}"' in page
    assert 'alt="Rye sourdough"' in page


def test_the_gallery_shows_the_main_picture_and_links_the_others(app, shop):
    listing = shop["listing"]
    main, other = images.add_images(
        listing, [upload(picture(size=(900, 600)), "a.jpg"), upload(picture("PNG"), "b.png")]
    )
    images.set_alt_text(main, "Rye loaf on a board")
    template = '{% from "partials/macros.html" import gallery %}{{ gallery(listing) }}'
    with app.test_request_context():
        html = render_template_string(template, listing=listing)
        bare = render_template_string(template, listing=shop["theirs"])
    assert f'src="/media/{main.filename}"' in html and 'alt="Rye loaf on a board"' in html
    assert f"/media/{main.thumb_filename} 480w" in html
    assert f'href="/media/{other.filename}"' in html
    assert f'src="/media/{other.thumb_filename}"' in html
    assert 'alt="Picture 2 of Rye sourdough"' in html
    assert "<img" not in bare and "thumb-large" in bare  # no pictures: the letter tile
